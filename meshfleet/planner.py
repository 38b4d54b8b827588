"""The CIDR planner: a validated ``FleetSpec`` (+ the lock) in, a frozen ``Plan`` of strings out.

Pure: no Pulumi import, plain CIDR strings. Every allocation has a stable key (``vpc:hz-main``,
``pod:ack-1``, ``vswitch:hz-main:node:ack-1:cn-hangzhou-h`` ...). Keys found in the lock keep their
CIDR, so adding, removing or reordering anything never renumbers what already exists; pinned
CIDRs are honoured or rejected naming the rule.

How it allocates: VPC, Flannel pod and Service CIDRs are pairwise disjoint across the whole fleet
(which satisfies every row of the requirement tables and ASM's data-plane rules at once); vSwitches
are carved inside their VPC. Each space is a buddy allocator seeded from a netaddr ``IPSet``
(pool minus reserved minus fixed): a request takes the smallest free aligned block that holds it
(best fit, lowest address first) and splits it, so large and small requests do not fragment each
other the way sequential packing does. Requests are served largest first, ties by key, so the same
input always gives the same plan. Cost: O(n log n) in the number of requests.

>>> from meshfleet.spec import parse_spec
>>> spec = parse_spec({
...     "regions": {"cn-hangzhou": {"zones": ["cn-hangzhou-h", "cn-hangzhou-i"]}},
...     "vpcs": {"hz": {"region": "cn-hangzhou"}},
...     "clusters": {"ack-1": {"vpc": "hz", "maxNodes": 50}},
...     "fleet": {"vpc": "hz"}, "mesh": {"vpc": "hz"}})
>>> p = plan(spec)
>>> p.vpcs["hz"].cidr, p.clusters["ack-1"].pod_cidr, p.clusters["ack-1"].service_cidr
('10.0.0.0/22', '172.16.0.0/19', '192.168.0.0/20')
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from netaddr import IPAddress, IPNetwork, IPSet

from meshfleet import routes
from meshfleet.cidrs import overlapping_pairs
from meshfleet.errors import ExhaustedError, PinConflictError, Problem
from meshfleet.spec import TR_ZONES, ClusterSpec, FleetSpec, VpcSpec

TR_VSWITCH_PREFIX = 28  # Alibaba recommends a dedicated /28 per zone for a TR attachment
PLACEMENT_VSWITCH_PREFIX = 27  # Fleet and ASM control planes take a few ENIs/SLB addresses
NODE_OVERHEAD = 8  # addresses per node vSwitch beyond nodes: API server CLB, NAT, ENIs of addons
FLANNEL_ROUTE_QUOTA = 200  # default VPC route table entries; Flannel uses one per node


@dataclass(frozen=True)
class VSwitchPlan:
    """One planned vSwitch."""

    key: str
    """Stable allocation key, e.g. ``vswitch:hz:node:ack-1:cn-hangzhou-h``."""
    name: str
    """Pulumi child-name suffix, e.g. ``hz-node-ack-1-cn-hangzhou-h``."""
    vpc: str
    zone: str
    cidr: str
    role: str
    """``node``, ``pod`` (Terway), ``transit-router``, ``fleet`` or ``mesh``."""
    cluster: str | None = None

    @property
    def usable(self) -> int:
        """Addresses Alibaba lets you use: four per vSwitch are reserved."""
        return int(IPNetwork(self.cidr).size) - 4


@dataclass(frozen=True)
class VpcPlan:
    name: str
    region: str
    cidr: str
    zones: tuple[str, ...]
    vswitches: tuple[VSwitchPlan, ...]

    def by_role(self, role: str, cluster: str | None = None) -> tuple[VSwitchPlan, ...]:
        """The vSwitches of one role (and cluster), in zone order."""
        return tuple(v for v in self.vswitches
                     if v.role == role and (cluster is None or v.cluster == cluster))

    @property
    def utilisation(self) -> float:
        return sum(IPNetwork(v.cidr).size for v in self.vswitches) / IPNetwork(self.cidr).size


@dataclass(frozen=True)
class ClusterPlan:
    name: str
    region: str
    vpc: str
    cni: str
    zones: tuple[str, ...]
    node_vswitches: tuple[VSwitchPlan, ...]
    pod_vswitches: tuple[VSwitchPlan, ...]
    pod_cidr: str | None
    service_cidr: str
    node_cidr_mask: int | None
    spec: ClusterSpec

    @property
    def max_nodes(self) -> int:
        """Nodes the plan has room for: node vSwitch addresses, and Flannel pod CIDR blocks."""
        room = sum(v.usable - NODE_OVERHEAD for v in self.node_vswitches)
        if self.pod_cidr is not None and self.node_cidr_mask is not None:
            room = min(room, 2 ** (self.node_cidr_mask - IPNetwork(self.pod_cidr).prefixlen))
        if self.pod_vswitches:  # Terway: every pod of a full node needs a pod vSwitch address
            room = min(room, self.pod_ips // self.pods_per_node)
        return room

    @property
    def pods_per_node(self) -> int:
        if self.node_cidr_mask is not None:
            return int(2 ** (32 - self.node_cidr_mask) - 1)
        return self.spec.pods_per_node

    @property
    def pod_ips(self) -> int:
        if self.pod_cidr is not None:
            return int(IPNetwork(self.pod_cidr).size)
        return sum(v.usable for v in self.pod_vswitches)

    @property
    def service_ips(self) -> int:
        return int(IPNetwork(self.service_cidr).size)


@dataclass(frozen=True)
class PlacementPlan:
    """Where the Fleet or the mesh lives: its VPC, region and vSwitch."""

    vpc: str
    region: str
    vswitch: VSwitchPlan


@dataclass(frozen=True)
class PoolUse:
    cidr: str
    kinds: tuple[str, ...]
    allocated: int

    @property
    def utilisation(self) -> float:
        return self.allocated / IPNetwork(self.cidr).size


@dataclass(frozen=True)
class Plan:
    spec: FleetSpec
    vpcs: Mapping[str, VpcPlan]
    clusters: Mapping[str, ClusterPlan]
    fleet: PlacementPlan
    mesh: PlacementPlan
    pools: tuple[PoolUse, ...]
    new: tuple[str, ...] = ()
    """Allocation keys the lock did not hold (to be recorded with ``fleetctl plan --write``)."""
    released: tuple[str, ...] = ()
    """Lock keys no longer in the spec. Their addresses stay reserved in this plan (Pulumi deletes
    the old resources only after creating the new ones) and are free once the lock is rewritten
    without them (``fleetctl plan --write``) and the update has run."""
    warnings: tuple[str, ...] = ()

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(sorted({v.region for v in self.vpcs.values()}))

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-able data (``fleetctl plan --json``, the stack output ``plan``)."""
        def vswitch(v: VSwitchPlan) -> dict[str, Any]:
            return {"name": v.name, "key": v.key, "zone": v.zone, "cidr": v.cidr, "role": v.role,
                    "cluster": v.cluster, "usable": v.usable}

        def placement(p: PlacementPlan) -> dict[str, Any]:
            return {"vpc": p.vpc, "region": p.region, "vswitch": vswitch(p.vswitch)}

        return {
            "name": self.spec.name, "connectivity": self.spec.connectivity,
            "regions": list(self.regions),
            "vpcs": [{"name": v.name, "region": v.region, "cidr": v.cidr, "zones": list(v.zones),
                      "utilisation": round(v.utilisation, 4),
                      "vswitches": [vswitch(s) for s in v.vswitches]}
                     for v in self.vpcs.values()],
            "clusters": [{"name": c.name, "region": c.region, "vpc": c.vpc, "cni": c.cni,
                          "zones": list(c.zones), "podCidr": c.pod_cidr,
                          "podVswitches": [vswitch(v) for v in c.pod_vswitches],
                          "nodeVswitches": [vswitch(v) for v in c.node_vswitches],
                          "serviceCidr": c.service_cidr, "nodeCidrMask": c.node_cidr_mask,
                          "maxNodes": c.max_nodes, "podsPerNode": c.pods_per_node,
                          "podIps": c.pod_ips, "serviceIps": c.service_ips}
                         for c in self.clusters.values()],
            "fleet": placement(self.fleet), "mesh": placement(self.mesh),
            "pools": [{"cidr": p.cidr, "kinds": list(p.kinds), "allocated": p.allocated,
                       "utilisation": round(p.utilisation, 6)} for p in self.pools],
            "new": list(self.new), "released": list(self.released),
            "warnings": list(self.warnings),
        }

    def allocations(self) -> dict[str, str]:
        """Every allocation by key: what the lock records."""
        out = {f"vpc:{v.name}": v.cidr for v in self.vpcs.values()}
        for v in self.vpcs.values():
            out.update({s.key: s.cidr for s in v.vswitches})
        for c in self.clusters.values():
            if c.pod_cidr:
                out[f"pod:{c.name}"] = c.pod_cidr
            out[f"service:{c.name}"] = c.service_cidr
        return dict(sorted(out.items()))


