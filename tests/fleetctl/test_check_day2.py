"""`fleetctl check --save-state / --diff`: day 2 of a stack offline, and the exemptions in force.

The example stack is checked once with ``--save-state`` (what the first ``pulumi up`` would
deploy), then edited and checked again with ``--diff``: the report says what ``pulumi preview
--diff`` would plan, and ``--fail-on-destructive`` turns a destructive step into exit 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from fleetctl import check_report
from fleetctl.cli import main
from tests.programs import REPO, copy_program

CORPUS = REPO / "tests" / "policies" / "corpus"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _edited(tmp: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the program whose example fleet is edited (same lock: nothing renumbered)."""
    prog = copy_program(tmp / "prog", locks=True)
    doc = yaml.safe_load((REPO / "Pulumi.example.yaml").read_text())
    change(doc["config"]["meshfleet:fleet"])
    (prog / "Pulumi.example.yaml").write_text(yaml.safe_dump(doc))
    return prog


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example stack's state, as `check --save-state` writes it."""
    path = tmp_path_factory.mktemp("state") / "example.json"
    assert main(["check", "--save-state", str(path), "--json"]) == 0
    return path


def test_save_state_writes_a_versioned_state_without_secret_values(saved: Path) -> None:
    doc = json.loads(saved.read_text())
    assert doc["format"] == "fleetctl-state" and doc["version"] == 1
    assert any(
        r["type"] == "alicloud:cs/managedKubernetes:ManagedKubernetes" for r in doc["resources"]
    )
    assert "BEGIN" not in saved.read_text() and "client-key-data" not in saved.read_text()


def test_no_edit_diffs_to_nothing(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--diff", str(saved), "--fail-on-destructive")
    assert code == 0, out
    assert "Changes against the saved state" in out
    assert " 0 changes." in out and "0 flagged destructive." in out
    code, out, _ = _run(capsys, "--diff", str(saved), "--json")
    counts = json.loads(out)["diff"]["summary"]
    assert {k: counts[k] for k in ("create", "update", "replace", "delete")} == {
        "create": 0,
        "update": 0,
        "replace": 0,
        "delete": 0,
    }


def test_adding_a_cluster_creates_only_its_own_resources(
    saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def add(fleet: dict[str, Any]) -> None:
        fleet["clusters"]["ack-4"] = {**fleet["clusters"]["ack-3"], "vpc": "vpc-1"}
        fleet["clusters"]["ack-4"].pop("zones", None)

    prog = _edited(tmp_path, add)
    code, out, _ = _run(
        capsys, "--program", str(prog), "--stack", "example", "--diff", str(saved), "--json"
    )
    plan = json.loads(out)["diff"]
    created = [s["name"] for s in plan["steps"] if s["op"] == "create"]
    assert "ack-4" in created
    touched = [s for s in plan["steps"] if s["op"] in ("update", "replace", "delete")]
    # Day 2: nothing that exists changes when a cluster is added (issue 12 item 1: the mesh's
    # membership used to be one list on the ServiceMesh, whose update detached every member).
    assert touched == [], [(s["op"], s["name"]) for s in touched]
    code, out, _ = _run(
        capsys,
        "--program",
        str(prog),
        "--stack",
        "example",
        "--diff",
        str(saved),
        "--fail-on-destructive",
    )
    assert code == 0, out


def test_fail_on_destructive_needs_a_diff(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--fail-on-destructive")
    assert code == 2 and "--fail-on-destructive needs --diff STATE" in err


def test_a_state_file_that_is_not_one_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "state.json"
    bad.write_text('{"format": "something-else"}')
    code, _, err = _run(capsys, "--diff", str(bad))
    assert code == 2 and "--diff" in err and "something-else" in err


def test_exemptions_in_force_are_listed_apart_from_the_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "exempt.json"
    config.write_text(
        json.dumps(
            {
                "policy-exemptions": {
                    "exemptions": [
                        {
                            "policy": "pod-cidr-overlaps-pod-cidr",
                            "resource": "alpha",
                            "owner": "team-a",
                            "reason": "copied sandbox, deleted with the Q1 clean-up",
                            "expires": "2099-01-01",
                        }
                    ]
                }
            }
        )
    )
    case = CORPUS / "blame-later-equal-pod"
    code, out, _ = _run(
        capsys, "--program", str(case), "--stack", "dev", "--policy-pack-config", str(config)
    )
    assert code == 0, out
    assert "exemptions in force (1):" in out
    line = next(x for x in out.splitlines() if "copied sandbox" in x)
    assert "alpha" in line and "pod-cidr-overlaps-pod-cidr" in line
    assert "[mandatory] pod-cidr-overlaps-pod-cidr" not in out
    code, out, _ = _run(
        capsys,
        "--program",
        str(case),
        "--stack",
        "dev",
        "--policy-pack-config",
        str(config),
        "--json",
    )
    assert json.loads(out)["summary"]["exemptionsInForce"] == 1


def test_the_exemption_names_match_the_pack() -> None:
    # fleetctl never imports the pack (it is self-contained); its names are pinned here.
    source = (REPO / "policies" / "meshfleet_policies" / "exemptions.py").read_text()
    assert f'NAME = "{check_report.EXEMPTIONS_POLICY}"' in source
    assert f'IN_FORCE = "{check_report.IN_FORCE}"' in source
