"""The fleet spec: what a user writes under the config key ``meshfleet:fleet``.

``parse_spec`` turns the raw mapping into a frozen ``FleetSpec`` and reports every problem at once
(``SpecError``), each with its field path, the bad value and what is allowed. Names are mapping
keys, never list positions, so reordering YAML changes nothing. Nothing here imports Pulumi.

>>> spec = parse_spec({
...     "regions": {"cn-hangzhou": {"zones": ["cn-hangzhou-h", "cn-hangzhou-i"]}},
...     "vpcs": {"hz": {"region": "cn-hangzhou"}},
...     "clusters": {"ack-1": {"vpc": "hz", "cni": "flannel"}},
...     "fleet": {"vpc": "hz"}, "mesh": {"vpc": "hz"}})
>>> spec.clusters["ack-1"].node_cidr_mask
25
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from netaddr import AddrFormatError, IPNetwork

from meshfleet.cidrs import overlapping_pairs
from meshfleet.errors import Problem, SpecError

PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
#: Never allocated nor accepted anywhere: CGNAT, multicast, loopback, link-local, and 7.0.0.0/8,
#: which ASM documents as reserved for managed ACK.
FORBIDDEN_RANGES = {
    "100.64.0.0/10": "shared address space (CGNAT)",
    "224.0.0.0/4": "multicast",
    "127.0.0.0/8": "loopback",
    "169.254.0.0/16": "link-local",
    "7.0.0.0/8": "reserved for managed ACK (ASM)",
}
#: Alibaba Cloud public regions (ECS/VPC), checked so that a typo fails before any API call.
REGIONS = frozenset(
    "cn-qingdao cn-beijing cn-zhangjiakou cn-huhehaote cn-wulanchabu cn-hangzhou cn-shanghai "
    "cn-nanjing cn-fuzhou cn-shenzhen cn-heyuan cn-guangzhou cn-chengdu cn-hongkong cn-wuhan-lr "
    "ap-southeast-1 ap-southeast-3 ap-southeast-5 ap-southeast-6 ap-southeast-7 ap-northeast-1 "
    "ap-northeast-2 us-east-1 us-west-1 eu-central-1 eu-west-1 me-east-1 me-central-1 "
    "na-south-1".split()
)
#: Zones where transit routers are documented (domain-facts 3); other regions: any listed zone,
#: verified by Alibaba at apply time (or pin ``transitRouterZones``).
TR_ZONES = {
    "cn-hangzhou": frozenset({"cn-hangzhou-b", "cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j",
                              "cn-hangzhou-k"}),
    "cn-shanghai": frozenset({f"cn-shanghai-{z}" for z in "bcefglmn"}),
}
CNIS = ("flannel", "terway")
ACK_SPECS = ("ack.pro.small", "ack.standard")
MESH_SPECS = ("standard", "enterprise", "ultimate")
MESH_EDITIONS = ("Default", "Pro")
FLEET_PROFILES = ("Default", "XFlow")
CONNECTIVITY = ("cen", "public")
NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$|^[a-z]$")
#: A kubeconfig context name kubectl accepts on the command line without quoting.
CONTEXT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@:-]{0,252}$")
KINDS = ("vpc", "pod", "service")


@dataclass(frozen=True)
class NodePoolSpec:
    """The cluster's worker node pool."""

    instance_types: tuple[str, ...] = ("ecs.g7.xlarge",)
    """ECS instance types, tried in order. Default ``ecs.g7.xlarge``."""
    desired_size: int = 2
    """Nodes to start with. Default 2."""
    min_size: int | None = None
    """With ``max_size``: enable auto scaling between the two. Default: no auto scaling."""
    max_size: int | None = None
    """Upper bound for auto scaling; at most the cluster's ``maxNodes``."""
    system_disk_size: int = 120
    """System disk GiB per node. Default 120."""


