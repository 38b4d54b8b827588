"""Validation happens before the first resource; the argument checks of each component; the
apply-time path of the kubeconfigs (strict invokes); the program's notices."""

from __future__ import annotations

import dataclasses
import runpy
from typing import Any

import pulumi
import pytest

from fleetctl.capture import FAKE_KUBECONFIG, ProgramError, run_program
from meshfleet.components.cen import CenBackboneArgs, CenVpc, FlannelRoute
from meshfleet.components.cluster import AckClusterArgs
from meshfleet.components.fleet import FleetArgs
from meshfleet.components.mesh import MeshArgs, kubeconfig_server
from meshfleet.components.meshfleet import MeshFleet, MeshFleetArgs
from meshfleet.components.network import NetworkArgs, cidr_problems
from meshfleet.components.program import plan_notices, plan_output
from meshfleet.errors import SpecError
from tests.components.stacks import (
    PROJECT,
    PROVIDER,
    REPO,
    example_config,
    plan_of,
    run_stack,
    with_fleet,
)


def _run_catching(program: Any, config: dict[str, Any]) -> tuple[list[Exception], Any]:
    errors: list[Exception] = []

    def wrapped() -> None:
        try:
            program()
        except SpecError as exc:
            errors.append(exc)

    cap = run_program(wrapped, project=PROJECT, stack="bad", config=config, strict_invokes=True)
    return errors, cap


def test_a_bad_spec_registers_no_resource_at_all() -> None:
    config = with_fleet(example_config(), cenBandwidth=0,
                        clusters={"ack-1": {"vpc": "nowhere"}})
    errors, cap = _run_catching(
        lambda: runpy.run_path(str(REPO / "__main__.py"), run_name="__main__"), config)
    (err,) = errors
    assert {p.path for p in err.problems} >= {"cenBandwidth", "clusters.ack-1.vpc"}
    assert [r.type for r in cap.registrations] == ["pulumi:pulumi:Stack"]


def test_a_bad_spec_fails_the_program_naming_the_field() -> None:
    config = with_fleet(example_config(), connectivity="vpn")
    with pytest.raises(ProgramError, match="connectivity"):
        run_stack(config, "bad")


def test_an_output_cidr_is_refused_before_any_resource() -> None:
    config = example_config()
    good = plan_of(config, "example")

    def program() -> None:
        vpc = good.vpcs["vpc-2"]
        bad_vpc = dataclasses.replace(vpc, cidr=pulumi.Output.from_input("10.9.0.0/16"))
        plan = dataclasses.replace(good, vpcs={**good.vpcs, "vpc-2": bad_vpc})
        MeshFleet("f", MeshFleetArgs(plan))

    errors, cap = _run_catching(program, config)
    (err,) = errors
    assert "needs a concrete CIDR" in str(err) and "vpcs.vpc-2.cidr" in str(err)
    assert [r.type for r in cap.registrations] == ["pulumi:pulumi:Stack"]


def test_cidr_problems() -> None:
    assert cidr_problems("x", "10.0.0.0/16") == []
    assert "concrete" in cidr_problems("x", 42)[0].message
    assert "canonical" in cidr_problems("x", "10.0.0.1/16")[0].message
    assert "canonical" in cidr_problems("x", "not-a-cidr")[0].message


def test_network_refuses_a_vswitch_outside_its_vpc() -> None:
    p = plan_of(example_config(), "example")
    vpc = p.vpcs["vpc-2"]
    sw = dataclasses.replace(vpc.vswitches[0], cidr="10.200.0.0/28")
    bad = dataclasses.replace(vpc, vswitches=(sw, *vpc.vswitches[1:]))
    (problem,) = NetworkArgs(bad).problems()
    assert problem.path == sw.key and "outside VPC vpc-2" in problem.message


def test_cluster_args_check_the_cni() -> None:
    p = plan_of(example_config(), "example")
    flannel, terway = p.clusters["ack-1"], p.clusters["ack-2"]
    ids = [s.key for s in flannel.node_vswitches]
    assert AckClusterArgs(flannel, ids).problems() == []
    no_mask = dataclasses.replace(flannel, node_cidr_mask=None)
    assert [x.path for x in AckClusterArgs(no_mask, ids).problems()] == [
        "clusters.ack-1.nodeCidrMask"]
    assert [x.path for x in AckClusterArgs(flannel, ids[:1]).problems()] == [
        "clusters.ack-1.vswitches"]
    tids = [s.key for s in terway.node_vswitches]
    assert [x.path for x in AckClusterArgs(terway, tids).problems()] == [
        "clusters.ack-2.podVswitches"]
    assert AckClusterArgs(terway, tids, [s.key for s in terway.pod_vswitches]).problems() == []
    bad_peer = AckClusterArgs(flannel, ids, peer_cidrs={"vpc-x": "10.0.0.1/8"}).problems()
    assert [x.path for x in bad_peer] == ["clusters.ack-1.peerCidrs.vpc-x"]


