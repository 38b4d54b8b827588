"""Network: one VPC, its planned vSwitches and its egress (one NAT gateway).

With ``ipam`` the VPC is created from its region's IPAM pool (``ipv4_ipam_pool_id`` and the
planned ``cidr_block``): IPAM records the allocation itself, and refuses the VPC when another
owner holds an overlapping range, before any vSwitch or cluster of it exists. Such a VPC is
described ``<project>/<stack>``: IPAM's record of it carries no name of ours, and the next plan
recognises its own VPC by that description.

The CIDRs and display names come from the plan (``VpcPlan``); this component only declares them.
Child names are the plan's stable names (``<vpc>-<role>[-<cluster>]-<zone>``) and the cloud-side
display names carry the fleet name, so renaming the fleet's display prefix never replaces a
vSwitch.

Egress: when the plan gives the VPC a ``nat`` vSwitch (``vpcs.<name>.natGateway``, on by
default) the VPC gets ONE Enhanced Internet NAT gateway on that vSwitch, one EIP bound to it and
one SNAT entry per node and Terway pod vSwitch. Clusters are then created with
``new_nat_gateway=False``: left to ACK, every cluster makes a NAT gateway and EIP of its own,
clusters in one VPC race for its 0.0.0.0/0 route, and NATs ACK made can block the VPC's deletion.
SNAT entries are per vSwitch (``source_vswitch_id``), so adding or removing a cluster adds or
removes exactly its entries. The 0.0.0.0/0 route towards the NAT is not declared: Alibaba adds it
to the VPC's system route table when an Internet NAT gateway is created and the table has no
default route (documented for Internet NAT gateways; not verified here without an account).
Destroy order follows the dependencies: SNAT entries, then the EIP association, then the NAT
gateway and the EIP, then the vSwitches and the VPC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_alicloud as alicloud

from meshfleet.components.common import cidr_problems, raise_problems, reported
from meshfleet.components.existing_vpc import ExistingVpcArgs, ExistingVpcResource
from meshfleet.errors import Problem
from meshfleet.layout import VpcPlan, VSwitchPlan

#: Bandwidth cap (Mbit/s) of the NAT gateway's EIP; billed by traffic, so the cap costs nothing.
EGRESS_MBPS = 100


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
    nat_vswitch: str | None = None
    """Plan key of the NAT gateway's own vSwitch (one of ``vswitches``); None: no NAT gateway
    (the VPC has egress of its own). Default None."""
    existing: ExistingVpcArgs | None = None
    """The VPC exists already (``vpcs.<name>.id``): no ``vpc.Network``; the new vSwitches, the
    NAT gateway and CEN use its id and route table. Default None (meshfleet creates it)."""
    ipam_pool_id: str | None = None
    """The IPAM pool the VPC is allocated from (``ipv4_ipam_pool_id``, with ``cidr`` as the
    allocation); None: no IPAM. Create-time only: the provider neither reads it back nor
    updates it, so adding or changing it on an existing VPC changes nothing in the cloud.
    Default None."""
    owner: str | None = None
    """With ``ipam_pool_id``: the VPC's description, ``<project>/<stack>``, by which the next
    plan of this stack tells its own VPC's allocation in the pool from another owner's. Default
    None (no description)."""

    @classmethod
    def from_plan(
        cls, vpc: VpcPlan, ipam_pool_id: str | None = None, owner: str | None = None
    ) -> NetworkArgs:
        """The arguments for planned VPC ``vpc``.

        >>> NetworkArgs.from_plan(VpcPlan("hz", "cn-hangzhou", "10.0.0.0/22", ("cn-hangzhou-h",),
        ...                               (), "demo-hz")).display_name
        'demo-hz'
        """
        nat = vpc.by_role("nat")
        return cls(
            vpc.name,
            vpc.cidr,
            vpc.display_name,
            vpc.vswitches,
            nat[0].key if nat else None,
            ExistingVpcArgs.from_plan(vpc) if vpc.existing is not None else None,
            ipam_pool_id,
            owner if ipam_pool_id else None,
        )

    def problems(self) -> list[Problem]:
        """Every CIDR must be concrete; the NAT vSwitch must be one of the vSwitches."""
        out = cidr_problems(f"vpcs.{self.vpc}.cidr", self.cidr)
        for sw in self.vswitches:
            out += cidr_problems(f"vpcs.{self.vpc}.vswitches.{sw.key}", sw.cidr)
        if self.nat_vswitch is not None and self.nat_vswitch not in {s.key for s in self.vswitches}:
            out.append(
                Problem(
                    f"vpcs.{self.vpc}.natGateway", self.nat_vswitch, "names no vSwitch of this VPC"
                )
            )
        if self.existing is not None:
            out += self.existing.problems()
        return out


class Network(pulumi.ComponentResource):
    """A VPC (``vpc.Network``) and its planned vSwitches (``vpc.Switch``), keyed by plan key."""

    vpc: alicloud.vpc.Network | ExistingVpcResource
    """The VPC: created, or (an existing VPC) the component carrying what was read."""
    vpc_id: pulumi.Output[str]
    """The VPC id."""
    route_table_id: pulumi.Output[str]
    """The VPC's system route table (where CEN routes go)."""
    vswitches: dict[str, alicloud.vpc.Switch]
    """The vSwitch resources by plan key (``vswitch:<vpc>:<role>[:<cluster>]:<zone>``)."""
    vswitch_ids: dict[str, pulumi.Output[str]]
    """vSwitch ids by plan key."""
    nat_gateway: alicloud.vpc.NatGateway | None
    """The VPC's NAT gateway (None without ``nat_vswitch``)."""
    egress_ip: pulumi.Output[str] | None
    """The public address the VPC's clusters leave by (the NAT's EIP)."""
    snat_entries: dict[str, alicloud.vpc.SnatEntry]
    """SNAT entries by the plan key of their source vSwitch: what a cluster waits on."""

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        raise_problems(args.problems())  # before the component itself is registered
        super().__init__("meshfleet:network:Network", name, None, opts)
        if args.existing is not None:
            self.vpc = found = ExistingVpcResource(
                name, args.existing, opts=pulumi.ResourceOptions(parent=self)
            )
            self.vpc_id, self.route_table_id = found.vpc_id, found.route_table_id
        else:
            self.vpc = vpc = alicloud.vpc.Network(
                name,
                alicloud.vpc.NetworkArgs(
                    cidr_block=args.cidr,
                    vpc_name=args.display_name,
                    ipv4_ipam_pool_id=args.ipam_pool_id,
                    description=args.owner,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.vpc_id, self.route_table_id = vpc.id, vpc.route_table_id
        self.vswitches = {}
        for sw in args.vswitches:
            self.vswitches[sw.key] = alicloud.vpc.Switch(
                sw.name,
                alicloud.vpc.SwitchArgs(
                    vpc_id=self.vpc_id,
                    cidr_block=sw.cidr,
                    zone_id=sw.zone,
                    vswitch_name=sw.display_name,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.vswitch_ids = {k: s.id for k, s in self.vswitches.items()}
        self.nat_gateway, self.egress_ip, self.snat_entries = None, None, {}
        if args.nat_vswitch is not None:
            self._egress(name, args)
        self.register_outputs(self._outputs())

    def _egress(self, name: str, args: NetworkArgs) -> None:
        """One NAT gateway with its EIP, and one SNAT entry per node and pod vSwitch."""
        assert args.nat_vswitch is not None
        child = pulumi.ResourceOptions(parent=self)
        self.nat_gateway = nat = alicloud.vpc.NatGateway(
            f"{name}-nat",
            alicloud.vpc.NatGatewayArgs(
                vpc_id=self.vpc_id,
                vswitch_id=self.vswitches[args.nat_vswitch].id,
                nat_gateway_name=f"{args.display_name}-nat",
                nat_type="Enhanced",
                network_type="internet",
                payment_type="PayAsYouGo",
                internet_charge_type="PayByLcu",
                # Optional, ForceNew and read back without being computed: left unset, a live
                # value would plan a replacement of the NAT gateway.
                private_link_enabled=False,
                description="meshfleet: egress of every cluster in this VPC",
            ),
            opts=child,
        )
        eip = alicloud.ecs.EipAddress(
            f"{name}-nat",
            alicloud.ecs.EipAddressArgs(
                address_name=f"{args.display_name}-nat",
                bandwidth=str(EGRESS_MBPS),
                internet_charge_type="PayByTraffic",
                payment_type="PayAsYouGo",
                description="meshfleet: the NAT gateway's public address",
            ),
            opts=child,
        )
        bound = alicloud.ecs.EipAssociation(
            f"{name}-nat",
            alicloud.ecs.EipAssociationArgs(
                allocation_id=eip.id, instance_id=nat.id, instance_type="Nat"
            ),
            # An EIP is bound to one instance at a time: a replacement must unbind it first.
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )
        self.egress_ip = eip.ip_address
        # An Enhanced NAT gateway has one SNAT table; the provider reports it comma-joined.
        table = nat.snat_table_ids.apply(
            lambda ids: reported(ids, "the NAT gateway's snatTableIds", "its SNAT entries").split(
                ","
            )[0]
        )
        for sw in args.vswitches:
            if sw.role not in ("node", "pod"):
                continue  # transit-router, Fleet, mesh and NAT vSwitches send nothing out
            self.snat_entries[sw.key] = alicloud.vpc.SnatEntry(
                f"{sw.name}-snat",
                alicloud.vpc.SnatEntryArgs(
                    snat_table_id=table,
                    source_vswitch_id=self.vswitches[sw.key].id,
                    snat_ip=eip.ip_address,
                    snat_entry_name=sw.display_name,
                ),
                # SNAT on an address the NAT gateway does not hold yet is refused.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[bound]),
            )

    def _outputs(self) -> Mapping[str, Any]:
        return {
            "vpc_id": self.vpc_id,
            "route_table_id": self.route_table_id,
            "vswitch_ids": self.vswitch_ids,
            "egress_ip": self.egress_ip,
        }