@dataclass(order=True)
class _Request:
    size_rank: int  # prefix length: smaller prefix = larger block = served first
    key: str
    kind: str = field(compare=False)
    path: str = field(compare=False)


class _Space:
    """A buddy allocator over a set of free addresses: best fit, lowest address first."""

    def __init__(self, free: IPSet) -> None:
        self.free: list[list[int]] = [[] for _ in range(33)]
        self.free_total = 0
        for block in free.iter_cidrs():
            heapq.heappush(self.free[block.prefixlen], int(block.first))
            self.free_total += block.size

    def best(self, prefix: int) -> int | None:
        """The prefix of the smallest free block that holds a /prefix (None: nothing fits)."""
        return next((p for p in range(prefix, -1, -1) if self.free[p]), None)

    def take(self, prefix: int) -> str | None:
        p = self.best(prefix)
        if p is None:
            return None
        first = heapq.heappop(self.free[p])
        for q in range(p + 1, prefix + 1):  # split, keeping each upper half free
            heapq.heappush(self.free[q], first + 2 ** (32 - q))
        self.free_total -= 2 ** (32 - prefix)
        return f"{IPAddress(first)}/{prefix}"

    def largest_free(self) -> int | None:
        return next((p for p in range(33) if self.free[p]), None)


def _pool_spaces(pools: Iterable[str], taken: IPSet) -> dict[str, list[_Space]]:
    """Spaces for every pool; nested pools share addresses, so each pool CIDR becomes one atom
    (itself minus the pools nested in it) and a pool draws from its own atom and those inside."""
    nets = sorted({IPNetwork(p) for p in pools})
    atoms = {n: _Space(IPSet([n]) - IPSet(m for m in nets if m != n and m in n) - taken)
             for n in nets}
    return {str(n): [atoms[m] for m in nets if m in n] for n in nets}


