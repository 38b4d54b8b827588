"""``fleetctl plan``: the plan of a stack as a table or JSON, the changes against its lock, and
the lock update.

The table shows what the spec asks (MAX NODES, PODS/NODE) beside what the plan makes room for
(NODE CAPACITY, POD IPS, SERVICE IPS), the Kubernetes and ASM versions, and lists every
allocation that is new since the lock and every lock entry the spec no longer has. A renamed
cluster is a removal plus an addition: its old ranges are released, the new name gets new ones.

Released entries are not freed: ``--write`` moves them to the lock's ``held`` entries, reserved
in every later plan (never handed out) until you confirm the removal was applied, after the
``pulumi up`` that deleted their resources: ``--applied`` (every held entry),
``--removal-applied KEY...`` (some), or ``--state FILE`` (each held entry whose CIDR the state no
longer carries). The "Held" section says which entries are held, why, and how to free them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from fleetctl.errors import InputError
from fleetctl.held import gone, state_resources
from fleetctl.inventory import offline_reader
from fleetctl.plan_sections import (
    existing_lines,
    held_lines,
    ipam_lines,
    table,
    versions_lines,
)
from fleetctl.stackconfig import (
    StackConfigError,
    add_stack_options,
    fleet_config,
    load_project,
    load_stack_config,
)
from meshfleet.errors import MeshfleetError
from meshfleet.layout import Plan
from meshfleet.lock import LOCK_VERSION, Lock, dump_lock, load_lock, lock_path
from meshfleet.notices import write_command
from meshfleet.pipeline import plan_stack

EXAMPLES = """examples:
  fleetctl plan --stack example            # tables; `+` new since the lock, `-` released
  fleetctl plan --stack example --json     # machine-readable, with the changes
  fleetctl plan --stack example --write    # record the plan in locks/example.json
  fleetctl plan --stack example --applied --write
                                           # after `pulumi up`: free every held entry
  fleetctl plan --stack example --removal-applied service:ack-2 --write
  fleetctl plan --stack example --state before.json --write
                                           # free held entries the state no longer has
"""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "plan",
        help="the CIDR plan of a stack (table or JSON); update its lock",
        description=__doc__,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_stack_options(p, "project directory (default: this meshfleet checkout)")
    p.add_argument(
        "--lock",
        type=Path,
        default=None,
        help="lock file (default: <program>/locks/<stack>.json); must exist",
    )
    p.add_argument(
        "--answers",
        type=Path,
        default=None,
        metavar="FILE",
        help="recorded data-source answers (YAML/JSON, as `fleetctl check --answers`):"
        " what the account holds, for a spec that reads it (IPAM pools, existing "
        "VPCs and clusters, versions not yet locked)",
    )
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument(
        "--write",
        action="store_true",
        help="record the plan's allocations, versions and held entries in the lock "
        "file (review the diff)",
    )
    p.add_argument(
        "--applied",
        action="store_true",
        help="the removals the lock holds were applied (`pulumi up` ran): free every held entry",
    )
    p.add_argument(
        "--removal-applied",
        nargs="+",
        default=[],
        metavar="KEY",
        help="free these held entries (lock keys, e.g. service:ack-2): their removal was applied",
    )
    p.add_argument(
        "--state",
        type=Path,
        default=None,
        metavar="FILE",
        help="the stack's state (`fleetctl check --save-state` or `pulumi stack "
        "export`): free every held entry whose CIDR it no longer carries",
    )
    p.set_defaults(func=plan_command)


INPUT_ERRORS = (MeshfleetError, StackConfigError)
"""Bad input: a spec, lock, project or stack file that is wrong (exit 2, the message only)."""


def load_plan(
    program: Path,
    stack: str,
    lock_file: Path | None = None,
    answers: Path | None = None,
    free: Collection[str] = (),
) -> tuple[Plan, Path]:
    """Spec from the stack config, lock from disk, what exists from recorded answers, plan:
    what the stack program does (``meshfleet.pipeline.plan_stack``), with the held entries
    ``free`` released. A ``--lock`` the user names must exist."""
    path = lock_path(program, stack)  # validates the stack name, even with --lock
    path = lock_file or path
    project = load_project(program)
    reader = offline_reader(
        answers,
        project=str(project["name"]),
        stack=stack,
        config=load_stack_config(program, project, stack),
    )
    return plan_stack(
        fleet_config(program, stack),
        path,
        lock_must_exist=lock_file is not None,
        read=reader,
        free=free,
    ), path


def freed_keys(lock: Lock, args: argparse.Namespace) -> dict[str, str]:
    """The held entries the user confirms were removed (``--applied``, ``--removal-applied``,
    ``--state``), each with what confirmed it; an unknown ``--removal-applied`` key is an
    ``InputError`` listing the held ones."""
    unknown = [k for k in args.removal_applied if k not in lock.held]
    if unknown:
        held = ", ".join(lock.held) or "none"
        raise InputError(
            f"--removal-applied {' '.join(unknown)}: not held in the lock (held: "
            f"{held}). A key the lock still allocates is held by `plan --write` "
            "once the spec drops it; confirm its removal after the `pulumi up` "
            "that follows"
        )
    out = {k: "--removal-applied" for k in args.removal_applied}
    if args.state is not None:
        out.update(
            {
                k: f"--state {args.state}"
                for k in sorted(gone(lock.held, state_resources(args.state)))
            }
        )
    if args.applied:
        out.update({k: "--applied" for k in lock.held})
    return dict(sorted(out.items()))


def changes(
    p: Plan, lock: Mapping[str, str], freed: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The plan against its lock: whether the lock already records all of it
    (``lockCurrent``); ``new`` allocations and ``released`` lock entries, each
    ``{key: cidr}``; every ``held`` entry (key, CIDR, why, how to free it); the held entries
    ``freed`` by this run and what confirmed it; the versions ``new`` or ``changed``."""
    allocations = p.allocations()
    before = lock.held if isinstance(lock, Lock) else {}
    versions = lock.versions if isinstance(lock, Lock) else {}
    old_format = isinstance(lock, Lock) and lock.read_as < LOCK_VERSION and len(lock) > 0
    current = (
        not p.new
        and not p.released
        and dict(p.held) == dict(before)
        and p.versions.entries() == dict(versions)
        and not old_format
    )
    return {
        "lockCurrent": current,
        "new": {k: allocations[k] for k in p.new},
        "released": {k: lock.get(k, "") for k in p.released},
        "held": [
            {"key": k, "cidr": c, "why": _held_why(p, k), "free": _held_free(k)}
            for k, c in p.held.items()
        ],
        "freed": {k: {"cidr": before.get(k, ""), "by": by} for k, by in (freed or {}).items()},
        "reclaimed": {k: allocations[k] for k in p.reclaimed},
        "versions": {
            "new": {k: p.versions.entries()[k] for k in p.versions.new},
            "changed": {
                k: {"lock": versions.get(k), "plan": p.versions.entries()[k]}
                for k in p.versions.changed
            },
        },
    }


