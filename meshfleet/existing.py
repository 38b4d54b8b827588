"""Brownfield planning: what already exists (``Inventory``) as fixed ranges of the plan.

Pure, like the planner that calls it. An existing VPC's CIDR blocks (the secondary ones too)
and an existing cluster's pod and Service CIDRs are taken before anything is allocated; an
existing VPC's vSwitches are taken inside it, and its new vSwitches are carved in what is left.
A pin or a lock entry that collides with an existing range is refused naming both, e.g.
``clusters.ack-new.serviceCidr: '172.16.0.0/20' overlaps existing cluster ack-old's Service CIDR
172.16.0.0/20 (c0a1...)``. Lock entries under the keys an existing resource would have
(``vpc:<name>``, ``pod:<cluster>``, ``service:<cluster>``) must agree with the cloud: they are
neither allocations nor released.

>>> from meshfleet.inventory import ExistingVpc, Inventory
>>> from meshfleet.spec import parse_spec
>>> spec = parse_spec({
...     "regions": {"cn-hangzhou": {"zones": ["cn-hangzhou-h", "cn-hangzhou-i"]}},
...     "vpcs": {"hz": {"region": "cn-hangzhou", "id": "vpc-bp1prod000000000001"}},
...     "clusters": {"ack-1": {"vpc": "hz"}}, "fleet": {"vpc": "hz"}, "mesh": {"vpc": "hz"}})
>>> inv = Inventory(vpcs={"vpc-bp1prod000000000001": ExistingVpc(
...     "vpc-bp1prod000000000001", "cn-hangzhou", ("10.20.0.0/16",))})
>>> [(t.cidr, t.label) for t in existing_ranges(spec, inv)]
[('10.20.0.0/16', 'existing VPC hz (vpc-bp1prod000000000001)')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from netaddr import IPNetwork, IPSet

from meshfleet.cidrs import overlapping_pairs
from meshfleet.errors import PlanError, Problem
from meshfleet.inventory import ExistingCluster, ExistingVpc, Inventory
from meshfleet.layout import ClusterPlan, VSwitchPlan
from meshfleet.specmodel import ClusterSpec, Cni, FleetSpec, VpcSpec


@dataclass(frozen=True)
class Taken:
    """A range that exists already, with the words that name it in a problem."""

    cidr: str
    label: str
    """e.g. ``existing cluster ack-old's Service CIDR (c0a1...)``."""
    key: str = ""
    """The lock key the range would have if meshfleet had made it (``service:ack-old``)."""


def existing_vpc(vpc: VpcSpec, inventory: Inventory) -> ExistingVpc | None:
    """The inventory's record of ``vpc`` (None: a VPC meshfleet creates)."""
    return inventory.vpcs.get(vpc.id) if vpc.id else None


def existing_cluster(cluster: ClusterSpec, inventory: Inventory) -> ExistingCluster | None:
    """The inventory's record of ``cluster`` (None: a cluster meshfleet creates)."""
    return inventory.clusters.get(cluster.id) if cluster.id else None


def missing(spec: FleetSpec, inventory: Inventory) -> list[Problem]:
    """Ids of the spec the inventory does not hold (a plan without reading, or a bad reader)."""
    out = [
        Problem(
            f"vpcs.{v.name}.id",
            v.id,
            "was not read: plan with the stack's reader (fleetctl plan --answers FILE)",
        )
        for v in spec.vpcs.values()
        if v.id and v.id not in inventory.vpcs
    ]
    out += [
        Problem(
            f"clusters.{c.name}.id",
            c.id,
            "was not read: plan with the stack's reader (fleetctl plan --answers FILE)",
        )
        for c in spec.clusters.values()
        if c.id and c.id not in inventory.clusters
    ]
    for c in spec.clusters.values():
        x = inventory.clusters.get(c.id) if c.id else None
        vpc = spec.vpcs[c.vpc]
        if x is not None and x.vpc_id != vpc.id:
            out.append(
                Problem(
                    f"clusters.{c.name}.vpc",
                    c.vpc,
                    (
                        f"is VPC {vpc.id or '(created by meshfleet)'}, but existing cluster "
                        f"{c.name} "
                        f"({x.id}) is in VPC {x.vpc_id}: name the VPC it is in (vpcs.<name>.id: "
                        f"{x.vpc_id})"
                    ),
                )
            )
    return out


def existing_ranges(spec: FleetSpec, inventory: Inventory) -> list[Taken]:
    """Every top-level range that exists: existing VPCs' blocks, existing clusters' pod
    (Flannel) and Service CIDRs."""
    out: list[Taken] = []
    for v in sorted(spec.vpcs.values(), key=lambda v: v.name):
        if (e := existing_vpc(v, inventory)) is not None:
            out += [
                Taken(
                    c,
                    f"existing VPC {v.name}{' secondary block' if i else ''} ({e.id})",
                    "" if i else f"vpc:{v.name}",
                )
                for i, c in enumerate(e.cidrs)
            ]
    for c in sorted(spec.clusters.values(), key=lambda c: c.name):
        if (x := existing_cluster(c, inventory)) is not None:
            if x.pod_cidr:
                out.append(
                    Taken(
                        x.pod_cidr,
                        f"existing cluster {c.name}'s pod CIDR ({x.id})",
                        f"pod:{c.name}",
                    )
                )
            out.append(
                Taken(
                    x.service_cidr,
                    f"existing cluster {c.name}'s Service CIDR ({x.id})",
                    f"service:{c.name}",
                )
            )
    return out


