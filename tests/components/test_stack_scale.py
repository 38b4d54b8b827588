"""A 3-region, 6-VPC, 20-cluster fleet with both CNIs, and the graph's parallelism."""

from __future__ import annotations

from itertools import combinations

import pytest

from tests.components.stacks import (
    ACK,
    AUTOSCALER,
    CEN_TYPES,
    EIP,
    EIP_ASSOC,
    MEMBERSHIP,
    MESH,
    NAT,
    NODE_POOL,
    PROVIDER,
    SG_RULE,
    SNAT,
    TR_ASSOC,
    TR_PEER,
    TR_PROP,
    VPC,
    VSWITCH,
    View,
    big_fleet,
    example_config,
    expected_counts,
    plan_of,
    run_stack,
)


@pytest.fixture(scope="module")
def big() -> View:
    config = {"alicloud:region": "cn-hangzhou", "meshfleet:fleet": big_fleet()}
    return View(run_stack(config, "scale-test"), plan_of(config, "scale-test"))


@pytest.fixture(scope="module")
def ex() -> View:
    config = example_config()
    return View(run_stack(config, "example"), plan_of(config, "example"))


def test_the_spec_is_what_the_test_claims(big: View) -> None:
    p = big.plan
    assert len(p.regions) == 3 and len(p.vpcs) == 6 and len(p.clusters) == 20
    assert {c.cni for c in p.clusters.values()} == {"flannel", "terway"}
    assert p.fleet.region != p.mesh.region


def test_resources_by_type(big: View) -> None:
    assert big.cap.counts_by_type() == expected_counts(big.plan)


def test_clusters_are_their_plans(big: View) -> None:
    for c in big.plan.clusters.values():
        i = big.one(ACK, c.name).inputs
        assert i["serviceCidr"] == c.service_cidr
        assert i.get("podCidr") == c.pod_cidr
        assert i.get("nodeCidrMask") == c.node_cidr_mask
        assert i["deletionProtection"] is c.spec.deletion_protection
        if c.cni == "terway":
            assert len(i["podVswitchIds"]) == len(c.pod_vswitches) > 0
        pool = big.one(NODE_POOL, f"{c.name}-workers").inputs
        assert ("scalingConfig" in pool) is c.spec.node_pools["workers"].auto_scaling
        assert "scalingConfig" not in big.one(NODE_POOL, f"{c.name}-system").inputs
        scalers = [
            a
            for a in big.cap.by_type(AUTOSCALER)
            if big.ancestor(a, "meshfleet:cluster:AckCluster").name == c.name
        ]
        assert len(scalers) == int(c.spec.auto_scaling)


def test_peer_links_form_a_full_mesh_bound_at_both_ends(big: View) -> None:
    pairs = {frozenset(p) for p in combinations(big.plan.regions, 2)}
    got = set()
    for peer in big.cap.by_type(TR_PEER):
        (a,) = big.deps(peer, "transitRouterId")
        (b,) = big.deps(peer, "peerTransitRouterId")
        ends = frozenset((big.expected_region(big.by_urn[a]), big.expected_region(big.by_urn[b])))
        got.add(ends)
        assert peer.inputs["bandwidth"] == 50
        for kind in (TR_ASSOC, TR_PROP):
            bound = {
                big.expected_region(r)
                for r in big.cap.by_type(kind)
                if big.deps(r, "transitRouterAttachmentId") == {peer.urn}
            }
            assert bound == ends
    assert got == pairs


def test_members_and_providers(big: View) -> None:
    mesh = big.cap.by_type(MESH)[0]
    acks = {r.urn for r in big.cap.by_type(ACK)}
    members = big.mesh_memberships()
    assert {next(iter(big.deps(m, "clusterId"))) for m in members} == acks
    assert all(big.deps(m, "meshId") == {mesh.urn} for m in members)
    assert {next(iter(big.deps(m, "subClusterId"))) for m in big.cap.by_type(MEMBERSHIP)} == acks
    for r in big.cap.registrations:
        if r.custom and r.type.startswith("alicloud:"):
            assert big.provider_region[r.provider] == big.expected_region(r), r.urn


def _cluster_urns(v: View) -> dict[str, set[str]]:
    """Per cluster: its component, ManagedKubernetes, node pools, autoscaler and security-group
    rules (and the SNAT entries of its vSwitches)."""
    out: dict[str, set[str]] = {
        r.name: {r.urn} for r in v.cap.by_type("meshfleet:cluster:AckCluster")
    }
    for t in (ACK, NODE_POOL, SG_RULE, AUTOSCALER):
        for r in v.cap.by_type(t):
            owner = v.ancestor(r, "meshfleet:cluster:AckCluster")
            if owner is not None:  # the Fleet's and the mesh's rules are nobody's
                out.setdefault(owner.name, set()).add(r.urn)
    return out


@pytest.mark.parametrize("which", ["ex", "big"])
def test_no_cluster_waits_on_another_cluster_or_on_cen(
    which: str, request: pytest.FixtureRequest
) -> None:
    v: View = request.getfixturevalue(which)
    owned = _cluster_urns(v)
    cen = {r.urn for r in v.cap.registrations if r.type in CEN_TYPES}
    assert cen, "the graph test needs a CEN stack"
    for name, urns in owned.items():
        others = set().union(*(u for n, u in owned.items() if n != name))
        for urn in urns:
            waits = v.closure(urn)
            assert not waits & others, f"{urn} waits on another cluster"
            assert not waits & cen, f"{urn} waits on CEN"
            # What it does wait on: its own VPC's network and egress, its own cluster, its
            # provider.
            kinds = {v.by_urn[w].type for w in waits}
            assert kinds <= {VPC, VSWITCH, NAT, EIP, EIP_ASSOC, SNAT, ACK, AUTOSCALER, PROVIDER}, (
                urn,
                kinds,
            )


def test_cluster_waits_only_on_its_own_vswitches(big: View) -> None:
    for c in big.plan.clusters.values():
        ack = big.one(ACK, c.name)
        switches = {big.vswitch(s.key).urn for s in c.node_vswitches + c.pod_vswitches}
        snat = {e.urn for e in big.cap.by_type(SNAT) if big.deps(e, "sourceVswitchId") <= switches}
        assert set(ack.dependencies) == switches | snat and len(snat) == len(switches)


def test_scale_run_registers_every_cluster_once(big: View) -> None:
    names = [r.name for r in big.cap.by_type(ACK)]
    assert sorted(names) == sorted(big.plan.clusters) and len(set(names)) == 20
