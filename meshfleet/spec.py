"""The fleet spec: what a user writes under the config key ``meshfleet:fleet``.

``parse_spec`` turns the raw mapping into a frozen ``FleetSpec`` (``meshfleet.specmodel``) and
reports every problem at once (``SpecError``), each with its field path, the bad value and what
is allowed. Every default is resolved here, once: display names, kubeconfig context names,
candidate zones, node_cidr_mask. Names are mapping keys, never list positions, so reordering YAML
changes nothing. Nothing here imports Pulumi.

>>> spec = parse_spec({
...     "regions": {"cn-hangzhou": {"zones": ["cn-hangzhou-h", "cn-hangzhou-i"]}},
...     "vpcs": {"hz": {"region": "cn-hangzhou"}},
...     "clusters": {"ack-1": {"vpc": "hz", "cni": "flannel"}},
...     "fleet": {"vpc": "hz"}, "mesh": {"vpc": "hz", "context": "mesh"}})
>>> spec.clusters["ack-1"].node_cidr_mask, spec.fleet.name, spec.fleet.context, spec.mesh.context
(25, 'meshfleet-fleet', 'meshfleet-fleet', 'mesh')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from netaddr import IPNetwork

from meshfleet import cidrs
from meshfleet.cidrs import (
    FORBIDDEN_RANGES,
    PRIVATE_RANGES,
    CidrRule,
    overlapping_pairs,
)
from meshfleet.errors import Problem, SpecError
from meshfleet.speccluster import cluster_spec
from meshfleet.specexisting import (
    existing_cen,
    existing_id,
    existing_vpc_body,
)
from meshfleet.specipam import ipam_spec
from meshfleet.specmodel import (
    ACK_SPECS,
    CNIS,
    CONNECTIVITY,
    CONTEXT_RE,
    FLEET_PROFILES,
    KINDS,
    MESH_EDITION_OF,
    MESH_EDITIONS,
    MESH_MODES,
    MESH_SPECS,
    NAME_RE,
    REGIONS,
    TR_ZONES,
    ClusterSpec,
    FleetPlacement,
    FleetSpec,
    MeshPlacement,
    NodePoolSpec,
    Placement,
    PoolKind,
    VpcSpec,
    context_problem,
)
from meshfleet.specreader import Reader as _Reader

# The spec's room: parse_spec, and (re-exported) the types and constants it resolves into.
__all__ = [
    "ACK_SPECS",
    "CNIS",
    "CONNECTIVITY",
    "CONTEXT_RE",
    "FLEET_PROFILES",
    "FORBIDDEN_RANGES",
    "KINDS",
    "MESH_EDITIONS",
    "MESH_SPECS",
    "NAME_RE",
    "PRIVATE_RANGES",
    "REGIONS",
    "TR_ZONES",
    "ClusterSpec",
    "FleetPlacement",
    "FleetSpec",
    "MeshPlacement",
    "NodePoolSpec",
    "Placement",
    "VpcSpec",
    "parse_spec",
]

#: Default pools: RFC 1918, each kind preferring its own range so that kinds rarely interleave.
DEFAULT_POOLS: Mapping[PoolKind, tuple[str, ...]] = {
    "vpc": PRIVATE_RANGES,
    "pod": (PRIVATE_RANGES[1], PRIVATE_RANGES[0], PRIVATE_RANGES[2]),
    "service": (PRIVATE_RANGES[2], PRIVATE_RANGES[1], PRIVATE_RANGES[0]),
}
POOL = CidrRule("pool", 8, 28)


def _zone_ok(zone: str, region: str) -> bool:
    return re.fullmatch(rf"{re.escape(region)}-?[a-z]{{1,2}}", zone) is not None


def parse_spec(raw: Any) -> FleetSpec:
    """Validate the raw ``meshfleet:fleet`` value; raise ``SpecError`` listing every problem."""
    r = _Reader()
    if not isinstance(raw, Mapping):
        raise SpecError([Problem("meshfleet:fleet", raw, "must be a mapping (see README)")])
    r.unknown_keys(
        raw,
        {
            "name",
            "regions",
            "vpcs",
            "clusters",
            "fleet",
            "mesh",
            "connectivity",
            "cenBandwidth",
            "pools",
            "reserved",
            "cen",
            "ipam",
        },
        "",
    )
    name = raw.get("name", "meshfleet")
    if not r.name(name, "name"):
        name = "meshfleet"
    connectivity = r.choice(raw, "connectivity", "", "cen", CONNECTIVITY, "connectivity mode")
    bandwidth = r.integer(raw, "cenBandwidth", "", 10, 1, 10_000)
    regions = _regions(r, raw)
    pools = _pools(r, raw)
    reserved = [
        c
        for i, value in enumerate(r.strings(raw, "reserved", ""))
        if (c := r.cidr(value, f"reserved[{i}]", cidrs.RESERVED))
    ]
    vpcs = {
        vname: v
        for vname, body in r.mapping(raw, "vpcs", "", at_least_one="VPC").items()
        if (v := _vpc(r, vname, body, regions, str(name), connectivity == "cen"))
    }
    clusters = {
        cname: cluster
        for cname, body in r.mapping(raw, "clusters", "", at_least_one="cluster").items()
        if (cluster := cluster_spec(r, cname, body, vpcs, str(name)))
    }
    fleet = _fleet(r, raw.get("fleet"), vpcs, str(name))
    mesh = _mesh(r, raw.get("mesh"), vpcs, str(name))
    if (
        fleet is not None
        and mesh is not None
        and mesh.mode == "standalone"
        and fleet.context == mesh.context
    ):
        r.bad(
            "mesh.context",
            mesh.context,
            "must differ from the Fleet's context (one kubeconfig holds both)",
        )
    _check_pins(r, vpcs, clusters, reserved)
    cen_id = existing_cen(r, raw, connectivity)
    ipam = ipam_spec(r, raw, vpcs, clusters) if raw.get("ipam") is not None else None
    if r.problems:
        raise SpecError(r.problems)
    assert fleet is not None and mesh is not None
    return FleetSpec(
        str(name),
        regions,
        vpcs,
        clusters,
        fleet,
        mesh,
        connectivity,
        bandwidth,
        pools,
        tuple(reserved),
        cen_id,
        ipam,
    )


def _regions(r: _Reader, raw: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    regions: dict[str, tuple[str, ...]] = {}
    for region, body in r.mapping(raw, "regions", "").items():
        path = f"regions.{region}"
        if region not in REGIONS:
            r.bad(
                path,
                region,
                "is not an Alibaba Cloud region meshfleet knows; allowed: "
                + ", ".join(sorted(REGIONS)),
            )
            continue
        body = body if isinstance(body, Mapping) else {"zones": body}
        r.unknown_keys(body, {"zones"}, f"{path}.")
        zones = r.strings(body, "zones", f"{path}.")
        for zone in zones:
            if not _zone_ok(zone, region):
                r.bad(
                    f"{path}.zones", zone, f"is not a zone of {region} (expected e.g. {region}-h)"
                )
        if not zones:
            r.bad(f"{path}.zones", body.get("zones"), "must list at least one zone")
        regions[region] = zones
    if not regions and not any(p.path.startswith("regions") for p in r.problems):
        r.bad("regions", raw.get("regions"), "must name at least one region with its zones")
    return regions


def _pools(r: _Reader, raw: Mapping[str, Any]) -> dict[PoolKind, tuple[str, ...]]:
    pools: dict[PoolKind, tuple[str, ...]] = {}
    raw_pools = r.mapping(raw, "pools", "")
    r.unknown_keys(raw_pools, set(KINDS), "pools.")
    for kind in KINDS:
        if kind not in raw_pools:
            pools[kind] = DEFAULT_POOLS[kind]
            continue
        rule = CidrRule(f"{kind} pool", POOL.lo, POOL.hi, private_only=kind != "vpc")
        got = [
            c
            for i, value in enumerate(r.strings(raw_pools, kind, "pools."))
            if (c := r.cidr(value, f"pools.{kind}[{i}]", rule))
        ]
        if not got:
            r.bad(f"pools.{kind}", raw_pools.get(kind), "must list at least one CIDR")
        pools[kind] = tuple(got)
    return pools


def _vpc(
    r: _Reader,
    vname: Any,
    body: Any,
    regions: Mapping[str, tuple[str, ...]],
    fleet_name: str,
    cen: bool,
) -> VpcSpec | None:
    path = f"vpcs.{vname}."
    if not r.entry("vpcs", vname, body):
        return None
    r.unknown_keys(
        body,
        {
            "region",
            "zones",
            "cidr",
            "prefix",
            "growthBits",
            "transitRouterZones",
            "natGateway",
            "id",
        },
        path,
    )
    vpc_id = existing_id(r, body, path, "vpc")
    if body.get("id") is not None:  # existing, even with a malformed id: say what else is wrong
        body = existing_vpc_body(r, body, path)
    region = body.get("region")
    if not isinstance(region, str) or region not in regions:
        r.bad(
            f"{path}region",
            region,
            f"names no region of this spec; allowed: {', '.join(regions) or '(none declared)'}",
        )
        return None
    zones = r.strings(body, "zones", path) or regions[region]
    for zone in zones:
        if zone not in regions[region]:
            r.bad(
                f"{path}zones",
                zone,
                f"is not a zone declared for {region}: {', '.join(regions[region])}",
            )
    cidr = None
    if body.get("cidr") is not None:
        cidr = r.cidr(body["cidr"], f"{path}cidr", cidrs.VPC)
    prefix = r.integer(body, "prefix", path, 16, 8, 28) if body.get("prefix") is not None else None
    pinned = r.strings(body, "transitRouterZones", path)
    for zone in pinned:
        if zone not in zones:
            r.bad(
                f"{path}transitRouterZones",
                zone,
                f"is not a zone of VPC {vname}: {', '.join(zones)}",
            )
    candidates: tuple[str, ...] = ()
    if cen:
        candidates = _tr_zones(r, path, body, region, zones, pinned)
    return VpcSpec(
        vname,
        region,
        f"{fleet_name}-{vname}",
        tuple(zones),
        cidr,
        prefix,
        r.integer(body, "growthBits", path, 2, 0, 8),
        # An existing VPC has egress already (its clusters run): no NAT unless asked.
        r.boolean(body, "natGateway", path, "id" not in body),
        candidates,
        vpc_id,
    )


def _tr_zones(
    r: _Reader,
    path: str,
    body: Mapping[str, Any],
    region: str,
    zones: tuple[str, ...],
    pinned: tuple[str, ...],
) -> tuple[str, ...]:
    """Candidate zones of the two transit-router vSwitches; the field the user wrote is blamed
    when there are fewer than two."""
    why = "CEN attaches every VPC over transit-router vSwitches in two zones"
    if pinned:
        if len(pinned) < 2:
            r.bad(f"{path}transitRouterZones", list(pinned), f"must name at least two zones: {why}")
        return pinned
    usable = tuple(z for z in zones if region not in TR_ZONES or z in TR_ZONES[region])
    if len(usable) < 2:
        supported = (
            f" (supported in {region}: {', '.join(sorted(TR_ZONES[region]))})"
            if region in TR_ZONES
            else ""
        )
        if "zones" in body:
            r.bad(
                f"{path}zones",
                list(zones),
                f"must include at least two zones that support "
                f"transit routers, since {why}{supported}",
            )
        else:  # the VPC took its region's zones: that list is what the user wrote
            vpc = path.split(".")[1]
            r.bad(
                f"regions.{region}.zones",
                list(zones),
                f"must include at least two zones "
                f"that support transit routers for VPC {vpc}, since {why}{supported}; or "
                f"set {path}transitRouterZones",
            )
    return usable


def _placement(
    r: _Reader, body: Any, what: str, extra: set[str], vpcs: Mapping[str, VpcSpec], fleet_name: str
) -> tuple[VpcSpec, tuple[str, ...], str, str] | None:
    """The fields a Fleet and a mesh share: (VPC, candidate zones, display name, context)."""
    if not isinstance(body, Mapping):
        r.bad(what, body, f"must be a mapping with at least `vpc` (where the {what} lives)")
        return None
    p = f"{what}."
    r.unknown_keys(body, {"vpc", "region", "zone", "name", "context"} | extra, p)
    vpc = vpcs.get(str(body.get("vpc", "")))
    if vpc is None:
        r.bad(
            f"{p}vpc",
            body.get("vpc"),
            f"names no VPC of this spec; allowed: {', '.join(vpcs) or '(none valid)'}",
        )
        return None
    if body.get("region", vpc.region) != vpc.region:
        r.bad(
            f"{p}region",
            body["region"],
            f"differs from the region of VPC {vpc.name} ({vpc.region})",
        )
    zone = r.optional_str(body, "zone", p)
    if zone is not None and zone not in vpc.zones:
        r.bad(f"{p}zone", zone, f"is not a zone of VPC {vpc.name}: {', '.join(vpc.zones)}")
    name = body.get("name")
    if name is None or not r.name(name, f"{p}name"):
        name = f"{fleet_name}-{what}"
    context = body.get("context")
    if context is None:
        context = name  # one context per instance in the merged kubeconfig: its display name
    if (message := context_problem(context)) is not None:
        r.bad(f"{p}context", context, message)
    return vpc, (zone,) if zone else vpc.zones, str(name), str(context)


def _fleet(
    r: _Reader, body: Any, vpcs: Mapping[str, VpcSpec], fleet_name: str
) -> FleetPlacement | None:
    got = _placement(
        r, body, "fleet", {"profile", "argocd", "deletionProtection"}, vpcs, fleet_name
    )
    if got is None:
        return None
    vpc, zones, name, context = got
    return FleetPlacement(
        vpc.name,
        vpc.region,
        zones,
        name,
        context,
        profile=r.choice(body, "profile", "fleet.", "Default", FLEET_PROFILES, "Fleet profile"),
        argocd=r.boolean(body, "argocd", "fleet.", False),
        deletion_protection=r.boolean(body, "deletionProtection", "fleet.", True),
    )


#: Mesh fields that configure meshfleet's own ASM instance, so they do nothing in ``fleet`` mode.
STANDALONE_ONLY = ("spec", "version", "name", "context")


def _mesh(
    r: _Reader, body: Any, vpcs: Mapping[str, VpcSpec], fleet_name: str
) -> MeshPlacement | None:
    got = _placement(
        r, body, "mesh", {"mode", "spec", "clusterSpec", "edition", "version"}, vpcs, fleet_name
    )
    if got is None:
        return None
    vpc, zones, name, context = got
    for old in ("clusterSpec", "edition"):
        if old in body:
            r.bad(
                f"mesh.{old}",
                body[old],
                (
                    "is replaced by mesh.spec (standard | enterprise | ultimate), which sets the "
                    "ASM "
                    "spec and its edition together (standard: edition Default; enterprise, "
                    "ultimate: edition Pro). For an ASM instance already deployed with edition Pro "
                    "write `spec: enterprise` (or ultimate): the edition stays and the spec "
                    "changes "
                    "in place; `spec: standard` would REPLACE it (edition is ForceNew)"
                ),
            )
    mode = r.choice(body, "mode", "mesh.", "standalone", MESH_MODES, "mesh mode")
    if mode == "fleet":
        for key in STANDALONE_ONLY:
            if key in body:
                r.bad(
                    f"mesh.{key}",
                    body[key],
                    (
                        "configures meshfleet's own ASM instance, which mode fleet does not create "
                        "(the ACK One Fleet makes and chooses its own mesh): remove it, or use "
                        "mode "
                        "standalone"
                    ),
                )
    spec = r.choice(body, "spec", "mesh.", "standard", MESH_SPECS, "ASM spec")
    return MeshPlacement(
        vpc.name,
        vpc.region,
        zones,
        name,
        context,
        mode=mode,
        cluster_spec=spec,
        edition=MESH_EDITION_OF[spec],
        version=r.optional_str(body, "version", "mesh."),
    )


def _check_pins(
    r: _Reader,
    vpcs: Mapping[str, VpcSpec],
    clusters: Mapping[str, ClusterSpec],
    reserved: list[str],
) -> None:
    """Pinned CIDRs must not break a rule among themselves: one sweep over all of them."""
    fixed: list[tuple[IPNetwork, str, str]] = [
        (IPNetwork(c), f"reserved[{i}]", "reserved") for i, c in enumerate(reserved)
    ]
    for v in vpcs.values():
        if v.cidr:
            fixed.append((IPNetwork(v.cidr), f"vpcs.{v.name}.cidr", "vpc"))
    for c in clusters.values():
        if c.pod_cidr:
            fixed.append((IPNetwork(c.pod_cidr), f"clusters.{c.name}.podCidr", "pod"))
        if c.service_cidr:
            fixed.append((IPNetwork(c.service_cidr), f"clusters.{c.name}.serviceCidr", "service"))
        vpc_cidr = vpcs[c.vpc].cidr
        for key, pinned in (("vswitches", c.vswitches), ("podVswitches", c.pod_vswitches)):
            for zone, cidr in pinned.items():
                if vpcs[c.vpc].id is not None:
                    pass  # an existing VPC's CIDRs are read: the planner checks the pin
                elif not vpc_cidr:
                    r.bad(
                        f"clusters.{c.name}.{key}.{zone}",
                        cidr,
                        f"is pinned but its VPC {c.vpc} is not: pin vpcs.{c.vpc}.cidr too",
                    )
                elif IPNetwork(cidr) not in IPNetwork(vpc_cidr):
                    r.bad(
                        f"clusters.{c.name}.{key}.{zone}",
                        cidr,
                        f"lies outside its VPC {c.vpc} ({vpc_cidr}): a vSwitch must be inside "
                        "its VPC",
                    )
                fixed.append((IPNetwork(cidr), f"clusters.{c.name}.{key}.{zone}", "vswitch"))
    for (other, (opath, okind)), (net, (path, kind)) in overlapping_pairs(
        (n, (p, k)) for n, p, k in fixed
    ):
        if {kind, okind} == {"vpc", "vswitch"} and net in other:
            continue  # a vSwitch inside a VPC is the point; which VPC is checked above
        if "reserved" in (kind, okind):
            rule = "reserved ranges are in use elsewhere and must never be allocated"
        else:
            rule = f"a {okind} CIDR must not overlap a {kind} CIDR"
        r.bad(path, str(net), f"overlaps {opath} ({other}): {rule}")