def _take(spaces: list[_Space], prefix: int) -> str | None:
    """Best fit across the atoms of one pool."""
    fits = [(p, -i) for i, s in enumerate(spaces) if (p := s.best(prefix)) is not None]
    if not fits:
        return None
    return spaces[-max(fits)[1]].take(prefix)


def _prefix_for(addresses: int, reserved: int, lo: int, hi: int) -> int:
    """Smallest prefix in [lo, hi] whose block holds ``addresses`` + ``reserved``."""
    need = max(1, addresses + reserved)
    return max(lo, min(hi, 32 - math.ceil(math.log2(need))))


def _vswitch_requests(spec: FleetSpec, vpc: VpcSpec, clusters: list[ClusterSpec],
                      locked_zones: Mapping[str, list[str]]
                      ) -> list[tuple[VSwitchPlan, int, str | None, str]]:
    """(template vSwitch without CIDR, prefix, pinned CIDR, spec path) for every vSwitch."""
    out: list[tuple[VSwitchPlan, int, str | None, str]] = []

    def add(role: str, zone: str, prefix: int, cluster: str | None = None,
            pin: str | None = None, path: str = "") -> None:
        key = ":".join(["vswitch", vpc.name, role] + ([cluster] if cluster else []) + [zone])
        name = "-".join([vpc.name, role] + ([cluster] if cluster else []) + [zone])
        out.append((VSwitchPlan(key, name, vpc.name, zone, "", role, cluster), prefix, pin,
                    path or key))

    def sticky_zones(role: str, candidates: Iterable[str], count: int) -> list[str]:
        locked = sorted(locked_zones.get(f"vswitch:{vpc.name}:{role}", []))
        ordered = [z for z in locked if z in candidates] + sorted(candidates)
        return list(dict.fromkeys(ordered))[:count]

    for c in sorted(clusters, key=lambda c: c.name):
        per_zone = math.ceil(c.max_nodes / len(c.zones))
        for zone in sorted(c.zones):
            add("node", zone, _prefix_for(per_zone, 4 + NODE_OVERHEAD, 16, 29), c.name,
                c.vswitches.get(zone), f"clusters.{c.name}.vswitches.{zone}")
            if c.cni == "terway":
                add("pod", zone, _prefix_for(per_zone * c.pods_per_node, 4, 16, 29), c.name,
                    c.pod_vswitches.get(zone), f"clusters.{c.name}.podVswitches.{zone}")
    if spec.connectivity == "cen":
        candidates = vpc.transit_router_zones or [
            z for z in vpc.zones if vpc.region not in TR_ZONES or z in TR_ZONES[vpc.region]]
        for zone in sticky_zones("transit-router", candidates, 2):
            add("transit-router", zone, TR_VSWITCH_PREFIX)
    for role, placement in (("fleet", spec.fleet), ("mesh", spec.mesh)):
        if placement.vpc == vpc.name:
            zones = [placement.zone] if placement.zone else vpc.zones
            for zone in sticky_zones(role, zones, 1):
                add(role, zone, PLACEMENT_VSWITCH_PREFIX)
    return out