@dataclass(frozen=True)
class ClusterSpec:
    """One ACK managed cluster, keyed by name."""

    name: str
    vpc: str
    cni: str = "flannel"
    """``flannel`` (pod CIDR) or ``terway`` (pod vSwitches). Immutable after creation."""
    zones: tuple[str, ...] = ()
    """Zones of the node vSwitches. Default: all zones of the VPC."""
    max_nodes: int = 64
    """Growth sizing: nodes the cluster may ever have. Sizes the node vSwitches and pod CIDR."""
    pods_per_node: int = 64
    """Pods per node; chooses ``node_cidr_mask`` for Flannel (2^(32-mask) - 1 >= this)."""
    service_ips: int = 4096
    """Service IPs: the Service CIDR is the smallest /16../24 holding them. Default 4096 (/20)."""
    cluster_spec: str = "ack.pro.small"
    """ACK cluster spec: ``ack.pro.small`` (Pro) or ``ack.standard``."""
    kubernetes_version: str | None = None
    """ACK Kubernetes version; default: the provider's latest."""
    deletion_protection: bool = True
    """Refuse deletion of the cluster in the console/API. Default on."""
    node_pool: NodePoolSpec = field(default_factory=NodePoolSpec)
    pod_cidr: str | None = None
    """Pinned Flannel pod CIDR (only for clusters that already exist or must match elsewhere)."""
    service_cidr: str | None = None
    """Pinned Service CIDR."""
    vswitches: Mapping[str, str] = field(default_factory=dict)
    """Pinned node vSwitch CIDRs by zone."""
    pod_vswitches: Mapping[str, str] = field(default_factory=dict)
    """Pinned Terway pod vSwitch CIDRs by zone."""

    @property
    def node_cidr_mask(self) -> int | None:
        """Flannel per-node block: smallest with 2^(32-mask) - 1 >= pods_per_node (24..28)."""
        if self.cni != "flannel":
            return None
        mask = 32 - math.ceil(math.log2(self.pods_per_node + 1))
        return min(28, max(24, mask))


@dataclass(frozen=True)
class VpcSpec:
    """A VPC, keyed by name."""

    name: str
    region: str
    zones: tuple[str, ...] = ()
    """Zones the VPC uses. Default: all zones of its region."""
    cidr: str | None = None
    """Pinned VPC CIDR. Default: allocated from the ``vpc`` pools."""
    prefix: int | None = None
    """Fixed VPC size (prefix length). Default: what its vSwitches need, grown by growthBits."""
    growth_bits: int = 2
    """Reserved room for growth: the auto-sized VPC is 2^growthBits (default 4) times its need."""
    transit_router_zones: tuple[str, ...] = ()
    """Zones for the two transit-router vSwitches. Default: TR-supported zones of the VPC."""


@dataclass(frozen=True)
class PlacementSpec:
    """Where the ACK One Fleet instance or the ASM instance lives, and its options."""

    vpc: str
    region: str
    zone: str | None = None
    """Zone of its vSwitch. Default: the VPC's first zone by name."""
    name: str | None = None
    """Cloud-side display name. Default ``<fleet name>-fleet`` / ``-mesh``."""
    profile: str = "Default"
    """Fleet only: ``Default`` or ``XFlow``."""
    argocd: bool = False
    """Fleet only: enable the Fleet's Argo CD."""
    deletion_protection: bool = True
    """Fleet only: turn on the Fleet's deletion protection (through FleetFeatures). Default on."""
    cluster_spec: str = "standard"
    """Mesh only: ``standard``, ``enterprise`` or ``ultimate``."""
    edition: str = "Default"
    """Mesh only: ``Default`` or ``Pro``."""
    version: str | None = None
    """Mesh only: ASM version; default the provider's."""
    context: str | None = None
    """Context name in the merged kubeconfig. Default: the display name."""


@dataclass(frozen=True)
class FleetSpec:
    """The whole validated fleet."""

    name: str
    regions: Mapping[str, tuple[str, ...]]
    vpcs: Mapping[str, VpcSpec]
    clusters: Mapping[str, ClusterSpec]
    fleet: PlacementSpec
    mesh: PlacementSpec
    connectivity: str = "cen"
    cen_bandwidth: int = 10
    pools: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    reserved: tuple[str, ...] = ()


