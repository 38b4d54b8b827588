"""The allocation lock: a reviewable JSON file of every CIDR the fleet already has.

``locks/<stack>.json`` is written by ``python -m fleetctl plan --stack <stack> --write`` and read
by the stack program, so a reviewer sees every new allocation in the diff and nothing that exists
is ever renumbered. Keys are the planner's allocation keys; values are CIDR strings. A lock is
edited by hand sometimes, so every entry is held to the rule of a pin of its kind (Alibaba's
prefix limits, the never-allowed ranges, RFC 1918 for pods and Services), and the errors name
the file and the key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from meshfleet import cidrs
from meshfleet.errors import LockError, Problem, StackNameError

LOCK_VERSION = 1
KEY_RE = re.compile(r"^(vpc|pod|service):[a-z0-9-]+$|^vswitch:[a-z0-9-]+:"
                    r"(node:[a-z0-9-]+|pod:[a-z0-9-]+|transit-router|fleet|mesh|nat):[a-z0-9-]+$")
#: The rule each kind of entry is held to: the same as a pin of that kind in the spec.
RULES = {"vpc": cidrs.VPC, "pod": cidrs.POD, "service": cidrs.SERVICE, "vswitch": cidrs.VSWITCH}
#: Pulumi's own rule for a stack name (``pulumi stack init``): at most 100 characters of letters,
#: digits, '-', '_' and '.'. It also keeps a stack name from reaching outside ``locks/``.
STACK_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


def lock_path(project_dir: str | Path, stack: str) -> Path:
    """Where the lock of ``stack`` lives; ``StackNameError`` for a name Pulumi would refuse.

    >>> lock_path("/p", "dev").as_posix()
    '/p/locks/dev.json'
    >>> lock_path("/p", "../etc/passwd")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    meshfleet.errors.StackNameError: Invalid stack name (1 problem):
     - stack: '../etc/passwd' is not a Pulumi stack name: letters, digits, '-', '_' and '.', ...
    """
    if not isinstance(stack, str) or not STACK_RE.match(stack):
        raise StackNameError([Problem("stack", stack, "is not a Pulumi stack name: letters, "
                                                      "digits, '-', '_' and '.', at most 100 "
                                                      "characters")])
    return Path(project_dir) / "locks" / f"{stack}.json"


def parse_lock(raw: Any, source: str = "lock") -> dict[str, str]:
    """Validate a decoded lock document; raise ``LockError`` listing every problem."""
    if not isinstance(raw, Mapping):
        raise LockError([Problem(source, raw, "must be a JSON object with `version` and "
                                              "`allocations`")])
    problems = []
    if raw.get("version") != LOCK_VERSION:
        problems.append(Problem(f"{source}.version", raw.get("version"),
                                f"is not a lock version meshfleet reads (expected {LOCK_VERSION})"))
    allocations = raw.get("allocations")
    if not isinstance(allocations, Mapping):
        problems.append(Problem(f"{source}.allocations", allocations, "must be an object of "
                                                                      "key -> CIDR"))
        raise LockError(problems)
    out: dict[str, str] = {}
    for key, cidr in allocations.items():
        path = f"{source}.allocations.{key}"
        if not isinstance(key, str) or not KEY_RE.match(key):
            problems.append(Problem(path, key, "is not an allocation key meshfleet writes "
                                               "(e.g. vpc:NAME, pod:CLUSTER, vswitch:VPC:node:"
                                               "CLUSTER:ZONE)"))
            continue
        message = cidrs.cidr_problem(cidr, RULES[key.split(":", 1)[0]])
        if message:
            problems.append(Problem(path, cidr, message))
            continue
        out[key] = cidr
    if problems:
        raise LockError(problems)
    return out


def load_lock(path: str | Path, *, must_exist: bool = False) -> dict[str, str]:
    """The lock at ``path``. A file that does not exist is an empty lock (a new stack), unless
    ``must_exist`` (a lock named on purpose), then it is a ``LockError`` naming the path."""
    p = Path(path)
    if not p.exists():
        if must_exist:
            raise LockError([Problem(str(p), None, "does not exist (a lock named explicitly "
                                                   "must exist; omit it to start from none)")])
        return {}
    try:
        text = p.read_text()
    except OSError as exc:
        raise LockError([Problem(str(p), None, f"cannot be read: {exc.strerror}")]) from exc
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockError([Problem(str(p), text[:60], f"is not valid JSON: {exc}")]) from exc
    return parse_lock(raw, str(p))


def dump_lock(allocations: Mapping[str, str]) -> str:
    """The lock document for ``allocations``: sorted, one key per line, stable diffs."""
    doc = {"version": LOCK_VERSION, "allocations": dict(sorted(allocations.items()))}
    return json.dumps(doc, indent=2) + "\n"
