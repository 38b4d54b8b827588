"""The Pulumi SDK internals fleetctl relies on (fleetctl/capture/sdk.py), pinned to the SDK range
requirements.txt declares: a new SDK that moves one fails here, naming it."""

from __future__ import annotations

import ast
from importlib.metadata import version
from pathlib import Path

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
        f"pulumi {installed} moved internals fleetctl/capture/sdk.py relies on: {sdk.problems()}")


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
            if private or any(n.startswith(("pulumi.runtime.sync_await", "pulumi.runtime.stack",
                                             "pulumi.runtime.settings", "pulumi._types"))
                              for n in names):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: {names}")
    assert offenders == []
