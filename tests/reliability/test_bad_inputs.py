"""The bad-input catalogue (tests/reliability/catalogue.py): every malformed or hostile spec,
lock or policy-pack config produces its error (type + message fragment); for specs and locks the
program registers nothing but the Stack, and ``fleetctl check`` and ``fleetctl plan`` exit 2
with the message."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fleetctl import capture, check
from fleetctl.analyzer import PolicyPackRunner
from fleetctl.capture import ProgramError
from fleetctl.cli import main as fleetctl_main
from meshfleet.errors import MeshfleetError
from tests.policies.stackbuilder import two_region_fleet
from tests.programs import copy_program
from tests.reliability.catalogue import (
    ABSENT,
    ALL,
    GOOD,
    LOCKS,
    POLICY_CONFIGS,
    SPECS,
    BadInput,
)
from tests.reliability.harness import REPO, nothing_but_the_stack, run_config, write_raw_lock

STACK = "bad"
PROGRAM_INPUTS = SPECS + LOCKS


def _ids(cases: tuple[BadInput, ...]) -> list[str]:
    return [c.name for c in cases]


def make_program(directory: Path, case: BadInput) -> Path:
    """A program directory whose stack ``bad`` holds the case: spec in Pulumi.bad.yaml, lock in
    locks/bad.json."""
    spec = case.value if case.kind == "spec" else (case.spec or GOOD)
    config: dict[str, Any] = {"alicloud:region": "cn-hangzhou"}
    if spec is not ABSENT:
        config["meshfleet:fleet"] = spec
    copy_program(directory, stack=STACK, config=config)
    if case.kind == "lock":
        write_raw_lock(directory, STACK, case.value)
    return directory


@pytest.fixture()
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """The recording monitors of the program runs of a test (to see what a failed run
    registered before it failed)."""
    monitors: list[Any] = []
    original = capture._make_monitor

    def make(*args: Any, **kwargs: Any) -> Any:
        monitors.append(original(*args, **kwargs))
        return monitors[-1]

    monkeypatch.setattr(capture, "_make_monitor", make)
    yield monitors


def test_the_catalogue_is_large_and_distinct() -> None:
    assert len(ALL) >= 30
    assert len({(c.kind, c.name) for c in ALL}) == len(ALL)
    assert len(
        {json.dumps(c.value, sort_keys=True, default=repr) + repr(c.spec) for c in ALL}
    ) == len(ALL)


@pytest.mark.parametrize("case", PROGRAM_INPUTS, ids=_ids(PROGRAM_INPUTS))
def test_program_raises_the_error_and_registers_nothing(
    tmp_path: Path, recorded: list[Any], case: BadInput
) -> None:
    directory = make_program(tmp_path, case)
    spec = case.value if case.kind == "spec" else (case.spec or GOOD)
    config: dict[str, Any] = {"alicloud:region": "cn-hangzhou"}
    if spec is not ABSENT:
        config["meshfleet:fleet"] = spec
    with pytest.raises(ProgramError) as info:
        run_config(config, stack=STACK, directory=directory)
    cause = info.value.__cause__
    assert isinstance(cause, case.error), f"{type(cause).__name__}: {cause}"
    assert case.fragment in str(cause), str(cause)
    assert case.fragment in info.value.message
    (monitor,) = recorded
    assert nothing_but_the_stack(monitor.registrations), monitor.registrations


def _check_args(program: Path, pack_config: Path | None = None) -> argparse.Namespace:
    return argparse.Namespace(
        program=program,
        stack=STACK,
        policy_pack=check.DEFAULT_PACK,
        policy_pack_config=pack_config,
        parallel=None,
        json=False,
    )


@pytest.mark.parametrize("case", PROGRAM_INPUTS, ids=_ids(PROGRAM_INPUTS))
def test_fleetctl_check_exits_2_with_the_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: BadInput
) -> None:
    """In process, through ``fleetctl.check.run`` (what ``python -m fleetctl check`` calls)."""
    code = check.run(_check_args(make_program(tmp_path, case)))
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ")
    assert case.fragment in err, err


#: What ``fleetctl plan`` reads itself (the same pipeline as the program, without Pulumi): every
#: spec and lock whose error is meshfleet's own (the others are Pulumi's config errors).
PLAN_INPUTS = tuple(
    c
    for c in PROGRAM_INPUTS
    if issubclass(c.error, MeshfleetError)
    and c.value is not ABSENT
    and isinstance(c.spec or c.value, dict)
)


@pytest.mark.parametrize("case", PLAN_INPUTS, ids=_ids(PLAN_INPUTS))
def test_fleetctl_plan_exits_2_with_the_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: BadInput
) -> None:
    directory = make_program(tmp_path, case)
    code = fleetctl_main(["plan", "--program", str(directory), "--stack", STACK])
    err = capsys.readouterr().err
    assert code == 2, err
    assert case.fragment in err, err
    assert "Traceback" not in err


def test_fleetctl_plan_refuses_a_missing_lock_and_a_bad_stack_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = make_program(tmp_path, BadInput("good", "spec", GOOD, Exception, ""))
    missing = tmp_path / "locks" / "typo.json"
    assert (
        fleetctl_main(
            ["plan", "--program", str(directory), "--stack", STACK, "--lock", str(missing)]
        )
        == 2
    )
    assert f"{missing}: does not exist" in capsys.readouterr().err
    assert fleetctl_main(["plan", "--program", str(directory), "--stack", "../bad"]) == 2
    assert "stack: '../bad' is not a Pulumi stack name" in capsys.readouterr().err


CLI_CASES = tuple(c for c in ALL if c.cli)


@pytest.mark.parametrize("case", CLI_CASES, ids=_ids(CLI_CASES))
def test_real_cli_exits_2_with_the_message(tmp_path: Path, case: BadInput) -> None:
    """The real ``python -m fleetctl check`` subprocess, for a handful of the catalogue."""
    if case.kind == "policy-config":
        directory = make_program(
            tmp_path / "program", BadInput("good", "spec", GOOD, Exception, "")
        )
        config = tmp_path / "pack-config.json"
        config.write_text(json.dumps(case.value))
        extra = ["--policy-pack-config", str(config)]
    else:
        directory, extra = make_program(tmp_path, case), []
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "fleetctl",
            "check",
            "--program",
            str(directory),
            "--stack",
            STACK,
            *extra,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert case.fragment in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr  # the error, not a fleetctl crash


def test_real_cli_rejects_a_policy_config_that_is_not_json(tmp_path: Path) -> None:
    directory = make_program(tmp_path / "program", BadInput("good", "spec", GOOD, Exception, ""))
    config = tmp_path / "pack-config.json"
    config.write_text("{'all': 'mandatory'}")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "fleetctl",
            "check",
            "--program",
            str(directory),
            "--stack",
            STACK,
            "--policy-pack-config",
            str(config),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "not valid JSON" in proc.stderr, proc.stderr


@pytest.mark.parametrize("case", POLICY_CONFIGS, ids=_ids(POLICY_CONFIGS))
def test_policy_config_is_rejected_and_the_pack_keeps_its_config(
    configured: PolicyPackRunner, case: BadInput
) -> None:
    """The runner resolves a config exactly as the CLI does before Configure; a rejected one
    changes nothing (the running pack still has, and acts on, its previous config)."""
    before = json.dumps(configured.resolved_config, sort_keys=True)
    with pytest.raises(case.error) as info:
        configured.reconfigure(case.value)
    assert case.fragment in str(info.value), str(info.value)
    assert json.dumps(configured.resolved_config, sort_keys=True) == before
    sb, r = two_region_fleet()
    sb.set(r["c1"], deletionProtection=False)
    assert {d.policy_name for d in configured.analyze_stack(sb.resources)} == {
        "cluster-deletion-protection-disabled"
    }


def test_malformed_reserved_cidr_entry_is_bad_config(configured: PolicyPackRunner) -> None:
    """A reservedCidrs entry that is no CIDR fails the schema's pattern, as the Pulumi CLI's
    schema validation would: bad input (`fleetctl check` exits 2), not a violation on nothing."""
    before = json.dumps(configured.resolved_config, sort_keys=True)
    with pytest.raises(ValueError, match=r"reservedCidrs\[0\]: '10.0.0.0/33 dc' does not match"):
        configured.reconfigure(
            {"cidr-overlaps-reserved-cidrs": {"reservedCidrs": ["10.0.0.0/33 dc"]}}
        )
    assert json.dumps(configured.resolved_config, sort_keys=True) == before