def _sweep_fixed(fixed: list[tuple[str, str, str]]) -> list[Problem]:
    """Overlaps among fixed (pinned or locked) CIDRs, given as (cidr, key, path)."""
    return [Problem(path, str(net), f"(key {key}) overlaps {opath} ({other}, key {okey}): "
                                    "fixed CIDRs must be pairwise disjoint")
            for (other, (okey, opath)), (net, (key, path)) in
            overlapping_pairs((IPNetwork(c), (k, p)) for c, k, p in fixed)]


def plan(spec: FleetSpec, lock: Mapping[str, str] | None = None) -> Plan:
    """Plan every CIDR of ``spec``, keeping every allocation recorded in ``lock``."""
    lock = dict(lock or {})
    by_vpc: dict[str, list[ClusterSpec]] = {v: [] for v in spec.vpcs}
    for c in spec.clusters.values():
        by_vpc[c.vpc].append(c)
    locked_zones: dict[str, list[str]] = {}  # "vswitch:<vpc>:<role>" -> zones the lock holds
    for k in lock:
        if k.startswith("vswitch:"):
            head, zone = k.rsplit(":", 1)
            locked_zones.setdefault(head, []).append(zone)
    vsw = {v: _vswitch_requests(spec, spec.vpcs[v], by_vpc[v], locked_zones)
           for v in sorted(spec.vpcs)}
    global_reqs: list[tuple[str, str, int, str | None, str]] = []  # kind, key, prefix, pin, path
    for name, vpc in sorted(spec.vpcs.items()):
        need = sum(2 ** (32 - prefix) for _, prefix, _, _ in vsw[name])
        auto = 32 - math.ceil(math.log2(max(need, 16))) - vpc.growth_bits
        global_reqs.append(("vpc", f"vpc:{name}", vpc.prefix or max(8, min(28, auto)), vpc.cidr,
                            f"vpcs.{name}.cidr"))
    for name, c in sorted(spec.clusters.items()):
        if c.node_cidr_mask is not None:
            # The pod prefix must be shorter than node_cidr_mask: room for at least 2 nodes.
            prefix = c.node_cidr_mask - max(1, math.ceil(math.log2(c.max_nodes)))
            global_reqs.append(("pod", f"pod:{name}", prefix, c.pod_cidr,
                                f"clusters.{name}.podCidr"))
        global_reqs.append(("service", f"service:{name}", 32 - max(8, min(16, math.ceil(
            math.log2(c.service_ips)))), c.service_cidr, f"clusters.{name}.serviceCidr"))

    keys = {r[1] for r in global_reqs} | {t.key for reqs in vsw.values() for t, *_ in reqs}
    problems: list[Problem] = []
    fixed: dict[str, str] = {}
    for kind, key, prefix, pin, path in global_reqs + [
            ("vswitch", t.key, p, pin, path) for reqs in vsw.values() for t, p, pin, path in reqs]:
        if pin and key in lock and lock[key] != pin:
            problems.append(Problem(path, pin, f"differs from the lock ({lock[key]} for {key}); "
                                    f"{kind} CIDRs are immutable after creation: change the lock "
                                    "only when the resource is being replaced"))
        if pin or key in lock:
            fixed[key] = pin or lock[key]
            if kind != "vpc" and IPNetwork(fixed[key]).prefixlen > prefix:
                problems.append(Problem(path, fixed[key], (
                    f"(key {key}, {'pinned' if pin else 'locked'}) is smaller than the /{prefix} "
                    "the cluster's sizing (maxNodes, podsPerNode, serviceIps) needs; CIDRs are "
                    "immutable: lower the sizing or replace the resource")))
    path_of = {r[1]: r[4] for r in global_reqs}
    path_of.update({t.key: path for reqs in vsw.values() for t, _, _, path in reqs})
    top = [(c, k, path_of[k]) for k, c in fixed.items() if not k.startswith("vswitch:")]
    top += [(c, f"reserved[{i}]", f"reserved[{i}]") for i, c in enumerate(spec.reserved)]
    problems += _sweep_fixed(top)
    if problems:
        raise PinConflictError(problems)

    # Released lock entries are quarantined for this plan: their resources still exist until the
    # update deletes them, which Pulumi does after creating everything new, so handing their
    # CIDRs out now would make a new vSwitch (or cluster) collide with the old one.
    released = {k: c for k, c in lock.items() if k not in keys}
    held = IPSet(c for k, c in released.items() if not k.startswith("vswitch:"))
    held_vswitches = IPSet(c for k, c in released.items() if k.startswith("vswitch:"))
    note = (f"; {len(released)} lock entries this plan releases stay reserved until their "
            "resources are deleted: apply the removal first" if released else "")
    taken = (IPSet(spec.reserved) | held
             | IPSet(c for k, c in fixed.items() if not k.startswith("vswitch")))
    spaces = _pool_spaces((c for cs in spec.pools.values() for c in cs), taken)
    result = {k: c for k, c in fixed.items() if not k.startswith("vswitch:")}
    for req in sorted(_Request(p, k, kind, path) for kind, k, p, pin, path in global_reqs
                      if k not in fixed):
        for pool in spec.pools[req.kind]:
            got = _take(spaces[pool], req.size_rank)
            if got:
                result[req.key] = got
                break
        else:
            atoms = {id(s): s for pool in spec.pools[req.kind] for s in spaces[pool]}.values()
            free = sum(s.free_total for s in atoms)
            largest = min((lf for s in atoms if (lf := s.largest_free()) is not None),
                          default=None)
            raise ExhaustedError([Problem(req.path, f"/{req.size_rank}", (
                f"(key {req.key}) does not fit in the {req.kind} pools "
                f"{', '.join(spec.pools[req.kind])}: {free:,} addresses free, largest free block "
                f"{'none' if largest is None else f'/{largest}'}; add a pool, shrink the request "
                f"or release something{note}"))])

    vpcs: dict[str, VpcPlan] = {}
    placed: dict[str, VSwitchPlan] = {}
    for name, reqs in vsw.items():
        vpc_cidr = IPNetwork(result[f"vpc:{name}"])
        vfixed = [(fixed[t.key], t.key, path) for t, _, _, path in reqs if t.key in fixed]
        outside = [Problem(path, c, f"(key {k}) lies outside VPC {name} ({vpc_cidr})")
                   for c, k, path in vfixed if IPNetwork(c) not in vpc_cidr]
        if outside or (overlaps := _sweep_fixed(vfixed)):
            raise PinConflictError(outside or overlaps)
        space = _Space(IPSet([vpc_cidr]) - IPSet(c for c, _, _ in vfixed) - held_vswitches)
        cidrs = {k: c for c, k, _ in vfixed}
        for t, prefix, _, path in sorted(reqs, key=lambda r: (r[1], r[0].key)):
            if t.key not in cidrs:
                got = space.take(prefix)
                if got is None:
                    largest = space.largest_free()
                    raise ExhaustedError([Problem(path, f"/{prefix}", (
                        f"(key {t.key}) does not fit in VPC {name} ({vpc_cidr}): "
                        f"{space.free_total:,} addresses free, largest free block "
                        f"{'none' if largest is None else f'/{largest}'}; grow the VPC (prefix, "
                        f"growthBits) before it is created, or put the cluster in another VPC"
                        f"{note}"))])
                cidrs[t.key] = got
        switches = tuple(sorted((VSwitchPlan(**{**t.__dict__, "cidr": cidrs[t.key]})
                                 for t, *_ in reqs), key=lambda v: v.key))
        placed.update({v.key: v for v in switches})
        vpcs[name] = VpcPlan(name, spec.vpcs[name].region, str(vpc_cidr), spec.vpcs[name].zones,
                             switches)

    clusters = {}
    for name, c in sorted(spec.clusters.items()):
        own = vpcs[c.vpc]
        clusters[name] = ClusterPlan(
            name, own.region, c.vpc, c.cni, tuple(sorted(c.zones)), own.by_role("node", name),
            own.by_role("pod", name), result.get(f"pod:{name}"), result[f"service:{name}"],
            c.node_cidr_mask, c)

    def placement(role: str, vpc: str) -> PlacementPlan:
        return PlacementPlan(vpc, vpcs[vpc].region, vpcs[vpc].by_role(role)[0])

    allocated = [IPNetwork(c) for c in result.values()]
    pool_nets = {p: IPNetwork(p) for cs in spec.pools.values() for p in cs}
    pools = tuple(PoolUse(p, tuple(k for k in spec.pools if p in spec.pools[k]),
                          sum(a.size for a in allocated if a in net))
                  for p, net in pool_nets.items())
    p = Plan(spec, vpcs, clusters, placement("fleet", spec.fleet.vpc),
             placement("mesh", spec.mesh.vpc), pools)
    warnings = []
    flannel_of = {v: [clusters[c.name] for c in by_vpc[v] if c.cni == "flannel"] for v in vpcs}
    nodes_of = {v: sum(c.spec.max_nodes for c in fl) for v, fl in flannel_of.items()}
    # meshfleet's own routes are counted only where they could matter: excluding a /p range
    # from a /q pool leaves at most p - q blocks (and each pool is one route at most otherwise).
    bound = {v: len(pools) + sum(IPNetwork(r).prefixlen - 8 for r in
                                 [vpcs[v].cidr] + [c.pod_cidr for c in flannel_of[v] if c.pod_cidr])
             for v in vpcs}
    near = [v for v in vpcs if flannel_of[v] and nodes_of[v] + bound[v] > FLANNEL_ROUTE_QUOTA]
    summary = routes.all_summary_routes(p, near) if spec.connectivity == "cen" else {}
    for name in sorted(near):
        flannel, nodes = flannel_of[name], nodes_of[name]
        ours = len(summary.get(name, ()))
        if nodes + ours > FLANNEL_ROUTE_QUOTA:
            warnings.append(
                f"vpcs.{name}: Flannel clusters {', '.join(c.name for c in flannel)} may grow to "
                f"{nodes} nodes; Flannel uses one VPC route entry per node and meshfleet adds "
                f"{ours} routes towards CEN, but the default route table quota is "
                f"{FLANNEL_ROUTE_QUOTA}: raise the quota or use Terway")
    allocations = p.allocations()
    return Plan(**{**p.__dict__, "warnings": tuple(warnings),
                   "new": tuple(k for k in allocations if k not in lock),
                   "released": tuple(sorted(k for k in lock if k not in keys))})
