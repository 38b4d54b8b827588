"""The example stack (the requirement document's topology) under recording mocks, preview mode."""

from __future__ import annotations

from itertools import combinations

import pytest
from netaddr import IPNetwork

from fleetctl.capture import UNKNOWN
from tests.components.stacks import (
    ACK,
    AUTOSCALER,
    CEN,
    CEN_TYPES,
    COMPONENTS,
    DYNAMIC,
    EIP,
    EIP_ASSOC,
    FLEET,
    MEMBERSHIP,
    MESH,
    NAT,
    NODE_POOL,
    PROVIDER,
    SG_RULE,
    SNAT,
    TR,
    TR_ASSOC,
    TR_PEER,
    TR_PROP,
    TR_ROUTE,
    TR_TABLE,
    TR_VPC,
    VPC,
    VPC_ROUTE,
    VSWITCH,
    View,
    example_config,
    expected_counts,
    plan_of,
    run_stack,
)


@pytest.fixture(scope="module")
def ex() -> View:
    config = example_config()
    return View(run_stack(config, "example"), plan_of(config, "example"))


def test_exact_resources_by_type(ex: View) -> None:
    # Derived from Pulumi.example.yaml by hand: 2 regions, 2 VPCs, clusters ack-1 (flannel,
    # 2 zones), ack-2 (terway, 2 zones), ack-3 (flannel, 2 zones); Fleet and mesh in vpc-1.
    assert ex.cap.counts_by_type() == {
        "alicloud:ackone/cluster:Cluster": 1,
        "alicloud:ackone/membershipAttachment:MembershipAttachment": 3,  # one per cluster
        AUTOSCALER: 1,  # ack-1's workers auto scale
        NAT: 2,
        EIP: 2,
        EIP_ASSOC: 2,  # one NAT gateway per VPC, with its EIP
        SNAT: 8,  # vpc-1: 4 node + 2 pod vSwitches; vpc-2: 2 node
        CEN: 1,
        TR: 2,  # one per region
        TR_PEER: 1,  # one region pair
        TR_ROUTE: 4,  # 2 Flannel pod CIDRs x 2 transit routers
        TR_TABLE: 2,
        TR_ASSOC: 4,  # 2 VPC attachments + the peer at both ends
        TR_PROP: 4,
        TR_VPC: 2,
        ACK: 3,
        NODE_POOL: 6,  # per cluster: the system pool and `workers`
        # per aggregate (10.0.0.0/8, 172.16.0.0/12): each cluster 1, the Fleet 1, the mesh 2
        SG_RULE: 12,
        MESH: 1,
        VPC: 2,
        VPC_ROUTE: 4,  # per VPC: an aggregate per pool holding remote ranges
        # vpc-1: 2+2 node, 2 pod (ack-2), 2 transit-router, fleet, mesh, NAT; vpc-2: 2 node,
        # 2 TR, NAT
        VSWITCH: 16,
        "meshfleet:cen:CenBackbone": 1,
        "meshfleet:cluster:AckCluster": 3,
        "meshfleet:fleet:Fleet": 1,
        "meshfleet:index:MeshFleet": 1,
        "meshfleet:mesh:Mesh": 1,
        "meshfleet:network:Network": 2,
        DYNAMIC: 4,  # FleetFeatures and a MeshMembership per cluster
        PROVIDER: 2,
    }
    assert ex.cap.counts_by_type() == expected_counts(ex.plan)


def test_vpcs_and_vswitches_are_the_plan(ex: View) -> None:
    for v in ex.plan.vpcs.values():
        vpc = ex.one(VPC, v.name)
        assert vpc.inputs["cidrBlock"] == v.cidr
        assert vpc.inputs["vpcName"] == f"meshfleet-demo-{v.name}"
        for s in v.vswitches:
            sw = ex.vswitch(s.key)
            assert (sw.inputs["cidrBlock"], sw.inputs["zoneId"]) == (s.cidr, s.zone)
            assert ex.deps(sw, "vpcId") == {vpc.urn}


