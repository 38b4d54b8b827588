"""The CIDR planner: a validated ``FleetSpec`` (+ the lock) in, a frozen ``Plan`` of strings out.

Pure: no Pulumi import, plain CIDR strings. Every allocation has a stable key (``vpc:hz-main``,
``pod:ack-1``, ``vswitch:hz-main:node:ack-1:cn-hangzhou-h`` ...). Keys found in the lock keep their
CIDR, so adding, removing or reordering anything never renumbers what already exists; pinned
CIDRs are honoured or rejected naming the rule.

How it allocates: VPC, Flannel pod and Service CIDRs are pairwise disjoint across the whole fleet
(which satisfies every row of the requirement tables and ASM's data-plane rules at once); vSwitches
are carved inside their VPC. Each space is a best-fit buddy allocator (``meshfleet.buddy``).
Requests are served largest first, ties by key, so the same input always gives the same plan.
Cost: O(n log n) in the number of requests.

:func:`plan` runs named steps: the requests (``meshfleet.requests``), the fixed CIDRs (pins and
lock, checked), the top-level allocations, the vSwitches of each VPC, the clusters, then the
routing aggregates and the warnings; the ``Plan`` is built once, carrying all of it.

>>> from meshfleet.spec import parse_spec
>>> spec = parse_spec({
...     "regions": {"cn-hangzhou": {"zones": ["cn-hangzhou-h", "cn-hangzhou-i"]}},
...     "vpcs": {"hz": {"region": "cn-hangzhou"}},
...     "clusters": {"ack-1": {"vpc": "hz", "maxNodes": 50}},
...     "fleet": {"vpc": "hz"}, "mesh": {"vpc": "hz"}})
>>> p = plan(spec)
>>> p.vpcs["hz"].cidr, p.clusters["ack-1"].pod_cidr, p.clusters["ack-1"].service_cidr
('10.0.0.0/22', '172.16.0.0/19', '192.168.0.0/20')
>>> p.supernets
('10.0.0.0/8', '172.16.0.0/12')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from netaddr import IPNetwork, IPSet

from meshfleet import existing, routes
from meshfleet.buddy import Space, pool_spaces, take_from
from meshfleet.cidrs import overlapping_pairs
from meshfleet.errors import ExhaustedError, PinConflictError, Problem
from meshfleet.inventory import EMPTY, ExistingVpc, Inventory
from meshfleet.ipam import Arbiter, Taken, guard_pins, taken_warnings
from meshfleet.layout import (
    ClusterPlan,
    PlacementPlan,
    Plan,
    PoolUse,
    Role,
    VpcPlan,
    VSwitchPlan,
)
from meshfleet.lock import Lock
from meshfleet.quarantine import check_pins_on_reserved, reclaim
from meshfleet.requests import Request, switch_requests, top_requests
from meshfleet.specmodel import ClusterSpec, FleetSpec, PoolKind, VpcSpec
from meshfleet.versions import resolve as resolve_versions

FLANNEL_ROUTE_QUOTA = 200  # default VPC route table entries; Flannel uses one per node

__all__ = ["ClusterPlan", "PlacementPlan", "Plan", "PoolUse", "VSwitchPlan", "VpcPlan", "plan"]


def plan(
    spec: FleetSpec, lock: Mapping[str, str] | None = None, inventory: Inventory = EMPTY
) -> Plan:
    """Plan every CIDR of ``spec``, keeping every allocation recorded in ``lock`` (and, for a
    ``Lock``, its versions, and its held entries reserved), around what ``inventory`` says
    already exists."""
    locked_versions = lock.versions if isinstance(lock, Lock) else {}
    held_before = dict(lock.held) if isinstance(lock, Lock) else {}
    lock = dict(lock or {})
    existing.raise_missing(spec, inventory)
    members: dict[str, list[ClusterSpec]] = {v: [] for v in spec.vpcs}
    for c in sorted(spec.clusters.values(), key=lambda c: c.name):
        if c.id is None:  # an existing cluster asks for nothing: its ranges are the cloud's
            members[c.vpc].append(c)
    locked_zones: dict[str, list[str]] = {}  # "vswitch:<vpc>:<role>" -> zones the lock holds
    for key in lock:
        if key.startswith("vswitch:"):
            head, zone = key.rsplit(":", 1)
            locked_zones.setdefault(head, []).append(zone)
    switches = {
        v: switch_requests(spec, spec.vpcs[v], members[v], locked_zones) for v in sorted(spec.vpcs)
    }
    top = top_requests(spec, switches)
    every = top + [r for reqs in switches.values() for r in reqs]
    keys = {r.key for r in every}
    # Released lock entries are quarantined: their resources still exist until the update
    # deletes them, which Pulumi does after creating everything new, so handing their CIDRs out
    # would make a new vSwitch (or cluster) collide with the old one. ``plan --write`` keeps
    # them as the lock's held entries, reserved here in every later plan until the user
    # confirms the removal was applied; a held key the spec has again takes its own CIDR back.
    reclaimed = reclaim(every, held_before, lock)
    lock.update(reclaimed)
    exists = existing.existing_ranges(spec, inventory)
    arbiter = Arbiter(spec, inventory, keys, lock) if spec.ipam is not None else None
    fixed = _fixed_cidrs(spec, every, lock, exists, arbiter)
    kept = keys | existing.existing_keys(spec, inventory)  # the cloud's: never released
    released = {k: c for k, c in lock.items() if k not in kept}
    reserved = {**released, **{k: c for k, c in held_before.items() if k not in reclaimed}}
    check_pins_on_reserved(every, lock, reserved)
    note = (
        f"; {len(reserved)} released or held lock entries stay reserved until their "
        "removal is applied and confirmed (fleetctl plan --applied)"
        if reserved
        else ""
    )
    held = IPSet(c for k, c in reserved.items() if not k.startswith("vswitch:"))
    held_switches = IPSet(c for k, c in reserved.items() if k.startswith("vswitch:"))
    taken: tuple[Taken, ...] = ()
    if arbiter is not None:
        taken = arbiter.taken(
            {r.key: fixed[r.key] for r in top if r.key in fixed}, (r.key for r in top if r.pin)
        )
        guard_pins(taken, {r.key: r.path for r in top})
        taken = tuple(t for t in taken if not t.pinned)
        held |= arbiter.taken_set
    cidr_of = _allocate_top(spec, top, fixed, held | IPSet(t.cidr for t in exists), note, arbiter)
    vpcs = {
        name: _carve_vpc(
            spec.vpcs[name],
            cidr_of.get(f"vpc:{name}", ""),
            reqs,
            fixed,
            held_switches,
            note,
            existing.existing_vpc(spec.vpcs[name], inventory),
        )
        for name, reqs in switches.items()
    }
    clusters = {
        name: existing.cluster_plan(c, x, e)
        if (x := existing.existing_cluster(c, inventory)) and (e := vpcs[c.vpc].existing)
        else ClusterPlan(
            name,
            c.region,
            c.vpc,
            c.cni,
            tuple(sorted(c.zones)),
            vpcs[c.vpc].by_role("node", name),
            vpcs[c.vpc].by_role("pod", name),
            cidr_of.get(f"pod:{name}"),
            cidr_of[f"service:{name}"],
            c.node_cidr_mask,
            c,
        )
        for name, c in sorted(spec.clusters.items())
    }
    space = _space(spec, arbiter)
    pools = _pool_use(space, cidr_of)
    summary, supernets = _aggregates(spec, space, vpcs, clusters)
    new = tuple(k for k in sorted(keys) if k not in lock)
    chosen, version_warnings = resolve_versions(spec, locked_versions, inventory.versions)
    return Plan(
        spec,
        vpcs,
        clusters,
        _placement(vpcs, "fleet", spec.fleet.vpc),
        _placement(vpcs, "mesh", spec.mesh.vpc),
        pools,
        summary,
        supernets,
        new=new,
        released=tuple(sorted(released)),
        held=dict(sorted(reserved.items())),
        reclaimed=tuple(sorted(reclaimed)),
        warnings=(
            *_route_quota_warnings(vpcs, clusters, summary),
            *version_warnings,
            *taken_warnings(taken),
        ),
        inventory=inventory,
        versions=chosen,
        ipam=arbiter.use(cidr_of, taken) if arbiter is not None else None,
    )


def _space(spec: FleetSpec, arbiter: Arbiter | None) -> Mapping[PoolKind, tuple[str, ...]]:
    """The address pools of each kind: the spec's ``pools``, or with ``ipam`` the IPAM pools'
    CIDRs (a kind with no pool keeps the spec's)."""
    if arbiter is None:
        return spec.pools
    return {k: arbiter.cidrs(k) or spec.pools[k] for k in spec.pools}


def _fixed_cidrs(
    spec: FleetSpec,
    requests: list[Request],
    lock: Mapping[str, str],
    exists: list[existing.Taken],
    arbiter: Arbiter | None = None,
) -> dict[str, str]:
    """Pinned and locked CIDRs by key, after checking that a pin agrees with the lock, that
    each is as large as its sizing needs, that the top-level ones are pairwise disjoint, that
    none overlaps a range that exists (``exists``) and (``ipam``) that each lies in its pool with
    a mask the pool allocates."""
    problems: list[Problem] = []
    fixed: dict[str, str] = {}
    for r in requests:
        if r.pin and r.key in lock and lock[r.key] != r.pin:
            problems.append(
                Problem(
                    r.path,
                    r.pin,
                    (
                        f"differs from the lock ({lock[r.key]} for {r.key}); {r.kind} CIDRs are "
                        "immutable after creation: change the lock only when the resource is being "
                        "replaced"
                    ),
                )
            )
        if r.pin or r.key in lock:
            fixed[r.key] = cidr = r.pin or lock[r.key]
            if r.kind != "vpc" and IPNetwork(cidr).prefixlen > r.prefix:
                problems.append(
                    Problem(
                        r.path,
                        cidr,
                        (
                            f"(key {r.key}, {'pinned' if r.pin else 'locked'}) is smaller than the "
                            f"/{r.prefix} the cluster's sizing (maxNodes, podsPerNode, serviceIps) "
                            "needs; CIDRs are immutable: lower the sizing or replace the resource"
                        ),
                    )
                )
    top = [
        (fixed[r.key], r.key, r.path) for r in requests if r.kind != "vswitch" and r.key in fixed
    ]
    problems += existing.conflicts(top, exists, lock)
    top += [(c, f"reserved[{i}]", f"reserved[{i}]") for i, c in enumerate(spec.reserved)]
    problems += _sweep_fixed(top)
    if arbiter is not None:
        problems += arbiter.fixed_problems(
            {r.key: fixed[r.key] for r in requests if r.kind != "vswitch" and r.key in fixed},
            {r.key: r.path for r in requests},
        )
    if problems:
        raise PinConflictError(problems)
    return fixed


def _sweep_fixed(fixed: list[tuple[str, str, str]]) -> list[Problem]:
    """Overlaps among fixed (pinned or locked) CIDRs, given as (cidr, key, path)."""
    return [
        Problem(
            path,
            str(net),
            f"(key {key}) overlaps {opath} ({other}, key {okey}): "
            "fixed CIDRs must be pairwise disjoint",
        )
        for (other, (okey, opath)), (net, (key, path)) in overlapping_pairs(
            (IPNetwork(c), (k, p)) for c, k, p in fixed
        )
    ]


def _allocate_top(
    spec: FleetSpec,
    requests: list[Request],
    fixed: Mapping[str, str],
    held: IPSet,
    note: str,
    arbiter: Arbiter | None = None,
) -> dict[str, str]:
    """Every VPC, pod and Service CIDR by key: fixed ones as they are, the rest from the pools
    of their kind in order of preference (``ipam``: the CIDRs of the request's IPAM pool, at a
    mask it allocates), never in a reserved, fixed, released or foreign range."""
    taken = IPSet(spec.reserved) | held | IPSet(c for r in requests if (c := fixed.get(r.key)))
    space = _space(spec, arbiter)
    spaces = pool_spaces((c for cs in space.values() for c in cs), taken)
    out = {r.key: fixed[r.key] for r in requests if r.key in fixed}
    if arbiter is not None:
        requests = [
            r if r.key in fixed else replace(r, prefix=arbiter.fit(r.key, r.prefix, r.path))
            for r in requests
        ]
    for r in sorted(r for r in requests if r.key not in fixed):
        assert r.kind != "vswitch"
        pool = arbiter.pool_for(r.key) if arbiter is not None else None
        pools = pool.cidrs if pool is not None else space[r.kind]
        got = next((c for p in pools if (c := take_from(spaces[p], r.prefix))), None)
        if got is None:
            atoms = {id(s): s for p in pools for s in spaces[p]}.values()
            largest = min((lf for s in atoms if (lf := s.largest_free()) is not None), default=None)
            where = (
                f"IPAM pool {pool.id} ({', '.join(pools)}), less the allocations of other owners"
                if pool is not None
                else f"the {r.kind} pools {', '.join(pools)}"
            )
            raise _exhausted(
                r,
                where,
                sum(s.free_total for s in atoms),
                largest,
                f"add a pool, shrink the request or release something{note}",
            )
        out[r.key] = got
    return out


def _carve_vpc(
    vpc: VpcSpec,
    cidr: str,
    requests: list[Request],
    fixed: Mapping[str, str],
    held: IPSet,
    note: str,
    found: ExistingVpc | None = None,
) -> VpcPlan:
    """The VPC with every vSwitch inside it: fixed ones checked (inside, disjoint), the rest
    carved best fit, largest first, never in a released vSwitch's range. An existing VPC
    (``found``): its blocks, around its own vSwitches."""
    pinned = [(fixed[r.key], r.key, r.path) for r in requests if r.key in fixed]
    if found is not None:
        cidr = found.cidrs[0]
        free, outside = existing.vpc_space(vpc, found, pinned)
    else:
        free = IPSet([cidr])
        outside = [
            Problem(path, c, f"(key {k}) lies outside VPC {vpc.name} ({cidr})")
            for c, k, path in pinned
            if IPNetwork(c) not in IPNetwork(cidr)
        ]
    net = ", ".join(found.cidrs) if found is not None else cidr
    if outside or (overlaps := _sweep_fixed(pinned)):
        raise PinConflictError(outside or overlaps)
    space = Space(free - IPSet(c for c, _, _ in pinned) - held)
    cidrs = {k: c for c, k, _ in pinned}
    for r in sorted(r for r in requests if r.key not in cidrs):
        got = space.take(r.prefix)
        if got is None:
            advice = (
                "grow the VPC (prefix, growthBits) before it is created, or put the "
                "cluster in another VPC"
            )
            if r.switch is not None and r.switch.role == "nat":  # an existing VPC gaining a NAT
                advice = (
                    f"set vpcs.{vpc.name}.natGateway: false (the VPC then needs egress of "
                    "its own) or free a /28 in it"
                )
            raise _exhausted(
                r,
                f"VPC {vpc.name} ({net})",
                space.free_total,
                space.largest_free(),
                f"{advice}{note}",
            )
        cidrs[r.key] = got
    switches = tuple(
        sorted(
            (replace(r.switch, cidr=cidrs[r.key]) for r in requests if r.switch is not None),
            key=lambda v: v.key,
        )
    )
    return VpcPlan(vpc.name, vpc.region, cidr, vpc.zones, switches, vpc.display_name, found)


def _exhausted(
    r: Request, where: str, free: int, largest: int | None, advice: str
) -> ExhaustedError:
    """What did not fit where, how much is free and the largest free block, and what to do."""
    block = "none" if largest is None else f"/{largest}"
    return ExhaustedError(
        [
            Problem(
                r.path,
                f"/{r.prefix}",
                (
                    f"(key {r.key}) does not fit in {where}: {free:,} addresses free, largest free "
                    "block "
                    f"{block}; {advice}"
                ),
            )
        ]
    )


def _placement(vpcs: Mapping[str, VpcPlan], role: Role, vpc: str) -> PlacementPlan:
    return PlacementPlan(vpc, vpcs[vpc].region, vpcs[vpc].by_role(role)[0])


def _pool_use(
    space: Mapping[PoolKind, tuple[str, ...]], cidr_of: Mapping[str, str]
) -> tuple[PoolUse, ...]:
    allocated = [IPNetwork(c) for c in cidr_of.values()]
    nets = {p: IPNetwork(p) for cs in space.values() for p in cs}
    return tuple(
        PoolUse(
            p, tuple(k for k in space if p in space[k]), sum(a.size for a in allocated if a in net)
        )
        for p, net in nets.items()
    )


def _aggregates(
    spec: FleetSpec,
    space: Mapping[PoolKind, tuple[str, ...]],
    vpcs: Mapping[str, VpcPlan],
    clusters: Mapping[str, ClusterPlan],
) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """(routes per VPC, security-group aggregates): both empty in ``public`` mode, where there
    is no private path between VPCs."""
    if spec.connectivity != "cen":
        return {}, ()
    home = {v.name: list(v.cidrs) for v in vpcs.values()}
    for c in clusters.values():
        if c.pod_cidr:
            home[c.vpc].append(c.pod_cidr)
    pools = [c for kind in ("vpc", "pod") for c in space[kind]]  # what VPCs route
    return (
        routes.summary_routes(home, pools),
        routes.fleet_supernets((r for rs in home.values() for r in rs), pools),
    )


def _route_quota_warnings(
    vpcs: Mapping[str, VpcPlan],
    clusters: Mapping[str, ClusterPlan],
    summary: Mapping[str, tuple[str, ...]],
) -> tuple[str, ...]:
    """Flannel spends one VPC route entry per node, meshfleet one per aggregate towards CEN:
    warn where they may exceed the default route table quota."""
    flannel_of: dict[str, list[ClusterPlan]] = {}
    for c in clusters.values():
        if c.cni == "flannel":
            flannel_of.setdefault(c.vpc, []).append(c)
    warnings = []
    for name in sorted(vpcs):
        flannel = flannel_of.get(name, [])
        nodes, ours = sum(c.spec.max_nodes for c in flannel), len(summary.get(name, ()))
        if flannel and nodes + ours > FLANNEL_ROUTE_QUOTA:
            warnings.append(
                f"vpcs.{name}: Flannel clusters {', '.join(c.name for c in flannel)} may grow to "
                f"{nodes} nodes; Flannel uses one VPC route entry per node and meshfleet adds "
                f"{ours} routes towards CEN, but the default route table quota is "
                f"{FLANNEL_ROUTE_QUOTA}: raise the quota or use Terway"
            )
    return tuple(warnings)
