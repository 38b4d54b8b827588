"""The ``diagram`` sub-command: plan the stack, lay out and draw both pictures, save them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fleetctl.stackconfig import add_stack_options

DEFAULT_OUT = Path("out") / "diagram"
"""Default output folder (per stack, under the current directory): ignored by git, so drawing
any stack never touches the committed ``docs/`` pictures (``make diagram`` refreshes those)."""


def register(sub: Any) -> None:
    """Add the ``diagram`` sub-command."""
    import fleetctl.diagram

    p = sub.add_parser(
        "diagram",
        help="topology and address-space pictures of a stack (SVG and PNG)",
        description=fleetctl.diagram.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_stack_options(p, "meshfleet project directory (default: this checkout)")
    p.add_argument(
        "--out", type=Path, default=None, help=f"output directory (default: {DEFAULT_OUT}/<stack>)"
    )
    p.add_argument(
        "--region",
        default=None,
        help="draw this region whole and the others without their clusters",
    )
    p.add_argument(
        "--no-paths",
        dest="paths",
        action="store_false",
        help="leave out the connection paths (1)-(3) (for large fleets)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Entry point: plan the stack, draw both pictures, print the files written."""
    from fleetctl.diagram.topology import Options
    from fleetctl.plan_cmd import INPUT_ERRORS, load_plan

    try:
        the_plan, _ = load_plan(args.program, args.stack)
    except INPUT_ERRORS as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.region is not None and args.region not in the_plan.regions:
        print(
            f"--region {args.region}: not a region of stack {args.stack} "
            f"(regions: {', '.join(the_plan.regions)})",
            file=sys.stderr,
        )
        return 2
    out = args.out if args.out is not None else DEFAULT_OUT / args.stack
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"--out {out}: {exc.strerror}", file=sys.stderr)
        return 2
    opts = Options(paths=args.paths, region=args.region, title=f"stack {args.stack}")
    for path in write_all(the_plan, out, opts=opts):
        print(path)
    return 0


def write_all(plan: Any, out: Path, *, title: str = "", opts: Any = None) -> list[Path]:
    """Draw both pictures into ``out`` (SVG and PNG each); return the paths written. Notes on
    what the topology leaves out go to stderr."""
    from fleetctl.diagram import render, topology

    opts = opts or topology.Options(title=title)
    lay = topology.layout(plan, opts)
    for note in lay.notes:
        print(f"note: {note}", file=sys.stderr)
    written = render.save(render.draw(lay), out / "topology")
    written += render.save(draw_address_space(plan, title=opts.title), out / "address-space")
    return written


def draw_topology(plan: Any, *, title: str = "", opts: Any = None) -> Any:
    """The topology picture as a matplotlib Figure."""
    from fleetctl.diagram import render, topology

    return render.draw(topology.layout(plan, opts or topology.Options(title=title)))


def draw_address_space(plan: Any, *, title: str = "") -> Any:
    """The address-space picture as a matplotlib Figure."""
    from fleetctl.diagram.address import draw

    return draw(plan, title=title)
