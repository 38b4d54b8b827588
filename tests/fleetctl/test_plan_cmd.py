"""`fleetctl plan`: table, JSON, --write, and bad input (exit 2, no traceback)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fleetctl.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of this project's Pulumi files, without a lock."""
    for name in ("Pulumi.yaml", "Pulumi.example.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_table_for_the_example_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--stack", "example"]) == 0
    out = capsys.readouterr().out
    for text in (
        "VPCs",
        "vSwitches",
        "Clusters",
        "Pools",
        "vpc-1",
        "ack-3",
        "transit-router",
        "Every allocation is in the lock",
    ):
        assert text in out


def test_json_has_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--stack", "example", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    clusters = {c["name"]: c for c in doc["clusters"]}
    assert clusters["ack-2"]["cni"] == "terway" and clusters["ack-2"]["podCidr"] is None
    assert clusters["ack-2"]["podVswitches"] and not clusters["ack-1"]["podVswitches"]
    assert clusters["ack-1"]["nodeCidrMask"] == 25 and clusters["ack-1"]["maxNodes"] >= 100
    assert {v["name"]: v["region"] for v in doc["vpcs"]} == {
        "vpc-1": "cn-hangzhou",
        "vpc-2": "cn-shanghai",
    }
    lock = json.loads((ROOT / "locks" / "example.json").read_text())["allocations"]
    assert lock["pod:ack-1"] == clusters["ack-1"]["podCidr"]


def test_write_records_new_allocations_and_then_nothing_is_new(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "--stack", "example", "--program", str(project)]) == 0
    assert "Changes against the lock" in (out := capsys.readouterr().out) and "23 new" in out
    assert main(["plan", "--stack", "example", "--program", str(project), "--write"]) == 0
    lock = json.loads((project / "locks" / "example.json").read_text())
    assert len(lock["allocations"]) == 23
    # A new cluster: only its allocations are new; nothing that exists moves.
    stack = yaml.safe_load((project / "Pulumi.example.yaml").read_text())
    stack["config"]["meshfleet:fleet"]["clusters"]["ack-4"] = {"vpc": "vpc-2", "maxNodes": 10}
    (project / "Pulumi.example.yaml").write_text(yaml.safe_dump(stack))
    capsys.readouterr()
    assert main(["plan", "--stack", "example", "--program", str(project), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert sorted(doc["new"]) == [
        "pod:ack-4",
        "service:ack-4",
        "vswitch:vpc-2:node:ack-4:cn-shanghai-b",
        "vswitch:vpc-2:node:ack-4:cn-shanghai-g",
    ]
    clusters = {c["name"]: c for c in doc["clusters"]}
    assert clusters["ack-1"]["podCidr"] == lock["allocations"]["pod:ack-1"]


def test_bad_input_exits_2_with_the_message_and_no_traceback(project: Path) -> None:
    stack = yaml.safe_load((project / "Pulumi.example.yaml").read_text())
    stack["config"]["meshfleet:fleet"]["clusters"]["ack-1"]["cni"] = "calico"
    stack["config"]["meshfleet:fleet"]["vpcs"]["vpc-2"]["cidr"] = "100.64.0.0/16"
    (project / "Pulumi.example.yaml").write_text(yaml.safe_dump(stack))
    run = subprocess.run(
        [sys.executable, "-m", "fleetctl", "plan", "--stack", "example", "--program", str(project)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 2
    assert "clusters.ack-1.cni: 'calico' is not a CNI" in run.stderr
    assert "vpcs.vpc-2.cidr: '100.64.0.0/16' overlaps 100.64.0.0/10" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout


def test_missing_stack_and_bad_lock_exit_2(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "--stack", "nope", "--program", str(project)]) == 2
    assert "Pulumi.nope.yaml: does not exist" in capsys.readouterr().err
    (project / "locks").mkdir()
    (project / "locks" / "example.json").write_text(
        '{"version": 1, "allocations": {"pod:ack-1": "172.16.0.1/18"}}'
    )
    assert main(["plan", "--stack", "example", "--program", str(project)]) == 2
    assert "not a canonical IPv4 CIDR" in capsys.readouterr().err
