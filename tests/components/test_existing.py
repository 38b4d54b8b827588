"""The program on what exists, under recording mocks with recorded answers: the fixture
``tests/fixtures/brownfield-fleet`` (VPC hz and clusters ack-old-1 / ack-old-2 exist, with a CEN
instance whose only transit router is in cn-hangzhou; ack-new and VPC sh are new).

Nothing is registered for an existing resource but its marker component and its attachments.
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest
import yaml

from fleetctl.answers.answerfile import load_answers
from fleetctl.capture import Capture, Registration, run_program
from fleetctl.inventory import offline_reader
from meshfleet.layout import Plan
from meshfleet.lock import lock_path
from meshfleet.pipeline import plan_stack
from tests.components.stacks import (
    ACK,
    CEN,
    DYNAMIC,
    MEMBERSHIP,
    NAT,
    NODE_POOL,
    REPO,
    SNAT,
    TR,
    TR_TABLE,
    TR_VPC,
    VPC,
    VPC_ROUTE,
    VSWITCH,
)

FIXTURE = REPO / "tests" / "fixtures" / "brownfield-fleet"
STACK = "brownfield"
EXISTING_CLUSTER = "meshfleet:index:ExistingCluster"
EXISTING_VPC = "meshfleet:index:ExistingVpc"
VPC_ID = "vpc-bp1brown000000000001"
OLD = {
    "ack-old-1": "c0123456789abcdef0123456789abcdef",
    "ack-old-2": "cfedcba9876543210fedcba9876543210",
}


def config() -> dict[str, Any]:
    return yaml.safe_load((FIXTURE / f"Pulumi.{STACK}.yaml").read_text())["config"]


def brownfield_plan(answers: Path = FIXTURE / "answers.yaml") -> Plan:
    """What the program plans: the stack's spec, the reader under recorded answers."""
    cfg = config()
    read = offline_reader(answers, project="meshfleet", stack=STACK, config=cfg)
    return plan_stack(cfg["meshfleet:fleet"], lock_path(FIXTURE, STACK), read=read)


@pytest.fixture(scope="module")
def run() -> tuple[Capture, Plan]:
    cap = run_program(
        lambda: runpy.run_path(str(REPO / "__main__.py"), run_name="__main__"),
        project="meshfleet",
        stack=STACK,
        config=config(),
        strict_invokes=True,
        answers=load_answers(FIXTURE / "answers.yaml"),
    )
    return cap, brownfield_plan()


def named(cap: Capture, type_: str) -> list[str]:
    return sorted(r.name for r in cap.by_type(type_))


def test_nothing_of_their_own_for_existing_resources(run: tuple[Capture, Plan]) -> None:
    cap, p = run
    assert named(cap, VPC) == ["sh"]  # hz exists
    assert named(cap, ACK) == ["ack-new"]
    assert named(cap, NODE_POOL) == ["ack-new-system"]
    assert named(cap, EXISTING_VPC) == ["hz"]
    assert named(cap, EXISTING_CLUSTER) == ["ack-old-1", "ack-old-2"]
    assert not cap.by_type(CEN)  # the existing CEN instance is used
    assert named(cap, TR) == ["brown-cen-cn-shanghai"]  # cn-hangzhou has one already
    assert len(cap.by_type(TR_TABLE)) == 2  # meshfleet's own table in both routers
    # hz: only new vSwitches (the plan's), no NAT (an existing VPC has egress)
    assert named(cap, VSWITCH) == sorted(s.name for v in p.vpcs.values() for s in v.vswitches)
    assert [r.name for r in cap.by_type(NAT)] == ["sh-nat"]
    assert all(r.name.startswith("sh-") for r in cap.by_type(SNAT))


def test_existing_ids_feed_the_attachments(run: tuple[Capture, Plan]) -> None:
    cap, _ = run
    subs = {r.inputs["subClusterId"] for r in cap.by_type(MEMBERSHIP)}
    assert set(OLD.values()) <= subs and len(subs) == 3
    mesh = {
        r.inputs.get("clusterId")
        for r in cap.by_type(DYNAMIC)
        if r.inputs.get("kind") == "meshfleet:servicemesh:MeshMembership"
    }
    assert set(OLD.values()) <= mesh
    hz_switches = [r for r in cap.by_type(VSWITCH) if r.name.startswith("hz-")]
    assert hz_switches and all(r.inputs["vpcId"] == VPC_ID for r in hz_switches)
    attach = {r.name: r for r in cap.by_type(TR_VPC)}["brown-cen-hz"]
    assert attach.inputs["vpcId"] == VPC_ID
    assert attach.inputs["transitRouterId"] == "tr-bp1brown000000000001"
    assert attach.inputs["cenId"] == "cen-brownfield0001"
    routes = [r for r in cap.by_type(VPC_ROUTE) if r.name.startswith("brown-cen-hz-")]
    assert routes and all(r.inputs["routeTableId"] == "vtb-bp1brown000000000001" for r in routes)


