"""Helpers of the stack program (``__main__.py``): plan notices and stack outputs.

Kept out of ``__main__.py`` so that the program reads as its five steps, and so that tests can
check the notices and the plan output without running Pulumi.
"""

from __future__ import annotations

from typing import Any

import pulumi

from meshfleet.components.meshfleet import MeshFleet
from meshfleet.planner import Plan


def plan_notices(plan: Plan, stack: str) -> list[str]:
    """What the user should hear before a preview: planner warnings and lock drift.

    >>> from meshfleet.spec import parse_spec
    >>> from meshfleet.planner import plan as make_plan
    >>> spec = parse_spec({
    ...     "regions": {"cn-hangzhou": {"zones": ["cn-hangzhou-h", "cn-hangzhou-i"]}},
    ...     "vpcs": {"hz": {"region": "cn-hangzhou"}},
    ...     "clusters": {"ack-1": {"vpc": "hz"}}, "fleet": {"vpc": "hz"}, "mesh": {"vpc": "hz"}})
    >>> plan_notices(make_plan(spec), "dev")[0][:44]
    '9 allocations are not in the lock locks/dev.'
    """
    notices = list(plan.warnings)
    write = f"python -m fleetctl plan --stack {stack} --write"
    if plan.new:
        shown = ", ".join(plan.new[:5]) + (f" and {len(plan.new) - 5} more"
                                            if len(plan.new) > 5 else "")
        notices.append(
            f"{len(plan.new)} allocations are not in the lock locks/{stack}.json yet ({shown}): "
            f"run `{write}` and commit the lock, so that a later plan never renumbers them")
    if plan.released:
        notices.append(
            f"{len(plan.released)} lock entries are no longer in the spec "
            f"({', '.join(plan.released)}): run `{write}` to release them")
    return notices


def plan_output(plan: Plan) -> dict[str, Any]:
    """The plan as a plain stack output: the structure ``fleetctl plan --json`` prints, and every
    allocation by key (what the lock records)."""
    return {**plan.to_dict(), "allocations": plan.allocations()}


def export_outputs(fleet: MeshFleet, plan: Plan) -> None:
    """The stack outputs: the plan, ids, endpoints, and kubeconfigs (secrets)."""
    pulumi.export("plan", plan_output(plan))
    for key, value in fleet.outputs().items():
        if value is not None:
            pulumi.export(key, value)
