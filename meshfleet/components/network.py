"""Network: one VPC and its planned vSwitches.

The CIDRs and display names come from the plan (``VpcPlan``); this component only declares them.
Child names are the plan's stable names (``<vpc>-<role>[-<cluster>]-<zone>``) and the cloud-side
display names carry the fleet name, so renaming the fleet's display prefix never replaces a
vSwitch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_alicloud as alicloud

from meshfleet.components.common import cidr_problems, raise_problems
from meshfleet.errors import Problem
from meshfleet.layout import VpcPlan, VSwitchPlan


@dataclass(frozen=True)
class NetworkArgs:
    """Inputs of :class:`Network`; :meth:`from_plan` fills them from a planned VPC."""

    vpc: str
    """The VPC's name in the spec (problem paths) (required)."""
    cidr: str
    """The VPC CIDR, concrete (required)."""
    display_name: str
    """Cloud-side VPC name (required)."""
    vswitches: Sequence[VSwitchPlan] = ()
    """The planned vSwitches: key, child name, display name, zone and CIDR. Default: none."""

    @classmethod
    def from_plan(cls, vpc: VpcPlan) -> NetworkArgs:
        """The arguments for planned VPC ``vpc``.

        >>> NetworkArgs.from_plan(VpcPlan("hz", "cn-hangzhou", "10.0.0.0/22", ("cn-hangzhou-h",),
        ...                               (), "demo-hz")).display_name
        'demo-hz'
        """
        return cls(vpc.name, vpc.cidr, vpc.display_name, vpc.vswitches)

    def problems(self) -> list[Problem]:
        """Every CIDR must be concrete."""
        out = cidr_problems(f"vpcs.{self.vpc}.cidr", self.cidr)
        for sw in self.vswitches:
            out += cidr_problems(f"vpcs.{self.vpc}.vswitches.{sw.key}", sw.cidr)
        return out


class Network(pulumi.ComponentResource):
    """A VPC (``vpc.Network``) and its planned vSwitches (``vpc.Switch``), keyed by plan key."""

    vpc: alicloud.vpc.Network
    vpc_id: pulumi.Output[str]
    """The VPC id."""
    route_table_id: pulumi.Output[str]
    """The VPC's system route table (where CEN routes go)."""
    vswitches: dict[str, alicloud.vpc.Switch]
    """The vSwitch resources by plan key (``vswitch:<vpc>:<role>[:<cluster>]:<zone>``)."""
    vswitch_ids: dict[str, pulumi.Output[str]]
    """vSwitch ids by plan key."""

    def __init__(self, name: str, args: NetworkArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        raise_problems(args.problems())  # before the component itself is registered
        super().__init__("meshfleet:network:Network", name, None, opts)
        self.vpc = alicloud.vpc.Network(
            name,
            alicloud.vpc.NetworkArgs(cidr_block=args.cidr, vpc_name=args.display_name),
            opts=pulumi.ResourceOptions(parent=self))
        self.vpc_id = self.vpc.id
        self.route_table_id = self.vpc.route_table_id
        self.vswitches = {}
        for sw in args.vswitches:
            self.vswitches[sw.key] = alicloud.vpc.Switch(
                sw.name,
                alicloud.vpc.SwitchArgs(
                    vpc_id=self.vpc.id, cidr_block=sw.cidr, zone_id=sw.zone,
                    vswitch_name=sw.display_name),
                opts=pulumi.ResourceOptions(parent=self))
        self.vswitch_ids = {k: s.id for k, s in self.vswitches.items()}
        self.register_outputs(self._outputs())

    def _outputs(self) -> Mapping[str, Any]:
        return {"vpc_id": self.vpc_id, "route_table_id": self.route_table_id,
                "vswitch_ids": self.vswitch_ids}
