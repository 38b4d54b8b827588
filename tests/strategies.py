"""Hypothesis strategies for fleet specs, shared by the planner, program and reliability tests.

``fleet_specs()`` draws raw ``meshfleet:fleet`` mappings that are valid by construction: 1-6
regions, up to 10 VPCs, up to 30 clusters, both CNIs, both connectivity modes, optional reserved
ranges. Sizes are kept modest so that every drawn spec fits the default pools.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from meshfleet.spec import TR_ZONES

#: Regions used by generated specs, with zones that include at least two TR-supported ones.
REGION_ZONES = {
    "cn-hangzhou": ["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k"],
    "cn-shanghai": ["cn-shanghai-b", "cn-shanghai-e", "cn-shanghai-g", "cn-shanghai-l"],
    "cn-beijing": ["cn-beijing-a", "cn-beijing-f", "cn-beijing-h"],
    "cn-shenzhen": ["cn-shenzhen-c", "cn-shenzhen-d", "cn-shenzhen-e"],
    "ap-southeast-1": ["ap-southeast-1a", "ap-southeast-1b", "ap-southeast-1c"],
    "eu-central-1": ["eu-central-1a", "eu-central-1b"],
    "us-west-1": ["us-west-1a", "us-west-1b"],
}


def tr_ok(region: str, zones: list[str]) -> list[str]:
    return [z for z in zones if region not in TR_ZONES or z in TR_ZONES[region]]


@st.composite
def cluster_bodies(draw: st.DrawFn, vpc: str, zones: list[str]) -> dict[str, Any]:
    cni = draw(st.sampled_from(["flannel", "terway"]))
    body: dict[str, Any] = {
        "vpc": vpc,
        "cni": cni,
        "zones": draw(
            st.lists(st.sampled_from(zones), min_size=1, max_size=len(zones), unique=True)
        ),
        "maxNodes": draw(st.sampled_from([2, 3, 10, 50, 100, 300])),
        "podsPerNode": draw(st.sampled_from([16, 32, 64, 110])),
        "serviceIps": draw(st.sampled_from([256, 1000, 4096, 16384])),
    }
    if draw(st.booleans()):  # beside the 2-node system pool, within maxNodes
        body["nodePools"] = {
            "workers": {
                "instanceTypes": ["ecs.g7.xlarge"],
                "desiredSize": min(2, body["maxNodes"] - 2),
            }
        }
    return body


def pool_floor(cluster: dict[str, Any]) -> int:
    """The fewest ``maxNodes`` a raw cluster's pools allow: the system pool plus each pool's
    most nodes (its fixed size or maxSize)."""
    system = cluster.get("systemPool", {}).get("size", 2)
    return int(
        system
        + sum(
            p.get("maxSize", p.get("desiredSize", 2)) for p in cluster.get("nodePools", {}).values()
        )
    )


@st.composite
def fleet_specs(
    draw: st.DrawFn, max_regions: int = 6, max_vpcs: int = 10, max_clusters: int = 30
) -> dict[str, Any]:
    """A valid raw fleet spec."""
    connectivity = draw(st.sampled_from(["cen", "public"]))
    names = draw(
        st.lists(
            st.sampled_from(sorted(REGION_ZONES)),
            min_size=1,
            max_size=min(max_regions, len(REGION_ZONES)),
            unique=True,
        )
    )
    regions = {r: {"zones": REGION_ZONES[r]} for r in names}
    vpcs: dict[str, Any] = {}
    for i in range(draw(st.integers(1, max_vpcs))):
        region = draw(st.sampled_from(names))
        zones = draw(
            st.lists(
                st.sampled_from(REGION_ZONES[region]),
                min_size=2,
                max_size=len(REGION_ZONES[region]),
                unique=True,
            )
        )
        if connectivity == "cen" and len(tr_ok(region, zones)) < 2:
            zones = tr_ok(region, REGION_ZONES[region])
        vpcs[f"vpc-{i}"] = {"region": region, "zones": zones}
        if draw(st.booleans()):
            vpcs[f"vpc-{i}"]["growthBits"] = draw(st.integers(0, 3))
    clusters = {}
    for i in range(draw(st.integers(1, max_clusters))):
        vpc = draw(st.sampled_from(sorted(vpcs)))
        clusters[f"ack-{i}"] = draw(cluster_bodies(vpc, vpcs[vpc]["zones"]))
    spec: dict[str, Any] = {
        "name": "fuzz",
        "connectivity": connectivity,
        "regions": regions,
        "vpcs": vpcs,
        "clusters": clusters,
        "fleet": {"vpc": draw(st.sampled_from(sorted(vpcs)))},
        "mesh": {"vpc": draw(st.sampled_from(sorted(vpcs)))},
    }
    if draw(st.booleans()):
        spec["reserved"] = draw(
            st.lists(
                st.sampled_from(
                    [
                        "10.0.0.0/16",
                        "10.128.0.0/12",
                        "172.16.0.0/16",
                        "192.168.0.0/20",
                        "10.8.0.0/14",
                    ]
                ),
                max_size=3,
                unique=True,
            )
        )
    return spec


def _relocate(draw: st.DrawFn, free: Any, cidr: str) -> str | None:
    """A free aligned block of ``cidr``'s size, drawn from ``free`` (an IPSet, updated)."""
    from netaddr import IPAddress, IPNetwork

    prefix = IPNetwork(cidr).prefixlen
    blocks = [b for b in free.iter_cidrs() if b.prefixlen <= prefix]
    if not blocks:
        return None
    # Prefer the high end of the free space: the planner itself fills from the lowest address,
    # so a pin there is a place it would not have chosen.
    block = blocks[-1 - draw(st.integers(0, min(len(blocks), 16) - 1))]
    slots = 2 ** (prefix - block.prefixlen)
    slot = slots - 1 - draw(st.integers(0, min(slots, 64) - 1))
    net = IPNetwork(f"{IPAddress(block.first + slot * 2 ** (32 - prefix))}/{prefix}")
    free.remove(net)
    return str(net)