def test_each_cluster_is_its_plan(ex: View) -> None:
    for c in ex.plan.clusters.values():
        ack = ex.one(ACK, c.name)
        i = ack.inputs
        assert i["serviceCidr"] == c.service_cidr
        assert i["slbInternetEnabled"] is False
        assert i["deletionProtection"] is True
        assert i["clusterSpec"] == c.spec.cluster_spec
        assert i["name"] == f"meshfleet-demo-{c.name}"
        assert ex.deps(ack, "vswitchIds") == {ex.vswitch(s.key).urn for s in c.node_vswitches}
        assert len(i["vswitchIds"]) == len(c.node_vswitches)
        if c.cni == "flannel":
            assert i["podCidr"] == c.pod_cidr
            assert i["nodeCidrMask"] == c.node_cidr_mask  # always explicit
            assert [a["name"] for a in i["addons"]] == ["flannel"]
            assert "podVswitchIds" not in i
        else:
            assert "podCidr" not in i and "nodeCidrMask" not in i
            assert [a["name"] for a in i["addons"]] == ["terway-eniip"]
            assert ex.deps(ack, "podVswitchIds") == {ex.vswitch(s.key).urn for s in c.pod_vswitches}
            assert c.pod_vswitches


def test_node_pools_follow_the_spec(ex: View) -> None:
    for c in ex.plan.clusters.values():
        ack = ex.one(ACK, c.name)
        assert c.spec.pools[0].name == "system"
        for np in c.spec.pools:
            pool = ex.one(NODE_POOL, f"{c.name}-{np.name}")  # child names from the key
            assert ex.deps(pool, "clusterId") == {ack.urn}
            assert pool.inputs["nodePoolName"] == f"meshfleet-demo-{c.name}-{np.name}"
            assert pool.inputs["instanceTypes"] == list(np.instance_types)
            assert pool.options["customTimeouts"] == {
                "create": "90m",
                "update": "60m",
                "delete": "60m",
            }
            if np.auto_scaling:
                assert pool.inputs["scalingConfig"] == {
                    "enable": True,
                    "minSize": np.min_size,
                    "maxSize": np.max_size,
                }
                assert "desiredSize" not in pool.inputs  # the autoscaler owns the count
                (scaler,) = [
                    a for a in ex.cap.by_type(AUTOSCALER) if ex.deps(a, "clusterId") == {ack.urn}
                ]
                assert scaler.urn in pool.dependencies  # configured before the pool scales
            else:
                assert pool.inputs["desiredSize"] == str(np.desired_size)  # a STRING
                assert "scalingConfig" not in pool.inputs
    # The system pool is fixed and at least 2 nodes; ack-1 alone autoscales.
    system = [ex.one(NODE_POOL, f"{c}-system") for c in ex.plan.clusters]
    assert all(
        int(p.inputs["desiredSize"]) >= 2 and "scalingConfig" not in p.inputs for p in system
    )
    (scaler,) = ex.cap.by_type(AUTOSCALER)
    assert ex.deps(scaler, "clusterId") == {ex.one(ACK, "ack-1").urn}
    assert scaler.inputs["scaleDownEnabled"] is True
    assert scaler.inputs["expander"] == "least-waste"


