"""fleetctl's error layer: one error type carrying its exit code and kind, one handler.

Commands are plain functions ``(argparse.Namespace) -> int`` that return 0 or 1 (a mandatory
policy violation) and raise for everything else; :func:`run_command` is the one place that turns
an exception into a message and an exit code (pre-commit's ``error_handler`` is the model):

* :class:`FleetctlError` (and meshfleet's own ``MeshfleetError``: a spec, lock or plan that is
  wrong) -> its message, exit 2 (bad input or a failing program);
* ``KeyboardInterrupt`` -> exit 130;
* anything else is a fleetctl bug -> its traceback, exit 3.

With ``--json`` the error is also printed on stdout, in the same shape for every command::

    {"error": {"kind": "input", "message": "...", "details": ""}}

>>> import argparse
>>> def command(args):
...     raise InputError("--program /nowhere: not a directory")
>>> run_command(command, argparse.Namespace(json=True))  # doctest: +NORMALIZE_WHITESPACE
{"error": {"kind": "input", "message": "--program /nowhere: not a directory", "details": ""}}
2
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Callable

EXIT_OK = 0
EXIT_VIOLATION = 1
EXIT_ERROR = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130


class FleetctlError(Exception):
    """An error fleetctl reports as a message (never a traceback), with its exit code.

    ``kind`` names the class of problem in ``--json`` output: ``input`` (a file or option that
    is wrong), ``program`` (the Pulumi program failed), ``policy-pack``, ``policy-config``,
    ``spec``, ``lock``, ``plan``. ``details`` is extra text (a program's traceback) shown after
    the message.
    """

    kind = "input"
    exit_code = EXIT_ERROR

    def __init__(self, message: str, details: str = "", *, kind: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if kind is not None:
            self.kind = kind


class InputError(FleetctlError):
    """Bad input: a missing directory, an unreadable or invalid file, a wrong option."""

    kind = "input"


def _describe(exc: BaseException) -> tuple[str, str, str]:
    """(kind, message, details) of an error the handler reports without a traceback."""
    if isinstance(exc, FleetctlError):
        return exc.kind, exc.message, exc.details
    from meshfleet.errors import LockError, PlanError

    kind = (
        "lock" if isinstance(exc, LockError) else "plan" if isinstance(exc, PlanError) else "spec"
    )
    return kind, str(exc), ""


def _reported() -> tuple[type[BaseException], ...]:
    from meshfleet.errors import MeshfleetError

    return (FleetctlError, MeshfleetError)


def run_command(command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run one command and map what it raises to a message and an exit code."""
    try:
        return command(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except _reported() as exc:
        kind, message, details = _describe(exc)
        code = exc.exit_code if isinstance(exc, FleetctlError) else EXIT_ERROR
        report(args, kind, message, details)
        return code
    except Exception as exc:  # noqa: BLE001 - the one place a bug becomes an exit code
        details = traceback.format_exc()
        report(args, "internal", f"fleetctl bug: {type(exc).__name__}: {exc}", details)
        return EXIT_BUG


def report(args: argparse.Namespace, kind: str, message: str, details: str = "") -> None:
    """Print an error: the JSON shape on stdout with ``--json``, the message on stderr always."""
    if getattr(args, "json", False):
        print(json.dumps({"error": {"kind": kind, "message": message, "details": details}}))
    print(f"error: {message}", file=sys.stderr)
    if details:
        titles = {"internal": "traceback", "program": "program traceback (most recent call last)"}
        print(f"{titles.get(kind, 'details')}:", file=sys.stderr)
        print(details.rstrip(), file=sys.stderr)
