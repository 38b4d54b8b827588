"""The meshfleet stack program: config -> spec -> lock -> plan -> MeshFleet -> exports."""

from pathlib import Path

import pulumi

from meshfleet.components.meshfleet import MeshFleet, MeshFleetArgs
from meshfleet.components.program import export_outputs, plan_notices
from meshfleet.lock import load_lock, lock_path
from meshfleet.planner import plan
from meshfleet.spec import parse_spec

stack = pulumi.get_stack()
spec = parse_spec(pulumi.Config("meshfleet").require_object("fleet"))
fleet_plan = plan(spec, load_lock(lock_path(Path(__file__).resolve().parent, stack)))
for notice in plan_notices(fleet_plan, stack):
    pulumi.log.warn(notice)
fleet = MeshFleet(spec.name, MeshFleetArgs(fleet_plan))
export_outputs(fleet, fleet_plan)
