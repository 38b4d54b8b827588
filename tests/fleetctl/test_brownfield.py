"""`fleetctl plan` and `fleetctl check` on a brownfield stack from recorded answers: the fixture
``tests/fixtures/brownfield-fleet`` (two existing clusters in one existing VPC, a new cluster in a
new region, an existing CEN instance)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fleetctl.cli import main

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "brownfield-fleet"
ANSWERS = str(FIXTURE / "answers.yaml")
BASE = ["--program", str(FIXTURE), "--stack", "brownfield"]


def test_plan_from_answers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", *BASE, "--answers", ANSWERS, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    vpcs = {v["name"]: v for v in doc["vpcs"]}
    assert vpcs["hz"]["id"] == "vpc-bp1brown000000000001" and vpcs["sh"]["id"] is None
    assert vpcs["hz"]["cidrs"] == ["10.20.0.0/16", "10.21.0.0/16"]
    clusters = {c["name"]: c for c in doc["clusters"]}
    assert clusters["ack-old-1"]["serviceCidr"] == "192.168.0.0/20"
    assert clusters["ack-old-2"]["cni"] == "terway" and clusters["ack-new"]["id"] is None
    new = doc["changes"]["new"]
    assert "vpc:sh" in new and not [k for k in new if "ack-old" in k or k == "vpc:hz"]
    assert main(["plan", *BASE, "--answers", ANSWERS]) == 0
    table = capsys.readouterr().out
    assert "= cluster ack-old-1: c0123456789abcdef0123456789abcdef (flannel)" in table
    assert "cn-shanghai (new transit router)" in table


def test_plan_without_answers_names_the_reads(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", *BASE]) == 2
    err = capsys.readouterr().err
    assert "have no recorded answer (no --answers file given)" in err
    assert "alicloud:vpc/getNetworks:getNetworks" in err


def test_check_registers_only_attachments_for_what_exists(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["check", *BASE, "--answers", ANSWERS, "--strict-answers", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["summary"]["mandatory"] == 0
    assert not [d for d in report["diagnostics"]]  # not even an advisory: the pack sees them
    types = [r["type"] for r in report["resources"]]
    assert "alicloud:cen/instance:Instance" not in types
    assert types.count("alicloud:cs/managedKubernetes:ManagedKubernetes") == 1
    assert types.count("alicloud:vpc/network:Network") == 1
    assert types.count("meshfleet:index:ExistingCluster") == 2
    assert types.count("alicloud:ackone/membershipAttachment:MembershipAttachment") == 3