def test_clusters_use_the_vpcs_nat_gateway_and_wait_for_their_egress(ex: View) -> None:
    for v in ex.plan.vpcs.values():
        (nat_sw,) = v.by_role("nat")
        (nat,) = [
            n for n in ex.cap.by_type(NAT) if ex.deps(n, "vpcId") == {ex.one(VPC, v.name).urn}
        ]
        assert ex.deps(nat, "vswitchId") == {ex.vswitch(nat_sw.key).urn}
        assert (nat.inputs["natType"], nat.inputs["paymentType"]) == ("Enhanced", "PayAsYouGo")
        assert nat.inputs["privateLinkEnabled"] is False  # ForceNew, read back: always set
        (assoc,) = [a for a in ex.cap.by_type(EIP_ASSOC) if ex.deps(a, "instanceId") == {nat.urn}]
        assert assoc.inputs["instanceType"] == "Nat"
        (eip,) = ex.deps(assoc, "allocationId")
        snats = [e for e in ex.cap.by_type(SNAT) if ex.deps(e, "snatTableId") == {nat.urn}]
        sources = {next(iter(ex.deps(e, "sourceVswitchId"))) for e in snats}
        assert sources == {ex.vswitch(s.key).urn for s in v.vswitches if s.role in ("node", "pod")}
        for e in snats:
            assert ex.deps(e, "snatIp") == {eip} and assoc.urn in e.dependencies
    for c in ex.plan.clusters.values():
        ack = ex.one(ACK, c.name)
        assert ack.inputs["newNatGateway"] is False
        mine = {ex.vswitch(s.key).urn for s in c.node_vswitches + c.pod_vswitches}
        own = {e.urn for e in ex.cap.by_type(SNAT) if ex.deps(e, "sourceVswitchId") <= mine}
        assert own and set(ack.dependencies) - mine == own  # its SNAT entries, nothing else
        assert ack.options["customTimeouts"] == {"create": "90m", "update": "60m", "delete": "60m"}


def test_every_cluster_joins_the_fleet_one_after_another(ex: View) -> None:
    fleet = ex.cap.by_type(FLEET)[0]
    net = ex.plan.fleet
    assert ex.deps(fleet, "network") == {ex.one(VPC, net.vpc).urn, ex.vswitch(net.vswitch.key).urn}
    members = {}
    for m in ex.cap.by_type(MEMBERSHIP):
        assert ex.deps(m, "clusterId") == {fleet.urn}
        (cluster,) = ex.deps(m, "subClusterId")
        members[ex.by_urn[cluster].name] = m
    assert set(members) == set(ex.plan.clusters)
    # ack-3 lives in another VPC (and region): it joins only once CEN routes exist.
    far = members["ack-3"].dependencies
    assert any(ex.by_urn[u].type == TR_ASSOC for u in far)
    assert not any(ex.by_urn[u].type in CEN_TYPES for u in members["ack-1"].dependencies)
    # One attach at a time, in name order: each waits for the previous one.
    names = sorted(members)
    for before, after in zip(names, names[1:], strict=False):
        assert members[before].urn in members[after].dependencies
    assert not any(ex.by_urn[u].type == MEMBERSHIP for u in members[names[0]].dependencies)


def test_the_mesh_has_no_members_of_its_own_and_ignores_them(ex: View) -> None:
    mesh = ex.cap.by_type(MESH)[0]
    assert "clusterIds" not in mesh.inputs
    assert mesh.options["ignoreChanges"] == ["clusterIds"]
    assert mesh.options["customTimeouts"] == {"create": "30m", "update": "30m", "delete": "30m"}
    net = mesh.inputs["network"]
    assert isinstance(net["vswitcheList"], str)  # ONE string in pulumi_alicloud 4.0.0
    assert ex.deps(mesh, "network") == {
        ex.one(VPC, ex.plan.mesh.vpc).urn,
        ex.vswitch(ex.plan.mesh.vswitch.key).urn,
    }
    # The one spec field `enterprise` sets both: never Pro with standard again.
    assert mesh.inputs["edition"] == "Pro" and mesh.inputs["clusterSpec"] == "enterprise"
    assert mesh.inputs["loadBalancer"] == {"apiServerPublicEip": False}
    assert not any(ex.by_urn[u].type in CEN_TYPES for u in ex.closure(mesh.urn))
    assert [e for e in ex.cap.by_type(EIP) if ex.ancestor(e, "meshfleet:mesh:Mesh")] == []


def _rules_of(ex: View, cluster: str) -> set[str]:
    return {
        r.urn
        for r in ex.cap.by_type(SG_RULE)
        if (a := ex.ancestor(r, "meshfleet:cluster:AckCluster")) is not None and a.name == cluster
    }


