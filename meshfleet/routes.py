"""Routing aggregates of a plan: what each VPC routes to CEN and what security groups admit.

Pure, like the planner: plain CIDR strings in and out. Aggregates keep the number of VPC routes
and security-group rules proportional to the number of address pools rather than to
VPCs x clusters, which matters because a VPC route table holds 200 custom routes and Flannel
spends one per node.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from typing import TYPE_CHECKING

from netaddr import IPNetwork, IPSet

if TYPE_CHECKING:
    from meshfleet.planner import Plan


def _outermost_pools(plan: Plan) -> list[IPNetwork]:
    nets = sorted({IPNetwork(c) for k in ("vpc", "pod") for c in plan.spec.pools[k]})
    return [n for n in nets if not any(n != m and n in m for m in nets)]


def fleet_supernets(plan: Plan) -> tuple[str, ...]:
    """The few aggregates that cover every routable range of the fleet (VPC CIDRs, Flannel pod
    CIDRs): each range is replaced by the outermost pool that holds it; a pinned range outside
    every pool stands alone. What a cluster's security group admits, in O(pools) rules.

    >>> from meshfleet.planner import plan
    >>> from meshfleet.spec import parse_spec
    >>> spec = parse_spec({
    ...     "regions": {"cn-hangzhou": {"zones": ["cn-hangzhou-h", "cn-hangzhou-i"]}},
    ...     "vpcs": {"hz": {"region": "cn-hangzhou"}},
    ...     "clusters": {"ack-1": {"vpc": "hz"}}, "fleet": {"vpc": "hz"}, "mesh": {"vpc": "hz"}})
    >>> fleet_supernets(plan(spec))
    ('10.0.0.0/8', '172.16.0.0/12')
    """
    ranges = [IPNetwork(v.cidr) for v in plan.vpcs.values()]
    ranges += [IPNetwork(c.pod_cidr) for c in plan.clusters.values() if c.pod_cidr]
    pools = _outermost_pools(plan)
    out = {next((p for p in pools if r in p), r) for r in ranges}
    return tuple(str(n) for n in sorted(out))


def all_summary_routes(plan: Plan, only: Iterable[str] | None = None
                       ) -> dict[str, tuple[str, ...]]:
    """Destinations each VPC (by name) routes towards the rest of the fleet: aggregates that
    cover every other VPC's CIDR and every Flannel pod CIDR homed elsewhere, never overlapping
    the VPC itself (Alibaba refuses a custom route inside a vSwitch CIDR) nor its own clusters'
    pod CIDRs (whose unused parts would loop through the transit router).

    Each pool minus the VPC's own ranges is split into aligned blocks and the blocks holding a
    remote range are kept: a few routes per pool (at most one per prefix bit between the pool and
    each range it excludes), so routes grow with the number of pools, not with VPCs x clusters
    (a route table holds 200 custom routes, which Flannel also spends one per node). One index of
    the fleet's ranges serves every VPC: O(VPCs x blocks x log ranges). ``only``: just these VPCs.
    """
    home: dict[str, list[IPNetwork]] = {v: [IPNetwork(p.cidr)] for v, p in plan.vpcs.items()}
    for c in plan.clusters.values():
        if c.pod_cidr:
            home[c.vpc].append(IPNetwork(c.pod_cidr))
    ranges = sorted((r for rs in home.values() for r in rs), key=lambda r: r.first)
    starts = [r.first for r in ranges]
    pools = _outermost_pools(plan)
    stray = [r for r in ranges if not any(r in p for p in pools)]  # pinned outside every pool

    def holds_a_range(block: IPNetwork) -> bool:
        i = bisect_left(starts, block.first)  # ranges are disjoint: one starting inside is in it
        return i < len(starts) and starts[i] <= block.last

    out = {}
    wanted = set(home if only is None else only)
    for vpc, own in home.items():
        if vpc not in wanted:
            continue
        routes = {r for r in stray if r not in own}
        for pool in pools:
            mine = [r for r in own if r in pool]
            blocks = (IPSet([pool]) - IPSet(mine)).iter_cidrs() if mine else [pool]
            routes.update(b for b in blocks if holds_a_range(b))
        out[vpc] = tuple(str(n) for n in sorted(routes))
    return out


def summary_routes(plan: Plan, vpc: str) -> tuple[str, ...]:
    """:func:`all_summary_routes` of one VPC."""
    return all_summary_routes(plan)[vpc]
