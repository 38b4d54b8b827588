"""Reading a Pulumi project and its stack configuration the way the Pulumi CLI does, without it.

The one reader of ``Pulumi.yaml`` / ``Pulumi.<stack>.yaml`` in fleetctl: ``plan`` and ``diagram``
read the fleet spec through it, ``capture`` the whole config a program runs with.

* A stack without a stack file runs with empty config (plus the defaults ``Pulumi.yaml``
  declares), as ``pulumi stack init`` + ``pulumi preview`` would; but when stack files exist and
  the named stack is not one of them, that is an error listing the stacks found (a typo must
  not silently run with empty config).
* ``--stack`` defaults to the only stack file of the program directory, else ``dev``.
* Stack files live in the project directory or in its ``stackConfigDir``.
* A duplicated key in any of these files is an error naming the file, line and key.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fleetctl.errors import InputError
from fleetctl.yamlio import load_yaml

FLEET_KEY = "meshfleet:fleet"
_CHECKOUT = Path(__file__).resolve().parents[1]
PROJECT_DIR = _CHECKOUT if (_CHECKOUT / "Pulumi.yaml").is_file() else Path.cwd()
"""The default program of every fleetctl command: this meshfleet checkout when fleetctl runs
from one, else (an installed fleetctl) the current directory, as for ``pulumi``."""


SECRET_PLACEHOLDER = "[secret]"
"""What a ``secure:`` value becomes offline: it cannot be decrypted without the stack's key."""


class StackConfigError(InputError):
    """Bad input: no program, an unreadable or invalid Pulumi.yaml or stack config file."""


DEFAULT_STACK = "dev"


def add_stack_options(parser: argparse.ArgumentParser, program_help: str) -> None:
    """``--stack`` and ``--program``, the same for every fleetctl command (``--stack`` is
    resolved by :func:`resolve_stack` once the arguments are parsed)."""
    parser.add_argument(
        "--stack",
        default=None,
        help="stack name: reads Pulumi.<stack>.yaml (default: the only stack "
        f"file of the program directory, else {DEFAULT_STACK!r}; a stack "
        "without a stack file runs with empty config)",
    )
    parser.add_argument("--program", type=Path, default=PROJECT_DIR, help=program_help)


def stack_dir(program_dir: Path, project: Mapping[str, Any]) -> Path:
    """Where the stack files live: ``stackConfigDir`` of Pulumi.yaml, else the project dir."""
    sub = project.get("stackConfigDir")
    return program_dir / sub if isinstance(sub, str) and sub else program_dir


def stack_names(program_dir: Path, project: Mapping[str, Any]) -> list[str]:
    """The stacks that have a stack file, sorted."""
    directory = stack_dir(program_dir, project)
    found = {
        p.name[len("Pulumi.") : -len(p.suffix)]
        for pattern in ("Pulumi.*.yaml", "Pulumi.*.yml")
        for p in directory.glob(pattern)
    }
    return sorted(n for n in found if n)


def resolve_stack(program_dir: Path, requested: str | None) -> str:
    """``requested``, else the only stack file's stack, else ``dev``."""
    if requested:
        return requested
    try:
        names = stack_names(program_dir, load_project(program_dir))
    except InputError:
        names = []  # the command itself reports a bad project
    return names[0] if len(names) == 1 else DEFAULT_STACK


def load_project(program_dir: Path) -> dict[str, Any]:
    """``Pulumi.yaml`` (or ``.yml``) of a program directory; StackConfigError if missing or bad."""
    for fname in ("Pulumi.yaml", "Pulumi.yml"):
        path = program_dir / fname
        if path.is_file():
            data = load_yaml(path)
            if not isinstance(data, dict) or not isinstance(data.get("name"), str):
                raise StackConfigError(f"{path}: needs a top-level 'name' (the project name)")
            runtime = data.get("runtime")
            rname = runtime.get("name") if isinstance(runtime, dict) else runtime
            if rname != "python":
                raise StackConfigError(
                    f"{path}: runtime is {rname!r}; fleetctl runs Python programs"
                )
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
    path = config_file or stack_file(program_dir, project, stack)
    if path.is_file():
        data = load_yaml(path) or {}
    elif config_file is not None:
        raise StackConfigError(f"{path}: does not exist")
    elif stack_names(program_dir, project):
        raise StackConfigError(
            f"{path}: does not exist: stack {stack!r} has no stack file; the stacks here are "
            f"{', '.join(stack_names(program_dir, project))} (pass --stack)"
        )
    else:
        data = {}  # a new stack: empty config, as `pulumi stack init` leaves it
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


def stack_file(program_dir: Path, project: Mapping[str, Any], stack: str) -> Path:
    """The stack file of ``stack`` (``Pulumi.<stack>.yaml``; ``.yml`` when only that exists)."""
    directory = stack_dir(program_dir, project)
    yml = directory / f"Pulumi.{stack}.yml"
    return (
        yml
        if yml.is_file() and not (directory / f"Pulumi.{stack}.yaml").is_file()
        else directory / f"Pulumi.{stack}.yaml"
    )


def fleet_config(program_dir: str | Path, stack: str) -> Any:
    """The raw ``meshfleet:fleet`` value of a stack."""
    program = Path(program_dir)
    project = load_project(program)
    config = load_stack_config(program, project, stack)
    path = stack_file(program, project, stack)
    if FLEET_KEY not in config:
        raise StackConfigError(
            f"{path}: has no `{FLEET_KEY}` key (see README); it has "
            f"{', '.join(sorted(config)) or 'no keys'}"
        )
    if config[FLEET_KEY] == SECRET_PLACEHOLDER:
        raise StackConfigError(
            f"{path}: `{FLEET_KEY}` is encrypted; offline runs need it in clear text"
        )
    return config[FLEET_KEY]