def test_every_cluster_is_a_mesh_member_one_after_another(ex: View) -> None:
    mesh = ex.cap.by_type(MESH)[0]
    members = {}
    for m in ex.mesh_memberships():
        assert set(m.inputs) == {"kind", "meshId", "clusterId", "regionId", "__provider"}
        assert m.inputs["regionId"] == ex.plan.mesh.region
        assert ex.deps(m, "meshId") == {mesh.urn}
        (cluster,) = ex.deps(m, "clusterId")
        members[ex.by_urn[cluster].name] = m
        assert m.options["customTimeouts"] == {"create": "30m", "update": "", "delete": "30m"}
    assert set(members) == set(ex.plan.clusters)
    mesh_rules = {r.urn for r in ex.cap.by_type(SG_RULE) if ex.ancestor(r, "meshfleet:mesh:Mesh")}
    names = sorted(members)
    for i, name in enumerate(names):
        waits = set(members[name].dependencies)
        pools = {
            ex.one(NODE_POOL, f"{name}-{p.name}").urn for p in ex.plan.clusters[name].spec.pools
        }
        assert pools | _rules_of(ex, name) | mesh_rules <= waits, name
        assert (members[names[i - 1]].urn in waits) is (i > 0)  # one add at a time
        far = ex.plan.clusters[name].vpc != ex.plan.mesh.vpc
        assert any(ex.by_urn[u].type in CEN_TYPES for u in waits) is far, name


def test_fleet_and_mesh_security_groups_admit_the_fleet(ex: View) -> None:
    fleet, mesh = ex.cap.by_type(FLEET)[0], ex.cap.by_type(MESH)[0]
    rules: dict[str, set[tuple[str, str]]] = {}
    for r in ex.cap.by_type(SG_RULE):
        for owner, component in ((fleet, "meshfleet:fleet:Fleet"), (mesh, "meshfleet:mesh:Mesh")):
            if ex.ancestor(r, component):
                assert ex.deps(r, "securityGroupId") == {owner.urn}  # its computed output
                assert (r.inputs["type"], r.inputs["ipProtocol"]) == ("ingress", "tcp")
                rules.setdefault(owner.type, set()).add((r.inputs["cidrIp"], r.inputs["portRange"]))
    assert rules[FLEET] == {(c, "6443/6443") for c in ex.plan.supernets}
    assert rules[MESH] == {
        (c, ports) for c in ex.plan.supernets for ports in ("6443/6443", "15010/15017")
    }


def test_every_vpc_attaches_to_cen_over_two_zones(ex: View) -> None:
    cen = ex.cap.by_type(CEN)[0]
    attachments = {}
    for a in ex.cap.by_type(TR_VPC):
        (vpc,) = ex.deps(a, "vpcId")
        attachments[ex.by_urn[vpc].name] = a
        assert ex.deps(a, "cenId") == {cen.urn}
        assert a.inputs["autoPublishRouteEnabled"] is False  # routes are explicit RouteEntries
    assert set(attachments) == set(ex.plan.vpcs)
    for name, a in attachments.items():
        tr_switches = ex.plan.vpcs[name].by_role("transit-router")
        zones = [z["zoneId"] for z in a.inputs["zoneMappings"]]
        assert len(set(zones)) == 2 and sorted(zones) == sorted(s.zone for s in tr_switches)
        assert ex.deps(a, "zoneMappings") == {ex.vswitch(s.key).urn for s in tr_switches}
        (tr,) = ex.deps(a, "transitRouterId")
        assert ex.expected_region(ex.by_urn[tr]) == ex.plan.vpcs[name].region
        for kind in (TR_ASSOC, TR_PROP):
            own = [
                r
                for r in ex.cap.by_type(kind)
                if ex.deps(r, "transitRouterAttachmentId") == {a.urn}
            ]
            assert len(own) == 1
            (table,) = ex.deps(own[0], "transitRouterRouteTableId")
            assert ex.deps(ex.by_urn[table], "transitRouterId") == {tr}


