"""Routing aggregates of a plan: what each VPC routes to CEN and what security groups admit.

Pure, like the planner: plain CIDR strings in and out. Aggregates keep the number of VPC routes
and security-group rules proportional to the number of address pools rather than to
VPCs x clusters, which matters because a VPC route table holds 200 custom routes and Flannel
spends one per node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netaddr import IPNetwork, IPSet

if TYPE_CHECKING:
    from components.planner import Plan


def _outermost_pools(plan: Plan) -> list[IPNetwork]:
    nets = sorted({IPNetwork(c) for k in ("vpc", "pod") for c in plan.spec.pools[k]})
    return [n for n in nets if not any(n != m and n in m for m in nets)]


def fleet_supernets(plan: Plan) -> tuple[str, ...]:
    """The few aggregates that cover every routable range of the fleet (VPC CIDRs, Flannel pod
    CIDRs): each range is replaced by the outermost pool that holds it; a pinned range outside
    every pool stands alone. What a cluster's security group admits, in O(pools) rules.

    >>> from components.planner import plan
    >>> from components.spec import parse_spec
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


def summary_routes(plan: Plan, vpc: str) -> tuple[str, ...]:
    """Destinations to route from ``vpc`` towards the rest of the fleet: aggregates that cover
    every other VPC's CIDR and every Flannel pod CIDR homed elsewhere, never overlapping the
    VPC itself (Alibaba refuses a custom route inside a vSwitch CIDR) nor its own clusters' pod
    CIDRs (whose unused parts would loop through the transit router). Each pool minus those is
    split into aligned blocks and the blocks holding a remote range are kept: a few routes per
    pool (at most one per prefix bit between the pool and the ranges it excludes), so routes grow
    with the number of pools, not with VPCs x clusters (a route table holds 200 custom routes,
    which Flannel also spends one per node).
    """
    own = IPSet([plan.vpcs[vpc].cidr])
    own.update(c.pod_cidr for c in plan.clusters.values() if c.pod_cidr and c.vpc == vpc)
    remote = [IPNetwork(v.cidr) for v in plan.vpcs.values() if v.name != vpc]
    remote += [IPNetwork(c.pod_cidr) for c in plan.clusters.values()
               if c.pod_cidr and c.vpc != vpc]
    out: set[IPNetwork] = set()
    pools = _outermost_pools(plan)
    for r in remote:
        pool = next((p for p in pools if r in p), None)
        if pool is None:
            out.add(r)
            continue
        out.update(b for b in (IPSet([pool]) - own).iter_cidrs() if r in b)
    return tuple(str(n) for n in sorted(out))