def test_cen_args_refuse_overlaps_missing_providers_and_one_zone() -> None:
    vpcs = {
        "a": CenVpc("cn-hangzhou", "10.0.0.0/16", "vpc-a", "vtb-a",
                    {"cn-hangzhou-h": "vsw-1", "cn-hangzhou-i": "vsw-2"}),
        "b": CenVpc("cn-shanghai", "10.0.128.0/17", "vpc-b", "vtb-b", {"cn-shanghai-b": "v"}),
    }
    args = CenBackboneArgs("x", "cn-hangzhou", {}, vpcs,
                           flannel={"k": FlannelRoute("c", "172.16.0.0/16")}, bandwidth=0)
    paths = [x.path for x in args.problems()]
    assert paths == ["cen.home_region", "cenBandwidth", "vpcs.a.region", "vpcs.b.region",
                     "vpcs.b.transitRouterZones", "clusters.k.vpc", "vpcs.a"]
    assert "overlaps vpcs.b" in args.problems()[-1].message


def test_fleet_and_mesh_args() -> None:
    assert [x.path for x in FleetArgs("f", "v", [], {"a": "c"}, profile="Big",
                                      member_depends_on={"z": []}).problems()] == [
        "fleet.vswitches", "fleet.profile", "fleet.member_depends_on"]
    assert [x.path for x in MeshArgs("m", "v", ["s1", "s2"], {}, cluster_spec="huge",
                                     edition="Max").problems()] == [
        "mesh.clusters", "mesh.clusterSpec", "mesh.edition", "mesh.vswitch_id"]


def test_kubeconfig_server() -> None:
    assert kubeconfig_server(FAKE_KUBECONFIG.format(cluster="c")) == "https://192.168.0.1:6443"
    assert kubeconfig_server(None) is None
    assert kubeconfig_server("::: not yaml") is None
    two = ("clusters: [{name: a, cluster: {server: 'https://a'}}, "
           "{name: b, cluster: {server: 'https://b'}}]\n"
           "contexts: [{name: x, context: {cluster: b}}]\ncurrent-context: x\n")
    assert kubeconfig_server(two) == "https://b"


def test_plan_notices_name_the_lock_command() -> None:
    p = plan_of(example_config(), "example")
    fresh = dataclasses.replace(p, new=tuple(p.allocations()), released=("pod:gone",),
                                warnings=("vpcs.vpc-1: Flannel quota",))
    notices = plan_notices(fresh, "prod")
    assert notices[0] == "vpcs.vpc-1: Flannel quota"
    assert "python -m fleetctl plan --stack prod --write" in notices[1]
    assert f"{len(p.allocations())} allocations" in notices[1]
    assert "pod:gone" in notices[2]
    assert plan_notices(dataclasses.replace(p, new=(), released=(), warnings=()), "x") == []
    assert plan_output(p)["allocations"] == p.allocations()


def test_apply_time_kubeconfigs_come_from_the_regions_provider() -> None:
    """preview=False: ids are known, so the credential data source runs (strict invokes)."""
    config = example_config()
    p = plan_of(config, "example")

    built: list[MeshFleet] = []

    def program() -> None:
        fleet = MeshFleet("f", MeshFleetArgs(p, fleet_features=False))
        built.append(fleet)
        pulumi.export("kubeconfigs", fleet.kubeconfigs)
        pulumi.export("mesh_api", fleet.api_endpoints["mesh"])

    cap = run_program(program, project=PROJECT, stack="apply", config=config,
                      strict_invokes=True, preview=False)
    regions = {r.urn: r.inputs["region"] for r in cap.by_type(PROVIDER)}
    calls = cap.invoked("alicloud:cs/getClusterCredential:getClusterCredential")
    assert sorted(c.args["clusterId"] for c in calls) == sorted(f"{k}-id" for k in p.clusters)
    for call in calls:
        cluster = call.args["clusterId"].removesuffix("-id")
        assert regions[call.provider] == p.clusters[cluster].region
    secret = "4dabf18193072939515e22adb298388d"
    for k in p.clusters:
        out = cap.stack_outputs["kubeconfigs"][k]
        assert out[secret] and f"name: {k}-id" in out["value"]
    assert cap.stack_outputs["mesh_api"] == "https://192.168.0.1:6443"
    # Outputs are typed attributes registered under the same keys (house style 9).
    (fleet,) = built
    assert fleet.kubeconfig is None and fleet.features is None
    parts: list[Any] = [*fleet.networks.values(), *fleet.clusters.values(), fleet.fleet,
                        fleet.mesh, fleet.cen]
    for part in parts:
        keys = set(part._outputs())
        assert keys and keys <= set(vars(part)), type(part).__name__
    assert set(fleet.outputs()) <= set(vars(fleet))