def _held_why(p: Plan, key: str) -> str:
    if key in p.released:
        return "removed from the spec by this plan; its resource exists until `pulumi up`"
    return "removed earlier; its removal is not confirmed applied"


def _held_free(key: str) -> str:
    return (
        f"after the `pulumi up` that deletes it: --removal-applied {key} (or --applied, "
        "or --state FILE)"
    )


def plan_command(args: argparse.Namespace) -> int:
    path = args.lock or lock_path(args.program, args.stack)
    before = load_lock(path, must_exist=args.lock is not None)
    freed = freed_keys(before, args)
    the_plan, path = load_plan(args.program, args.stack, args.lock, args.answers, free=freed)
    delta = changes(the_plan, before, freed)
    if args.json:
        print(json.dumps({"stack": args.stack, **the_plan.to_dict(), "changes": delta}, indent=2))
    else:
        print(rendertable(the_plan, args.stack, path, writing=args.write, delta=delta))
    if args.write:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                dump_lock(the_plan.allocations(), the_plan.versions.entries(), the_plan.held)
            )
        except OSError as exc:
            raise InputError(f"--write {path}: {exc.strerror or exc}") from exc
        print(
            f"wrote {len(the_plan.allocations())} allocations, "
            f"{len(the_plan.versions.entries())} versions and {len(the_plan.held)} held "
            f"entries to {path} ({len(the_plan.new)} new, {len(the_plan.released)} released, "
            f"{len(freed)} freed)",
            file=sys.stderr,
        )
    return 0


