"""The Pulumi SDK internals fleetctl relies on (fleetctl/capture/sdk.py), pinned to the SDK range
requirements.txt declares: a new SDK that moves one fails here, naming it."""

from __future__ import annotations

import ast
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from fleetctl.capture import sdk

REPO = Path(__file__).resolve().parents[2]


def _declared(package: str) -> SpecifierSet:
    spec = SpecifierSet()
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and Requirement(line).name.lower() == package:
            spec &= Requirement(line).specifier
    return spec


def test_installed_sdk_is_in_the_declared_range_and_nothing_moved() -> None:
    declared = _declared("pulumi")
    installed = version("pulumi")
    assert str(declared), "requirements.txt declares no pulumi range"
    assert installed in declared, f"pulumi {installed} is outside requirements.txt's {declared}"
    assert sdk.problems() == [], (
        f"pulumi {installed} moved internals fleetctl/capture/sdk.py relies on: {sdk.problems()}"
    )


def test_the_sentinel_is_the_sdks_own() -> None:
    from pulumi.runtime import rpc

    assert sdk.UNKNOWN is rpc.UNKNOWN


def test_no_other_fleetctl_module_touches_sdk_internals() -> None:
    """Private names of the pulumi package are used in fleetctl/capture/sdk.py only."""
    offenders = []
    for path in sorted((REPO / "fleetctl").rglob("*.py")):
        if path.name == "sdk.py" and path.parent.name == "capture":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pulumi"):
                names = [node.module or ""] + [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names if a.name.startswith("pulumi")]
            private = [n for n in names for part in n.split(".") if part.startswith("_")]
            if private or any(
                n.startswith(
                    (
                        "pulumi.runtime.sync_await",
                        "pulumi.runtime.stack",
                        "pulumi.runtime.settings",
                        "pulumi._types",
                    )
                )
                for n in names
            ):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: {names}")
    assert offenders == []


def _example(monkeypatch: Any, sdk_wait: bool) -> Any:
    import runpy

    from fleetctl.capture import run_program
    from tests.components.stacks import big_fleet

    if sdk_wait:
        monkeypatch.setenv(sdk.SDK_WAIT_ENV, "1")
    else:
        monkeypatch.delenv(sdk.SDK_WAIT_ENV, raising=False)
    config = {"alicloud:region": "cn-hangzhou", "meshfleet:fleet": big_fleet()}
    return run_program(
        lambda: runpy.run_path(str(REPO / "__main__.py"), run_name="__main__"),
        project="meshfleet",
        stack="fence",
        config=config,
        root_directory=str(REPO),
    )


def test_the_linear_wait_records_what_the_sdks_wait_records(monkeypatch: Any) -> None:
    """The capture ends a program with sdk.linear_wait_for_rpcs instead of the SDK's quadratic
    loop: the same registrations, outputs and invokes come out of a 20-cluster fleet."""
    fast, slow = _example(monkeypatch, False), _example(monkeypatch, True)

    def by_urn(cap: Any) -> dict[str, Any]:
        # Registration order and the order of dependency lists follow the event loop's
        # scheduling, which the wait changes; what each resource is and waits on must not.
        return {
            r["urn"]: {
                **r,
                "dependencies": sorted(r["dependencies"]),
                "propertyDependencies": {
                    k: sorted(v) for k, v in r["propertyDependencies"].items()
                },
            }
            for r in cap.engine_view()
        }

    assert by_urn(fast) == by_urn(slow)
    assert fast.stack_outputs == slow.stack_outputs

    def invokes(cap: Any) -> list[str]:
        import json

        return sorted(json.dumps([i.token, i.args], sort_keys=True) for i in cap.invokes)

    assert invokes(fast) == invokes(slow)
    from pulumi.runtime import stack

    assert stack.wait_for_rpcs is not sdk.linear_wait_for_rpcs  # restored after the run


@pytest.mark.parametrize("sdk_wait", [False, True])
def test_a_failing_apply_fails_the_run_under_either_wait(monkeypatch: Any, sdk_wait: bool) -> None:
    import pulumi

    from fleetctl.capture import ProgramError, run_program

    if sdk_wait:
        monkeypatch.setenv(sdk.SDK_WAIT_ENV, "1")

    def program() -> None:
        r = pulumi.ComponentResource("t:m:C", "c")
        pulumi.Output.from_input("x").apply(lambda _: 1 / 0)
        pulumi.export("urn", r.urn)

    with pytest.raises(ProgramError, match="ZeroDivisionError"):
        run_program(program, project="p", stack="s", config={})