@st.composite
def pinned_fleet_specs(
    draw: st.DrawFn, max_regions: int = 6, max_vpcs: int = 10, max_clusters: int = 30
) -> dict[str, Any]:
    """A valid raw fleet spec (see ``fleet_specs``) with a drawn subset of its CIDRs pinned.

    Pins are VPC CIDRs, Flannel pod CIDRs, Service CIDRs, and node / Terway pod vSwitches of
    pinned VPCs, each the size the planner would give it but placed elsewhere in free private
    space (never in a reserved range, never overlapping another pin), vSwitches at the same
    offset inside their moved VPC. Valid by construction, so it must plan and pass the pack.
    """
    import copy

    from netaddr import IPNetwork, IPSet

    from meshfleet.planner import plan
    from meshfleet.spec import PRIVATE_RANGES, parse_spec

    raw = copy.deepcopy(draw(fleet_specs(max_regions, max_vpcs, max_clusters)))
    p = plan(parse_spec(raw))
    free = (
        IPSet(PRIVATE_RANGES)
        - IPSet(p.spec.reserved)
        - IPSet(c for k, c in p.allocations().items() if not k.startswith("vswitch:"))
    )
    moved: dict[str, tuple[IPNetwork, IPNetwork]] = {}
    for name, v in sorted(p.vpcs.items()):
        if draw(st.booleans()):
            new = _relocate(draw, free, v.cidr)
            if new is not None:
                raw["vpcs"][name]["cidr"] = new
                moved[name] = (IPNetwork(v.cidr), IPNetwork(new))
    for name, c in sorted(p.clusters.items()):
        body = raw["clusters"][name]
        if c.pod_cidr is not None and draw(st.booleans()):
            if (new := _relocate(draw, free, c.pod_cidr)) is not None:
                body["podCidr"] = new
        if draw(st.booleans()):
            if (new := _relocate(draw, free, c.service_cidr)) is not None:
                body["serviceCidr"] = new
        if c.vpc in moved:
            old_vpc, new_vpc = moved[c.vpc]
            for key, switches in (
                ("vswitches", c.node_vswitches),
                ("podVswitches", c.pod_vswitches),
            ):
                for s in switches:
                    if draw(st.booleans()):
                        net = IPNetwork(s.cidr)
                        shifted = IPNetwork(
                            f"{new_vpc.network + (net.first - old_vpc.first)}/{net.prefixlen}"
                        )
                        body.setdefault(key, {})[s.zone] = str(shifted)
    return raw


