"""The planner's first step: what to allocate. Every vSwitch of a VPC (node and Terway pod
vSwitches per cluster and zone, transit-router, Fleet, mesh and NAT vSwitches) and every top-level
block (VPC, Flannel pod and Service CIDRs) as a ``Request``, sized from the spec, with its pin
and the spec field a problem with it is reported on. Pure."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from meshfleet.layout import NODE_OVERHEAD, Role, VSwitchPlan
from meshfleet.specmodel import ClusterSpec, FleetSpec, Placement, PoolKind, VpcSpec

TR_VSWITCH_PREFIX = 28  # Alibaba recommends a dedicated /28 per zone for a TR attachment
NAT_VSWITCH_PREFIX = 28  # an Enhanced NAT gateway takes one address of its own vSwitch
PLACEMENT_VSWITCH_PREFIX = 27  # Fleet and ASM control planes take a few ENIs/SLB addresses


@dataclass(frozen=True, order=True)
class Request:
    """One block to allocate. Ordered as served: larger first (smaller prefix), ties by key."""

    prefix: int
    key: str
    kind: PoolKind | Literal["vswitch"] = field(compare=False)
    pin: str | None = field(compare=False)
    """The spec's pinned CIDR for it, if any."""
    path: str = field(compare=False)
    """The spec field a problem with it is reported on."""
    switch: VSwitchPlan | None = field(default=None, compare=False)
    """vSwitch requests: the planned vSwitch, still without its CIDR."""


def prefix_for(addresses: int, reserved: int, lo: int, hi: int) -> int:
    """Smallest prefix in [lo, hi] whose block holds ``addresses`` + ``reserved``."""
    need = max(1, addresses + reserved)
    return max(lo, min(hi, 32 - math.ceil(math.log2(need))))


def switch_requests(
    spec: FleetSpec,
    vpc: VpcSpec,
    clusters: list[ClusterSpec],
    locked_zones: Mapping[str, list[str]],
) -> list[Request]:
    """Every vSwitch of ``vpc``: node and Terway pod vSwitches per cluster (``clusters``, its
    own) and zone, two transit-router vSwitches (``cen``), the Fleet's and the mesh's, and the
    NAT gateway's (``natGateway``: its own, so adding or removing a cluster never touches the
    NAT). Zones the lock holds stay: a zone that sorts earlier never moves a transit-router,
    Fleet, mesh or NAT vSwitch."""
    out: list[Request] = []

    def add(
        role: Role,
        zone: str,
        prefix: int,
        cluster: str | None = None,
        pin: str | None = None,
        path: str = "",
    ) -> None:
        parts = [vpc.name, role] + ([cluster] if cluster else []) + [zone]
        name = "-".join(parts)
        switch = VSwitchPlan(
            ":".join(["vswitch", *parts]),
            name,
            f"{spec.name}-{name}",
            vpc.name,
            zone,
            "",
            role,
            cluster,
        )
        out.append(Request(prefix, switch.key, "vswitch", pin, path or switch.key, switch))

    def sticky_zones(role: Role, candidates: Iterable[str], count: int) -> list[str]:
        locked = sorted(locked_zones.get(f"vswitch:{vpc.name}:{role}", []))
        allowed = set(candidates)
        ordered = [z for z in locked if z in allowed] + sorted(allowed)
        return list(dict.fromkeys(ordered))[:count]

    for c in clusters:
        per_zone = math.ceil(c.max_nodes / len(c.zones))
        for zone in sorted(c.zones):
            add(
                "node",
                zone,
                prefix_for(per_zone, 4 + NODE_OVERHEAD, 16, 29),
                c.name,
                c.vswitches.get(zone),
                f"clusters.{c.name}.vswitches.{zone}",
            )
            if c.cni == "terway":
                add(
                    "pod",
                    zone,
                    prefix_for(per_zone * c.pods_per_node, 4, 16, 29),
                    c.name,
                    c.pod_vswitches.get(zone),
                    f"clusters.{c.name}.podVswitches.{zone}",
                )
    for zone in sticky_zones("transit-router", vpc.transit_router_zones, 2):
        add("transit-router", zone, TR_VSWITCH_PREFIX)
    if vpc.nat_gateway:
        for zone in sticky_zones("nat", vpc.zones, 1):
            add("nat", zone, NAT_VSWITCH_PREFIX, path=f"vpcs.{vpc.name}.natGateway")
    placements: tuple[tuple[Role, Placement], ...] = (("fleet", spec.fleet), ("mesh", spec.mesh))
    for role, placement in placements:
        if placement.vpc == vpc.name:
            for zone in sticky_zones(role, placement.zones, 1):
                add(role, zone, PLACEMENT_VSWITCH_PREFIX)
    return out


def top_requests(spec: FleetSpec, switches: Mapping[str, list[Request]]) -> list[Request]:
    """VPC CIDRs (sized from their vSwitches), Flannel pod CIDRs and Service CIDRs."""
    out = []
    for name, vpc in sorted(spec.vpcs.items()):
        if vpc.id is not None:
            continue  # an existing VPC: its blocks are the cloud's (meshfleet.existing)
        need = sum(2 ** (32 - r.prefix) for r in switches[name])
        auto = 32 - math.ceil(math.log2(max(need, 16))) - vpc.growth_bits
        out.append(
            Request(
                vpc.prefix or max(8, min(28, auto)),
                f"vpc:{name}",
                "vpc",
                vpc.cidr,
                f"vpcs.{name}.cidr",
            )
        )
    for name, c in sorted(spec.clusters.items()):
        if c.id is not None:
            continue  # an existing cluster: its pod and Service CIDRs are the cloud's
        if c.node_cidr_mask is not None:
            # The pod prefix must be shorter than node_cidr_mask: room for at least 2 nodes.
            prefix = c.node_cidr_mask - max(1, math.ceil(math.log2(c.max_nodes)))
            out.append(
                Request(prefix, f"pod:{name}", "pod", c.pod_cidr, f"clusters.{name}.podCidr")
            )
        service = 32 - max(8, min(16, math.ceil(math.log2(c.service_ips))))
        out.append(
            Request(
                service,
                f"service:{name}",
                "service",
                c.service_cidr,
                f"clusters.{name}.serviceCidr",
            )
        )
    return out
