"""The raw config -> spec -> lock -> inventory -> plan pipeline, written once.

Used by the stack program (``__main__.py``), ``fleetctl`` and the tests, so that each of them
plans a stack exactly the same way. Pure: nothing of Pulumi, no output; errors are the
``meshfleet.errors`` hierarchy (bad input: ``SpecError`` and its ``LockError``; a valid spec that
cannot be planned: ``PlanError``). What exists in the account comes in through ``read``: the
stack program passes ``meshfleet.components.reader.read_inventory`` (data sources), fleetctl its
reader of recorded answers, tests a function returning a fixed ``Inventory``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from pathlib import Path

from meshfleet.inventory import EMPTY, Inventory
from meshfleet.layout import Plan
from meshfleet.lock import load_lock
from meshfleet.planner import plan
from meshfleet.spec import parse_spec
from meshfleet.specmodel import FleetSpec

Reader = Callable[[FleetSpec, Mapping[str, str]], Inventory]
"""Reads what the spec needs from the account (given the spec and its lock)."""


def plan_stack(
    raw_spec: object,
    lock_file: Path,
    *,
    lock_must_exist: bool = False,
    read: Reader | None = None,
    free: Collection[str] = (),
) -> Plan:
    """The plan of a stack: its ``meshfleet:fleet`` value parsed, what exists read (``read``;
    nothing without it), planned against its lock (a ``meshfleet.lock.Lock``: allocations,
    versions, held entries), with the held entries ``free`` released (their removal was
    confirmed applied: ``fleetctl plan --applied`` and friends).

    A missing ``lock_file`` is an empty lock (a stack not yet deployed) unless
    ``lock_must_exist`` (a lock the user named), then a ``LockError`` naming the path. Raises
    ``SpecError`` / ``LockError`` / ``PlanError`` with every problem found.
    """
    spec = parse_spec(raw_spec)
    lock = load_lock(lock_file, must_exist=lock_must_exist).free(free)
    inventory = read(spec, lock) if read is not None else EMPTY
    return plan(spec, lock, inventory)
