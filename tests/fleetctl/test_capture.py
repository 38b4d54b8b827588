"""fleetctl.capture: programs run under recording mocks, and the engine view (contract C1)."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pulumi_alicloud as alicloud
import pytest

from fleetctl.capture import (
    UNKNOWN,
    Capture,
    CaptureError,
    ProgramError,
    UnexpectedInvokeError,
    run_program,
    run_program_dir,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REGION_CFG = {"alicloud:region": "cn-shanghai"}


def _network_program() -> None:
    """A component holding a VPC and a vSwitch with an explicit provider, plus a CEN chain."""
    hz = alicloud.Provider("hz", region="cn-hangzhou")
    comp = pulumi.ComponentResource("test:index:Net", "net")
    inner = pulumi.ComponentResource(
        "test:index:Inner", "inner", opts=pulumi.ResourceOptions(parent=comp)
    )
    vpc = alicloud.vpc.Network(
        "vpc", cidr_block="10.0.0.0/16", opts=pulumi.ResourceOptions(parent=inner, provider=hz)
    )
    zones = alicloud.get_zones(opts=pulumi.InvokeOptions(provider=hz))
    alicloud.vpc.Switch(
        "sw",
        vpc_id=vpc.id,
        cidr_block="10.0.1.0/24",
        zone_id=zones.ids[0],
        opts=pulumi.ResourceOptions(parent=vpc),
    )
    cen = alicloud.cen.Instance("cen")
    tr = alicloud.cen.TransitRouter("tr", cen_id=cen.id, opts=pulumi.ResourceOptions(provider=hz))
    alicloud.cen.TransitRouterPeerAttachment(
        "peer",
        cen_id=cen.id,
        transit_router_id=tr.transit_router_id,
        peer_transit_router_id=tr.transit_router_id,
        peer_transit_router_region_id="cn-shanghai",
        opts=pulumi.ResourceOptions(provider=hz),
    )


@pytest.fixture(scope="module")
def net() -> Capture:
    return run_program(_network_program, project="proj", stack="dev", config=REGION_CFG)


def _view(cap: Capture) -> dict[str, dict]:
    return {r["name"]: r for r in cap.engine_view()}


def test_engine_urns_have_no_mock_stack_prefix_and_nest_full_parent_types(net: Capture) -> None:
    view = _view(net)
    assert all("pulumi:pulumi:Stack$" not in r["urn"] for r in view.values())
    # A child of the Stack: no prefix; a nested child: the parent's whole qualified type.
    assert view["net"]["urn"] == "urn:pulumi:dev::proj::test:index:Net::net"
    assert view["vpc"]["urn"] == (
        "urn:pulumi:dev::proj::test:index:Net$test:index:Inner$alicloud:vpc/network:Network::vpc"
    )
    assert view["sw"]["urn"].startswith(
        "urn:pulumi:dev::proj::test:index:Net$test:index:Inner$alicloud:vpc/network:Network$"
    )
    assert view["sw"]["parent"] == view["vpc"]["urn"]


def test_engine_view_holds_the_stack_and_every_provider_it_references(net: Capture) -> None:
    view = net.engine_view()
    urns = {r["urn"] for r in view}
    stack = [r for r in view if r["type"] == "pulumi:pulumi:Stack"]
    assert len(stack) == 1 and stack[0]["custom"] is False and stack[0]["name"] == "proj-dev"
    for r in view:
        assert not r["parent"] or r["parent"] in urns, r["name"]
        if r["provider"]:
            assert r["provider"] in urns
            provider = next(p for p in view if p["urn"] == r["provider"])
            assert provider["type"] == "pulumi:providers:alicloud"
            # A provider appears before any resource that uses it, as in the engine's steps.
            assert view.index(provider) < view.index(r)
        elif r["custom"] and not r["type"].startswith("pulumi:providers:"):
            pytest.fail(f"custom resource {r['name']} without a provider")


def test_explicit_and_default_providers_carry_their_region(net: Capture) -> None:
    view = _view(net)
    assert view["hz"]["properties"] == {"region": "cn-hangzhou"}
    assert view["sw"]["provider"] == view["hz"]["urn"]  # inherited from the parent VPC
    default = next(r for r in view.values() if r["name"].startswith("default"))
    assert view["cen"]["provider"] == default["urn"]
    assert default["properties"]["region"] == REGION_CFG["alicloud:region"]
    assert default["properties"]["version"] == alicloud._utilities.get_version()


def test_unknown_ids_keep_their_property_dependencies(net: Capture) -> None:
    view = _view(net)
    sw = view["sw"]["properties"]
    assert sw["vpcId"] == UNKNOWN
    assert view["sw"]["propertyDependencies"]["vpcId"] == [view["vpc"]["urn"]]
    # Known inputs have no dependencies, so their (empty) entries are dropped.
    assert "cidrBlock" not in view["sw"]["propertyDependencies"]
    assert sw["cidrBlock"] == "10.0.1.0/24"
    # The zone came from the zones invoke, answered for the provider's region.
    assert sw["zoneId"].startswith("cn-hangzhou-")


def test_computed_outputs_are_unknown_at_preview_not_dropped(net: Capture) -> None:
    view = _view(net)
    peer = view["peer"]
    assert peer["properties"]["transitRouterId"] == UNKNOWN
    assert peer["properties"]["peerTransitRouterId"] == UNKNOWN
    assert peer["propertyDependencies"]["peerTransitRouterId"] == [view["tr"]["urn"]]


def test_preview_false_fills_ids_and_the_outputs_components_read() -> None:
    cap = run_program(
        _network_program, project="proj", stack="dev", config=REGION_CFG, preview=False
    )
    view = _view(cap)
    assert view["sw"]["properties"]["vpcId"] == cap.by_name("vpc").id
    assert view["peer"]["properties"]["peerTransitRouterId"] not in (UNKNOWN, None, "")


def test_resource_references_become_ids_or_urns_and_internal_keys_go() -> None:
    def program() -> None:
        comp = pulumi.ComponentResource("test:index:Comp", "comp")
        vpc = alicloud.vpc.Network("vpc", cidr_block="10.1.0.0/16")
        pulumi.CustomResource(
            "test:index:Thing",
            "thing",
            {"custom": vpc, "component": comp, "__internal": "x", "nested": {"__deep": 1, "k": 2}},
        )

    for preview in (True, False):
        cap = run_program(program, project="p", stack="s", config={}, preview=preview)
        thing = _view(cap)["thing"]["properties"]
        expected_id = UNKNOWN if preview else cap.by_name("vpc").id
        assert thing["custom"] == expected_id
        assert thing["component"] == cap.by_name("comp").urn
        assert thing["nested"] == {"k": 2}
        assert "__internal" not in thing
        # The raw registration still has the SDK's resource-reference signature map.
        assert isinstance(cap.by_name("thing").inputs["custom"], dict)


def test_numbers_arrive_as_floats_with_camel_case_keys() -> None:
    def program() -> None:
        alicloud.cs.NodePool(
            "np",
            cluster_id="c-1",
            desired_size="3",
            node_pool_name="np",
            vswitch_ids=["vsw-1"],
            instance_types=["ecs.g7.xlarge"],
            scaling_config={"min_size": 1, "max_size": 5},
        )

    inputs = _view(run_program(program, project="p", stack="s", config={}))["np"]["properties"]
    assert inputs["desiredSize"] == "3"
    assert inputs["scalingConfig"] == {"minSize": 1.0, "maxSize": 5.0}
    assert inputs["vswitchIds"] == ["vsw-1"]


def test_data_sources_without_a_curated_answer_are_synthesized_and_strict_mode_refuses_them() -> (
    None
):
    def program() -> None:
        families = alicloud.ecs.get_instance_type_families()
        keys = alicloud.kms.get_keys_output()
        alicloud.vpc.Network(
            "vpc",
            cidr_block="10.2.0.0/16",
            description=families.ids[0],
            vpc_name=keys.ids.apply(lambda ids: ids[0]),
        )

    cap = run_program(program, project="p", stack="s", config={})
    vpc = _view(cap)["vpc"]["properties"]
    # Concrete values, as a real preview gets from a data source (never the unknown sentinel).
    assert vpc["description"] and vpc["description"] != UNKNOWN
    assert vpc["vpcName"] and vpc["vpcName"] != UNKNOWN
    assert [i.source for i in cap.invokes] == ["synthesized", "synthesized"]
    assert not any(i.known for i in cap.invokes)
    with pytest.raises(UnexpectedInvokeError, match="getInstanceTypeFamilies"):
        run_program(program, project="p", stack="s", config={}, strict_invokes=True)


@pytest.mark.parametrize(
    "call, check",
    [
        (
            lambda: alicloud.cs.get_kubernetes_version(cluster_type="ManagedKubernetes"),
            lambda r: r.metadatas[0].version,
        ),
        (
            lambda: alicloud.servicemesh.get_versions(edition="Pro"),
            lambda r: r.versions[0].edition == "Pro" and r.versions[0].version,
        ),
        (
            lambda: alicloud.cen.get_transit_router_available_resources(),
            lambda r: len(r.resources[0].master_zones + r.resources[0].slave_zones) >= 2,
        ),
        (
            lambda: alicloud.cs.get_cluster_credential(cluster_id="c-123"),
            lambda r: "c-123" in r.kube_config and "apiVersion: v1" in r.kube_config,
        ),
        (
            lambda: alicloud.ecs.get_instance_types(cpu_core_count=4, memory_size=16),
            lambda r: r.instance_types[0].cpu_core_count == 4 and r.ids,
        ),
        (lambda: alicloud.get_regions(current=True), lambda r: r.ids == ["cn-shanghai"]),
        (lambda: alicloud.get_zones(), lambda r: all(z.startswith("cn-shanghai-") for z in r.ids)),
    ],
)
def test_common_data_sources_get_plausible_answers(call, check) -> None:  # type: ignore[no-untyped-def]
    results = []
    cap = run_program(
        lambda: results.append(call()),
        project="p",
        stack="s",
        config=REGION_CFG,
        strict_invokes=True,
    )
    assert check(results[0])
    assert all(i.known for i in cap.invokes)


def test_program_errors_are_reported_without_runtime_frames() -> None:
    def program() -> None:
        raise ValueError("pod CIDR 'x' is not a CIDR")

    with pytest.raises(ProgramError) as info:
        run_program(program, project="p", stack="s", config={})
    assert info.value.message == "ValueError: pod CIDR 'x' is not a CIDR"
    details = info.value.details
    assert "in program" in details and "test_capture.py" in details  # the program's frame
    assert "site-packages" not in details and "fleetctl/capture.py" not in details


def test_two_runs_in_one_process_do_not_leak() -> None:
    seen: list[object] = []

    def program() -> None:
        seen.append(pulumi.Config("app").get("colour"))
        alicloud.vpc.Network("vpc", cidr_block="10.3.0.0/16")

    first = run_program(program, project="app", stack="one", config={"app:colour": "red"})
    second = run_program(program, project="app", stack="two", config={})
    assert seen == ["red", None]
    assert [r.urn for r in second.by_type("pulumi:pulumi:Stack")] == [
        "urn:pulumi:two::app::pulumi:pulumi:Stack::app-two"
    ]
    assert len(first.registrations) == len(second.registrations)


def test_depends_on_follows_dependencies_not_parents(net: Capture) -> None:
    assert net.depends_on("peer", "tr") and net.depends_on("peer", "cen")  # tr waits on cen
    assert not net.depends_on("tr", "peer")
    assert net.depends_on("sw", "vpc")
    assert not net.depends_on("vpc", "net")  # parent only: no wait
    assert net.counts_by_type()["alicloud:vpc/switch:Switch"] == 1


def test_a_child_waits_on_a_custom_parent_and_its_provider_like_the_deploy_estimate(
    net: Capture,
) -> None:
    from fleetctl.deploytime import estimate

    # sw's parent is the VPC (custom): the SDK awaits the parent's URN, i.e. its create.
    assert net.by_name("vpc").urn in net.waits_on("sw")
    assert net.by_name("hz").urn in net.waits_on("sw")  # its provider, inherited from the VPC
    assert net.by_name("inner").urn not in net.waits_on("vpc")  # a component parent: no wait
    # The deployment estimate schedules by the same edges.
    steps = {s.name: s for s in estimate(net.engine_view()).steps}
    assert steps["sw"].start >= steps["vpc"].finish


def test_capture_json_round_trip(net: Capture) -> None:
    again = Capture.from_json(json.loads(json.dumps(net.to_json())))
    assert again.engine_view() == net.engine_view()


def test_program_dir_runs_like_pulumi_preview() -> None:
    cap = run_program_dir(FIXTURES / "raw_overlap", stack="dev")
    assert cap.project == "raw-overlap"
    clusters = cap.by_type("alicloud:cs/managedKubernetes:ManagedKubernetes")
    assert [c.inputs["podCidr"] for c in clusters] == ["172.20.0.0/16", "172.20.0.0/16"]
    assert cap.stack_outputs["vpc_id"] == UNKNOWN


def test_program_dir_errors(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="Pulumi.nope.yaml"):
        run_program_dir(FIXTURES / "raw_overlap", stack="nope")
    with pytest.raises(ProgramError, match="not-a-cidr"):
        run_program_dir(FIXTURES / "raw_overlap", stack="bad")
    with pytest.raises(CaptureError, match="no Pulumi.yaml"):
        (tmp_path / "__main__.py").write_text("")
        run_program_dir(tmp_path, stack="dev")
    (tmp_path / "Pulumi.yaml").write_text(
        "name: t\nruntime: python\nconfig:\n  t:size:\n    type: integer\n    default: 3\n"
    )
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  t:size: big\n")
    with pytest.raises(CaptureError, match="'t:size' is declared as integer"):
        run_program_dir(tmp_path, stack="dev")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\npulumi.export('size', pulumi.Config().require_int('size'))\n"
    )
    assert run_program_dir(tmp_path, stack="dev").stack_outputs == {"size": 3}
