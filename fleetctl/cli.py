"""fleetctl: the meshfleet operator's CLI (plan, check, diagram).

Each sub-command module exposes ``register(subparsers)``, which adds its parser and sets
``func`` to a plain function ``(argparse.Namespace) -> int`` (0, or 1 for a mandatory policy
violation) that raises for everything else; :func:`fleetctl.errors.run_command` around the
dispatch maps errors to messages and exit codes: 2 bad input or a failing program, 3 a fleetctl
bug, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from fleetctl import __version__
from fleetctl.errors import run_command
from fleetctl.stackconfig import resolve_stack

# Modules are imported lazily so that `fleetctl plan` does not pay for grpc or matplotlib.
MODULES = {"plan": "fleetctl.plan_cmd", "check": "fleetctl.check", "diagram": "fleetctl.diagram"}

EXAMPLES = """examples:
  fleetctl plan                          # the CIDR plan of this project's stack
  fleetctl check --program DIR           # offline preview + policy pack of any program
  fleetctl diagram --stack example       # topology and address-space pictures
  fleetctl COMMAND --help                # the options of one command
"""


def build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fleetctl",
        description=(__doc__ or "").split("\n\n")[0],
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"fleetctl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{plan,check,diagram}")
    wanted = [a for a in argv if a in MODULES][:1] or list(MODULES)
    for command in wanted:
        module = importlib.import_module(MODULES[command])
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(args_list).parse_args(args_list)
    if hasattr(args, "stack") and hasattr(args, "program"):
        args.stack = resolve_stack(args.program, args.stack)
    return run_command(args.func, args)
