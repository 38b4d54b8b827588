"""Day 2 of the example stack: the program run twice (the second time with an edited fleet, the
same lock) and diffed as ``pulumi preview --diff`` would (``fleetctl.diff``). Adding or removing
a cluster, a VPC or a region creates or deletes only what is its own; nothing else is updated or
replaced (no mesh update that detaches every member, no NAT, route or membership of another
cluster); switching deletion protection off updates exactly that, in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fleetctl.capture import run_program_dir
from fleetctl.diff import Plan, diff
from fleetctl.diff_io import capture_view, render
from tests.components.stacks import REPO, edited_program_dir

Fleet = dict[str, Any]


def add_cluster(fleet: Fleet) -> None:
    fleet["clusters"]["ack-4"] = {
        "vpc": "vpc-1",
        "cni": "flannel",
        "maxNodes": 50,
        "nodePools": {"workers": {"desiredSize": 2}},
    }


def add_remote_cluster(fleet: Fleet) -> None:
    fleet["clusters"]["ack-5"] = {"vpc": "vpc-2", "cni": "flannel", "maxNodes": 20}


def remove_cluster(fleet: Fleet) -> None:
    del fleet["clusters"]["ack-2"]


def add_region(fleet: Fleet) -> None:
    fleet["regions"]["cn-beijing"] = {"zones": ["cn-beijing-a", "cn-beijing-h"]}
    fleet["vpcs"]["vpc-3"] = {"region": "cn-beijing"}
    fleet["clusters"]["ack-6"] = {"vpc": "vpc-3", "cni": "flannel", "maxNodes": 30}


def protection_off(fleet: Fleet) -> None:
    for c in fleet["clusters"].values():
        c["deletionProtection"] = False
    fleet["fleet"]["deletionProtection"] = False


EDITS: dict[str, Callable[[Fleet], None]] = {
    "add": add_cluster,
    "add-remote": add_remote_cluster,
    "remove": remove_cluster,
    "add-region": add_region,
    "protection-off": protection_off,
}


@pytest.fixture(scope="module")
def before() -> list[dict[str, Any]]:
    return capture_view(run_program_dir(REPO, stack="example"))


@pytest.fixture(scope="module")
def plans(
    before: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Plan]:
    out = {}
    for name, change in EDITS.items():
        tmp = edited_program_dir(tmp_path_factory.mktemp(name), change)
        out[name] = diff(before, capture_view(run_program_dir(tmp, stack="example")))
    return out


def test_a_second_run_without_edit_changes_nothing(before: list[dict[str, Any]]) -> None:
    plan = diff(before, capture_view(run_program_dir(REPO, stack="example")))
    assert plan.counts()["same"] == len(plan.steps) == len(before)


@pytest.mark.parametrize("edit", ["add", "add-remote", "add-region"])
def test_adding_creates_only_what_is_its_own(plans: dict[str, Plan], edit: str) -> None:
    plan = plans[edit]
    assert not plan.by_op("update") and not plan.by_op("replace") and not plan.by_op("delete"), (
        render(plan)
    )
    created = plan.by_op("create")
    new = {
        "add": ("ack-4",),
        "add-remote": ("ack-5",),
        "add-region": ("ack-6", "vpc-3", "cn-beijing"),
    }[edit]
    # Anything else created is a new aggregate route towards the new ranges (routes are never
    # updated: a new range outside the old aggregates gets a route of its own), or the reading
    # provider that reads the new cluster's Kubernetes versions (no cloud object; the lock has
    # its version once `fleetctl plan --write` recorded it, and nothing is read then).
    strays = [
        (s.type, s.name)
        for s in created
        if not any(n in s.name for n in new)
        and s.type != "alicloud:vpc/routeEntry:RouteEntry"
        and not (s.type == "pulumi:providers:alicloud" and "-read-" in s.name)
    ]
    assert strays == [], strays
    cluster = new[0]
    names = {s.name for s in created}
    # The cluster, its pools, its Fleet attach and its mesh membership; the NAT is the VPC's.
    assert {
        cluster,
        f"{cluster}-system",
        f"meshfleet-demo-fleet-{cluster}",
        f"meshfleet-demo-mesh-{cluster}",
    } <= names
    assert any(s.type == "alicloud:vpc/snatEntry:SnatEntry" for s in created)
    if edit != "add-region":  # the VPC already has its NAT gateway
        assert not [s for s in created if s.type == "alicloud:vpc/natGateway:NatGateway"]


def test_removing_a_cluster_deletes_only_what_is_its_own(plans: dict[str, Plan]) -> None:
    plan = plans["remove"]
    assert not plan.by_op("create") and not plan.by_op("update") and not plan.by_op("replace")
    deleted = {s.name for s in plan.by_op("delete")}
    assert {
        "ack-2",
        "ack-2-system",
        "ack-2-workers",
        "meshfleet-demo-fleet-ack-2",
        "meshfleet-demo-mesh-ack-2",
        "vpc-1-pod-ack-2-cn-hangzhou-i-snat",
    } <= deleted
    assert all("ack-2" in n for n in deleted), deleted
    # Its deletion protection is on in the example: the delete is flagged (README: destroy).
    cluster = next(
        s
        for s in plan.by_op("delete")
        if s.type == "alicloud:cs/managedKubernetes:ManagedKubernetes"
    )
    assert {f.input for f in cluster.flags if f.severity == "destructive"} == {"deletionProtection"}


@pytest.mark.parametrize("edit", list(EDITS))
def test_the_mesh_and_other_members_are_never_touched(plans: dict[str, Plan], edit: str) -> None:
    plan = plans[edit]
    mesh = [s for s in plan.steps if s.type == "alicloud:servicemesh/serviceMesh:ServiceMesh"]
    assert [s.op for s in mesh] == ["same"]
    assert [s.urn for s in plan.steps if s.destructive and s.op != "delete"] == []


def test_switching_protection_off_updates_only_that(plans: dict[str, Plan]) -> None:
    plan = plans["protection-off"]
    assert not plan.by_op("create") and not plan.by_op("delete") and not plan.by_op("replace")
    updated = {(s.type, s.name): [c.path for c in s.changes] for s in plan.by_op("update")}
    assert updated == {
        **{
            ("alicloud:cs/managedKubernetes:ManagedKubernetes", c): ["deletionProtection"]
            for c in ("ack-1", "ack-2", "ack-3")
        },
        ("pulumi-python:dynamic:Resource", "meshfleet-demo-fleet-features"): ["deletionProtection"],
    }