def existing_keys(spec: FleetSpec, inventory: Inventory) -> set[str]:
    """The lock keys existing resources would have: never released, never allocated."""
    return {t.key for t in existing_ranges(spec, inventory) if t.key}


def conflicts(
    fixed: Iterable[tuple[str, str, str]], taken: Iterable[Taken], lock: Mapping[str, str]
) -> list[Problem]:
    """Pins and lock entries (``(cidr, key, path)``) overlapping an existing range, and lock
    entries of existing resources that disagree with the cloud, each naming both."""
    taken = list(taken)
    out = [
        Problem(
            f"lock {t.key}",
            lock[t.key],
            f"differs from the cloud: {t.label} is {t.cidr}; remove the entry from the lock",
        )
        for t in taken
        if t.key in lock and lock[t.key] != t.cidr
    ]
    ours = [(IPNetwork(c), (key, path)) for c, key, path in fixed]
    theirs = [(IPNetwork(t.cidr), t) for t in taken]
    for (net, (key, path)), (other, t) in _cross(ours, theirs):
        out.append(
            Problem(
                path,
                str(net),
                f"(key {key}) overlaps {t.label}, {other}: what "
                "exists keeps its addresses; pin another range, or "
                "drop the lock entry so the planner picks one",
            )
        )
    return out


def _cross(
    ours: list[tuple[IPNetwork, tuple[str, str]]], theirs: list[tuple[IPNetwork, Taken]]
) -> list[tuple[tuple[IPNetwork, tuple[str, str]], tuple[IPNetwork, Taken]]]:
    """Overlapping pairs between ``ours`` and ``theirs`` (never within one side)."""
    tagged = [(n, (0, i)) for i, (n, _) in enumerate(ours)] + [
        (n, (1, i)) for i, (n, _) in enumerate(theirs)
    ]
    out = []
    for (_, (sa, ia)), (_, (sb, ib)) in overlapping_pairs(tagged):
        if sa != sb:
            mine, other = (ia, ib) if sa == 0 else (ib, ia)
            out.append((ours[mine], theirs[other]))
    return sorted(out, key=lambda p: (p[0][1][1], str(p[1][0])))


def vpc_space(
    vpc: VpcSpec, e: ExistingVpc, pinned: Iterable[tuple[str, str, str]]
) -> tuple[IPSet, list[Problem]]:
    """The free space of existing VPC ``vpc`` (its blocks minus its vSwitches), and the pinned
    or locked new vSwitches (``(cidr, key, path)``) that lie outside its blocks or on one of its
    vSwitches."""
    blocks = IPSet(e.cidrs)
    problems: list[Problem] = []
    pinned = list(pinned)
    for c, key, path in pinned:
        if not IPSet([c]).issubset(blocks):
            problems.append(
                Problem(
                    path,
                    c,
                    f"(key {key}) lies outside existing VPC {vpc.name} "
                    f"({e.id}: {', '.join(e.cidrs)})",
                )
            )
    switches = [Taken(s.cidr, f"existing vSwitch {s.id} of VPC {vpc.name}") for s in e.vswitches]
    problems += conflicts(pinned, switches, {})
    return blocks - IPSet(s.cidr for s in e.vswitches), problems


def cluster_plan(c: ClusterSpec, x: ExistingCluster, vpc: ExistingVpc) -> ClusterPlan:
    """An existing cluster as the plan carries it: the cloud's CNI, CIDRs and node vSwitches."""
    by_id = {s.id: s for s in vpc.vswitches}
    switches = tuple(
        VSwitchPlan(f"existing:{s.id}", s.id, s.name or s.id, c.vpc, s.zone, s.cidr, "node", c.name)
        for s in sorted(
            (by_id[i] for i in set(x.vswitch_ids) if i in by_id), key=lambda s: (s.zone, s.id)
        )
    )
    cni: Cni = "terway" if x.cni == "terway" else "flannel"
    return ClusterPlan(
        c.name,
        c.region,
        c.vpc,
        cni,
        tuple(sorted({s.zone for s in switches})),
        switches,
        (),
        x.pod_cidr if cni == "flannel" else None,
        x.service_cidr,
        x.node_cidr_mask if cni == "flannel" else None,
        c,
        existing=x,
    )


def raise_missing(spec: FleetSpec, inventory: Inventory) -> None:
    """Refuse a plan whose inventory lacks an id the spec names."""
    if problems := missing(spec, inventory):
        raise PlanError(problems)
