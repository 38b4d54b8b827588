"""Which Python interpreter runs a program: the ``Pulumi.yaml`` runtime options, as Pulumi reads
them (its Python language host's toolchains, ``sdk/python/toolchain`` in pulumi/pulumi).

* ``toolchain: pip`` (the default) with ``virtualenv: DIR``: ``DIR/bin/python`` (``DIR``
  relative to the project directory);
* ``toolchain: uv``: ``virtualenv``, else the ``.venv`` next to the nearest ``uv.lock`` or
  ``pyproject.toml``, else ``<project>/.venv``;
* ``toolchain: poetry``: the environment ``poetry env info --path`` names;
* no virtualenv (pip): ``PULUMI_PYTHON_CMD`` when set. Otherwise Pulumi would take ``python3``
  from ``PATH``; fleetctl takes the interpreter it runs in, which is that same ``python3`` when
  the user's virtualenv is activated and is also right when fleetctl is started as
  ``.venv/bin/python -m fleetctl`` without activating anything.

A declared virtualenv that does not exist is refused with the commands that create it (the
ones Pulumi prints), not created: ``fleetctl check`` is read-only and offline, and creating an
environment writes into the user's directory and downloads packages. Run the commands (or
``pulumi install``) once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fleetctl.errors import InputError


@dataclass(frozen=True)
class Interpreter:
    """The interpreter a program runs with, and where that choice came from (for messages)."""

    python: str
    origin: str
    """e.g. ``the virtualenv 'venv' (Pulumi.yaml runtime.options.virtualenv)``."""
    venv: Path | None = None

    def environ(self, base: dict[str, str]) -> dict[str, str]:
        """``base`` with the virtualenv activated, as Pulumi's ``ActivateVirtualEnv`` does."""
        env = dict(base)
        if self.venv is not None:
            env["PATH"] = os.pathsep.join([str(self.venv / _bin()), env.get("PATH", "")])
            env["VIRTUAL_ENV"] = str(self.venv)
            env.pop("PYTHONHOME", None)
        return env


def _bin() -> str:
    return "Scripts" if os.name == "nt" else "bin"


def _venv_python(venv: Path) -> Path:
    return venv / _bin() / ("python.exe" if os.name == "nt" else "python")


def runtime_options(project: dict[str, Any]) -> dict[str, Any]:
    runtime = project.get("runtime")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    return dict(options) if isinstance(options, dict) else {}


def resolve(project_dir: Path, project: dict[str, Any]) -> Interpreter:
    """The interpreter ``pulumi preview`` would run the program with (see the module doc)."""
    options = runtime_options(project)
    toolchain = str(options.get("toolchain") or "pip")
    virtualenv = options.get("virtualenv")
    if virtualenv is not None and not isinstance(virtualenv, str):
        raise InputError(
            f"{project_dir / 'Pulumi.yaml'}: runtime.options.virtualenv must be a "
            f"path, got {virtualenv!r}"
        )
    if toolchain == "poetry":
        return _poetry(project_dir)
    if toolchain == "uv":
        venv = Path(virtualenv) if virtualenv else _uv_default(project_dir)
        return _declared(project_dir, venv, f"uv's virtualenv {venv}", ["uv sync"])
    if toolchain != "pip":
        raise InputError(
            f"{project_dir / 'Pulumi.yaml'}: runtime.options.toolchain is "
            f"{toolchain!r}; Pulumi knows pip, uv and poetry"
        )
    if virtualenv:
        return _declared(
            project_dir,
            Path(virtualenv),
            f"the virtualenv {virtualenv!r} (Pulumi.yaml runtime.options.virtualenv)",
            None,
        )
    command = os.environ.get("PULUMI_PYTHON_CMD")
    if command:
        found = shutil.which(command)
        if found is None:
            raise InputError(f"PULUMI_PYTHON_CMD={command}: not found on PATH")
        return Interpreter(found, f"PULUMI_PYTHON_CMD={command}")
    return Interpreter(
        sys.executable,
        "fleetctl's own interpreter (Pulumi.yaml declares no "
        "virtualenv; set runtime.options.virtualenv or PULUMI_PYTHON_CMD)",
    )


def _declared(
    project_dir: Path, venv: Path, origin: str, commands: list[str] | None
) -> Interpreter:
    full = venv if venv.is_absolute() else project_dir / venv
    python = _venv_python(full)
    if python.is_file():
        return Interpreter(str(python), origin, full)
    state = "does not exist" if not full.exists() else "is not a virtual environment"
    if commands is None:  # pip: the commands Pulumi's NewVirtualEnvError prints
        commands = [
            f"python3 -m venv {full}",
            f"{python} -m pip install --upgrade pip setuptools wheel",
            f"{python} -m pip install -r {project_dir / 'requirements.txt'}",
        ]
    steps = "\n".join(f"    {i}. {c}" for i, c in enumerate(commands, 1))
    raise InputError(
        f"{origin}: {full} {state}; create it and install the program's "
        f"dependencies (or run `pulumi install` in {project_dir}):\n{steps}",
        kind="environment",
    )


def _uv_default(project_dir: Path) -> Path:
    for name in ("uv.lock", "pyproject.toml"):
        for directory in (project_dir, *project_dir.parents):
            if (directory / name).is_file():
                return directory / ".venv"
    return project_dir / ".venv"


def _poetry(project_dir: Path) -> Interpreter:
    poetry = shutil.which("poetry")
    if poetry is None:
        raise InputError(
            "Pulumi.yaml selects the poetry toolchain, but `poetry` is not on PATH",
            kind="environment",
        )
    proc = subprocess.run(
        [poetry, "env", "info", "--path"],
        cwd=project_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    path = proc.stdout.strip()
    if proc.returncode != 0 or not path:
        raise InputError(
            f"poetry has no environment for {project_dir}; run `poetry install` "
            f"there (poetry said: {proc.stderr.strip() or proc.stdout.strip()})",
            kind="environment",
        )
    return _declared(project_dir, Path(path), f"poetry's environment {path}", ["poetry install"])
