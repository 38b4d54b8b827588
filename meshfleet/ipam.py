"""The organisation's VPC IPAM pools as the planner sees them (``ipam.pools`` in the spec).

Pure: the pools come in as ``meshfleet.inventory.IpamPool`` values (read before planning), and
out come the address space per request, the ranges other owners hold, the masks each pool allows,
and what the stack itself reserves. The cloud arbitrates between stacks: two stacks that plan
from the same read may pick the same free range; IPAM refuses the second allocation, so the
loser's reservation fails before its cluster is created, and its next plan (a new read) sees the
winner's allocation here and plans around it.

Whose allocation is it? The stack's own are recognised, so re-runs are idempotent:

- a custom allocation (``Custom``: a Flannel pod or Service CIDR) is ours when its name is one of
  the stack's allocation keys (or a key its lock holds) and its description is
  ``<project>/<stack>`` (``Inventory.owner``);
- a VPC's allocation (``VPC``: IPAM records it when the VPC is created from the pool) is ours when
  its CIDR is exactly the lock's CIDR of one of the stack's VPCs in that pool and the VPC's own
  description (read back by the reader) is ``<project>/<stack>``, which meshfleet writes on every
  VPC it creates from a pool. The CIDR alone is not enough: two stacks that planned from one read
  lock the same CIDR, and the loser must not take the winner's VPC for its own.

Everything else (other stacks, child pools, VPCs made elsewhere) is foreign: never allocated. A
CIDR the lock (or a pin) holds that now overlaps a foreign allocation is ``taken``: the plan keeps
it (what exists is never renumbered) and reports it, since its reservation will fail at apply.

>>> from meshfleet.inventory import Inventory, IpamPool, PoolAllocation
>>> pool = IpamPool("ipam-pool-svc", "cn-hangzhou", ("192.168.0.0/16",),
...                 (PoolAllocation("192.168.0.0/20", "service:ack-1", "team-a/prod", "Custom"),
...                  PoolAllocation("192.168.16.0/20", "service:ack-1", "meshfleet/dev",
...                                 "Custom")))
>>> [a.cidr for a in foreign_allocations(pool, "meshfleet/dev", {"service:ack-1"}, {})]
['192.168.0.0/20']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from netaddr import IPNetwork, IPSet

from meshfleet.errors import ExhaustedError, PinConflictError, PlanError, Problem
from meshfleet.inventory import Inventory, IpamPool, PoolAllocation
from meshfleet.specmodel import FleetSpec, PoolKind


@dataclass(frozen=True)
class Reservation:
    """A custom allocation the stack makes: one Flannel pod or Service CIDR in its pool."""

    key: str
    """The allocation key (``pod:ack-1``): also the allocation's name."""
    cidr: str
    pool_id: str
    region: str
    """The pool's effective region: the allocation is created there."""
    cluster: str


@dataclass(frozen=True)
class Taken:
    """A CIDR the lock (or a pin) holds that overlaps another owner's allocation."""

    key: str
    cidr: str
    pool_id: str
    allocation: PoolAllocation
    """The other owner's allocation."""
    pinned: bool = False


@dataclass(frozen=True)
class IpamUse:
    """What the plan does with IPAM: which pool each VPC comes from and what it reserves."""

    owner: str
    """The description of the stack's allocations: ``<project>/<stack>``."""
    vpc_pools: Mapping[str, str]
    """VPC name -> pool id (``vpc.Network(ipv4_ipam_pool_id=...)``)."""
    reservations: tuple[Reservation, ...]
    taken: tuple[Taken, ...] = ()
    foreign: Mapping[str, tuple[PoolAllocation, ...]] = field(default_factory=dict)
    """Pool id -> the allocations of other owners in it (what the plan steered clear of)."""

    def of_cluster(self, cluster: str) -> tuple[Reservation, ...]:
        return tuple(r for r in self.reservations if r.cluster == cluster)


def is_own(
    a: PoolAllocation, owner: str, keys: Iterable[str], vpc_cidrs: Mapping[str, str]
) -> bool:
    """Whether allocation ``a`` is the stack's own: described ``owner`` and either custom and
    named by one of ``keys``, or a VPC's at a locked VPC CIDR of this pool (``vpc_cidrs``: key
    -> CIDR; a VPC allocation's description is its VPC's)."""
    if not owner or a.description != owner:
        return False
    if a.resource_type == "VPC":
        return a.cidr in vpc_cidrs.values()
    return a.name in set(keys)


def foreign_allocations(
    pool: IpamPool, owner: str, keys: Iterable[str], vpc_cidrs: Mapping[str, str]
) -> tuple[PoolAllocation, ...]:
    """The allocations of ``pool`` that are not the stack's own."""
    keys = set(keys)
    return tuple(a for a in pool.allocations if not is_own(a, owner, keys, vpc_cidrs))


def _region_of(spec: FleetSpec, key: str) -> str:
    kind, name = key.split(":", 1)
    return spec.vpcs[name].region if kind == "vpc" else spec.clusters[name].region


