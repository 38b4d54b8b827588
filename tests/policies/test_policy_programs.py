"""Whole programs through the whole path: program under recording mocks (fleetctl.capture) ->
engine view -> the pack over gRPC. The planner and the pack are independent implementations of
the same rules: the planner's example stack must pass every policy."""

from __future__ import annotations

from pathlib import Path

from fleetctl.analyzer import PolicyPackRunner
from fleetctl.capture import run_program_dir
from tests.policies.test_policy_rules import found

REPO = Path(__file__).resolve().parents[2]
RAW = REPO / "tests" / "fixtures" / "raw_overlap"
NO_PROTECTION = {
    ("cluster-deletion-protection-disabled", "cluster-a"),
    ("cluster-deletion-protection-disabled", "cluster-b"),
}


def test_meshfleet_example_stack_passes_every_policy(pack: PolicyPackRunner) -> None:
    stack = run_program_dir(REPO, stack="example").engine_view()
    assert {r["type"] for r in stack} >= {
        "alicloud:ackone/cluster:Cluster",
        "alicloud:servicemesh/serviceMesh:ServiceMesh",
        "alicloud:cen/transitRouterPeerAttachment:TransitRouterPeerAttachment",
    }
    assert pack.analyze_stack(stack) == []


def test_raw_program_with_shared_pod_cidr_is_refused(pack: PolicyPackRunner) -> None:
    stack = run_program_dir(RAW, stack="dev").engine_view()
    diags = pack.analyze_stack(stack)
    assert found(diags) == NO_PROTECTION | {("pod-cidr-overlaps-pod-cidr", "cluster-b")}
    (overlap,) = [d for d in diags if d.enforcement_level == "mandatory"]
    assert "172.20.0.0/16" in overlap.message and '"cluster-a"' in overlap.message


def test_raw_program_with_distinct_pod_cidrs_passes(pack: PolicyPackRunner) -> None:
    diags = pack.analyze_stack(run_program_dir(RAW, stack="ok").engine_view())
    assert found(diags) == NO_PROTECTION
    assert {d.enforcement_level for d in diags} == {"advisory"}
