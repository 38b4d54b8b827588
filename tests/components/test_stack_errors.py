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
from meshfleet.components.common import cidr_problems
from meshfleet.components.fleet import FleetArgs
from meshfleet.components.mesh import MeshArgs, kubeconfig_server
from meshfleet.components.meshfleet import MeshFleet, MeshFleetArgs
from meshfleet.components.network import NetworkArgs
from meshfleet.components.program import plan_output
from meshfleet.errors import SpecError
from meshfleet.notices import plan_notices
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
    config = with_fleet(example_config(), cenBandwidth=0, clusters={"ack-1": {"vpc": "nowhere"}})
    errors, cap = _run_catching(
        lambda: runpy.run_path(str(REPO / "__main__.py"), run_name="__main__"), config
    )
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
    assert "concrete" in cidr_problems("x", pulumi.Output.from_input("10.0.0.0/16"))[0].message
    assert "host bits" in cidr_problems("x", "10.0.0.1/16")[0].message
    assert "not a valid IPv4 CIDR" in cidr_problems("x", "not-a-cidr")[0].message


def test_network_args_come_from_the_plan_and_refuse_outputs() -> None:
    p = plan_of(example_config(), "example")
    vpc = p.vpcs["vpc-2"]
    args = NetworkArgs.from_plan(vpc)
    assert (args.cidr, args.display_name) == (vpc.cidr, "meshfleet-demo-vpc-2")
    assert [s.display_name for s in args.vswitches] == [
        f"meshfleet-demo-{s.name}" for s in vpc.vswitches
    ]
    assert args.problems() == []
    sw = dataclasses.replace(vpc.vswitches[0], cidr=pulumi.Output.from_input("10.2.0.0/24"))
    bad = dataclasses.replace(args, vswitches=(sw, *vpc.vswitches[1:]))
    assert [x.path for x in bad.problems()] == [f"vpcs.vpc-2.vswitches.{sw.key}"]


def _ids(keys: Any) -> dict[str, str]:
    return {k: f"id-{k}" for k in keys}


def test_cluster_args_come_from_the_plan_and_check_what_each_cni_needs() -> None:
    p = plan_of(example_config(), "example")
    ids = _ids(s.key for v in p.vpcs.values() for s in v.vswitches)
    flannel = AckClusterArgs.from_plan(p, "ack-1", ids)
    terway = AckClusterArgs.from_plan(p, "ack-2", ids)
    assert flannel.problems() == [] and terway.problems() == []
    assert (flannel.display_name, flannel.node_cidr_mask, flannel.pod_vswitch_ids) == (
        "meshfleet-demo-ack-1",
        p.clusters["ack-1"].node_cidr_mask,
        [],
    )
    assert flannel.peer_cidrs == {k.replace(".", "-").replace("/", "-"): k for k in p.supernets}
    assert len(terway.pod_vswitch_ids) == len(p.clusters["ack-2"].pod_vswitches) > 0
    no_mask = dataclasses.replace(flannel, node_cidr_mask=None)
    assert [x.path for x in no_mask.problems()] == ["clusters.ack-1.nodeCidrMask"]
    assert [x.path for x in dataclasses.replace(flannel, node_vswitch_ids=[]).problems()] == [
        "clusters.ack-1.vswitches"
    ]
    assert [x.path for x in dataclasses.replace(terway, pod_vswitch_ids=[]).problems()] == [
        "clusters.ack-2.podVswitches"
    ]
    bad_peer = dataclasses.replace(flannel, peer_cidrs={"vpc-x": "10.0.0.1/8"}).problems()
    assert [x.path for x in bad_peer] == ["clusters.ack-1.peerCidrs.vpc-x"]


def test_cen_args_come_from_the_plan_and_refuse_missing_providers_and_one_zone() -> None:
    p = plan_of(example_config(), "example")
    ids = _ids(s.key for v in p.vpcs.values() for s in v.vswitches)
    providers: Any = {r: "provider" for r in p.regions}
    args = CenBackboneArgs.from_plan(p, providers, _ids(p.vpcs), _ids(p.vpcs), ids)
    assert args.problems() == [] and args.routes == p.routes
    assert (args.home_region, args.bandwidth) == (p.fleet.region, p.spec.cen_bandwidth)
    assert set(args.flannel) == {c for c in p.clusters if p.clusters[c].pod_cidr}
    unknown_cidr: Any = pulumi.Output.from_input("10.1.0.0/16")
    vpcs = {
        "a": CenVpc(
            "cn-hangzhou",
            "10.0.0.0/16",
            "vpc-a",
            "vtb-a",
            {"cn-hangzhou-h": "vsw-1", "cn-hangzhou-i": "vsw-2"},
        ),
        "b": CenVpc("cn-shanghai", unknown_cidr, "vpc-b", "vtb-b", {"cn-shanghai-b": "v"}),
    }
    bad = CenBackboneArgs(
        "x", "cn-hangzhou", {}, vpcs, 10, flannel={"k": FlannelRoute("c", "172.16.0.0/16")}
    )
    assert [x.path for x in bad.problems()] == [
        "cen.home_region",
        "vpcs.a.region",
        "vpcs.b.cidr",
        "vpcs.b.region",
        "vpcs.b.transitRouterZones",
        "clusters.k.vpc",
    ]


