"""`fleetctl plan` and held releases: `--write` holds what the spec dropped, the Held section
says why and how to free it, `--applied` / `--removal-applied` / `--state` free it; a v1 lock is
rewritten as v2 with the plan's versions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from fleetctl.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of this project's Pulumi files and the example's lock."""
    for name in ("Pulumi.yaml", "Pulumi.example.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "locks", tmp_path / "locks")
    return tmp_path


def edit(project: Path, change: Any) -> None:
    path = project / "Pulumi.example.yaml"
    doc = yaml.safe_load(path.read_text())
    change(doc["config"]["meshfleet:fleet"])
    path.write_text(yaml.safe_dump(doc))


def lock_of(project: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((project / "locks" / "example.json").read_text())
    return doc


def plan(project: Path, *args: str) -> int:
    return main(["plan", "--stack", "example", "--program", str(project), *args])


def remove_ack2(project: Path) -> dict[str, str]:
    """Remove ack-2 and `--write`: what the lock now holds."""
    before = lock_of(project)["allocations"]
    edit(project, lambda f: f["clusters"].pop("ack-2"))
    assert plan(project, "--write") == 0
    held: dict[str, str] = lock_of(project)["held"]
    assert held == {k: c for k, c in before.items() if "ack-2" in k}
    return held


def test_write_holds_removed_entries_and_the_table_says_why_and_how_to_free(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    held = remove_ack2(project)
    assert "service:ack-2" in held and "kubernetes:ack-2" not in lock_of(project)["versions"]
    capsys.readouterr()
    assert plan(project) == 0
    out = capsys.readouterr().out
    assert f"Held ({len(held)})" in out and "removed earlier; its removal is not confirmed" in out
    assert "--applied --write" in out and held["service:ack-2"] in out
    assert plan(project, "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    rows = {h["key"]: h for h in doc["changes"]["held"]}
    assert {k: r["cidr"] for k, r in rows.items()} == held
    assert "--removal-applied service:ack-2" in rows["service:ack-2"]["free"]
    # A new cluster in the same VPC gets none of the held ranges.
    edit(
        project,
        lambda f: f["clusters"].__setitem__(
            "ack-9",
            {
                "vpc": "vpc-1",
                "cni": "terway",
                "zones": ["cn-hangzhou-i", "cn-hangzhou-j"],
                "maxNodes": 50,
            },
        ),
    )
    assert plan(project, "--write") == 0
    allocations = lock_of(project)["allocations"]
    assert not set(held.values()) & {c for k, c in allocations.items() if "ack-9" in k}
    assert lock_of(project)["held"] == held


def test_removal_applied_frees_some_and_applied_frees_all(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    held = remove_ack2(project)
    assert plan(project, "--removal-applied", "service:ack-2", "--write") == 0
    assert lock_of(project)["held"] == {k: c for k, c in held.items() if k != "service:ack-2"}
    assert "Freed (1)" in capsys.readouterr().out
    assert plan(project, "--applied", "--write") == 0
    assert lock_of(project)["held"] == {}
    # A key that is not held is refused, naming the held ones.
    capsys.readouterr()
    assert plan(project, "--removal-applied", "service:ack-1") == 2
    assert "not held in the lock" in capsys.readouterr().err


def test_state_frees_what_the_state_no_longer_has(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    held = remove_ack2(project)
    keep = "vswitch:vpc-1:node:ack-2:cn-hangzhou-i"
    # A stack export where only one of ack-2's vSwitches is still there.
    export = {
        "version": 3,
        "deployment": {
            "resources": [
                {
                    "urn": "urn:pulumi:example::meshfleet::alicloud:vpc/switch:Switch::x",
                    "type": "alicloud:vpc/switch:Switch",
                    "inputs": {"cidrBlock": held[keep]},
                    "outputs": {"cidrBlock": held[keep], "id": "vsw-1"},
                }
            ]
        },
    }
    state = tmp_path / "export.json"
    state.write_text(json.dumps(export))
    assert plan(project, "--state", str(state), "--write") == 0
    assert lock_of(project)["held"] == {keep: held[keep]}
    # A fleetctl state file (`check --save-state`) that has none of them frees the rest.
    state.write_text(
        json.dumps(
            {
                "format": "fleetctl-state",
                "version": 1,
                "resources": [
                    {
                        "type": "pulumi:pulumi:Stack",
                        "name": "s",
                        "urn": "urn:pulumi:e::m::pulumi:pulumi:Stack::s",
                        "properties": {},
                    }
                ],
            }
        )
    )
    assert plan(project, "--state", str(state), "--write") == 0
    assert lock_of(project)["held"] == {}
    state.write_text("{}")
    capsys.readouterr()
    assert plan(project, "--state", str(state)) == 2
    assert "neither a fleetctl state file" in capsys.readouterr().err


def test_a_v1_lock_is_rewritten_as_v2_with_versions(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project / "locks" / "example.json"
    path.write_text(json.dumps({"version": 1, "allocations": lock_of(project)["allocations"]}))
    assert plan(project) == 0
    out = capsys.readouterr().out
    assert "+ mesh (ASM)" in out and "record them with" in out
    assert plan(project, "--write") == 0
    doc = lock_of(project)
    assert doc["version"] == 2 and doc["held"] == {}
    assert set(doc["versions"]) == {
        "kubernetes:ack-1",
        "kubernetes:ack-2",
        "kubernetes:ack-3",
        "mesh",
    }
    assert doc == json.loads((ROOT / "locks" / "example.json").read_text())
