"""`fleetctl check` end to end: real programs in a subprocess, the real policy pack in policies/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from fleetctl.cli import main
from tests.programs import copy_program

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
RAW = FIXTURES / "raw_overlap"


def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code, out, _ = _check(capsys, *argv, "--json")
    return code, json.loads(out)


def test_example_stack_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _json(capsys)  # defaults: this project, stack example, policies/
    assert code == 0
    summary = report["summary"]
    assert summary["mandatory"] == 0 and summary["exitCode"] == 0
    assert summary["policyPack"]["name"]
    # The pack's version as PulumiPolicy.yaml gives it (the text report prints the same).
    version = yaml.safe_load((REPO / "policies" / "PulumiPolicy.yaml").read_text())["version"]
    assert summary["policyPack"]["version"] == str(version)
    assert report["outputs"]["kubeconfig"] == "[secret]"
    types = {r["type"] for r in report["resources"]}
    for t in (
        "pulumi:pulumi:Stack",
        "pulumi:providers:alicloud",
        "alicloud:cs/managedKubernetes:ManagedKubernetes",
        "alicloud:ackone/cluster:Cluster",
        "alicloud:servicemesh/serviceMesh:ServiceMesh",
        "alicloud:cen/transitRouterPeerAttachment:TransitRouterPeerAttachment",
    ):
        assert t in types
    # Every resource the program registered is created; default providers are not listed.
    assert summary["create"] == sum(summary["byType"].values())
    assert summary["create"] == len(report["resources"]) - sum(
        1
        for r in report["resources"]
        if r["name"].startswith("default") and r["type"].startswith("pulumi:providers:")
    )
    # The estimate is the critical path, shorter than the sum of all creates.
    deploy = summary["deployment"]
    assert 0 < deploy["estimatedSeconds"] < deploy["sumOfStepsSeconds"]
    assert sum(s["seconds"] for s in deploy["criticalPath"]) == deploy["estimatedSeconds"]


def test_example_stack_text_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _check(capsys)
    assert code == 0, err
    assert "to create" in out and "OK: no mandatory policy violation" in out
    # The pack's version is the one in PulumiPolicy.yaml, in the text as in the JSON.
    version = yaml.safe_load((REPO / "policies" / "PulumiPolicy.yaml").read_text())["version"]
    assert f"meshfleet-network@v{version} (" in out
    assert "    kubeconfig: [secret]" in out
    assert "Critical path:" in out and "Estimated `pulumi up` duration" in out


def test_raw_program_with_overlapping_pod_cidrs_fails(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _check(capsys, "--program", str(RAW), "--stack", "dev")
    assert code == 1
    assert "[mandatory] pod-cidr-overlaps-pod-cidr" in out
    assert "cluster-a" in out and "cluster-b" in out and "172.20.0.0/16" in out
    assert "FAILED" in out


def test_raw_program_json_names_policy_and_resources(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _json(capsys, "--program", str(RAW), "--stack", "dev")
    assert code == 1
    by_urn = {r["urn"]: r for r in report["resources"]}
    mandatory = [d for d in report["diagnostics"] if d["enforcementLevel"] == "mandatory"]
    assert {d["policyName"] for d in mandatory} == {"pod-cidr-overlaps-pod-cidr"}
    flagged = by_urn[mandatory[0]["urn"]]
    assert flagged["type"] == "alicloud:cs/managedKubernetes:ManagedKubernetes"
    other = ({"cluster-a", "cluster-b"} - {flagged["name"]}).pop()
    assert other in mandatory[0]["message"]
    for key in (
        "type",
        "name",
        "urn",
        "parent",
        "provider",
        "properties",
        "dependencies",
        "propertyDependencies",
    ):
        assert all(key in r for r in report["resources"])


def test_same_program_with_disjoint_cidrs_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _json(capsys, "--program", str(RAW), "--stack", "ok")
    assert code == 0
    assert not [d for d in report["diagnostics"] if d["enforcementLevel"] == "mandatory"]


def test_policy_pack_config_can_make_an_advisory_policy_mandatory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "pack.json"
    config.write_text(json.dumps({"cluster-deletion-protection-disabled": "mandatory"}))
    code, report = _json(
        capsys, "--program", str(RAW), "--stack", "ok", "--policy-pack-config", str(config)
    )
    assert code == 1
    assert {
        d["policyName"] for d in report["diagnostics"] if d["enforcementLevel"] == "mandatory"
    } == {"cluster-deletion-protection-disabled"}


def test_unknown_invokes_do_not_crash(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _json(capsys, "--program", str(FIXTURES / "unknown_invokes"), "--stack", "dev")
    assert code == 0
    invokes = report["summary"]["invokes"]
    assert invokes and not any(i["known"] for i in invokes)
    assert {r["name"] for r in report["resources"]} >= {"vpc", "sw"}


def test_bad_stack_config_exits_2_with_the_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _check(capsys, "--program", str(RAW), "--stack", "bad")
    assert code == 2
    assert "podCidrB: 'not-a-cidr' is not a CIDR" in err
    assert "fleetctl" not in err.split("program traceback", 1)[-1]  # no fleetctl frames
    assert out == ""


def test_bad_meshfleet_spec_exits_2_with_every_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy_program(tmp_path)
    (tmp_path / "Pulumi.bad.yaml").write_text(
        "config:\n"
        "  meshfleet:fleet:\n"
        "    name: demo\n"
        "    connectivity: carrier-pigeon\n"
        "    regions: {cn-hangzhou: {zones: [cn-hangzhou-h, cn-hangzhou-i]}}\n"
        "    vpcs: {vpc-1: {region: cn-hangzhou}}\n"
        "    clusters: {ack-1: {vpc: vpc-9, cni: flannel}}\n"
        "    fleet: {vpc: vpc-1}\n"
        "    mesh: {vpc: vpc-1}\n"
    )
    code, _, err = _check(capsys, "--program", str(tmp_path), "--stack", "bad")
    assert code == 2
    assert "carrier-pigeon" in err and "vpc-9" in err


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--program", str(RAW), "--stack", "nope"], "Pulumi.nope.yaml"),
        (["--program", str(FIXTURES / "does-not-exist")], "not a directory"),
        (
            ["--program", str(RAW), "--stack", "dev", "--policy-pack", str(FIXTURES)],
            "no PulumiPolicy.yaml",
        ),
        (["--program", str(RAW), "--stack", "dev", "--parallel", "0"], "--parallel"),
    ],
)
def test_bad_input_exits_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    code, _, err = _check(capsys, *argv)
    assert code == 2
    assert fragment in err and "Traceback" not in err


def test_bad_policy_pack_config_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json")
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({"no-such-policy": "mandatory"}))
    for path, fragment in ((bad_json, "not valid JSON"), (unknown, "no-such-policy")):
        code, _, err = _check(
            capsys, "--program", str(RAW), "--stack", "ok", "--policy-pack-config", str(path)
        )
        assert code == 2 and fragment in err


def test_json_error_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _json(capsys, "--program", str(RAW), "--stack", "bad")
    assert code == 2
    assert report["error"]["kind"] == "program" and "not-a-cidr" in report["error"]["message"]