@st.composite
def rich_fleet_specs(
    draw: st.DrawFn, max_regions: int = 4, max_vpcs: int = 6, max_clusters: int = 12
) -> dict[str, Any]:
    """A valid raw fleet spec (see ``fleet_specs``) that also uses the optional fields: Fleet and
    mesh zone, display name, context, profile, Argo CD, the ASM spec, the Fleet's own mesh (mesh
    mode fleet); transit-router zones, a fixed VPC prefix, growthBits 0, no NAT gateway; ACK spec,
    Kubernetes version, deletion protection off, a larger system pool, auto-scaling and fixed
    node pools, odd sizes; the CEN bandwidth."""
    import copy

    from meshfleet.planner import plan
    from meshfleet.spec import parse_spec

    raw = copy.deepcopy(draw(fleet_specs(max_regions, max_vpcs, max_clusters)))
    cen = raw["connectivity"] == "cen"
    if draw(st.booleans()):
        raw["cenBandwidth"] = draw(st.sampled_from([1, 5, 100, 10_000]))
    for what in ("fleet", "mesh"):
        body = raw[what]
        zones = raw["vpcs"][body["vpc"]]["zones"]
        if draw(st.booleans()):
            body["zone"] = draw(st.sampled_from(zones))
        if draw(st.booleans()):
            body["name"] = f"rich-{what}"
        if draw(st.booleans()):
            body["context"] = f"{what}-ctx@{draw(st.sampled_from(['a', 'b.c', 'd_e']))}"
    if draw(st.booleans()):
        raw["fleet"].update(
            profile=draw(st.sampled_from(["Default", "XFlow"])), argocd=draw(st.booleans())
        )
    if draw(st.booleans()):
        raw["mesh"].update(spec=draw(st.sampled_from(["standard", "enterprise", "ultimate"])))
    elif draw(st.booleans()):  # the Fleet's own mesh: meshfleet's ASM settings do not apply
        raw["mesh"] = {
            "vpc": raw["mesh"]["vpc"],
            "mode": "fleet",
            **({"zone": raw["mesh"]["zone"]} if "zone" in raw["mesh"] else {}),
        }
    for _, vpc in sorted(raw["vpcs"].items()):
        ok = tr_ok(vpc["region"], vpc["zones"])
        if cen and len(ok) > 2 and draw(st.booleans()):
            vpc["transitRouterZones"] = draw(
                st.lists(st.sampled_from(ok), min_size=2, max_size=2, unique=True)
            )
        if draw(st.booleans()):
            vpc["growthBits"] = 0
        if draw(st.booleans()):
            vpc["natGateway"] = False
    for _, c in sorted(raw["clusters"].items()):
        if draw(st.booleans()):
            c["maxNodes"] = draw(st.sampled_from([2, 7, 33, 129, 1000]))
            c["nodePools"] = {"small": {"desiredSize": min(1, c["maxNodes"] - 2)}}
        if draw(st.booleans()):
            c["serviceIps"] = draw(st.sampled_from([1, 255, 257, 65536]))
        if draw(st.booleans()):
            c.update(
                clusterSpec=draw(st.sampled_from(["ack.pro.small", "ack.standard"])),
                kubernetesVersion="1.30.7-aliyun.1",  # ASM 1.22 (the catalogue's) supports it
                deletionProtection=draw(st.booleans()),
            )
        if draw(st.booleans()):
            system = draw(st.sampled_from([2, 3]))
            top = int(c["maxNodes"]) - system  # what the system pool leaves
            lo = draw(st.integers(0, max(0, top - 1)))
            hi = draw(st.integers(lo + 1, top)) if top > lo else top
            if hi > lo:
                c["systemPool"] = {"size": system, "instanceTypes": ["ecs.g7.xlarge"]}
                c["nodePools"] = {
                    "scaling": {
                        "instanceTypes": ["ecs.g7.xlarge", "ecs.c7.2xlarge"],
                        "minSize": lo,
                        "maxSize": hi,
                        "systemDiskSize": draw(st.sampled_from([40, 120, 500])),
                    }
                }
    # A fixed VPC size: what the planner would choose, or up to four times larger.
    p = plan(parse_spec(raw))
    for name, v in sorted(p.vpcs.items()):
        if draw(st.booleans()):
            prefix = int(v.cidr.rsplit("/", 1)[1])
            raw["vpcs"][name]["prefix"] = max(8, prefix - draw(st.integers(0, 2)))
    return raw