class _Reader:
    """Reads typed fields out of raw config, collecting a Problem for each bad one."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def bad(self, path: str, value: Any, message: str) -> None:
        self.problems.append(Problem(path, value, message))

    def mapping(self, raw: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
        value = raw.get(key, {})
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.bad(f"{path}{key}", value, "must be a mapping keyed by name")
            return {}
        return value

    def unknown_keys(self, raw: Mapping[str, Any], allowed: set[str], path: str) -> None:
        for key in sorted(set(raw) - allowed, key=str):
            self.bad(f"{path}{key}", raw[key], f"is not a known field; allowed: "
                                               f"{', '.join(sorted(allowed))}")

    def integer(self, raw: Mapping[str, Any], key: str, path: str, default: int,
                lo: int, hi: int) -> int:
        value = raw.get(key, default)
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # YAML/JSON config may hand integers over as floats
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            self.bad(f"{path}{key}", value, f"must be a whole number from {lo} to {hi}")
            return default
        return value

    def boolean(self, raw: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        value = raw.get(key, default)
        if not isinstance(value, bool):
            self.bad(f"{path}{key}", value, "must be true or false")
            return default
        return value

    def choice(self, raw: Mapping[str, Any], key: str, path: str, default: str,
               allowed: tuple[str, ...], what: str) -> str:
        value = raw.get(key, default)
        if value not in allowed:
            self.bad(f"{path}{key}", value, f"is not a {what} meshfleet supports; allowed: "
                                            f"{', '.join(allowed)}")
            return default
        return str(value)

    def strings(self, raw: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.bad(f"{path}{key}", value, "must be a list of strings")
            return ()
        if len(set(value)) != len(value):
            self.bad(f"{path}{key}", value, "lists a value twice")
        return tuple(dict.fromkeys(value))

    def optional_str(self, raw: Mapping[str, Any], key: str, path: str) -> str | None:
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            self.bad(f"{path}{key}", value, "must be a string")
            return None
        return value

    def cidr(self, value: Any, path: str, *, lo: int, hi: int, kind: str,
             private_only: bool) -> str | None:
        """A concrete, canonical IPv4 CIDR within the prefix limits, or None after a Problem."""
        if not isinstance(value, str):
            self.bad(path, value, "must be a concrete CIDR string such as 10.0.0.0/16 "
                                  "(a Pulumi Output or a number is not a CIDR)")
            return None
        try:
            net = IPNetwork(value)
        except (AddrFormatError, ValueError, TypeError):
            self.bad(path, value, "is not a valid IPv4 CIDR (expected a.b.c.d/n)")
            return None
        if net.version != 4 or "/" not in value:
            self.bad(path, value, "must be an IPv4 CIDR with a prefix length, such as 10.0.0.0/16")
            return None
        if net.ip != net.network:
            self.bad(path, value, f"has host bits set; did you mean {net.cidr}?")
            return None
        for bad, why in FORBIDDEN_RANGES.items():
            if net in IPNetwork(bad) or IPNetwork(bad) in net:
                self.bad(path, value, f"overlaps {bad} ({why}), which is never allowed")
                return None
        if private_only and not any(net in IPNetwork(r) for r in PRIVATE_RANGES):
            self.bad(path, value, f"must lie inside {', '.join(PRIVATE_RANGES)} for a {kind}")
            return None
        if not lo <= net.prefixlen <= hi:
            self.bad(path, value, f"has prefix /{net.prefixlen}; a {kind} must be /{lo} to /{hi}")
            return None
        return str(net)


def _name(reader: _Reader, name: Any, path: str) -> bool:
    if not isinstance(name, str) or not NAME_RE.match(name):
        reader.bad(path, name, "is not a valid name: lower-case letters, digits and '-', "
                               "starting with a letter, at most 40 characters")
        return False
    return True


def _zone_ok(zone: str, region: str) -> bool:
    return re.fullmatch(rf"{re.escape(region)}-?[a-z]{{1,2}}", zone) is not None


def parse_spec(raw: Any) -> FleetSpec:
    """Validate the raw ``meshfleet:fleet`` value; raise ``SpecError`` listing every problem."""
    r = _Reader()
    if not isinstance(raw, Mapping):
        raise SpecError([Problem("meshfleet:fleet", raw, "must be a mapping (see README)")])
    r.unknown_keys(raw, {"name", "regions", "vpcs", "clusters", "fleet", "mesh", "connectivity",
                         "cenBandwidth", "pools", "reserved"}, "")
    name = raw.get("name", "meshfleet")
    if not _name(r, name, "name"):
        name = "meshfleet"
    connectivity = r.choice(raw, "connectivity", "", "cen", CONNECTIVITY, "connectivity mode")
    bandwidth = r.integer(raw, "cenBandwidth", "", 10, 1, 10_000)

    regions: dict[str, tuple[str, ...]] = {}
    for region, body in r.mapping(raw, "regions", "").items():
        path = f"regions.{region}"
        if region not in REGIONS:
            r.bad(path, region, "is not an Alibaba Cloud region meshfleet knows; allowed: "
                                + ", ".join(sorted(REGIONS)))
            continue
        body = body if isinstance(body, Mapping) else {"zones": body}
        r.unknown_keys(body, {"zones"}, f"{path}.")
        zones = r.strings(body, "zones", f"{path}.")
        for zone in zones:
            if not _zone_ok(zone, region):
                r.bad(f"{path}.zones", zone, f"is not a zone of {region} (expected e.g. "
                                             f"{region}-h)")
        if not zones:
            r.bad(f"{path}.zones", body.get("zones"), "must list at least one zone")
        regions[region] = zones
    if not regions:
        r.bad("regions", raw.get("regions"), "must name at least one region with its zones")

    pools: dict[str, tuple[str, ...]] = {}
    raw_pools = r.mapping(raw, "pools", "")
    r.unknown_keys(raw_pools, set(KINDS), "pools.")
    defaults = {"vpc": PRIVATE_RANGES, "pod": (PRIVATE_RANGES[1], PRIVATE_RANGES[0],
                PRIVATE_RANGES[2]), "service": (PRIVATE_RANGES[2], PRIVATE_RANGES[1],
                PRIVATE_RANGES[0])}
    for kind in KINDS:
        if kind not in raw_pools:
            pools[kind] = defaults[kind]
            continue
        got = []
        for i, value in enumerate(r.strings(raw_pools, kind, "pools.")):
            c = r.cidr(value, f"pools.{kind}[{i}]", lo=8, hi=28, kind=f"{kind} pool",
                       private_only=kind != "vpc")
            if c:
                got.append(c)
        if not got:
            r.bad(f"pools.{kind}", raw_pools.get(kind), "must list at least one CIDR")
        pools[kind] = tuple(got)
    reserved = []
    for i, value in enumerate(r.strings(raw, "reserved", "")):
        c = r.cidr(value, f"reserved[{i}]", lo=0, hi=32, kind="reserved range",
                   private_only=False)
        if c:
            reserved.append(c)

    vpcs: dict[str, VpcSpec] = {}
    for vname, body in r.mapping(raw, "vpcs", "").items():
        path = f"vpcs.{vname}."
        if not _name(r, vname, f"vpcs.{vname}") or not isinstance(body, Mapping):
            if isinstance(vname, str) and not isinstance(body, Mapping):
                r.bad(f"vpcs.{vname}", body, "must be a mapping")
            continue
        r.unknown_keys(body, {"region", "zones", "cidr", "prefix", "growthBits",
                              "transitRouterZones"}, path)
        vregion = body.get("region")
        if not isinstance(vregion, str) or vregion not in regions:
            r.bad(f"{path}region", vregion, f"names no region of this spec; allowed: "
                                           f"{', '.join(regions) or '(none declared)'}")
            continue
        region = vregion
        zones = r.strings(body, "zones", path) or regions[region]
        for zone in zones:
            if zone not in regions[region]:
                r.bad(f"{path}zones", zone, f"is not a zone declared for {region}: "
                                            f"{', '.join(regions[region])}")
        cidr = None
        if body.get("cidr") is not None:
            cidr = r.cidr(body["cidr"], f"{path}cidr", lo=8, hi=28, kind="VPC CIDR",
                          private_only=False)
        prefix = body.get("prefix")
        if prefix is not None:
            prefix = r.integer(body, "prefix", path, 16, 8, 28)
        tr_zones = r.strings(body, "transitRouterZones", path)
        for zone in tr_zones:
            if zone not in zones:
                r.bad(f"{path}transitRouterZones", zone, f"is not a zone of VPC {vname}")
        if connectivity == "cen":
            usable = tr_zones or tuple(z for z in zones if region not in TR_ZONES
                                       or z in TR_ZONES[region])
            if len(usable) < 2:
                r.bad(f"{path}zones", list(zones), "must include at least two zones that support "
                      "transit routers, since CEN attaches every VPC over two zones"
                      + (f" (supported in {region}: {', '.join(sorted(TR_ZONES[region]))})"
                         if region in TR_ZONES else ""))
        vpcs[vname] = VpcSpec(vname, region, tuple(zones), cidr, prefix,
                              r.integer(body, "growthBits", path, 2, 0, 8), tr_zones)
    if not vpcs and "vpcs" not in raw:
        r.bad("vpcs", None, "must declare at least one VPC")

    clusters = {cname: cl for cname, body in r.mapping(raw, "clusters", "").items()
                if (cl := _cluster(r, cname, body, vpcs)) is not None}
    if not clusters and "clusters" not in raw:
        r.bad("clusters", None, "must declare at least one cluster")

    fleet = _placement(r, raw.get("fleet"), "fleet", vpcs, regions)
    mesh = _placement(r, raw.get("mesh"), "mesh", vpcs, regions)
    if fleet is not None and mesh is not None:
        # The merged kubeconfig has one context each: default names are the display names.
        contexts = [(w, p.context or p.name or f"{name}-{w}") for w, p in
                    (("fleet", fleet), ("mesh", mesh))]
        for what, ctx in contexts:
            if not CONTEXT_RE.match(ctx):
                r.bad(f"{what}.context", ctx, "must be a kubeconfig context name: letters, "
                      "digits, '.', '_', '-', '@' or ':', starting with a letter or digit")
        if contexts[0][1] == contexts[1][1]:
            r.bad("mesh.context", contexts[1][1], "must differ from the Fleet's context "
                                                  "(one kubeconfig holds both)")
    _check_pins(r, vpcs, clusters, reserved)
    if r.problems:
        raise SpecError(r.problems)
    assert fleet is not None and mesh is not None
    return FleetSpec(str(name), regions, vpcs, clusters, fleet, mesh, connectivity, bandwidth,
                     pools, tuple(reserved))


def _cluster(r: _Reader, cname: Any, body: Any, vpcs: Mapping[str, VpcSpec]
             ) -> ClusterSpec | None:
    path = f"clusters.{cname}."
    if not _name(r, cname, f"clusters.{cname}"):
        return None
    if not isinstance(body, Mapping):
        r.bad(f"clusters.{cname}", body, "must be a mapping")
        return None
    r.unknown_keys(body, {"vpc", "cni", "zones", "maxNodes", "podsPerNode", "serviceIps",
                          "clusterSpec", "kubernetesVersion", "deletionProtection", "nodePool",
                          "podCidr", "serviceCidr", "vswitches", "podVswitches"}, path)
    vpc = vpcs.get(str(body.get("vpc", "")))
    if vpc is None:
        r.bad(f"{path}vpc", body.get("vpc"), f"names no VPC of this spec; allowed: "
                                             f"{', '.join(vpcs) or '(none valid)'}")
        return None
    cni = r.choice(body, "cni", path, "flannel", CNIS, "CNI")
    zones = r.strings(body, "zones", path) or vpc.zones
    for zone in zones:
        if zone not in vpc.zones:
            r.bad(f"{path}zones", zone, f"is not a zone of VPC {vpc.name}: {', '.join(vpc.zones)}")
    max_nodes = r.integer(body, "maxNodes", path, 64, 1, 5000)
    pods = r.integer(body, "podsPerNode", path, 64, 1, 255 if cni == "flannel" else 512)
    np_raw = r.mapping(body, "nodePool", path)
    r.unknown_keys(np_raw, {"instanceTypes", "desiredSize", "minSize", "maxSize",
                            "systemDiskSize"}, f"{path}nodePool.")
    npp = f"{path}nodePool."
    types = r.strings(np_raw, "instanceTypes", npp) or NodePoolSpec.instance_types
    desired = r.integer(np_raw, "desiredSize", npp, min(2, max_nodes), 0, max_nodes)
    lo = r.integer(np_raw, "minSize", npp, 0, 0, max_nodes) if "minSize" in np_raw else None
    hi = r.integer(np_raw, "maxSize", npp, 1, 1, max_nodes) if "maxSize" in np_raw else None
    if (lo is None) != (hi is None) or (lo is not None and hi is not None and lo >= hi):
        # The provider requires max_size > min_size for an auto-scaling node pool.
        r.bad(f"{npp}minSize", [lo, hi], "and maxSize go together, with minSize < maxSize")
    node_pool = NodePoolSpec(types, desired, lo, hi,
                             r.integer(np_raw, "systemDiskSize", npp, 120, 40, 2048))
    spec = ClusterSpec(
        name=cname, vpc=vpc.name, cni=cni, zones=zones, max_nodes=max_nodes, pods_per_node=pods,
        service_ips=r.integer(body, "serviceIps", path, 4096, 1, 65536),
        cluster_spec=r.choice(body, "clusterSpec", path, "ack.pro.small", ACK_SPECS,
                              "ACK cluster spec"),
        kubernetes_version=r.optional_str(body, "kubernetesVersion", path),
        deletion_protection=r.boolean(body, "deletionProtection", path, True),
        node_pool=node_pool)
    mask = spec.node_cidr_mask
    pod_cidr = None
    if body.get("podCidr") is not None:
        if cni != "flannel":
            r.bad(f"{path}podCidr", body["podCidr"], "is only for Flannel; Terway pods take "
                                                    "addresses from pod vSwitches")
        else:
            pod_cidr = r.cidr(body["podCidr"], f"{path}podCidr", lo=8, hi=(mask or 25) - 1,
                              kind=f"Flannel pod CIDR (shorter than nodeCidrMask /{mask})",
                              private_only=True)
    if mask is not None and mask - math.ceil(math.log2(max_nodes)) < 8:
        r.bad(f"{path}maxNodes", max_nodes, f"needs a pod CIDR larger than /8 at /{mask} per node")
    service_cidr = None
    if body.get("serviceCidr") is not None:
        service_cidr = r.cidr(body["serviceCidr"], f"{path}serviceCidr", lo=16, hi=24,
                              kind="Service CIDR", private_only=True)
    pins: dict[str, dict[str, str]] = {"vswitches": {}, "podVswitches": {}}
    for key in pins:
        if key == "podVswitches" and body.get(key) and cni != "terway":
            r.bad(f"{path}{key}", body[key], "is only for Terway clusters")
            continue
        for zone, value in r.mapping(body, key, path).items():
            if zone not in zones:
                r.bad(f"{path}{key}.{zone}", value, f"names a zone the cluster does not use: "
                                                   f"{', '.join(zones)}")
            elif (c := r.cidr(value, f"{path}{key}.{zone}", lo=16, hi=29, kind="vSwitch",
                              private_only=False)):
                pins[key][zone] = c
    return ClusterSpec(**{**spec.__dict__, "pod_cidr": pod_cidr, "service_cidr": service_cidr,
                          "vswitches": pins["vswitches"], "pod_vswitches": pins["podVswitches"]})


def _placement(r: _Reader, body: Any, what: str, vpcs: Mapping[str, VpcSpec],
               regions: Mapping[str, tuple[str, ...]]) -> PlacementSpec | None:
    if not isinstance(body, Mapping):
        r.bad(what, body, f"must be a mapping with at least `vpc` (where the {what} lives)")
        return None
    fleet_keys = ({"profile", "argocd", "deletionProtection"} if what == "fleet"
                  else {"clusterSpec", "edition", "version"})
    r.unknown_keys(body, {"vpc", "region", "zone", "name", "context"} | fleet_keys, f"{what}.")
    vpc = vpcs.get(str(body.get("vpc", "")))
    if vpc is None:
        r.bad(f"{what}.vpc", body.get("vpc"), f"names no VPC of this spec; allowed: "
                                             f"{', '.join(vpcs) or '(none valid)'}")
        return None
    if body.get("region", vpc.region) != vpc.region:
        r.bad(f"{what}.region", body["region"], f"differs from the region of VPC {vpc.name} "
                                                f"({vpc.region})")
    zone = r.optional_str(body, "zone", f"{what}.")
    if zone is not None and zone not in vpc.zones:
        r.bad(f"{what}.zone", zone, f"is not a zone of VPC {vpc.name}: {', '.join(vpc.zones)}")
    p = f"{what}."
    name = body.get("name")
    if name is not None:
        _name(r, name, f"{what}.name")
    return PlacementSpec(
        vpc=vpc.name, region=vpc.region, zone=zone, name=name,
        profile=r.choice(body, "profile", p, "Default", FLEET_PROFILES, "Fleet profile"),
        argocd=r.boolean(body, "argocd", p, False),
        deletion_protection=r.boolean(body, "deletionProtection", p, True),
        cluster_spec=r.choice(body, "clusterSpec", p, "standard", MESH_SPECS, "ASM spec"),
        edition=r.choice(body, "edition", p, "Default", MESH_EDITIONS, "ASM edition"),
        version=r.optional_str(body, "version", p),
        context=r.optional_str(body, "context", p))


def _check_pins(r: _Reader, vpcs: Mapping[str, VpcSpec], clusters: Mapping[str, ClusterSpec],
                reserved: list[str]) -> None:
    """Pinned CIDRs must not break a rule among themselves: one sweep over all of them."""
    fixed: list[tuple[IPNetwork, str, str]] = [(IPNetwork(c), f"reserved[{i}]", "reserved")
                                               for i, c in enumerate(reserved)]
    for v in vpcs.values():
        if v.cidr:
            fixed.append((IPNetwork(v.cidr), f"vpcs.{v.name}.cidr", "vpc"))
    for c in clusters.values():
        for attr, kind in (("pod_cidr", "pod"), ("service_cidr", "service")):
            if getattr(c, attr):
                fixed.append((IPNetwork(getattr(c, attr)),
                              f"clusters.{c.name}.{'podCidr' if kind == 'pod' else 'serviceCidr'}",
                              kind))
        vpc_cidr = vpcs[c.vpc].cidr
        for key, pinned in (("vswitches", c.vswitches), ("podVswitches", c.pod_vswitches)):
            for zone, cidr in pinned.items():
                if not vpc_cidr:
                    r.bad(f"clusters.{c.name}.{key}.{zone}", cidr,
                          f"is pinned but its VPC {c.vpc} is not: pin vpcs.{c.vpc}.cidr too")
                elif IPNetwork(cidr) not in IPNetwork(vpc_cidr):
                    r.bad(f"clusters.{c.name}.{key}.{zone}", cidr,
                          f"lies outside its VPC {c.vpc} ({vpc_cidr}): a vSwitch must be inside "
                          "its VPC")
                fixed.append((IPNetwork(cidr), f"clusters.{c.name}.{key}.{zone}", "vswitch"))
    for (other, (opath, okind)), (net, (path, kind)) in overlapping_pairs(
            (n, (p, k)) for n, p, k in fixed):
        if {kind, okind} == {"vpc", "vswitch"} and net in other:
            continue  # a vSwitch inside a VPC is the point; which VPC is checked above
        if "reserved" in (kind, okind):
            rule = "reserved ranges are in use elsewhere and must never be allocated"
        else:
            rule = f"a {okind} CIDR must not overlap a {kind} CIDR"
        r.bad(path, str(net), f"overlaps {opath} ({other}): {rule}")