def test_a_peer_link_per_region_pair_bound_at_both_ends(ex: View) -> None:
    peers = ex.cap.by_type(TR_PEER)
    regions = ex.plan.regions
    assert len(peers) == len(list(combinations(regions, 2)))
    tables = {ex.expected_region(t): t.urn for t in ex.cap.by_type(TR_TABLE)}
    linked = set()
    for p in peers:
        assert p.inputs["bandwidthType"] == "DataTransfer"
        assert p.inputs["bandwidth"] == ex.plan.spec.cen_bandwidth
        (local,) = ex.deps(p, "transitRouterId")
        (remote,) = ex.deps(p, "peerTransitRouterId")
        a, b = ex.expected_region(ex.by_urn[local]), ex.expected_region(ex.by_urn[remote])
        assert p.inputs["peerTransitRouterRegionId"] == b and a != b
        linked.add(frozenset((a, b)))
        for kind in (TR_ASSOC, TR_PROP):
            ends = {
                ex.region_of_table(next(iter(ex.deps(r, "transitRouterRouteTableId"))))
                for r in ex.cap.by_type(kind)
                if ex.deps(r, "transitRouterAttachmentId") == {p.urn}
            }
            assert ends == {a, b}, kind
            for r in ex.cap.by_type(kind):
                if ex.deps(r, "transitRouterAttachmentId") == {p.urn}:
                    assert ex.deps(r, "transitRouterRouteTableId") <= set(tables.values())
    assert linked == {frozenset(pair) for pair in combinations(regions, 2)}


def test_flannel_pod_cidrs_are_routed_everywhere(ex: View) -> None:
    flannel = [c for c in ex.plan.clusters.values() if c.cni == "flannel"]
    tr_routes = ex.cap.by_type(TR_ROUTE)
    for c in flannel:
        mine = [
            r
            for r in tr_routes
            if r.inputs["transitRouterRouteEntryDestinationCidrBlock"] == c.pod_cidr
        ]
        assert {ex.expected_region(r) for r in mine} == set(ex.plan.regions)
        for r in mine:
            assert r.inputs["transitRouterRouteEntryNextHopType"] == "Attachment"
            (hop,) = ex.deps(r, "transitRouterRouteEntryNextHopId")
            hop_reg = ex.by_urn[hop]
            if ex.expected_region(r) == c.region:  # home: the cluster's own VPC attachment
                assert hop_reg.type == TR_VPC
                assert ex.deps(hop_reg, "vpcId") == {ex.one(VPC, c.vpc).urn}
            else:  # elsewhere: the peer link towards home
                assert hop_reg.type == TR_PEER
        for v in ex.plan.vpcs.values():
            into = [
                r
                for r in ex.cap.by_type(VPC_ROUTE)
                if IPNetwork(c.pod_cidr) in IPNetwork(r.inputs["destinationCidrblock"])
                and ex.deps(r, "routeTableId") == {ex.one(VPC, v.name).urn}
            ]
            assert len(into) == (0 if v.name == c.vpc else 1)


def test_every_vpc_routes_to_every_other_vpc(ex: View) -> None:
    for v in ex.plan.vpcs.values():
        vpc = ex.one(VPC, v.name)
        routes = [r for r in ex.cap.by_type(VPC_ROUTE) if ex.deps(r, "routeTableId") == {vpc.urn}]
        dests = [IPNetwork(r.inputs["destinationCidrblock"]) for r in routes]
        for o in ex.plan.vpcs.values():  # each other VPC: covered by exactly one route
            if o.name != v.name:
                assert sum(IPNetwork(o.cidr) in d for d in dests) == 1, (v.name, o.name)
        # Alibaba refuses a custom route inside a vSwitch CIDR: none may touch the VPC itself.
        assert not any(
            d.first <= IPNetwork(v.cidr).last and IPNetwork(v.cidr).first <= d.last for d in dests
        )
        for r in routes:
            assert r.inputs["nexthopType"] == "Attachment"
            (hop,) = ex.deps(r, "nexthopId")
            assert ex.deps(ex.by_urn[hop], "vpcId") == {vpc.urn}