def test_only_attachments_name_an_existing_cluster(run: tuple[Capture, Plan]) -> None:
    cap, _ = run

    def mentions(r: Registration, ident: str) -> bool:
        return ident in repr(r.inputs)

    for ident in OLD.values():
        kinds = sorted({r.type for r in cap.registrations if mentions(r, ident)})
        assert kinds == sorted({MEMBERSHIP, DYNAMIC, EXISTING_CLUSTER}), kinds


def test_existing_cluster_inputs_carry_its_ranges(run: tuple[Capture, Plan]) -> None:
    cap, p = run
    by_name = {r.name: r for r in cap.by_type(EXISTING_CLUSTER)}
    one = by_name["ack-old-1"].inputs
    assert (one["clusterId"], one["podCidr"], one["serviceCidr"], one["cni"]) == (
        OLD["ack-old-1"],
        "172.20.0.0/16",
        "192.168.0.0/20",
        "flannel",
    )
    assert one["vswitchIds"] == list(p.clusters["ack-old-1"].existing.vswitch_ids)  # type: ignore[union-attr]
    two = by_name["ack-old-2"].inputs
    assert (two["cni"], two.get("podCidr")) == ("terway", None)
    vpc = cap.by_type(EXISTING_VPC)[0].inputs
    assert (vpc["cidrBlock"], vpc["secondaryCidrBlocks"]) == ("10.20.0.0/16", ["10.21.0.0/16"])
    assert len(vpc["vswitches"]) == 6
    assert set(cap.stack_outputs["kubeconfigs"]) == {"ack-new", *OLD}
    assert cap.stack_outputs["cluster_ids"]["ack-old-1"] == OLD["ack-old-1"]


def _answers(tmp: Path, edit: Any) -> Path:
    doc = yaml.safe_load((FIXTURE / "answers.yaml").read_text())
    edit(doc)
    out = tmp / "answers.yaml"
    out.write_text(yaml.safe_dump(doc))
    return out


def _entry(doc: list[dict[str, Any]], function: str, **args: Any) -> dict[str, Any]:
    return next(
        e
        for e in doc
        if e["function"] == function and all(e.get("args", {}).get(k) == v for k, v in args.items())
    )


def test_reader_refuses_what_the_cloud_contradicts(tmp_path: Path) -> None:
    def edit(doc: list[dict[str, Any]]) -> None:
        _entry(doc, "vpc.get_networks")["result"]["vpcs"][0]["id"] = "vpc-bp1someoneelse0001"
        addons = _entry(doc, "cs.get_kubernetes_addons", cluster_id=OLD["ack-old-1"])
        addons["result"]["addons"] = [{"name": "terway-eniip", "current_version": "v1.5.0"}]

    from meshfleet.errors import SpecError

    with pytest.raises(SpecError) as err:
        brownfield_plan(_answers(tmp_path, edit))
    got = {p.path: str(p) for p in err.value.problems}
    assert f"'{VPC_ID}' names no VPC in cn-hangzhou" in got["vpcs.hz.id"]
    assert (
        "clusters.ack-old-1.cni: 'flannel' differs from existing cluster ack-old-1 "
        f"({OLD['ack-old-1']}), which runs terway"
    ) in got["clusters.ack-old-1.cni"]


def test_reader_refuses_a_cluster_in_another_vpc(tmp_path: Path) -> None:
    def edit(doc: list[dict[str, Any]]) -> None:
        _entry(doc, "cs.get_clusters", ids=[OLD["ack-old-2"]])["result"]["clusters"][0][
            "vpc_id"
        ] = "vpc-bp1other00000000001"

    from meshfleet.errors import SpecError

    with pytest.raises(
        SpecError,
        match=(
            f"clusters.ack-old-2.vpc: 'hz' is VPC {VPC_ID}, but "
            "existing cluster ack-old-2 .* is in VPC "
            "vpc-bp1other00000000001"
        ),
    ):
        brownfield_plan(_answers(tmp_path, edit))