def test_fleet_and_mesh_args_come_from_the_plan_and_check_their_ids() -> None:
    p = plan_of(example_config(), "example")
    fleet = FleetArgs.from_plan(p, "vpc", "vsw", _ids(p.clusters))
    assert (fleet.display_name, fleet.profile, fleet.argocd) == (
        p.spec.fleet.name,
        p.spec.fleet.profile,
        p.spec.fleet.argocd,
    )
    mesh = MeshArgs.from_plan(p, "vpc", "vsw", _ids(p.clusters))
    assert (mesh.display_name, mesh.cluster_spec, mesh.edition, mesh.public_pilot) == (
        p.spec.mesh.name,
        p.spec.mesh.cluster_spec,
        p.spec.mesh.edition,
        False,
    )
    assert fleet.problems() == [] and mesh.problems() == []
    assert [
        x.path
        for x in dataclasses.replace(fleet, vswitch_ids=[], member_depends_on={"z": []}).problems()
    ] == ["fleet.vswitches", "fleet.member_depends_on"]
    assert [
        x.path
        for x in dataclasses.replace(mesh, vswitch_id=["s1", "s2"], cluster_ids={}).problems()
    ] == ["mesh.clusters", "mesh.vswitch_id"]


def test_kubeconfig_server() -> None:
    assert kubeconfig_server(FAKE_KUBECONFIG.format(cluster="c")) == "https://192.168.0.1:6443"
    assert kubeconfig_server(None) is None
    assert kubeconfig_server("::: not yaml") is None
    two = (
        "clusters: [{name: a, cluster: {server: 'https://a'}}, "
        "{name: b, cluster: {server: 'https://b'}}]\n"
        "contexts: [{name: x, context: {cluster: b}}]\ncurrent-context: x\n"
    )
    assert kubeconfig_server(two) == "https://b"


def test_plan_notices_name_the_lock_command() -> None:
    p = plan_of(example_config(), "example")
    fresh = dataclasses.replace(
        p,
        new=tuple(p.allocations()),
        released=("pod:gone",),
        warnings=("vpcs.vpc-1: Flannel quota",),
    )
    notices = plan_notices(fresh, "prod")
    assert notices[0] == "vpcs.vpc-1: Flannel quota"
    assert "python -m fleetctl plan --stack prod --write" in notices[1]
    assert f"{len(p.allocations())} allocations" in notices[1]
    assert "pod:gone" in notices[2]
    assert plan_notices(dataclasses.replace(p, new=(), released=(), warnings=()), "x") == []
    assert plan_output(p)["allocations"] == p.allocations()


def test_apply_time_kubeconfigs_come_from_the_regions_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """preview=False: ids are known, so the credential data source runs (strict invokes)."""
    config = example_config()
    p = plan_of(config, "example")

    built: list[MeshFleet] = []

    def program() -> None:
        fleet = MeshFleet("f", MeshFleetArgs(p, fleet_features=False))
        built.append(fleet)
        pulumi.export("kubeconfigs", fleet.kubeconfigs)
        pulumi.export("mesh_api", fleet.api_endpoints["mesh"])

    cap = run_program(
        program, project=PROJECT, stack="apply", config=config, strict_invokes=True, preview=False
    )
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
    parts: list[Any] = [
        *fleet.networks.values(),
        *fleet.clusters.values(),
        fleet.fleet,
        fleet.mesh,
        fleet.cen,
    ]
    for part in parts:
        keys = set(part._outputs())
        assert keys and keys <= set(vars(part)), type(part).__name__
    assert set(fleet.outputs()) <= set(vars(fleet))


@pytest.mark.parametrize(
    "type_,output",
    [
        ("alicloud:servicemesh/serviceMesh:ServiceMesh", "network"),
        ("alicloud:ackone/cluster:Cluster", "network"),
        ("alicloud:vpc/natGateway:NatGateway", "snatTableIds"),
    ],
)
def test_an_empty_security_group_output_fails_loudly_at_apply(
    monkeypatch: pytest.MonkeyPatch, type_: str, output: str
) -> None:
    """Without a computed security group (or SNAT table) the rules would target nothing: the
    apply fails naming the output, instead of the provider's bare 'required argument' error."""
    import fleetctl.capture.monitor as monitor

    fill = monitor.apply_time_outputs
    monkeypatch.setattr(
        monitor,
        "apply_time_outputs",
        lambda t, n: {k: v for k, v in fill(t, n).items() if not (t == type_ and k == output)},
    )
    config = example_config()
    p = plan_of(config, "example")
    with pytest.raises(ProgramError, match=r"(snatTableIds|securityGroupIds?): is empty"):
        run_program(
            lambda: MeshFleet("f", MeshFleetArgs(p, fleet_features=False)),
            project=PROJECT,
            stack="apply",
            config=config,
            strict_invokes=True,
            preview=False,
        )