def rendertable(
    p: Plan, stack: str, lock: Path, writing: bool = False, delta: Mapping[str, Any] | None = None
) -> str:
    """The human view of a plan; ``+`` marks an allocation (or version) the lock does not hold
    yet, ``~`` a version the spec changes, ``=`` what exists already (read from the account:
    fixed, never allocated)."""
    new = set(p.new)
    spec = p.spec
    out = [
        f"Plan for stack {stack!r}: fleet {spec.name}, connectivity {spec.connectivity}, "
        f"regions {', '.join(p.regions)}",
        "",
    ]
    out.append("VPCs")
    out.append(
        table(
            ["NAME", "REGION", "CIDR", "ZONES", "VSWITCHES", "ALLOCATED"],
            [
                [
                    v.name,
                    v.region,
                    ", ".join(v.cidrs),
                    len(v.zones),
                    len(v.vswitches),
                    f"{v.utilisation:.1%}",
                ]
                for v in p.vpcs.values()
            ],
            [
                "=" if v.existing else "+" if f"vpc:{v.name}" in new else " "
                for v in p.vpcs.values()
            ],
        )
    )
    switches = [s for v in p.vpcs.values() for s in v.vswitches]
    out += ["", "vSwitches"]
    out.append(
        table(
            ["VPC", "NAME", "ROLE", "ZONE", "CIDR", "USABLE"],
            [[s.vpc, s.name, s.role, s.zone, s.cidr, f"{s.usable:,}"] for s in switches],
            ["+" if s.key in new else " " for s in switches],
        )
    )
    out += ["", "Clusters (MAX NODES and PODS/NODE as the spec asks; capacity as planned)"]
    rows, marks = [], []
    for c in p.clusters.values():
        pods = c.pod_cidr or (
            "pod vSwitches not read" if c.existing else f"{len(c.pod_vswitches)} pod vSwitches"
        )
        asks = ("-", "-") if c.existing else (f"{c.spec.max_nodes:,}", c.spec.pods_per_node)
        rows.append(
            [
                c.name,
                c.region,
                c.vpc,
                c.cni,
                pods,
                c.service_cidr,
                f"/{c.node_cidr_mask}" if c.node_cidr_mask else "-",
                asks[0],
                f"{c.max_nodes:,}",
                asks[1],
                f"{c.pod_ips:,}",
                f"{c.service_ips:,}",
            ]
        )
        marks.append(
            "=" if c.existing else "+" if {f"pod:{c.name}", f"service:{c.name}"} & new else " "
        )
    out.append(
        table(
            [
                "NAME",
                "REGION",
                "VPC",
                "CNI",
                "PODS",
                "SERVICE CIDR",
                "NODE MASK",
                "MAX NODES",
                "NODE CAPACITY",
                "PODS/NODE",
                "POD IPS",
                "SERVICE IPS",
            ],
            rows,
            marks,
        )
    )
    out += [
        "",
        f"Fleet: VPC {p.fleet.vpc} ({p.fleet.region}), vSwitch {p.fleet.vswitch.cidr} "
        f"in {p.fleet.vswitch.zone}",
        f"Mesh:  VPC {p.mesh.vpc} ({p.mesh.region}), vSwitch {p.mesh.vswitch.cidr} "
        f"in {p.mesh.vswitch.zone}",
        "",
        "Pools",
    ]
    out.append(
        table(
            ["CIDR", "KINDS", "ALLOCATED", "UTILISATION"],
            [
                [u.cidr, ",".join(u.kinds), f"{u.allocated:,}", f"{u.utilisation:.3%}"]
                for u in p.pools
            ],
            [" "] * len(p.pools),
        )
    )
    out += existing_lines(p)
    out += ipam_lines(p, stack)
    out += versions_lines(p)
    taken = tuple(f"{t.key}: locked " for t in (p.ipam.taken if p.ipam is not None else ()))
    out += [""] + [f"warning: {w}" for w in p.warnings if not w.startswith(taken or ("\0",))]
    delta = delta or changes(p, {})
    held = held_lines(p, stack, delta)
    out += held + ([""] if held else [])
    out += _changes_lines(p, stack, lock, writing, delta)
    return "\n".join(out)


def _changes_lines(
    p: Plan, stack: str, lock: Path, writing: bool, delta: Mapping[str, Any]
) -> list[str]:
    if not p.new and not p.released:
        if not delta.get("lockCurrent", True) and not writing:
            return [
                f"Every allocation is in the lock ({lock}); versions or held entries are "
                f"not: record them with `{write_command(stack)}` and commit the lock."
            ]
        return [f"Every allocation is in the lock ({lock})."]
    rows = [["+", k, cidr, "new"] for k, cidr in sorted(delta["new"].items())]
    rows += [["-", k, cidr, "released"] for k, cidr in sorted(delta["released"].items())]
    out = [
        f"Changes against the lock ({lock}): {len(p.new)} new, {len(p.released)} released",
        table(["KEY", "CIDR", ""], [r[1:] for r in rows], [r[0] for r in rows]),
    ]
    # Every cluster has exactly one Service CIDR key: clusters leaving and arriving.
    renamed = {k.split(":", 1)[1] for k in p.released if k.startswith("service:")}
    added = {k.split(":", 1)[1] for k in p.new if k.startswith("service:")}
    if renamed and added:
        out.append(
            f"note: cluster(s) {', '.join(sorted(renamed))} leave and "
            f"{', '.join(sorted(added))} arrive: a rename is a removal plus an addition "
            "(Pulumi replaces the cluster; the new name gets new CIDRs). Keep the name "
            "to keep the cluster."
        )
    if p.released:
        out.append(
            "Released ranges stay reserved: `--write` moves them to the lock's held "
            "entries, reserved in every later plan until their removal is confirmed "
            "(Pulumi deletes the old resources only after creating the new ones)."
        )
    if writing:
        out.append(f"Recording them in {lock}.")
    else:
        out.append(
            f"Record them with `{write_command(stack, p.spec.ipam is not None)}` and "
            "commit the lock."
        )
    return out
