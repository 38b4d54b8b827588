"""The ``public`` connectivity: no CEN; public endpoints on clusters, ASM and the Fleet."""

from __future__ import annotations

import pytest

from tests.components.stacks import (
    ACK,
    CEN_TYPES,
    DYNAMIC,
    EIP,
    MESH,
    SG_RULE,
    View,
    example_config,
    expected_counts,
    plan_of,
    run_stack,
    with_fleet,
)


@pytest.fixture(scope="module")
def pub() -> View:
    config = with_fleet(example_config(), connectivity="public")
    return View(run_stack(config, "public-test"), plan_of(config, "public-test"))


def test_no_cen_at_all(pub: View) -> None:
    assert not [
        r
        for r in pub.cap.registrations
        if r.type in CEN_TYPES or r.type == "meshfleet:cen:CenBackbone"
    ]
    assert not [s for v in pub.plan.vpcs.values() for s in v.by_role("transit-router")]
    assert "cen_id" not in pub.cap.stack_outputs
    assert not pub.cap.by_type(SG_RULE)  # no private path between VPCs to open


def test_resources_by_type(pub: View) -> None:
    assert pub.cap.counts_by_type() == expected_counts(pub.plan)


def test_public_endpoints(pub: View) -> None:
    for ack in pub.cap.by_type(ACK):
        assert ack.inputs["slbInternetEnabled"] is True
    mesh = pub.cap.by_type(MESH)[0]
    # ack-3 is outside the mesh's VPC: Pilot goes public (the other EIPs are the NATs')
    (eip,) = [e for e in pub.cap.by_type(EIP) if pub.ancestor(e, "meshfleet:mesh:Mesh")]
    assert mesh.inputs["loadBalancer"]["apiServerPublicEip"] is True
    assert pub.deps(mesh, "loadBalancer") == {eip.urn}
    assert pub.provider_region[eip.provider] == pub.plan.mesh.region
    (ff,) = [
        r for r in pub.cap.by_type(DYNAMIC) if r.inputs["kind"] == "meshfleet:ackone:FleetFeatures"
    ]
    assert ff.inputs["publicApiServerEnabled"] is True
    assert ff.inputs["privateKubeconfig"] is False


def test_members_do_not_wait_for_cen(pub: View) -> None:
    for m in [*pub.mesh_memberships(), *pub.cap.by_type(MESH)]:
        kinds = {pub.by_urn[u].type for u in pub.closure(m.urn)}
        assert not kinds & CEN_TYPES


def test_public_pilot_eip_is_there_from_the_first_up() -> None:
    # Even with every member in the mesh's VPC: binding Pilot's EIP later (when a member outside
    # joins) would be an update of loadBalancer.pilotPublicEipId, which the provider does wrong.
    spec = {
        "name": "solo",
        "connectivity": "public",
        "regions": {"cn-shanghai": {"zones": ["cn-shanghai-b", "cn-shanghai-g"]}},
        "vpcs": {"main": {"region": "cn-shanghai"}},
        "clusters": {"a": {"vpc": "main"}, "b": {"vpc": "main", "cni": "terway"}},
        "fleet": {"vpc": "main"},
        "mesh": {"vpc": "main"},
    }
    config = {"alicloud:region": "cn-shanghai", "meshfleet:fleet": spec}
    v = View(run_stack(config, "solo"), plan_of(config, "solo"))
    assert v.cap.counts_by_type() == expected_counts(v.plan)
    assert len([e for e in v.cap.by_type(EIP) if v.ancestor(e, "meshfleet:mesh:Mesh")]) == 1
    assert set(v.cap.by_type(MESH)[0].inputs["loadBalancer"]) == {
        "apiServerPublicEip",
        "pilotPublicEipId",
    }
