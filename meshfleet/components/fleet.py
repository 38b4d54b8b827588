"""Fleet: the ACK One Fleet instance (``ackone.Cluster``) and one membership per ACK cluster.

The Fleet lives in its planned VPC on one planned vSwitch (``ackone.Cluster`` needs only one). Each
member cluster gets its own ``ackone.MembershipAttachment`` named after the cluster key, so adding
or removing a cluster touches exactly one attachment. A cluster belongs to one Fleet only.

Attachments are made one after another, in name order: each attach (AttachClusterToHub) is
followed by the provider's wait for the Fleet to be ``running`` again, and a call made while the
Fleet is busy with another attach fails with a state conflict the provider does not retry
(resource_alicloud_ack_one_membership_attachment.go retries only NeedRetry errors).

The Fleet's security group (``network.security_group_ids``, a computed output: the first one, the
group ACK One creates for the Fleet's control plane) admits the API server (6443) from the fleet's
aggregates (``Plan.supernets``): member clusters in other VPCs reach the Fleet over CEN, and the
groups ACK creates admit only their own VPC.

What the provider cannot do (the Fleet's public endpoint, its kubeconfig and its mesh feature) is
done by ``FleetFeatures`` (meshfleet/components/fleet_features.py), wired in by ``MeshFleet``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_alicloud as alicloud

from meshfleet.components.common import (
    API_SERVER,
    admit,
    cidr_key,
    cidr_problems,
    raise_problems,
    reported,
)
from meshfleet.errors import Problem
from meshfleet.layout import Plan
from meshfleet.specmodel import FleetProfile


@dataclass(frozen=True)
class FleetArgs:
    """Inputs of :class:`Fleet`; :meth:`from_plan` fills them from the plan."""

    display_name: str
    """Cloud-side name of the Fleet instance (required)."""
    vpc_id: pulumi.Input[str]
    """The Fleet's VPC (required)."""
    vswitch_ids: Sequence[pulumi.Input[str]]
    """The Fleet's vSwitches, at least one (required)."""
    cluster_ids: Mapping[str, pulumi.Input[str]]
    """Member ACK cluster ids keyed by cluster name; one membership each (required)."""
    profile: FleetProfile
    """Fleet profile: ``Default`` or ``XFlow`` (required)."""
    argocd: bool
    """Enable the Fleet's managed Argo CD (required)."""
    member_depends_on: Mapping[str, Sequence[pulumi.Resource]] = field(default_factory=dict)
    """Per cluster name: what must exist before that cluster can join, i.e. the private route
    between the Fleet's VPC and the cluster's (CEN). Default: nothing."""
    peer_cidrs: Mapping[str, str] = field(default_factory=dict)
    """Private CIDRs of the fleet the Fleet's security group admits on the API-server port,
    keyed by a stable name fragment (``Plan.supernets``). Default: none."""

    @classmethod
    def from_plan(
        cls,
        plan: Plan,
        vpc_id: pulumi.Input[str],
        vswitch_id: pulumi.Input[str],
        cluster_ids: Mapping[str, pulumi.Input[str]],
        member_depends_on: Mapping[str, Sequence[pulumi.Resource]] | None = None,
    ) -> FleetArgs:
        """The arguments for ``plan``'s Fleet, in its VPC ``vpc_id`` on its planned vSwitch."""
        fleet = plan.spec.fleet
        return cls(
            fleet.name,
            vpc_id,
            [vswitch_id],
            cluster_ids,
            fleet.profile,
            fleet.argocd,
            dict(member_depends_on or {}),
            peer_cidrs={cidr_key(s): s for s in plan.supernets},
        )

    def problems(self) -> list[Problem]:
        out = []
        if not self.vswitch_ids:
            out.append(Problem("fleet.vswitches", [], "needs at least one vSwitch"))
        extra = sorted(set(self.member_depends_on) - set(self.cluster_ids))
        if extra:
            out.append(
                Problem("fleet.member_depends_on", extra, "names clusters that are not members")
            )
        for key, cidr in self.peer_cidrs.items():
            out += cidr_problems(f"fleet.peerCidrs.{key}", cidr)
        return out


class Fleet(pulumi.ComponentResource):
    """``ackone.Cluster`` + one ``ackone.MembershipAttachment`` per member cluster."""

    fleet: alicloud.ackone.Cluster
    memberships: dict[str, alicloud.ackone.MembershipAttachment]
    """Membership attachments by cluster name."""
    security_rules: list[alicloud.ecs.SecurityGroupRule]
    fleet_id: pulumi.Output[str]
    """The Fleet instance's id (an ACK cluster id of the hub)."""
    membership_ids: dict[str, pulumi.Output[str]]
    """Membership attachment ids by cluster name."""

    def __init__(
        self, name: str, args: FleetArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        raise_problems(args.problems())
        super().__init__("meshfleet:fleet:Fleet", name, None, opts)
        self.fleet = alicloud.ackone.Cluster(
            name,
            alicloud.ackone.ClusterArgs(
                cluster_name=args.display_name,
                network=alicloud.ackone.ClusterNetworkArgs(
                    vpc_id=args.vpc_id, vswitches=list(args.vswitch_ids)
                ),
                profile=args.profile,
                argocd_enabled=args.argocd,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.fleet_id = self.fleet.id
        group = self.fleet.network.apply(
            lambda n: reported(
                next(iter(n.security_group_ids or ()), None),
                "the Fleet's network.securityGroupIds",
                "the rules admitting the fleet",
            )
        )
        self.security_rules = admit(name, group, args.peer_cidrs, API_SERVER, self)
        self.memberships = {}
        previous: alicloud.ackone.MembershipAttachment | None = None
        for cluster, cluster_id in sorted(args.cluster_ids.items()):
            # Joining needs the Fleet <-> cluster API servers reachable (the route over CEN),
            # and one attach at a time: after the previous one in name order.
            waits = [*args.member_depends_on.get(cluster, ()), *self.security_rules]
            if previous is not None:
                waits.append(previous)
            previous = self.memberships[cluster] = alicloud.ackone.MembershipAttachment(
                f"{name}-{cluster}",
                alicloud.ackone.MembershipAttachmentArgs(
                    cluster_id=self.fleet.id, sub_cluster_id=cluster_id
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=waits),
            )
        self.membership_ids = {k: m.id for k, m in self.memberships.items()}
        self.register_outputs(self._outputs())

    def _outputs(self) -> Mapping[str, Any]:
        return {"fleet_id": self.fleet_id, "membership_ids": self.membership_ids}
