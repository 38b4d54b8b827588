"""What the example stack declares for its later life: the order ``pulumi destroy`` follows
(Pulumi deletes a resource before everything it waits on), deletion protection switched off
through the spec, the Fleet's own mesh (mesh mode ``fleet``), a VPC without meshfleet's NAT
gateway, and the system pool taking over the pool an older meshfleet made."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from meshfleet.components.cluster import AckCluster, AckClusterArgs
from tests.components.stacks import (
    ACK,
    DYNAMIC,
    EIP,
    EIP_ASSOC,
    FLEET,
    MEMBERSHIP,
    MESH,
    NAT,
    NODE_POOL,
    SG_RULE,
    SNAT,
    VPC,
    VSWITCH,
    RecordingMonitor,
    View,
    example_config,
    expected_counts,
    plan_of,
    run_stack,
    with_fleet,
)


@pytest.fixture(scope="module")
def ex() -> View:
    config = example_config()
    return View(run_stack(config, "example"), plan_of(config, "example"))


def _first_deleted(v: View, first: Any, then: Any) -> bool:
    """``first`` is deleted before ``then``: it waits on it (Pulumi deletes dependents first)."""
    return then.urn in v.closure(first.urn)


def test_destroy_deletes_in_an_order_the_cloud_accepts(ex: View) -> None:
    mesh, fleet = ex.cap.by_type(MESH)[0], ex.cap.by_type(FLEET)[0]
    pairs: list[tuple[Any, Any, str]] = []
    for m in ex.mesh_memberships():
        cluster = ex.by_urn[next(iter(ex.deps(m, "clusterId")))]
        # A mesh with members cannot be deleted (ErrorPermitted.ClustersNotEmpty).
        pairs += [(m, mesh, "membership before the mesh"), (m, cluster, "before its cluster")]
    for m in ex.cap.by_type(MEMBERSHIP):
        cluster = ex.by_urn[next(iter(ex.deps(m, "subClusterId")))]
        pairs += [(m, fleet, "attachment before the Fleet"), (m, cluster, "before its cluster")]
    features = [
        r for r in ex.cap.by_type(DYNAMIC) if r.inputs["kind"] == "meshfleet:ackone:FleetFeatures"
    ]
    pairs += [(f, fleet, "FleetFeatures (protection off) before the Fleet") for f in features]
    for nat in ex.cap.by_type(NAT):
        (switch,) = ex.deps(nat, "vswitchId")
        pairs.append((nat, ex.by_urn[switch], "NAT gateway before its vSwitch"))
        for assoc in [
            a for a in ex.cap.by_type(EIP_ASSOC) if ex.deps(a, "instanceId") == {nat.urn}
        ]:
            pairs.append((assoc, nat, "EIP association before the NAT gateway"))
            pairs.append(
                (
                    assoc,
                    ex.by_urn[next(iter(ex.deps(assoc, "allocationId")))],
                    "EIP association before the EIP",
                )
            )
    for snat in ex.cap.by_type(SNAT):
        (nat,) = ex.deps(snat, "snatTableId")
        pairs.append((snat, ex.by_urn[nat], "SNAT entry before the NAT gateway"))
        pairs += [
            (snat, a, "SNAT entry before the EIP is unbound")
            for a in ex.cap.by_type(EIP_ASSOC)
            if a.urn in snat.dependencies
        ]
    for rule in ex.cap.by_type(SG_RULE):
        (owner,) = ex.deps(rule, "securityGroupId")
        pairs.append((rule, ex.by_urn[owner], "rule before the owner of its security group"))
    for pool in ex.cap.by_type(NODE_POOL):
        pairs.append(
            (
                pool,
                ex.by_urn[next(iter(ex.deps(pool, "clusterId")))],
                "node pool before its cluster",
            )
        )
    for ack in ex.cap.by_type(ACK):
        pairs += [
            (ack, ex.by_urn[s], "cluster before its vSwitches") for s in ex.deps(ack, "vswitchIds")
        ]
    for sw in ex.cap.by_type(VSWITCH):
        pairs.append((sw, ex.by_urn[next(iter(ex.deps(sw, "vpcId")))], "vSwitch before VPC"))
    wrong = [(a.name, b.name, why) for a, b, why in pairs if not _first_deleted(ex, a, b)]
    assert wrong == [] and len(pairs) > 60


def test_deletion_protection_is_switched_off_through_the_spec() -> None:
    config = example_config()
    fleet = config["meshfleet:fleet"]
    for c in fleet["clusters"].values():
        c["deletionProtection"] = False
    fleet["fleet"]["deletionProtection"] = False
    v = View(run_stack(config, "example"), plan_of(config, "example"))
    assert {a.inputs["deletionProtection"] for a in v.cap.by_type(ACK)} == {False}
    (ff,) = [
        r for r in v.cap.by_type(DYNAMIC) if r.inputs["kind"] == "meshfleet:ackone:FleetFeatures"
    ]
    assert ff.inputs["deletionProtection"] is False


@pytest.fixture(scope="module")
def own_mesh() -> View:
    config = with_fleet(example_config(), mesh={"mode": "fleet", "vpc": "vpc-1"})
    return View(run_stack(config, "own-mesh"), plan_of(config, "own-mesh"))


def test_mode_fleet_uses_the_fleets_own_mesh(own_mesh: View) -> None:
    v = own_mesh
    assert v.cap.counts_by_type() == expected_counts(v.plan)
    assert not v.cap.by_type(MESH) and not v.cap.by_type("meshfleet:mesh:Mesh")
    (ff,) = [
        r for r in v.cap.by_type(DYNAMIC) if r.inputs["kind"] == "meshfleet:ackone:FleetFeatures"
    ]
    assert ff.inputs["enableMesh"] is True and "meshId" not in ff.inputs
    attach = {
        v.by_urn[next(iter(v.deps(m, "subClusterId")))].name: m for m in v.cap.by_type(MEMBERSHIP)
    }
    members = v.mesh_memberships()
    assert len(members) == len(v.plan.clusters)
    for m in members:
        # The mesh id is the one the Fleet reports; each joins after its own Fleet attach.
        assert v.deps(m, "meshId") == {ff.urn}
        assert m.inputs["regionId"] == v.plan.fleet.region
        cluster = v.by_urn[next(iter(v.deps(m, "clusterId")))].name
        assert attach[cluster].urn in m.dependencies
    out = v.cap.stack_outputs
    assert "kubeconfig" in out and "mesh_kubeconfig" not in out


def test_a_vpc_without_meshfleets_nat_gateway() -> None:
    config = example_config()
    config["meshfleet:fleet"]["vpcs"]["vpc-2"]["natGateway"] = False
    p = plan_of(config, "example")
    v = View(run_stack(config, "example"), p)
    assert not p.vpcs["vpc-2"].by_role("nat") and p.vpcs["vpc-1"].by_role("nat")
    assert len(v.cap.by_type(NAT)) == 1
    ack3 = v.one(ACK, "ack-3")
    assert ack3.inputs["newNatGateway"] is False  # egress is the VPC's own business then
    assert not {v.by_urn[u].type for u in ack3.dependencies} & {SNAT}
    assert {v.expected_region(e) for e in v.cap.by_type(EIP)} == {"cn-hangzhou"}
    assert v.deps(v.cap.by_type(NAT)[0], "vpcId") == {v.one(VPC, "vpc-1").urn}


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        return {"kubeConfig": "x"}


@pytest.mark.parametrize("named", [False, True])
def test_the_system_pool_takes_over_the_pool_a_spec_without_pools_had(named: bool) -> None:
    """A cluster that declared no pool used to get ``<cluster>-workers`` (2 fixed nodes): its
    system pool aliases that name, so the pool is renamed in place, not replaced. With named
    pools there is no alias (``workers`` keeps its own name)."""
    config = example_config()
    if not named:
        config["meshfleet:fleet"]["clusters"]["ack-3"].pop("nodePools")
    p = plan_of(config, "example")
    mocks = _Mocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(
        mocks, project="meshfleet", stack="example", preview=False, monitor=monitor
    )
    ids = {s.key: s.key for v in p.vpcs.values() for s in v.vswitches}

    @pulumi.runtime.test
    def run() -> Any:
        cluster = AckCluster("ack-3", AckClusterArgs.from_plan(p, "ack-3", ids))
        return cluster.cluster_id

    run()
    (system,) = [r for r in monitor.requests if r.name == "ack-3-system"]
    aliases = [a.spec.name for a in system.aliases]
    assert aliases == ([] if named else ["ack-3-workers"])
