"""The fleet spec: one test per validation rule, and every problem reported at once."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from meshfleet.errors import SpecError
from meshfleet.spec import parse_spec

BASE: dict[str, Any] = {
    "name": "demo",
    "regions": {
        "cn-hangzhou": {"zones": ["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-a"]},
        "cn-shanghai": {"zones": ["cn-shanghai-b", "cn-shanghai-g"]},
    },
    "vpcs": {"hz": {"region": "cn-hangzhou"}, "sh": {"region": "cn-shanghai"}},
    "clusters": {"a": {"vpc": "hz", "cni": "flannel"}, "b": {"vpc": "sh", "cni": "terway"}},
    "fleet": {"vpc": "hz"},
    "mesh": {"vpc": "hz"},
}


def spec_with(edit: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    edit(raw)
    return raw


def test_every_default_is_resolved_in_the_spec() -> None:
    spec = parse_spec(BASE)
    assert (spec.fleet.name, spec.fleet.context) == ("demo-fleet", "demo-fleet")
    assert (spec.mesh.name, spec.mesh.context) == ("demo-mesh", "demo-mesh")
    assert spec.fleet.zones == spec.vpcs["hz"].zones and spec.mesh.vpc == "hz"
    assert spec.vpcs["hz"].transit_router_zones == ("cn-hangzhou-h", "cn-hangzhou-i")
    assert spec.vpcs["sh"].transit_router_zones == ("cn-shanghai-b", "cn-shanghai-g")
    assert (spec.vpcs["hz"].display_name, spec.clusters["a"].display_name) == ("demo-hz", "demo-a")
    named = parse_spec(
        spec_with(
            lambda r: (
                r["fleet"].update(name="ops", zone="cn-hangzhou-i"),
                r["mesh"].update(context="mesh@prod"),
            )
        )
    )
    assert (named.fleet.name, named.fleet.context, named.fleet.zones) == (
        "ops",
        "ops",
        ("cn-hangzhou-i",),
    )
    assert (named.mesh.name, named.mesh.context) == ("demo-mesh", "mesh@prod")
    public = parse_spec(spec_with(lambda r: r.update(connectivity="public")))
    assert all(v.transit_router_zones == () for v in public.vpcs.values())


def test_one_mesh_spec_field_sets_the_edition_too() -> None:
    editions = {
        s: parse_spec(spec_with(lambda r, s=s: r["mesh"].update(spec=s))).mesh
        for s in ("standard", "enterprise", "ultimate")
    }
    assert {s: (m.cluster_spec, m.edition) for s, m in editions.items()} == {
        "standard": ("standard", "Default"),
        "enterprise": ("enterprise", "Pro"),
        "ultimate": ("ultimate", "Pro"),
    }
    default = parse_spec(BASE).mesh
    assert (default.mode, default.cluster_spec, default.edition) == (
        "standalone",
        "standard",
        "Default",
    )
    fleet = parse_spec(spec_with(lambda r: r["mesh"].update(mode="fleet")))
    assert fleet.mesh.mode == "fleet"
    # The same context for both is fine in mode fleet: the kubeconfig holds the Fleet alone.
    parse_spec(
        spec_with(
            lambda r: (r["mesh"].update(mode="fleet"), r["fleet"].update(context="demo-mesh"))
        )
    )


def test_node_pools_system_first_and_named_by_key() -> None:
    spec = parse_spec(
        spec_with(
            lambda r: r["clusters"]["a"].update(
                maxNodes=30,
                systemPool={"size": 3, "instanceTypes": ["ecs.g7.2xlarge"]},
                nodePools={"batch": {"minSize": 0, "maxSize": 20}, "api": {"desiredSize": 4}},
            )
        )
    )
    a = spec.clusters["a"]
    assert [(p.name, p.desired_size, p.min_size, p.max_size) for p in a.pools] == [
        ("system", 3, None, None),
        ("api", 4, None, None),
        ("batch", None, 0, 20),
    ]
    assert a.system_pool.instance_types == ("ecs.g7.2xlarge",) and a.auto_scaling
    b = parse_spec(BASE).clusters["b"]
    assert [(p.name, p.desired_size) for p in b.pools] == [("system", 2)]
    assert not b.auto_scaling and b.node_pools == {}


def test_nat_gateway_is_on_by_default() -> None:
    spec = parse_spec(spec_with(lambda r: r["vpcs"]["sh"].update(natGateway=False)))
    assert (spec.vpcs["hz"].nat_gateway, spec.vpcs["sh"].nat_gateway) == (True, False)


def test_base_spec_is_valid_and_defaults_are_documented() -> None:
    spec = parse_spec(BASE)
    a = spec.clusters["a"]
    assert (a.cni, a.max_nodes, a.pods_per_node, a.node_cidr_mask) == ("flannel", 64, 64, 25)
    assert a.deletion_protection is True
    assert spec.clusters["b"].node_cidr_mask is None
    assert spec.vpcs["hz"].zones == ("cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-a")
    assert spec.connectivity == "cen" and spec.fleet.region == "cn-hangzhou"
    assert spec.fleet.deletion_protection is True


@pytest.mark.parametrize(
    "pods,mask", [(15, 28), (16, 27), (63, 26), (64, 25), (127, 25), (128, 24), (255, 24), (1, 28)]
)
def test_pods_per_node_chooses_node_cidr_mask(pods: int, mask: int) -> None:
    raw = spec_with(lambda r: r["clusters"]["a"].update(podsPerNode=pods))
    spec = parse_spec(raw)
    assert spec.clusters["a"].node_cidr_mask == mask
    assert 2 ** (32 - mask) - 1 >= pods


CASES: list[tuple[str, Callable[[dict[str, Any]], object], str, str]] = [
    (
        "malformed CIDR",
        lambda r: r["vpcs"]["hz"].update(cidr="10.0.0.300/16"),
        "vpcs.hz.cidr",
        "not a valid IPv4 CIDR",
    ),
    (
        "host bits",
        lambda r: r["vpcs"]["hz"].update(cidr="10.0.0.1/16"),
        "vpcs.hz.cidr",
        "did you mean 10.0.0.0/16",
    ),
    (
        "not a string",
        lambda r: r["vpcs"]["hz"].update(cidr=167772160),
        "vpcs.hz.cidr",
        "concrete CIDR string",
    ),
    ("CGNAT", lambda r: r["vpcs"]["hz"].update(cidr="100.64.0.0/16"), "vpcs.hz.cidr", "CGNAT"),
    (
        "multicast",
        lambda r: r["vpcs"]["hz"].update(cidr="224.1.0.0/16"),
        "vpcs.hz.cidr",
        "multicast",
    ),
    ("loopback", lambda r: r.update(reserved=["127.0.0.0/8"]), "reserved[0]", "loopback"),
    (
        "link-local",
        lambda r: r["clusters"]["a"].update(serviceCidr="169.254.0.0/16"),
        "clusters.a.serviceCidr",
        "link-local",
    ),
    (
        "7/8 reserved for ACK",
        lambda r: r["vpcs"]["hz"].update(cidr="7.1.0.0/16"),
        "vpcs.hz.cidr",
        "managed ACK",
    ),
    (
        "VPC prefix",
        lambda r: r["vpcs"]["hz"].update(cidr="10.0.0.0/29"),
        "vpcs.hz.cidr",
        "/8 to /28",
    ),
    (
        "Service prefix",
        lambda r: r["clusters"]["a"].update(serviceCidr="192.168.0.0/25"),
        "clusters.a.serviceCidr",
        "/16 to /24",
    ),
    (
        "Service public",
        lambda r: r["clusters"]["a"].update(serviceCidr="11.0.0.0/16"),
        "clusters.a.serviceCidr",
        "must lie inside",
    ),
    (
        "pod prefix vs mask",
        lambda r: r["clusters"]["a"].update(podCidr="172.16.0.0/25"),
        "clusters.a.podCidr",
        "shorter than nodeCidrMask",
    ),
    (
        "pod CIDR on Terway",
        lambda r: r["clusters"]["b"].update(podCidr="172.16.0.0/16"),
        "clusters.b.podCidr",
        "only for Flannel",
    ),
    (
        "vSwitch pin prefix",
        lambda r: (
            r["vpcs"]["hz"].update(cidr="10.0.0.0/16"),
            r["clusters"]["a"].update(vswitches={"cn-hangzhou-h": "10.0.0.0/30"}),
        ),
        "clusters.a.vswitches.cn-hangzhou-h",
        "/16 to /29",
    ),
    (
        "vSwitch pin outside VPC",
        lambda r: (
            r["vpcs"]["hz"].update(cidr="10.0.0.0/16"),
            r["clusters"]["a"].update(vswitches={"cn-hangzhou-h": "10.1.0.0/24"}),
        ),
        "clusters.a.vswitches.cn-hangzhou-h",
        "outside its VPC",
    ),
    (
        "vSwitch pin needs VPC pin",
        lambda r: r["clusters"]["a"].update(vswitches={"cn-hangzhou-h": "10.1.0.0/24"}),
        "clusters.a.vswitches.cn-hangzhou-h",
        "pin vpcs.hz.cidr too",
    ),
    (
        "unknown CNI",
        lambda r: r["clusters"]["a"].update(cni="calico"),
        "clusters.a.cni",
        "flannel, terway",
    ),
    (
        "unknown region",
        lambda r: r["regions"].update({"cn-atlantis": {"zones": ["x"]}}),
        "regions.cn-atlantis",
        "not an Alibaba Cloud region",
    ),
    (
        "zone of another region",
        lambda r: r["regions"]["cn-hangzhou"]["zones"].append("cn-shanghai-b"),
        "regions.cn-hangzhou.zones",
        "not a zone of cn-hangzhou",
    ),
    (
        "VPC zone not declared",
        lambda r: r["vpcs"]["hz"].update(zones=["cn-hangzhou-k"]),
        "vpcs.hz.zones",
        "not a zone declared",
    ),
    (
        "cluster zone not in VPC",
        lambda r: r["clusters"]["a"].update(zones=["cn-hangzhou-k"]),
        "clusters.a.zones",
        "not a zone of VPC hz",
    ),
    (
        "CEN needs two TR zones",
        lambda r: r["vpcs"]["hz"].update(zones=["cn-hangzhou-h", "cn-hangzhou-a"]),
        "vpcs.hz.zones",
        "at least two zones",
    ),
    (
        "duplicate zones",
        lambda r: r["regions"]["cn-shanghai"].update(zones=["cn-shanghai-b", "cn-shanghai-b"]),
        "regions.cn-shanghai.zones",
        "twice",
    ),
    (
        "cluster names a missing VPC",
        lambda r: r["clusters"]["a"].update(vpc="nope"),
        "clusters.a.vpc",
        "names no VPC",
    ),
    (
        "fleet names a missing VPC",
        lambda r: r["fleet"].update(vpc="nope"),
        "fleet.vpc",
        "names no VPC",
    ),
    (
        "mesh names a missing VPC",
        lambda r: r["mesh"].update(vpc="nope"),
        "mesh.vpc",
        "names no VPC",
    ),
    (
        "fleet region differs",
        lambda r: r["fleet"].update(region="cn-shanghai"),
        "fleet.region",
        "differs from the region",
    ),
    (
        "VPC in undeclared region",
        lambda r: r["vpcs"]["hz"].update(region="cn-beijing"),
        "vpcs.hz.region",
        "names no region",
    ),
    (
        "bad name",
        lambda r: r["clusters"].update({"Bad_Name": {"vpc": "hz"}}),
        "clusters.Bad_Name",
        "not a valid name",
    ),
    (
        "unknown field",
        lambda r: r["clusters"]["a"].update(podCIDR="172.16.0.0/16"),
        "clusters.a.podCIDR",
        "not a known field",
    ),
    ("connectivity", lambda r: r.update(connectivity="vpn"), "connectivity", "cen, public"),
    (
        "mesh spec",
        lambda r: r["mesh"].update(spec="gold"),
        "mesh.spec",
        "standard, enterprise, ultimate",
    ),
    (
        "mesh edition is refused",
        lambda r: r["mesh"].update(edition="Pro"),
        "mesh.edition",
        "write `spec: enterprise`",
    ),
    (
        "mesh clusterSpec is refused",
        lambda r: r["mesh"].update(clusterSpec="standard"),
        "mesh.clusterSpec",
        "is replaced by mesh.spec",
    ),
    ("mesh mode", lambda r: r["mesh"].update(mode="shared"), "mesh.mode", "standalone, fleet"),
    (
        "fleet mode takes no ASM settings",
        lambda r: r["mesh"].update(mode="fleet", spec="ultimate"),
        "mesh.spec",
        "which mode fleet does not create",
    ),
    (
        "NAT gateway flag",
        lambda r: r["vpcs"]["hz"].update(natGateway="yes"),
        "vpcs.hz.natGateway",
        "true or false",
    ),
    (
        "maxNodes range",
        lambda r: r["clusters"]["a"].update(maxNodes=0),
        "clusters.a.maxNodes",
        "whole number from 1",
    ),
    (
        "maxNodes as float ok, string not",
        lambda r: r["clusters"]["a"].update(maxNodes="10"),
        "clusters.a.maxNodes",
        "whole number",
    ),
    (
        "podsPerNode too many for Flannel",
        lambda r: r["clusters"]["a"].update(podsPerNode=256),
        "clusters.a.podsPerNode",
        "from 1 to 255",
    ),
    (
        "the old nodePool is refused",
        lambda r: r["clusters"]["a"].update(nodePool={"desiredSize": 3}),
        "clusters.a.nodePool",
        "nodePools: {workers: {...}}",
    ),
    (
        "min without max",
        lambda r: r["clusters"]["a"].update(nodePools={"w": {"minSize": 1}}),
        "clusters.a.nodePools.w.minSize",
        "go together",
    ),
    (
        "min equals max",
        lambda r: r["clusters"]["a"].update(nodePools={"w": {"minSize": 3, "maxSize": 3}}),
        "clusters.a.nodePools.w.minSize",
        "minSize < maxSize",
    ),
    (
        "desiredSize with auto scaling",
        lambda r: r["clusters"]["a"].update(
            nodePools={"w": {"desiredSize": 3, "minSize": 1, "maxSize": 5}}
        ),
        "clusters.a.nodePools.w.desiredSize",
        "is for a fixed-size pool",
    ),
    (
        "pool named system",
        lambda r: r["clusters"]["a"].update(nodePools={"system": {}}),
        "clusters.a.nodePools.system",
        "reserved for the fixed-size system pool",
    ),
    (
        "pool name",
        lambda r: r["clusters"]["a"].update(nodePools={"Big_Pool": {}}),
        "clusters.a.nodePools.Big_Pool",
        "not a valid name",
    ),
    (
        "system pool of one node",
        lambda r: r["clusters"]["a"].update(systemPool={"size": 1}),
        "clusters.a.systemPool.size",
        "whole number from 2",
    ),
    (
        "system pool fields",
        lambda r: r["clusters"]["a"].update(systemPool={"minSize": 1}),
        "clusters.a.systemPool.minSize",
        "not a known field",
    ),
    (
        "pools beyond maxNodes",
        lambda r: r["clusters"]["a"].update(
            maxNodes=10, nodePools={"w": {"minSize": 1, "maxSize": 6}, "v": {"desiredSize": 3}}
        ),
        "clusters.a.maxNodes",
        "(11: system 2, v 3, w 6)",
    ),
    (
        "maxNodes below the system pool",
        lambda r: r["clusters"]["a"].update(maxNodes=1),
        "clusters.a.maxNodes",
        "(2: system 2)",
    ),
    (
        "fleet deletion protection",
        lambda r: r["fleet"].update(deletionProtection="yes"),
        "fleet.deletionProtection",
        "true or false",
    ),
    (
        "same kubeconfig context",
        lambda r: (r["fleet"].update(context="ops"), r["mesh"].update(context="ops")),
        "mesh.context",
        "must differ from the Fleet's context",
    ),
    (
        "context name",
        lambda r: r["mesh"].update(context="my mesh"),
        "mesh.context",
        "kubeconfig context name",
    ),
    (
        "pin overlaps pin",
        lambda r: (
            r["clusters"]["a"].update(podCidr="172.16.0.0/16"),
            r["clusters"]["b"].update(serviceCidr="172.16.8.0/24"),
        ),
        "clusters",
        "must not overlap",
    ),
    (
        "pin overlaps reserved",
        lambda r: (r.update(reserved=["10.0.0.0/8"]), r["vpcs"]["hz"].update(cidr="10.1.0.0/16")),
        "vpcs.hz.cidr",
        "reserved ranges",
    ),
    (
        "pod pin overlaps VPC pin",
        lambda r: (
            r["vpcs"]["hz"].update(cidr="172.16.0.0/16"),
            r["clusters"]["a"].update(podCidr="172.16.0.0/18"),
        ),
        "",
        "a vpc CIDR must not overlap a pod CIDR",
    ),
    ("pool prefix", lambda r: r.update(pools={"vpc": ["10.0.0.0/7"]}), "pools.vpc[0]", "/8 to /28"),
    (
        "public pod pool",
        lambda r: r.update(pools={"pod": ["11.0.0.0/8"]}),
        "pools.pod[0]",
        "must lie inside",
    ),
    ("not a mapping", lambda r: r.update(clusters=["a", "b"]), "clusters", "mapping keyed by name"),
    (
        "no clusters",
        lambda r: r.update(clusters={}),
        "clusters",
        "{} must declare at least one cluster",
    ),
    ("no VPCs", lambda r: r.update(vpcs={}), "vpcs", "{} must declare at least one VPC"),
    ("no regions", lambda r: r.update(regions={}), "regions", "{} must name at least one region"),
    (
        "one transit-router zone pinned",
        lambda r: r["vpcs"]["hz"].update(transitRouterZones=["cn-hangzhou-h"]),
        "vpcs.hz.transitRouterZones",
        "must name at least two zones",
    ),
    (
        "region zones without two TR zones blame the region",
        lambda r: r["regions"].update(
            {"cn-hangzhou": {"zones": ["cn-hangzhou-h", "cn-hangzhou-a"]}}
        ),
        "regions.cn-hangzhou.zones",
        "for VPC hz",
    ),
    (
        "transit-router zone outside the VPC",
        lambda r: r["vpcs"]["hz"].update(
            zones=["cn-hangzhou-h", "cn-hangzhou-i"],
            transitRouterZones=["cn-hangzhou-h", "cn-hangzhou-a"],
        ),
        "vpcs.hz.transitRouterZones",
        "is not a zone of VPC hz",
    ),
]


@pytest.mark.parametrize("label,edit,path,fragment", CASES, ids=[c[0] for c in CASES])
def test_each_rule_reports_its_path_value_and_allowed(
    label: str, edit: Callable[[dict[str, Any]], object], path: str, fragment: str
) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(spec_with(edit))
    hits = [p for p in info.value.problems if p.path.startswith(path) and fragment in str(p)]
    assert hits, f"{label}: no problem at {path!r} with {fragment!r} in:\n{info.value}"


def test_every_problem_is_reported_at_once() -> None:
    def edit(r: dict[str, Any]) -> None:
        r["clusters"]["a"]["cni"] = "calico"
        r["vpcs"]["hz"]["cidr"] = "100.64.0.0/16"
        r["mesh"]["vpc"] = "nope"
        r["regions"]["cn-mars"] = {"zones": ["cn-mars-a"]}

    with pytest.raises(SpecError) as info:
        parse_spec(spec_with(edit))
    paths = {p.path for p in info.value.problems}
    assert {"clusters.a.cni", "vpcs.hz.cidr", "mesh.vpc", "regions.cn-mars"} <= paths
    assert str(info.value).startswith("Invalid fleet spec (4 problems):")


def test_list_order_and_mapping_order_do_not_matter() -> None:
    a = parse_spec(BASE)
    raw = copy.deepcopy(BASE)
    raw["clusters"] = dict(reversed(list(raw["clusters"].items())))
    raw["vpcs"] = dict(reversed(list(raw["vpcs"].items())))
    b = parse_spec(raw)
    assert a.clusters == b.clusters and a.vpcs == b.vpcs


def test_non_mapping_spec() -> None:
    with pytest.raises(SpecError, match="must be a mapping"):
        parse_spec("clusters: 3")
