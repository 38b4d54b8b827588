"""The meshfleet stack program: config -> spec -> lock -> what exists -> plan -> MeshFleet."""

from pathlib import Path

import pulumi

from meshfleet.components.meshfleet import MeshFleet, MeshFleetArgs
from meshfleet.components.program import export_outputs
from meshfleet.components.reader import read_inventory
from meshfleet.lock import lock_path
from meshfleet.notices import plan_notices
from meshfleet.pipeline import plan_stack

stack = pulumi.get_stack()
fleet_plan = plan_stack(
    pulumi.Config("meshfleet").require_object("fleet"),
    lock_path(Path(__file__).resolve().parent, stack),
    read=read_inventory,
)
for notice in plan_notices(fleet_plan, stack):
    pulumi.log.warn(notice)
fleet = MeshFleet(fleet_plan.spec.name, MeshFleetArgs(fleet_plan))
export_outputs(fleet, fleet_plan)
