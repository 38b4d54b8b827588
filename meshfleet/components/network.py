"""Network: one VPC and its planned vSwitches.

The CIDRs come from the planner (``VpcPlan``); this component only declares them. Child names are
the plan's stable names (``<vpc>-<role>[-<cluster>]-<zone>``), the cloud-side display names carry
the fleet name, so renaming the fleet's display prefix never replaces a vSwitch.

>>> from meshfleet.planner import VpcPlan
>>> NetworkArgs(VpcPlan("hz", "cn-hangzhou", "10.0.0.0/22", ("cn-hangzhou-h",), ()),
...             display_prefix="demo").vpc_name
'demo-hz'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_alicloud as alicloud
from netaddr import AddrFormatError, IPNetwork

from meshfleet.errors import Problem, SpecError
from meshfleet.planner import VpcPlan


def cidr_problems(path: str, value: Any) -> list[Problem]:
    """Problems with a CIDR handed to a component: it must be a concrete canonical IPv4 CIDR.

    Components plan nothing; a CIDR that is still a Pulumi Output cannot be checked against the
    fleet's rules, so it is refused (house style: plan only on known values).

    >>> cidr_problems("vpc.cidr", "10.0.0.0/16")
    []
    >>> cidr_problems("vpc.cidr", "10.0.0.1/16")[0].message
    'needs a concrete CIDR in canonical form such as 10.0.0.0/16'
    """
    if isinstance(value, pulumi.Output) or not isinstance(value, str):
        return [Problem(path, value, "needs a concrete CIDR string such as 10.0.0.0/16, known "
                                     "before deployment (a Pulumi Output cannot be planned)")]
    try:
        net = IPNetwork(value)
    except (AddrFormatError, ValueError, TypeError):
        net = None
    if net is None or net.version != 4 or "/" not in value or str(net.cidr) != value:
        return [Problem(path, value, "needs a concrete CIDR in canonical form such as "
                                     "10.0.0.0/16")]
    return []


def raise_problems(problems: list[Problem]) -> None:
    """Raise every problem at once as a ``SpecError`` (nothing is registered before this)."""
    if problems:
        raise SpecError(problems)


@dataclass(frozen=True)
class NetworkArgs:
    """Inputs of :class:`Network`."""

    plan: VpcPlan
    """The planned VPC: name, region, CIDR and every vSwitch (required)."""
    display_prefix: str = "meshfleet"
    """Prefix of cloud-side display names (the fleet name). Default ``meshfleet``."""

    @property
    def vpc_name(self) -> str:
        """Cloud-side VPC name: ``<display_prefix>-<vpc>``."""
        return f"{self.display_prefix}-{self.plan.name}"

    def problems(self) -> list[Problem]:
        """Every CIDR must be concrete and every vSwitch must lie inside the VPC."""
        out = cidr_problems(f"vpcs.{self.plan.name}.cidr", self.plan.cidr)
        for sw in self.plan.vswitches:
            bad = cidr_problems(f"vpcs.{self.plan.name}.vswitches.{sw.key}", sw.cidr)
            if not bad and not out and IPNetwork(sw.cidr) not in IPNetwork(self.plan.cidr):
                bad = [Problem(sw.key, sw.cidr, f"lies outside VPC {self.plan.name} "
                                                f"({self.plan.cidr})")]
            out += bad
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
            alicloud.vpc.NetworkArgs(cidr_block=args.plan.cidr, vpc_name=args.vpc_name),
            opts=pulumi.ResourceOptions(parent=self))
        self.vpc_id = self.vpc.id
        self.route_table_id = self.vpc.route_table_id
        self.vswitches = {}
        for sw in args.plan.vswitches:
            self.vswitches[sw.key] = alicloud.vpc.Switch(
                sw.name,
                alicloud.vpc.SwitchArgs(
                    vpc_id=self.vpc.id, cidr_block=sw.cidr, zone_id=sw.zone,
                    vswitch_name=f"{args.display_prefix}-{sw.name}"),
                opts=pulumi.ResourceOptions(parent=self))
        self.vswitch_ids = {k: s.id for k, s in self.vswitches.items()}
        self.register_outputs(self._outputs())

    def _outputs(self) -> Mapping[str, Any]:
        return {"vpc_id": self.vpc_id, "route_table_id": self.route_table_id,
                "vswitch_ids": self.vswitch_ids}

    def ids(self, keys: tuple[str, ...] | list[str]) -> list[pulumi.Output[str]]:
        """The ids of the vSwitches with these plan keys, in that order."""
        return [self.vswitch_ids[k] for k in keys]
