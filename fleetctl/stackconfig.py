"""Reading a Pulumi project's stack configuration the way the Pulumi CLI does, without it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from components.errors import Problem, SpecError

FLEET_KEY = "meshfleet:fleet"
PROJECT_DIR = Path(__file__).resolve().parents[1]
"""This meshfleet checkout: the default program of every fleetctl command."""


def add_stack_options(parser: argparse.ArgumentParser, program_help: str) -> None:
    """``--stack`` and ``--program``, the same for every fleetctl command."""
    parser.add_argument("--stack", default="example",
                        help="stack name (reads Pulumi.<stack>.yaml)")
    parser.add_argument("--program", type=Path, default=PROJECT_DIR, help=program_help)


class StackConfigError(SpecError):
    """A project or stack file that is missing or is not valid YAML."""

    title = "Invalid stack configuration"


def _read_yaml(path: Path) -> Any:
    if not path.exists():
        raise StackConfigError([Problem(str(path), None, "does not exist")])
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise StackConfigError([Problem(str(path), None, f"is not valid YAML: {exc}")]) from exc


def project_name(program_dir: str | Path) -> str:
    """The project name from ``Pulumi.yaml``."""
    path = Path(program_dir) / "Pulumi.yaml"
    doc = _read_yaml(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
        raise StackConfigError([Problem(f"{path}.name", doc, "must name the project")])
    return str(doc["name"])


def load_stack_config(program_dir: str | Path, stack: str) -> dict[str, Any]:
    """``Pulumi.<stack>.yaml``'s ``config``, every key namespaced as the CLI namespaces it."""
    project = project_name(program_dir)
    path = Path(program_dir) / f"Pulumi.{stack}.yaml"
    doc = _read_yaml(path) or {}
    config = doc.get("config", {}) if isinstance(doc, dict) else None
    if not isinstance(config, dict):
        raise StackConfigError([Problem(f"{path}.config", config, "must be a mapping")])
    out = {}
    for key, value in config.items():
        full = key if ":" in str(key) else f"{project}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            raise StackConfigError([Problem(f"{path}.config.{key}", "<secure>",
                                            "is encrypted; offline runs need it in clear text "
                                            "or a stack without secrets")])
        out[full] = value
    return out


def fleet_config(program_dir: str | Path, stack: str) -> Any:
    """The raw ``meshfleet:fleet`` value of a stack."""
    config = load_stack_config(program_dir, stack)
    if FLEET_KEY not in config:
        path = Path(program_dir) / f"Pulumi.{stack}.yaml"
        raise StackConfigError([Problem(f"{path}.config", sorted(config),
                                        f"has no `{FLEET_KEY}` key (see README)")])
    return config[FLEET_KEY]
