"""ExistingVpcResource: a VPC that exists already (``vpcs.<name>.id``), as the stack declares it.

Nothing is created for it: the component (``meshfleet:index:ExistingVpc``) only carries, as its
inputs, what was read from the cloud, so that the stack's view (and a policy pack, which sees
what the stack declares and nothing else) holds the VPC's id, blocks and vSwitches. New
vSwitches, NAT, transit-router attachments and routes of the VPC use ``vpc_id`` and
``route_table_id`` (the VPC's system route table, as ``vpc.get_networks`` reports it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from meshfleet.errors import Problem
from meshfleet.inventory import ExistingVpc
from meshfleet.layout import VpcPlan

EXISTING_VPC = "meshfleet:index:ExistingVpc"


@dataclass(frozen=True)
class ExistingVpcArgs:
    """Inputs of :class:`ExistingVpcResource`; :meth:`from_plan` fills them from the plan."""

    vpc: str
    """The VPC's name in the spec (required)."""
    found: ExistingVpc
    """The VPC as read from the cloud (required)."""

    @classmethod
    def from_plan(cls, vpc: VpcPlan) -> ExistingVpcArgs:
        assert vpc.existing is not None, "only an existing VPC"
        return cls(vpc.name, vpc.existing)

    def problems(self) -> list[Problem]:
        """The route table is where CEN routes go: it must have been reported."""
        if not self.found.route_table_id:
            return [
                Problem(
                    f"vpcs.{self.vpc}.id",
                    self.found.id,
                    "reports no route table (vpc.get_networks route_table_id): routes "
                    "towards CEN need the VPC's system route table",
                )
            ]
        return []

    def props(self) -> dict[str, Any]:
        """What the stack's view (and a policy pack) receives, camelCase as the engine sends."""
        f = self.found
        return {
            "vpcId": f.id,
            "name": self.vpc,
            "region": f.region,
            "cidrBlock": f.cidrs[0],
            "secondaryCidrBlocks": list(f.cidrs[1:]),
            "vswitches": [
                {"vswitchId": s.id, "cidrBlock": s.cidr, "zoneId": s.zone} for s in f.vswitches
            ],
            "routeTableId": f.route_table_id,
        }


class ExistingVpcResource(pulumi.ComponentResource):
    """An existing VPC: no child; its id and route table for what meshfleet adds to it."""

    vpc_id: pulumi.Output[str]
    route_table_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: ExistingVpcArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(EXISTING_VPC, name, args.props(), opts)
        self.vpc_id = pulumi.Output.from_input(args.found.id)
        self.route_table_id = pulumi.Output.from_input(args.found.route_table_id)
        self.register_outputs(self._outputs())

    def _outputs(self) -> Mapping[str, Any]:
        return {"vpc_id": self.vpc_id, "route_table_id": self.route_table_id}
