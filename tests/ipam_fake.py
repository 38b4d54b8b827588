"""A fake of Alibaba VPC IPAM: pools in scopes, their allocations, and the rules IPAM enforces.

Pure Python (netaddr), no Pulumi. It plays the cloud in the tests of many stacks sharing pools:
each stack reads the pools (:meth:`FakeIpam.answers`, the data sources' recorded answers), plans,
and "applies" its allocations against the fake (:meth:`allocate`, :meth:`create_vpc`), which
refuses what IPAM refuses:

- the pool's CIDRs are disjoint from every other pool CIDR of its scope (:meth:`add_pool`);
- an allocation lies inside one of its pool's CIDRs, with a mask within the pool's
  ``allocation_min_cidr_mask`` .. ``allocation_max_cidr_mask``;
- it overlaps no other allocation of the pool;
- it is made in the pool's effective region (a custom allocation through a provider of that
  region; a VPC only from a pool of its own region).

The refusal codes are the fake's own: Alibaba's exact error codes for these cases are not
confirmed offline (README, "VPC IPAM: what is confirmed"), and nothing in meshfleet depends on
them; the provider retries none of them (only throttling and 5xx errors).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from netaddr import IPNetwork


class IpamRefused(Exception):
    """IPAM refused the call (the provider's create fails with it, not retried)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclass
class FakeAllocation:
    id: str
    pool_id: str
    cidr: str
    resource_type: str
    """``Custom`` (a reservation), ``VPC`` or ``IpamPool`` (a child pool)."""
    name: str = ""
    description: str = ""
    resource_id: str = ""
    region: str = ""


@dataclass
class FakePool:
    id: str
    scope: str
    region: str
    cidrs: list[str]
    min_mask: int | None = None
    max_mask: int | None = None
    allocations: list[FakeAllocation] = field(default_factory=list)


@dataclass
class FakeVpc:
    id: str
    cidr: str
    region: str
    description: str


class FakeIpam:
    """Pools, allocations and the VPCs created from pools, with IPAM's rules."""

    def __init__(self) -> None:
        self.pools: dict[str, FakePool] = {}
        self.vpcs: dict[str, FakeVpc] = {}
        self.refusals: list[tuple[str, str, str]] = []
        """(pool id, CIDR, code) of every refused call, in order."""
        self._ids = itertools.count(1)

    def add_pool(
        self,
        pool_id: str,
        *,
        scope: str,
        region: str,
        cidrs: list[str],
        min_mask: int | None = None,
        max_mask: int | None = None,
    ) -> FakePool:
        for other in self.pools.values():
            if other.scope != scope:
                continue
            for a, b in itertools.product(cidrs, other.cidrs):
                if IPNetwork(a) in IPNetwork(b) or IPNetwork(b) in IPNetwork(a):
                    raise IpamRefused(
                        "Fake.PoolCidrConflict",
                        f"{a} overlaps {b} of pool {other.id} in scope {scope}",
                    )
        pool = self.pools[pool_id] = FakePool(
            pool_id, scope, region, list(cidrs), min_mask, max_mask
        )
        return pool

    def allocate(
        self,
        pool_id: str,
        cidr: str,
        *,
        region: str,
        resource_type: str = "Custom",
        name: str = "",
        description: str = "",
        resource_id: str = "",
    ) -> FakeAllocation:
        """CreateIpamPoolAllocation (or the allocation a VPC gets): the first caller of a range
        wins; an overlapping second one is refused."""
        try:
            pool = self.pools.get(pool_id)
            if pool is None:
                raise IpamRefused("Fake.PoolNotFound", pool_id)
            if region != pool.region:
                raise IpamRefused(
                    "Fake.RegionMismatch",
                    f"pool {pool_id} is in {pool.region}, the call in {region}",
                )
            net = IPNetwork(cidr)
            if not any(net in IPNetwork(c) for c in pool.cidrs):
                raise IpamRefused("Fake.CidrNotInPool", f"{cidr} is outside {pool.cidrs}")
            if (pool.min_mask and net.prefixlen < pool.min_mask) or (
                pool.max_mask and net.prefixlen > pool.max_mask
            ):
                raise IpamRefused(
                    "Fake.MaskOutOfRange",
                    f"/{net.prefixlen} not in /{pool.min_mask}-/{pool.max_mask}",
                )
            for a in pool.allocations:
                other = IPNetwork(a.cidr)
                if net in other or other in net:
                    raise IpamRefused(
                        "Fake.CidrConflict",
                        f"{cidr} overlaps {a.cidr} ({a.description or a.resource_id})",
                    )
        except IpamRefused as exc:
            self.refusals.append((pool_id, cidr, exc.code))
            raise
        allocation = FakeAllocation(
            f"ipam-pool-alloc-{next(self._ids):04d}",
            pool_id,
            cidr,
            resource_type,
            name,
            description,
            resource_id,
            region,
        )
        pool.allocations.append(allocation)
        return allocation

    def create_vpc(self, pool_id: str, cidr: str, *, region: str, description: str) -> FakeVpc:
        """CreateVpc with Ipv4IpamPoolId: IPAM allocates the VPC's CIDR itself."""
        vpc_id = f"vpc-fake{next(self._ids):04d}"
        self.allocate(pool_id, cidr, region=region, resource_type="VPC", resource_id=vpc_id)
        vpc = self.vpcs[vpc_id] = FakeVpc(vpc_id, cidr, region, description)
        return vpc

    def answers(self) -> list[dict[str, Any]]:
        """What the data sources return now, as an answers file's entries (the read)."""
        out: list[dict[str, Any]] = [
            {
                "function": "vpc.get_ipam_ipam_pools",
                "result": {
                    "pools": [
                        {
                            "id": p.id,
                            "ipam_pool_id": p.id,
                            "pool_region_id": p.region,
                            "allocation_min_cidr_mask": p.min_mask or 0,
                            "allocation_max_cidr_mask": p.max_mask or 0,
                        }
                        for p in self.pools.values()
                    ]
                },
            }
        ]
        for p in self.pools.values():
            out.append(
                {
                    "function": "vpc.get_ipam_ipam_pool_cidrs",
                    "args": {"ipam_pool_id": p.id},
                    "result": {"cidrs": [{"cidr": c, "ipam_pool_id": p.id} for c in p.cidrs]},
                }
            )
            out.append(
                {
                    "function": "vpc.get_ipam_ipam_pool_allocations",
                    "args": {"ipam_pool_id": p.id},
                    "result": {
                        "allocations": [
                            {
                                "id": a.id,
                                "cidr": a.cidr,
                                "resource_type": a.resource_type,
                                "resource_id": a.resource_id,
                                "resource_region_id": a.region,
                                "ipam_pool_allocation_name": a.name,
                                "ipam_pool_allocation_description": a.description,
                            }
                            for a in p.allocations
                        ]
                    },
                }
            )
        out.append(
            {
                "function": "vpc.get_networks",
                "result": {
                    "vpcs": [
                        {"id": v.id, "cidr_block": v.cidr, "description": v.description}
                        for v in self.vpcs.values()
                    ]
                },
            }
        )
        return out
