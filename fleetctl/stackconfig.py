"""Reading a Pulumi project and its stack configuration the way the Pulumi CLI does, without it.

The one reader of ``Pulumi.yaml`` / ``Pulumi.<stack>.yaml`` in fleetctl: ``plan`` and ``diagram``
read the fleet spec through it, ``capture`` the whole config a program runs with.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

FLEET_KEY = "meshfleet:fleet"
PROJECT_DIR = Path(__file__).resolve().parents[1]
"""This meshfleet checkout: the default program of every fleetctl command."""


SECRET_PLACEHOLDER = "[secret]"
"""What a ``secure:`` value becomes offline: it cannot be decrypted without the stack's key."""


class StackConfigError(Exception):
    """Bad input: no program, an unreadable or invalid Pulumi.yaml or stack config file."""


def add_stack_options(parser: argparse.ArgumentParser, program_help: str) -> None:
    """``--stack`` and ``--program``, the same for every fleetctl command."""
    parser.add_argument("--stack", default="example",
                        help="stack name (reads Pulumi.<stack>.yaml)")
    parser.add_argument("--program", type=Path, default=PROJECT_DIR, help=program_help)


def load_project(program_dir: Path) -> dict[str, Any]:
    """``Pulumi.yaml`` (or ``.yml``) of a program directory; StackConfigError if missing or bad."""
    for fname in ("Pulumi.yaml", "Pulumi.yml"):
        path = program_dir / fname
        if path.is_file():
            try:
                data = yaml.safe_load(path.read_text())
            except yaml.YAMLError as exn:
                raise StackConfigError(f"{path}: not valid YAML: {exn}") from exn
            if not isinstance(data, dict) or not isinstance(data.get("name"), str):
                raise StackConfigError(f"{path}: needs a top-level 'name' (the project name)")
            runtime = data.get("runtime")
            rname = runtime.get("name") if isinstance(runtime, dict) else runtime
            if rname != "python":
                raise StackConfigError(f"{path}: runtime is {rname!r}; fleetctl runs Python "
                                       "programs")
            return data
    raise StackConfigError(f"{program_dir}: no Pulumi.yaml (is this a Pulumi program directory?)")


def load_stack_config(
    program_dir: Path, project: Mapping[str, Any], stack: str, config_file: Path | None = None
) -> dict[str, Any]:
    """The stack's config with full keys, as the CLI would give the program.

    Short keys get the project-name prefix; declared defaults from ``Pulumi.yaml`` fill
    missing keys; a declared ``type`` is checked (string/integer/boolean/array/object);
    ``secure:`` values cannot be decrypted offline and become the string ``"[secret]"``.
    """
    name = str(project["name"])
    path = config_file or program_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise StackConfigError(f"{path}: does not exist (no stack config for stack {stack!r})")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exn:
        raise StackConfigError(f"{path}: not valid YAML: {exn}") from exn
    if not isinstance(data, dict):
        raise StackConfigError(f"{path}: expected a mapping at the top level")
    raw = data.get("config") or {}
    if not isinstance(raw, dict):
        raise StackConfigError(f"{path}: 'config' must be a mapping, got {type(raw).__name__}")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        full = key if ":" in str(key) else f"{name}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            value = SECRET_PLACEHOLDER
        out[str(full)] = value
    declared = project.get("config") or {}
    if isinstance(declared, dict):
        for key, spec in declared.items():
            full = key if ":" in str(key) else f"{name}:{key}"
            if not isinstance(spec, dict):
                if full not in out and spec is not None:
                    out[full] = spec
                continue
            if full not in out and "default" in spec:
                out[full] = spec["default"]
            _check_declared_type(path, full, spec.get("type"), out.get(full))
    return out


_YAML_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def _check_declared_type(path: Path, key: str, declared: Any, value: Any) -> None:
    if value is None or not isinstance(declared, str) or declared not in _YAML_TYPES:
        return
    ok = isinstance(value, _YAML_TYPES[declared])
    if declared == "integer" and isinstance(value, bool):
        ok = False
    if not ok:
        raise StackConfigError(
            f"{path}: config {key!r} is declared as {declared} in Pulumi.yaml, "
            f"got {type(value).__name__} {json.dumps(value, default=str)[:80]}"
        )


def fleet_config(program_dir: str | Path, stack: str) -> Any:
    """The raw ``meshfleet:fleet`` value of a stack."""
    program = Path(program_dir)
    config = load_stack_config(program, load_project(program), stack)
    path = program / f"Pulumi.{stack}.yaml"
    if FLEET_KEY not in config:
        raise StackConfigError(f"{path}: has no `{FLEET_KEY}` key (see README); it has "
                               f"{', '.join(sorted(config)) or 'no keys'}")
    if config[FLEET_KEY] == SECRET_PLACEHOLDER:
        raise StackConfigError(f"{path}: `{FLEET_KEY}` is encrypted; offline runs need it in "
                               "clear text")
    return config[FLEET_KEY]
