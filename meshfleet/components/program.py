"""Helpers of the stack program (``__main__.py``): its stack outputs.

Kept out of ``__main__.py`` so that the program reads as its steps, and so that tests can check
the plan output without running Pulumi. The notices it logs are ``meshfleet.notices``.
"""

from __future__ import annotations

from typing import Any

import pulumi

from meshfleet.components.meshfleet import MeshFleet
from meshfleet.layout import Plan


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
