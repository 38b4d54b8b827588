"""The raw config -> spec -> lock -> plan pipeline, written once.

Used by the stack program (``__main__.py``), ``fleetctl`` and the tests, so that each of them
plans a stack exactly the same way. Pure: nothing of Pulumi, no output; errors are the
``meshfleet.errors`` hierarchy (bad input: ``SpecError`` and its ``LockError``; a valid spec that
cannot be planned: ``PlanError``).
"""

from __future__ import annotations

from pathlib import Path

from meshfleet.layout import Plan
from meshfleet.lock import load_lock
from meshfleet.planner import plan
from meshfleet.spec import parse_spec


def plan_stack(raw_spec: object, lock_file: Path, *, lock_must_exist: bool = False) -> Plan:
    """The plan of a stack: its ``meshfleet:fleet`` value parsed, planned against its lock.

    A missing ``lock_file`` is an empty lock (a stack not yet deployed) unless
    ``lock_must_exist`` (a lock the user named), then a ``LockError`` naming the path. Raises
    ``SpecError`` / ``LockError`` / ``PlanError`` with every problem found.
    """
    spec = parse_spec(raw_spec)
    return plan(spec, load_lock(lock_file, must_exist=lock_must_exist))
