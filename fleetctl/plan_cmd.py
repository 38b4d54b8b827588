"""``fleetctl plan``: the plan of a stack as a table or JSON, and the lock update.

    python -m fleetctl plan --stack example          # table; `+`: new since the lock
    python -m fleetctl plan --stack example --json   # machine-readable
    python -m fleetctl plan --stack example --write  # record them in locks/example.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fleetctl.stackconfig import StackConfigError, add_stack_options, fleet_config
from meshfleet.errors import MeshfleetError
from meshfleet.layout import Plan
from meshfleet.lock import dump_lock, lock_path
from meshfleet.pipeline import plan_stack


def register(sub: Any) -> None:
    p = sub.add_parser("plan", help="the CIDR plan of a stack (table or JSON); update its lock",
                       description=__doc__)
    add_stack_options(p, "project directory (default: this meshfleet checkout)")
    p.add_argument("--lock", type=Path, default=None,
                   help="lock file (default: <program>/locks/<stack>.json)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument("--write", action="store_true",
                   help="record the plan's allocations in the lock file (review the diff)")
    p.set_defaults(func=run)


INPUT_ERRORS = (MeshfleetError, StackConfigError)
"""Bad input: a spec, lock, project or stack file that is wrong (exit 2, the message only)."""


def load_plan(program: Path, stack: str, lock_file: Path | None = None) -> tuple[Plan, Path]:
    """Spec from the stack config, lock from disk, plan: what the stack program does."""
    path = lock_path(program, stack)  # validates the stack name, even with --lock
    path = lock_file or path
    return plan_stack(fleet_config(program, stack), path,
                      lock_must_exist=lock_file is not None), path


def run(args: argparse.Namespace) -> int:
    try:
        the_plan, path = load_plan(args.program, args.stack, args.lock)
    except INPUT_ERRORS as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"stack": args.stack, **the_plan.to_dict()}, indent=2))
    else:
        print(render_table(the_plan, args.stack, path, writing=args.write))
    if args.write:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_lock(the_plan.allocations()))
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


def render_table(p: Plan, stack: str, lock: Path, writing: bool = False) -> str:
    """The human view of a plan; ``+`` marks an allocation the lock does not hold yet."""
    new = set(p.new)
    spec = p.spec
    out = [f"Plan for stack {stack!r}: fleet {spec.name}, connectivity {spec.connectivity}, "
           f"regions {', '.join(p.regions)}", ""]
    out.append("VPCs")
    out.append(_table(["NAME", "REGION", "CIDR", "ZONES", "VSWITCHES", "ALLOCATED"],
                      [[v.name, v.region, v.cidr, len(v.zones), len(v.vswitches),
                        f"{v.utilisation:.1%}"] for v in p.vpcs.values()],
                      ["+" if f"vpc:{v.name}" in new else " " for v in p.vpcs.values()]))
    switches = [s for v in p.vpcs.values() for s in v.vswitches]
    out += ["", "vSwitches"]
    out.append(_table(["VPC", "NAME", "ROLE", "ZONE", "CIDR", "USABLE"],
                      [[s.vpc, s.name, s.role, s.zone, s.cidr, f"{s.usable:,}"] for s in switches],
                      ["+" if s.key in new else " " for s in switches]))
    out += ["", "Clusters"]
    rows, marks = [], []
    for c in p.clusters.values():
        pods = c.pod_cidr or f"{len(c.pod_vswitches)} pod vSwitches"
        rows.append([c.name, c.region, c.vpc, c.cni, pods, c.service_cidr,
                     f"/{c.node_cidr_mask}" if c.node_cidr_mask else "-", f"{c.max_nodes:,}",
                     c.pods_per_node, f"{c.pod_ips:,}", f"{c.service_ips:,}"])
        marks.append("+" if {f"pod:{c.name}", f"service:{c.name}"} & new else " ")
    out.append(_table(["NAME", "REGION", "VPC", "CNI", "PODS", "SERVICE CIDR", "NODE MASK",
                       "MAX NODES", "PODS/NODE", "POD IPS", "SERVICE IPS"], rows, marks))
    out += ["", f"Fleet: VPC {p.fleet.vpc} ({p.fleet.region}), vSwitch {p.fleet.vswitch.cidr} "
                f"in {p.fleet.vswitch.zone}",
            f"Mesh:  VPC {p.mesh.vpc} ({p.mesh.region}), vSwitch {p.mesh.vswitch.cidr} "
            f"in {p.mesh.vswitch.zone}", "", "Pools"]
    out.append(_table(["CIDR", "KINDS", "ALLOCATED", "UTILISATION"],
                      [[u.cidr, ",".join(u.kinds), f"{u.allocated:,}", f"{u.utilisation:.3%}"]
                       for u in p.pools], [" "] * len(p.pools)))
    out += [""] + [f"warning: {w}" for w in p.warnings]
    if p.new and writing:
        out.append(f"{len(p.new)} allocations are new since the lock ({lock}): recording them.")
    elif p.new:
        out.append(f"{len(p.new)} allocations are new since the lock ({lock}): record them with "
                   f"`python -m fleetctl plan --stack {stack} --write` and commit the lock.")
    else:
        out.append(f"Every allocation is in the lock ({lock}).")
    if p.released:
        out.append(f"{len(p.released)} lock entries are no longer in the spec and are released: "
                   f"{', '.join(p.released)}")
    return "\n".join(out)