class Arbiter:
    """The pools of one plan: address space, foreign ranges and mask limits per request."""

    def __init__(
        self, spec: FleetSpec, inventory: Inventory, keys: Iterable[str], lock: Mapping[str, str]
    ) -> None:
        assert spec.ipam is not None
        self.spec, self.ipam, self.owner = spec, spec.ipam, inventory.owner
        problems: list[Problem] = []
        if not inventory.owner:
            problems.append(
                Problem(
                    "inventory.owner",
                    "",
                    (
                        "is empty: the reader must say which stack reads (<project>/<stack>), or "
                        "the "
                        "stack's own allocations would look like another owner's"
                    ),
                )
            )
        self.pools: dict[str, IpamPool] = {}
        for path, pool_id, region in self._named():
            pool = inventory.pools.get(pool_id)
            if pool is None:
                problems.append(
                    Problem(
                        path,
                        pool_id,
                        (
                            "was not found (vpc.get_ipam_ipam_pools returned no such pool): check "
                            "the "
                            "id, and that the pool is shared with this account (Resource Sharing)"
                        ),
                    )
                )
            elif not pool.cidrs:
                problems.append(
                    Problem(
                        path,
                        pool_id,
                        "has no provisioned CIDR to allocate from: add one to the pool",
                    )
                )
            elif not pool.region:
                problems.append(
                    Problem(
                        path,
                        pool_id,
                        (
                            "has no effective region (pool_region_id): IPAM allocates VPCs and "
                            "custom "
                            "allocations only from a pool with one; name a regional pool"
                        ),
                    )
                )
            elif region is not None and pool.region != region:
                problems.append(
                    Problem(
                        path,
                        pool_id,
                        (
                            f"has effective region {pool.region or '(none)'}, but IPAM allocates a "
                            "VPC "
                            f"in {region} only from a pool of {region}: name a pool of that region"
                        ),
                    )
                )
            else:
                self.pools[pool_id] = pool
        if problems:
            raise PlanError(problems)
        every = set(keys) | set(lock)
        self.foreign: dict[str, tuple[PoolAllocation, ...]] = {}
        for pool_id, pool in self.pools.items():
            vpc_cidrs = {
                k: c
                for k, c in lock.items()
                if k.startswith("vpc:")
                and k[4:] in spec.vpcs
                and self.ipam.vpc.get(spec.vpcs[k[4:]].region) == pool_id
            }
            self.foreign[pool_id] = foreign_allocations(pool, self.owner, every, vpc_cidrs)
        self.taken_set = IPSet(a.cidr for allocs in self.foreign.values() for a in allocs)

    def _named(self) -> list[tuple[str, str, str | None]]:
        """(spec path, pool id, region it must be in) of every pool the spec names."""
        out: list[tuple[str, str, str | None]] = [
            (f"ipam.pools.vpc.{region}", pool, region)
            for region, pool in sorted(self.ipam.vpc.items())
        ]
        if self.ipam.pod:
            out.append(("ipam.pools.pod", self.ipam.pod, None))
        out.append(("ipam.pools.service", self.ipam.service, None))
        return out

    def pool_for(self, key: str) -> IpamPool | None:
        """The pool ``key`` (``vpc:hz``, ``pod:ack-1``) is allocated from."""
        kind: PoolKind = key.split(":", 1)[0]  # type: ignore[assignment]
        pool_id = self.ipam.pool_of(kind, _region_of(self.spec, key))
        return self.pools.get(pool_id) if pool_id else None

    def cidrs(self, kind: PoolKind) -> tuple[str, ...]:
        """Every CIDR of the pools of ``kind`` (all regions' for VPCs): routing aggregates,
        pool use, the planner's address spaces."""
        ids = (
            sorted(set(self.ipam.vpc.values()))
            if kind == "vpc"
            else [i for i in [self.ipam.pod if kind == "pod" else self.ipam.service] if i]
        )
        return tuple(dict.fromkeys(c for i in ids for c in self.pools[i].cidrs))

    def fit(self, key: str, prefix: int, path: str) -> int:
        """The prefix to ask ``key``'s pool for: ``prefix`` grown to the pool's smallest block
        (``allocation_max_cidr_mask``); an error if it is larger than the pool hands out."""
        pool = self.pool_for(key)
        if pool is None:
            return prefix
        if pool.min_mask and prefix < pool.min_mask:
            raise ExhaustedError(
                [
                    Problem(
                        path,
                        f"/{prefix}",
                        (
                            f"(key {key}) is larger than IPAM pool {pool.id} allocates (masks "
                            f"/{pool.min_mask} to /{pool.max_mask or 32}): lower the sizing, or "
                            "raise the "
                            "pool's allocation_min_cidr_mask"
                        ),
                    )
                ]
            )
        return min(prefix, pool.max_mask) if pool.max_mask else prefix

    def _pooled(self, fixed: Mapping[str, str]) -> Iterator[tuple[str, str, IpamPool, IPNetwork]]:
        """(key, CIDR, its pool, the network) of each fixed CIDR allocated from a pool."""
        for key, cidr in sorted(fixed.items()):
            if not key.startswith("vswitch:") and (pool := self.pool_for(key)) is not None:
                yield key, cidr, pool, IPNetwork(cidr)

    def fixed_problems(self, fixed: Mapping[str, str], paths: Mapping[str, str]) -> list[Problem]:
        """Pinned or locked CIDRs of VPCs, pods and Services outside their pool, or of a mask
        the pool does not allocate: IPAM would refuse them."""
        out = []
        for key, cidr, pool, net in self._pooled(fixed):
            if not any(net in IPNetwork(c) for c in pool.cidrs):
                out.append(
                    Problem(
                        paths.get(key, key),
                        cidr,
                        (
                            f"(key {key}) lies outside IPAM pool {pool.id} "
                            f"({', '.join(pool.cidrs)}), "
                            "which refuses to allocate it: release the key from the lock (or "
                            "change "
                            "the pin), or add the range to the pool"
                        ),
                    )
                )
            elif (pool.min_mask and net.prefixlen < pool.min_mask) or (
                pool.max_mask and net.prefixlen > pool.max_mask
            ):
                out.append(
                    Problem(
                        paths.get(key, key),
                        cidr,
                        (
                            f"(key {key}) has a mask IPAM pool {pool.id} does not allocate "
                            f"(/{pool.min_mask or 0} to /{pool.max_mask or 32})"
                        ),
                    )
                )
        return out

    def taken(self, fixed: Mapping[str, str], pins: Iterable[str]) -> tuple[Taken, ...]:
        """Fixed CIDRs that overlap another owner's allocation in their pool."""
        pinned = set(pins)
        out = []
        for key, cidr, pool, net in self._pooled(fixed):
            out += [
                Taken(key, cidr, pool.id, a, key in pinned)
                for a in self.foreign[pool.id]
                if net in IPNetwork(a.cidr) or IPNetwork(a.cidr) in net
            ]
        return tuple(out)

    def use(self, cidr_of: Mapping[str, str], taken: tuple[Taken, ...]) -> IpamUse:
        """The plan's use of the pools: each VPC's pool and the reservations it makes."""
        vpc_pools = {name: self.ipam.vpc[v.region] for name, v in sorted(self.spec.vpcs.items())}
        reservations = []
        for key, cidr in sorted(cidr_of.items()):
            kind, cluster = key.split(":", 1)
            if kind in ("pod", "service") and (pool := self.pool_for(key)) is not None:
                reservations.append(Reservation(key, cidr, pool.id, pool.region, cluster))
        return IpamUse(self.owner, vpc_pools, tuple(reservations), taken, dict(self.foreign))


