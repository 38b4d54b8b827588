"""PoolReservations: the fleet's custom allocations in the organisation's IPAM pools.

One ``vpc.IpamIpamPoolAllocation`` per Flannel pod CIDR and per Service CIDR the plan reserves
(``Plan.ipam.reservations``), named by its allocation key (``pod:ack-1``) and described
``<project>/<stack>``, so the next plan of this stack recognises them as its own. VPCs are not
here: ``vpc.Network(ipv4_ipam_pool_id=...)`` is allocated by IPAM itself (``Network``).

Each allocation is created through the provider of its pool's effective region (the provider
sends ``RegionId`` = its own region with CreateIpamPoolAllocation). A cluster depends on its
reservations: when another stack won the same range, IPAM refuses the allocation (the provider
retries only throttling and 5xx errors, so the refusal fails the update at once) and the cluster
is never created. Replacement is delete-before-replace: ``cidr`` and ``ipam_pool_id`` are
ForceNew, and IPAM lets no two allocations of one pool overlap, so a create-before-delete
replacement by an overlapping range would collide with the allocation it replaces. Delete
(DeleteIpamPoolAllocation) tolerates an allocation already gone; the cluster is deleted first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_alicloud as alicloud

from meshfleet.components.common import cidr_problems, raise_problems
from meshfleet.errors import Problem
from meshfleet.ipam import IpamUse, Reservation

#: The provider's own defaults (resource_alicloud_vpc_ipam_ipam_pool_allocation.go), explicit.
ALLOCATION_TIMEOUTS = pulumi.CustomTimeouts(create="5m", update="5m", delete="5m")


def child_name(key: str) -> str:
    """The Pulumi name of the allocation of ``key``: ``pod:ack-1`` -> ``pod-ack-1``."""
    return key.replace(":", "-")


@dataclass(frozen=True)
class PoolReservationsArgs:
    """Inputs of :class:`PoolReservations`; :meth:`from_plan` fills them from ``Plan.ipam``."""

    owner: str
    """The allocations' description: ``<project>/<stack>`` (required)."""
    reservations: Sequence[Reservation]
    """The custom allocations: key, CIDR, pool and the pool's region (required)."""

    @classmethod
    def from_plan(cls, ipam: IpamUse) -> PoolReservationsArgs:
        return cls(ipam.owner, ipam.reservations)

    def problems(self) -> list[Problem]:
        out: list[Problem] = []
        if not self.owner:
            out.append(
                Problem(
                    "ipam.owner",
                    self.owner,
                    "must be <project>/<stack>: the next plan recognises its own allocations by it",
                )
            )
        for r in self.reservations:
            out += cidr_problems(f"ipam.reservations.{r.key}", r.cidr)
        return out


class PoolReservations(pulumi.ComponentResource):
    """Custom allocations in IPAM pools, keyed by allocation key."""

    allocations: dict[str, alicloud.vpc.IpamIpamPoolAllocation]
    """The allocation resources by key (``pod:<cluster>``, ``service:<cluster>``)."""

    def __init__(
        self,
        name: str,
        args: PoolReservationsArgs,
        providers: Mapping[str, alicloud.Provider],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        problems = args.problems()
        problems += [
            Problem(f"ipam.reservations.{r.key}", r.region, "has no provider of its pool's region")
            for r in args.reservations
            if r.region not in providers
        ]
        raise_problems(problems)
        super().__init__("meshfleet:ipam:PoolReservations", name, None, opts)
        self.allocations = {
            r.key: alicloud.vpc.IpamIpamPoolAllocation(
                child_name(r.key),
                alicloud.vpc.IpamIpamPoolAllocationArgs(
                    ipam_pool_id=r.pool_id,
                    cidr=r.cidr,
                    ipam_pool_allocation_name=r.key,
                    ipam_pool_allocation_description=args.owner,
                ),
                opts=pulumi.ResourceOptions(
                    parent=self,
                    provider=providers[r.region],
                    delete_before_replace=True,
                    custom_timeouts=ALLOCATION_TIMEOUTS,
                ),
            )
            for r in args.reservations
        }
        self.register_outputs({"allocation_ids": {k: a.id for k, a in self.allocations.items()}})

    def of_cluster(self, cluster: str) -> list[alicloud.vpc.IpamIpamPoolAllocation]:
        """What ``cluster`` waits on: its pod and Service CIDR reservations."""
        return [a for k, a in sorted(self.allocations.items()) if k.split(":", 1)[1] == cluster]
