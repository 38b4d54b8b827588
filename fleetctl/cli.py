"""The `python -m fleetctl` entry point: one sub-command per module.

Each sub-command module exposes ``register(subparsers)``, which adds its parser and sets
``func`` to a callable ``(argparse.Namespace) -> int`` (the exit code). Exit codes: 0 ok,
1 a mandatory policy violation, 2 bad input or a failing program.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

# Modules are imported lazily so that `fleetctl plan` does not pay for grpc or matplotlib.
SUBCOMMANDS = ("plan", "check", "diagram")
MODULES = {"plan": "fleetctl.plan_cmd", "check": "fleetctl.check", "diagram": "fleetctl.diagram"}


def build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fleetctl", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="{plan,check,diagram}")
    wanted = [a for a in argv if a in MODULES][:1] or list(MODULES)
    for command in wanted:
        module = importlib.import_module(MODULES[command])
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    import sys

    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args_list)
    args = parser.parse_args(args_list)
    code: int = args.func(args)
    return code