def taken_warnings(taken: Iterable[Taken]) -> tuple[str, ...]:
    """One line per locked range another owner now holds: who, and what to do."""
    out = []
    for t in taken:
        a = t.allocation
        held = f"{a.resource_type or 'an'} allocation {a.cidr}" + (f" ({a.name})" if a.name else "")
        holder = a.description or a.resource_id or "another owner"
        out.append(
            f"{t.key}: locked {t.cidr} overlaps {held} of {holder} in IPAM pool {t.pool_id}: "
            "its reservation will fail at apply. If "
            "its resource does not exist yet (the update that creates it failed or has not "
            "run), delete the key from the lock (a VPC's with its vswitch keys) and re-plan "
            "(fleetctl plan --write) to take free space; if it exists, the two owners must "
            "settle the range"
        )
    return tuple(out)


def keys_to_release(lock: Mapping[str, str], taken: Iterable[Taken]) -> tuple[str, ...]:
    """The lock keys to delete so that the next plan takes free space for what was taken: each
    taken key, and for a taken VPC the vSwitches the lock holds inside it.

    >>> t = Taken("vpc:hz", "10.2.0.0/22", "ipam-pool-x", PoolAllocation("10.2.0.0/22"))
    >>> keys_to_release({"vpc:hz": "10.2.0.0/22", "vswitch:hz:nat:cn-hangzhou-h": "10.2.0.0/28",
    ...                  "vpc:sh": "10.17.0.0/22"}, [t])
    ('vpc:hz', 'vswitch:hz:nat:cn-hangzhou-h')
    """
    out = set()
    for t in taken:
        out.add(t.key)
        kind, name = t.key.split(":", 1)
        if kind == "vpc":
            out |= {k for k in lock if k.startswith(f"vswitch:{name}:")}
    return tuple(sorted(out))


def guard_pins(taken: Iterable[Taken], paths: Mapping[str, str]) -> None:
    """A pinned CIDR (the spec's own choice) inside another owner's allocation is an error,
    reported on its spec field (``paths``: key -> field)."""
    problems = [
        Problem(
            paths.get(t.key, t.key),
            t.cidr,
            (
                f"(key {t.key}) is pinned over {t.allocation.cidr}, allocated in IPAM pool "
                f"{t.pool_id} "
                f"to {t.allocation.description or 'another owner'}: pin a free range"
            ),
        )
        for t in taken
        if t.pinned
    ]
    if problems:
        raise PinConflictError(problems)
