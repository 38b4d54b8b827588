"""Copies of this project's stack program in a temporary directory, for tests and benchmarks
that run it through ``fleetctl`` the way ``pulumi preview`` would.

The copy holds what the program needs beside its stack file: ``__main__.py``, ``Pulumi.yaml``,
the ``meshfleet`` package it imports (linked) and the virtualenv ``Pulumi.yaml`` declares
(``.venv``, linked to the interpreter running the tests), since ``fleetctl`` runs a program with
its own virtualenv and only its own directory on the path, as Pulumi does.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]


def copy_program(
    directory: Path,
    *,
    stack: str | None = None,
    config: Mapping[str, Any] | None = None,
    locks: bool = False,
) -> Path:
    """``directory`` made into a copy of the meshfleet program; with ``stack``, its stack file
    ``Pulumi.<stack>.yaml`` holds ``config`` (full keys); ``locks``: copy ``locks/`` too."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("__main__.py", "Pulumi.yaml"):
        shutil.copy(REPO / name, directory / name)
    (directory / "meshfleet").symlink_to(REPO / "meshfleet", target_is_directory=True)
    (directory / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    if locks:
        shutil.copytree(REPO / "locks", directory / "locks")
    if stack is not None:
        (directory / f"Pulumi.{stack}.yaml").write_text(
            yaml.safe_dump({"config": dict(config or {})})
        )
    return directory
