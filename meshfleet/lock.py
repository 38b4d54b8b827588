"""The allocation lock: a reviewable JSON file of every CIDR the fleet already has.

``locks/<stack>.json`` is written by ``python -m fleetctl plan --stack <stack> --write`` and read
by the stack program, so a reviewer sees every new allocation in the diff and nothing that exists
is ever renumbered. Keys are the planner's allocation keys; values are CIDR strings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from netaddr import AddrFormatError, IPNetwork

from meshfleet.errors import LockError, Problem

LOCK_VERSION = 1
KEY_RE = re.compile(r"^(vpc|pod|service):[a-z0-9-]+$|^vswitch:[a-z0-9-]+:"
                    r"(node:[a-z0-9-]+|pod:[a-z0-9-]+|transit-router|fleet|mesh):[a-z0-9-]+$")


def lock_path(project_dir: str | Path, stack: str) -> Path:
    """Where the lock of ``stack`` lives."""
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
        try:
            net = IPNetwork(cidr) if isinstance(cidr, str) and "/" in cidr else None
        except (AddrFormatError, ValueError):
            net = None
        if net is None or net.version != 4 or str(net.cidr) != cidr:
            problems.append(Problem(path, cidr, "is not a canonical IPv4 CIDR such as "
                                                "10.0.0.0/16"))
            continue
        out[key] = cidr
    if problems:
        raise LockError(problems)
    return out


def load_lock(path: str | Path) -> dict[str, str]:
    """The lock at ``path``; an empty lock when the file does not exist yet."""
    p = Path(path)
    if not p.exists():
        return {}
    try:
        raw = json.loads(p.read_text())
    except json.JSONDecodeError as exc:
        raise LockError([Problem(str(p), p.read_text()[:60], f"is not valid JSON: {exc}")]) from exc
    return parse_lock(raw, str(p))


def dump_lock(allocations: Mapping[str, str]) -> str:
    """The lock document for ``allocations``: sorted, one key per line, stable diffs."""
    doc = {"version": LOCK_VERSION, "allocations": dict(sorted(allocations.items()))}
    return json.dumps(doc, indent=2) + "\n"
