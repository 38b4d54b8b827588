"""``fleetctl plan``: the plan of a stack as a table or JSON, the changes against its lock, and
the lock update.

The table shows what the spec asks (MAX NODES, PODS/NODE) beside what the plan makes room for
(NODE CAPACITY, POD IPS, SERVICE IPS), and lists every allocation that is new since the lock and
every lock entry the spec no longer has. A renamed cluster is a removal plus an addition: its
old ranges are released, the new name gets new ones.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fleetctl.errors import InputError
from fleetctl.inventory import offline_reader
from fleetctl.stackconfig import (
    StackConfigError,
    add_stack_options,
    fleet_config,
    load_project,
    load_stack_config,
)
from meshfleet.errors import MeshfleetError
from meshfleet.ipam import keys_to_release
from meshfleet.layout import Plan
from meshfleet.lock import dump_lock, load_lock, lock_path
from meshfleet.notices import write_command
from meshfleet.pipeline import plan_stack

EXAMPLES = """examples:
  fleetctl plan --stack example            # tables; `+` new since the lock, `-` released
  fleetctl plan --stack example --json     # machine-readable, with the changes
  fleetctl plan --stack example --write    # record the plan in locks/example.json
"""


def register(sub: Any) -> None:
    p = sub.add_parser("plan", help="the CIDR plan of a stack (table or JSON); update its lock",
                       description=__doc__, epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    add_stack_options(p, "project directory (default: this meshfleet checkout)")
    p.add_argument("--lock", type=Path, default=None,
                   help="lock file (default: <program>/locks/<stack>.json); must exist")
    p.add_argument("--answers", type=Path, default=None, metavar="FILE",
                   help="recorded data-source answers (YAML/JSON, as `fleetctl check --answers`):"
                        " what the account holds, for a spec that reads it (IPAM pools, existing "
                        "VPCs and clusters, versions not yet locked)")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument("--write", action="store_true",
                   help="record the plan's allocations in the lock file (review the diff)")
    p.set_defaults(func=plan_command)


INPUT_ERRORS = (MeshfleetError, StackConfigError)
"""Bad input: a spec, lock, project or stack file that is wrong (exit 2, the message only)."""


def load_plan(program: Path, stack: str, lock_file: Path | None = None,
              answers: Path | None = None) -> tuple[Plan, Path]:
    """Spec from the stack config, lock from disk, what exists from recorded answers, plan:
    what the stack program does (``meshfleet.pipeline.plan_stack``). A ``--lock`` the user names
    must exist."""
    path = lock_path(program, stack)  # validates the stack name, even with --lock
    path = lock_file or path
    project = load_project(program)
    reader = offline_reader(answers, project=str(project["name"]), stack=stack,
                            config=load_stack_config(program, project, stack))
    return plan_stack(fleet_config(program, stack), path, lock_must_exist=lock_file is not None,
                      read=reader), path


def changes(p: Plan, lock: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """The plan against its lock: ``new`` allocations and ``released`` lock entries, each
    ``{key: cidr}``."""
    allocations = p.allocations()
    return {"new": {k: allocations[k] for k in p.new},
            "released": {k: lock.get(k, "") for k in p.released}}


def plan_command(args: argparse.Namespace) -> int:
    the_plan, path = load_plan(args.program, args.stack, args.lock, args.answers)
    delta = changes(the_plan, load_lock(path))
    if args.json:
        print(json.dumps({"stack": args.stack, **the_plan.to_dict(), "changes": delta},
                         indent=2))
    else:
        print(render_table(the_plan, args.stack, path, writing=args.write, delta=delta))
    if args.write:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(dump_lock(the_plan.allocations()))
        except OSError as exc:
            raise InputError(f"--write {path}: {exc.strerror or exc}") from exc
        print(f"wrote {len(the_plan.allocations())} allocations to {path} "
              f"({len(the_plan.new)} new, {len(the_plan.released)} released)", file=sys.stderr)
    return 0



def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], marks: Sequence[str]) -> str:
    cells = [[str(c) for c in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for mark, row in zip([" "] + list(marks), cells, strict=True):
        lines.append(f"{mark} " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
                     .rstrip())
    return "\n".join(lines)


def render_table(p: Plan, stack: str, lock: Path, writing: bool = False,
                 delta: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """The human view of a plan; ``+`` marks an allocation the lock does not hold yet, ``=``
    what exists already (read from the account: fixed, never allocated)."""
    new = set(p.new)
    spec = p.spec
    out = [f"Plan for stack {stack!r}: fleet {spec.name}, connectivity {spec.connectivity}, "
           f"regions {', '.join(p.regions)}", ""]
    out.append("VPCs")
    out.append(_table(["NAME", "REGION", "CIDR", "ZONES", "VSWITCHES", "ALLOCATED"],
                      [[v.name, v.region, ", ".join(v.cidrs), len(v.zones), len(v.vswitches),
                        f"{v.utilisation:.1%}"] for v in p.vpcs.values()],
                      ["=" if v.existing else "+" if f"vpc:{v.name}" in new else " "
                       for v in p.vpcs.values()]))
    switches = [s for v in p.vpcs.values() for s in v.vswitches]
    out += ["", "vSwitches"]
    out.append(_table(["VPC", "NAME", "ROLE", "ZONE", "CIDR", "USABLE"],
                      [[s.vpc, s.name, s.role, s.zone, s.cidr, f"{s.usable:,}"] for s in switches],
                      ["+" if s.key in new else " " for s in switches]))
    out += ["", "Clusters (MAX NODES and PODS/NODE as the spec asks; capacity as planned)"]
    rows, marks = [], []
    for c in p.clusters.values():
        pods = c.pod_cidr or ("pod vSwitches not read" if c.existing else
                              f"{len(c.pod_vswitches)} pod vSwitches")
        asks = (("-", "-") if c.existing else (f"{c.spec.max_nodes:,}", c.spec.pods_per_node))
        rows.append([c.name, c.region, c.vpc, c.cni, pods, c.service_cidr,
                     f"/{c.node_cidr_mask}" if c.node_cidr_mask else "-",
                     asks[0], f"{c.max_nodes:,}", asks[1],
                     f"{c.pod_ips:,}", f"{c.service_ips:,}"])
        marks.append("=" if c.existing else
                     "+" if {f"pod:{c.name}", f"service:{c.name}"} & new else " ")
    out.append(_table(["NAME", "REGION", "VPC", "CNI", "PODS", "SERVICE CIDR", "NODE MASK",
                       "MAX NODES", "NODE CAPACITY", "PODS/NODE", "POD IPS", "SERVICE IPS"],
                      rows, marks))
    out += ["", f"Fleet: VPC {p.fleet.vpc} ({p.fleet.region}), vSwitch {p.fleet.vswitch.cidr} "
                f"in {p.fleet.vswitch.zone}",
            f"Mesh:  VPC {p.mesh.vpc} ({p.mesh.region}), vSwitch {p.mesh.vswitch.cidr} "
            f"in {p.mesh.vswitch.zone}", "", "Pools"]
    out.append(_table(["CIDR", "KINDS", "ALLOCATED", "UTILISATION"],
                      [[u.cidr, ",".join(u.kinds), f"{u.allocated:,}", f"{u.utilisation:.3%}"]
                       for u in p.pools], [" "] * len(p.pools)))
    out += _existing_lines(p)
    out += _ipam_lines(p, stack)
    taken = tuple(f"{t.key}: locked " for t in (p.ipam.taken if p.ipam is not None else ()))
    out += [""] + [f"warning: {w}" for w in p.warnings if not w.startswith(taken or ("\0",))]
    out += _changes_lines(p, stack, lock, writing, delta or changes(p, {}))
    return "\n".join(out)


def _existing_lines(p: Plan) -> list[str]:
    """What exists (``=`` rows): its ids and what meshfleet does with it."""
    vpcs = [v for v in p.vpcs.values() if v.existing]
    clusters = [c for c in p.clusters.values() if c.existing]
    cen = p.inventory.cen if p.spec.cen_id else None
    if not vpcs and not clusters and cen is None:
        return []
    out = ["", "Existing (read from the account: fixed ranges; nothing is created for them, "
               "clusters are attached to the Fleet, the mesh and CEN)"]
    for v in vpcs:
        assert v.existing is not None
        out.append(f"= VPC {v.name}: {v.existing.id}, blocks {', '.join(v.cidrs)}, "
                   f"{len(v.existing.vswitches)} vSwitches kept clear, route table "
                   f"{v.existing.route_table_id or '(not reported)'}")
    for c in clusters:
        assert c.existing is not None
        out.append(f"= cluster {c.name}: {c.existing.id} ({c.cni}), node vSwitches "
                   f"{', '.join(s.name for s in c.node_vswitches) or '(none listed)'}")
    if cen is not None:
        routers = ", ".join(f"{r} {cen.transit_routers[r]}" if r in cen.transit_routers
                            else f"{r} (new transit router)" for r in p.regions)
        out.append(f"= CEN {cen.id}: transit routers {routers}")
    return out


def _ipam_lines(p: Plan, stack: str) -> list[str]:
    """The IPAM pools (``ipam``): each pool's region, CIDRs, what other owners hold and what
    this stack allocates; then every locked range another owner has taken since the lock was
    written, and what to do."""
    if p.ipam is None:
        return []
    use = p.ipam
    mine: dict[str, list[str]] = {}
    for name, pool_id in use.vpc_pools.items():
        mine.setdefault(pool_id, []).append(f"vpc:{name} {p.vpcs[name].cidr}")
    for r in use.reservations:
        mine.setdefault(r.pool_id, []).append(f"{r.key} {r.cidr}")
    rows = []
    for pool_id, pool in sorted(p.inventory.pools.items()):
        rows.append([pool_id, pool.region, ",".join(pool.cidrs),
                     f"/{pool.min_mask or 0}-/{pool.max_mask or 32}",
                     len(use.foreign.get(pool_id, ())),
                     ", ".join(sorted(mine.get(pool_id, ()))) or "-"])
    out = ["", f"IPAM pools (allocations described {use.owner!r} are this stack's)",
           _table(["POOL", "REGION", "CIDRS", "MASKS", "OTHER OWNERS' ALLOCATIONS",
                   "THIS STACK"], rows, [" "] * len(rows))]
    if use.taken:
        out += ["", f"TAKEN since the lock was written: {len(use.taken)} locked range(s) "
                    "overlap another owner's allocation (their reservations will fail at apply)",
                _table(["KEY", "LOCKED CIDR", "POOL", "ALLOCATION", "HOLDER"],
                       [[t.key, t.cidr, t.pool_id, f"{t.allocation.resource_type} "
                         f"{t.allocation.cidr}", t.allocation.description or
                         t.allocation.resource_id or "?"] for t in use.taken],
                       ["!"] * len(use.taken)),
                "What to do: if the resource of a key does not exist yet (the update that "
                "would create it failed or has not run), delete these keys from the lock "
                f"(locks/{stack}.json): {', '.join(keys_to_release(p.allocations(), use.taken))}"
                f"; then run `{write_command(stack, reads=True)}` with a fresh read of the "
                "pools: the planner takes free space. If it exists, the range is in use twice: "
                "settle it with the holder before the next update."]
    return out


def _changes_lines(p: Plan, stack: str, lock: Path, writing: bool,
                   delta: Mapping[str, Mapping[str, str]]) -> list[str]:
    if not p.new and not p.released:
        return [f"Every allocation is in the lock ({lock})."]
    rows = [["+", k, cidr, "new"] for k, cidr in sorted(delta["new"].items())]
    rows += [["-", k, cidr, "released"] for k, cidr in sorted(delta["released"].items())]
    out = [f"Changes against the lock ({lock}): {len(p.new)} new, {len(p.released)} released",
           _table(["KEY", "CIDR", ""], [r[1:] for r in rows], [r[0] for r in rows])]
    # Every cluster has exactly one Service CIDR key: clusters leaving and arriving.
    renamed = {k.split(":", 1)[1] for k in p.released if k.startswith("service:")}
    added = {k.split(":", 1)[1] for k in p.new if k.startswith("service:")}
    if renamed and added:
        out.append(f"note: cluster(s) {', '.join(sorted(renamed))} leave and "
                   f"{', '.join(sorted(added))} arrive: a rename is a removal plus an addition "
                   "(Pulumi replaces the cluster; the new name gets new CIDRs). Keep the name "
                   "to keep the cluster.")
    if p.released:
        out.append("Released ranges stay reserved until the lock is rewritten without them and "
                   "the update has run (Pulumi deletes the old resources after creating the "
                   "new ones).")
    if writing:
        out.append(f"Recording them in {lock}.")
    else:
        out.append(f"Record them with `{write_command(stack, p.spec.ipam is not None)}` and "
                   "commit the lock.")
    return out
