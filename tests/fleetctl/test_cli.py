"""fleetctl's command line as a whole: one error shape for every command, --version, --help
examples line by line, plan's columns and changes against the lock, the error handler."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest
import yaml

from fleetctl import __version__
from fleetctl.cli import main
from fleetctl.errors import EXIT_BUG, run_command

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("Pulumi.yaml", "Pulumi.example.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "locks").mkdir()
    shutil.copy(ROOT / "locks" / "example.json", tmp_path / "locks" / "example.json")
    return tmp_path


def _edit(project: Path, change: object) -> None:
    path = project / "Pulumi.example.yaml"
    doc = yaml.safe_load(path.read_text())
    change(doc["config"]["meshfleet:fleet"])  # type: ignore[operator]
    path.write_text(yaml.safe_dump(doc))


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"fleetctl {__version__}"


@pytest.mark.parametrize(
    "argv, example",
    [
        (["--help"], "  fleetctl check --program DIR           # offline preview"),
        (["check", "--help"], "  fleetctl check --program DIR                       # any Python"),
        (["plan", "--help"], "  fleetctl plan --stack example --write    # record the plan"),
    ],
)
def test_help_renders_examples_line_by_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], example: str
) -> None:
    with pytest.raises(SystemExit):
        main(argv)
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith(example) for line in lines), "\n".join(lines)


@pytest.mark.parametrize(
    "argv",
    [
        ["plan", "--program", "/nonexistent", "--json"],
        ["check", "--program", "/nonexistent", "--json"],
    ],
)
def test_json_errors_have_one_shape(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert set(doc) == {"error"} and set(doc["error"]) == {"kind", "message", "details"}
    assert doc["error"]["kind"] == "input" and "/nonexistent" in doc["error"]["message"]
    assert err.startswith("error: ")


def test_a_bug_is_exit_3_with_its_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    def command(args: argparse.Namespace) -> int:
        return [][1]  # type: ignore[no-any-return]

    assert run_command(command, argparse.Namespace(json=False)) == EXIT_BUG
    err = capsys.readouterr().err
    assert "fleetctl bug: IndexError" in err and "Traceback" in err


def test_plan_labels_capacity_as_capacity(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(project, lambda f: f["clusters"]["ack-3"].update(maxNodes=40))
    assert main(["plan", "--program", str(project)]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if "NODE CAPACITY" in line)
    row = next(line for line in lines if line[2:].startswith("ack-3 "))
    # The spec's maxNodes under MAX NODES, what the plan has room for under NODE CAPACITY.
    start = header.index("MAX NODES")
    assert row[start:].split()[0] == "40"
    capacity = row[header.index("NODE CAPACITY") :].split()[0]
    assert int(capacity.replace(",", "")) >= 40


def test_plan_shows_a_rename_as_released_and_new_keys(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = json.loads((project / "locks" / "example.json").read_text())["allocations"]
    _edit(project, lambda f: f["clusters"].update({"ack-9": f["clusters"].pop("ack-3")}))
    assert main(["plan", "--program", str(project)]) == 0
    out = capsys.readouterr().out
    assert "- pod:ack-3" in out and lock["pod:ack-3"] in out
    assert "+ pod:ack-9" in out and "a rename is a removal plus an addition" in out
    assert main(["plan", "--program", str(project), "--json"]) == 0
    changes = json.loads(capsys.readouterr().out)["changes"]
    assert changes["released"]["pod:ack-3"] == lock["pod:ack-3"]
    assert changes["new"]["pod:ack-9"] != lock["pod:ack-3"]  # new CIDRs, never the old ones


def test_plan_write_error_is_a_message(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "plan",
                "--program",
                str(project),
                "--write",
                "--lock",
                str(project / "locks" / "example.json"),
            ]
        )
        == 0
    )
    capsys.readouterr()
    (project / "locks" / "example.json").unlink()
    (project / "locks").rmdir()
    (project / "locks").write_text("")  # a file where the lock directory should be
    assert main(["plan", "--program", str(project), "--write"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --write ") and "Traceback" not in err


def test_plan_refuses_a_lock_that_does_not_exist(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = project / "locks" / "typo.json"
    assert main(["plan", "--program", str(project), "--lock", str(missing)]) == 2
    assert f"{missing}: does not exist" in capsys.readouterr().err