def test_each_regional_resource_uses_its_regions_provider(ex: View) -> None:
    providers = ex.cap.by_type(PROVIDER)
    assert sorted(p.inputs["region"] for p in providers) == sorted(ex.plan.regions)
    checked = 0
    for r in ex.cap.registrations:
        if not r.custom or not r.type.startswith("alicloud:"):
            continue
        assert r.provider, f"{r.urn} is on the default provider"
        assert ex.provider_region[r.provider] == ex.expected_region(r), r.urn
        checked += 1
    assert checked == sum(
        n for t, n in ex.cap.counts_by_type().items() if t.startswith("alicloud:")
    )


def test_every_child_is_parented_under_the_fleet(ex: View) -> None:
    root = ex.cap.by_type("meshfleet:index:MeshFleet")[0]
    stack = ex.cap.by_type("pulumi:pulumi:Stack")[0]
    for r in ex.cap.registrations:
        if r.urn in (root.urn, stack.urn):
            continue
        cur = r
        while cur.parent and cur.parent != root.urn:
            cur = ex.by_urn[cur.parent]
        assert cur.parent == root.urn, r.urn
    clusters = ex.cap.by_type("meshfleet:cluster:AckCluster")
    assert {ex.by_urn[c.parent].type for c in clusters} == {"meshfleet:network:Network"}
    assert {r.type for r in ex.cap.registrations if r.parent == root.urn} == (
        COMPONENTS - {"meshfleet:index:MeshFleet", "meshfleet:cluster:AckCluster"}
    ) | {PROVIDER, DYNAMIC}


def test_fleet_features_in_mode_standalone_leave_the_fleets_mesh_off(ex: View) -> None:
    (ff,) = [
        r for r in ex.cap.by_type(DYNAMIC) if r.inputs["kind"] == "meshfleet:ackone:FleetFeatures"
    ]
    fleet = ex.cap.by_type(FLEET)[0]
    assert ff.inputs["regionId"] == ex.plan.fleet.region
    assert ff.inputs["publicApiServerEnabled"] is False
    # The standalone ASM instance is reached through the merged kubeconfig (path 4); the
    # Fleet's own mesh stays off, so no binding can go wrong.
    assert ff.inputs["enableMesh"] is False and "meshId" not in ff.inputs
    assert ff.inputs["deletionProtection"] is True
    assert ex.deps(ff, "fleetId") == {fleet.urn}
    assert {r.urn for r in ex.cap.by_type(MEMBERSHIP)} <= set(ff.dependencies)


def test_stack_outputs(ex: View) -> None:
    out = ex.cap.stack_outputs
    assert out["plan"]["allocations"] == ex.plan.allocations()
    assert {c["name"] for c in out["plan"]["clusters"]} == set(ex.plan.clusters)
    assert set(out["vpc_ids"]) == set(ex.plan.vpcs)
    assert set(out["cluster_ids"]) == set(ex.plan.clusters)
    assert set(out["api_endpoints"]["clusters"]) == set(ex.plan.clusters)
    for key in ("fleet_id", "mesh_id", "cen_id", "mesh_kubeconfig", "kubeconfig"):
        assert key in out
    secret = "4dabf18193072939515e22adb298388d"
    assert out["mesh_kubeconfig"][secret] and out["kubeconfig"][secret]
    for k in ex.plan.clusters:
        assert out["kubeconfigs"][k][secret]
        assert out["kubeconfigs"][k]["value"] == UNKNOWN  # nothing is known before apply


def test_no_invoke_before_apply(ex: View) -> None:
    # Cluster ids are unknown in a preview, so the credential data source is not called yet.
    assert ex.cap.invokes == []
