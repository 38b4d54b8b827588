"""Run a program directory as ``pulumi preview --stack S`` would, in a fresh subprocess.

The program runs with the interpreter its ``Pulumi.yaml`` selects (:mod:`fleetctl.capture.
toolchain`), cwd and ``sys.path[0]`` the program directory, like the Python language host: a
program imports its own packages and its own dependencies, and module state, the Pulumi
runtime's global settings and the process-wide resource-package registry cannot leak between
two runs. Only fleetctl's own code is added to that interpreter's path (a directory holding
nothing but a link to the ``fleetctl`` package): the child imports nothing beyond the standard
library, pulumi and its dependencies (PyYAML, protobuf, grpc), and what the program imports.
The price is one interpreter start (~0.3 s).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fleetctl.answers.answerfile import AnswerEntry
from fleetctl.capture.model import Capture, ProgramError, UnexpectedInvokeError
from fleetctl.capture.toolchain import Interpreter, resolve
from fleetctl.errors import InputError
from fleetctl.stackconfig import StackConfigError, load_project, load_stack_config

FLEETCTL_PACKAGE = Path(__file__).resolve().parent.parent
MIN_PYTHON = (3, 11)

# Run by the program's interpreter before anything of fleetctl: a clear error for an
# interpreter too old for fleetctl's code, or one without pulumi.
_BOOTSTRAP = """
import json, sys
out = sys.argv[2]
def fail(kind, message, module=""):
    with open(out, "w") as f:
        json.dump({"error": {"kind": kind, "message": message, "module": module}}, f)
    sys.exit(0)
if sys.version_info < (MAJOR, MINOR):
    fail("interpreter", "is Python %d.%d; fleetctl runs programs with Python MAJOR.MINOR or newer"
         % sys.version_info[:2])
try:
    import pulumi  # noqa: F401
except ImportError as exc:
    fail("missing-module", str(exc), getattr(exc, "name", "") or "pulumi")
from fleetctl.capture.child import main
sys.exit(main(sys.argv[1:]))
""".replace("MAJOR", str(MIN_PYTHON[0])).replace("MINOR", str(MIN_PYTHON[1]))


def program_path(program_dir: Path, project: dict[str, Any]) -> Path:
    """What the language host runs: ``main`` of Pulumi.yaml (a directory with ``__main__.py``
    or a ``.py`` file), else ``__main__.py`` of the project directory."""
    main = project.get("main")
    target = program_dir / main if isinstance(main, str) and main else program_dir
    if target.is_dir():
        target = target / "__main__.py"
    if not target.is_file():
        where = f" (Pulumi.yaml main: {main})" if main else ""
        raise StackConfigError(f"{target}: does not exist{where}; fleetctl runs Python programs")
    return target


def run_program_dir(
    program_dir: Path,
    *,
    stack: str,
    config_file: Path | None = None,
    strict_invokes: bool = False,
    preview: bool = True,
    python: str | None = None,
    answers: Sequence[AnswerEntry] = (),
    timeout: float = 600.0,
) -> Capture:
    """Run the program of ``program_dir`` as ``pulumi preview --stack <stack>`` would.

    Reads the project from ``Pulumi.yaml`` and the config from the stack file (or
    ``config_file``; no stack file: empty config). ``python`` overrides the interpreter
    ``Pulumi.yaml`` selects. Raises StackConfigError (an InputError) for bad input,
    ProgramError when the program fails (its message, traceback and output; for a module it
    cannot import, which module and which interpreter).
    """
    program_dir = Path(program_dir).resolve()
    if not program_dir.is_dir():
        raise InputError(f"--program {program_dir}: not a directory")
    project = load_project(program_dir)
    main_py = program_path(program_dir, project)
    config = load_stack_config(program_dir, project, stack, config_file)
    interp = Interpreter(python, "--python") if python else resolve(program_dir, project)
    request = {
        "program": str(main_py),
        "program_dir": str(main_py.parent),
        "root_directory": str(program_dir),
        "project": project["name"],
        "stack": stack,
        "config": config,
        "strict_invokes": strict_invokes,
        "preview": preview,
        "answers": [a.to_json() for a in answers],
    }
    with tempfile.TemporaryDirectory(prefix="fleetctl-capture-") as tmp:
        # A path entry holding only fleetctl: the child sees none of fleetctl's site-packages.
        (Path(tmp) / "path").mkdir()
        (Path(tmp) / "path" / "fleetctl").symlink_to(FLEETCTL_PACKAGE, target_is_directory=True)
        env = interp.environ(dict(os.environ))
        env["PYTHONPATH"] = os.pathsep.join([str(main_py.parent), str(Path(tmp) / "path")])
        env.update(
            PULUMI_PROJECT=str(project["name"]),
            PULUMI_STACK=stack,
            PULUMI_DRY_RUN="true" if preview else "false",
        )
        req_path, out_path = Path(tmp) / "request.json", Path(tmp) / "capture.json"
        req_path.write_text(json.dumps(request))
        try:
            proc = subprocess.run(
                [interp.python, "-c", _BOOTSTRAP, str(req_path), str(out_path)],
                cwd=main_py.parent,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except OSError as exc:
            raise InputError(
                f"cannot run {interp.python} ({interp.origin}): {exc.strerror or exc}",
                kind="environment",
            ) from exc
        output = (proc.stdout + proc.stderr).strip()
        if not out_path.is_file():
            raise ProgramError(
                f"the program runner ({interp.python}) exited with code {proc.returncode} "
                "without a result",
                output,
            )
        result = json.loads(out_path.read_text())
    if "error" in result:
        raise _error(result["error"], output, interp)
    cap = Capture.from_json(result["capture"])
    cap.program_output = output
    return cap


def _error(err: dict[str, Any], output: str, interp: Interpreter) -> Exception:
    details = "\n".join(x for x in (err.get("details", ""), output) if x).strip()
    kind, message, module = err.get("kind"), str(err.get("message", "")), err.get("module", "")
    if kind == "interpreter":
        return InputError(f"{interp.python} ({interp.origin}) {message}", kind="environment")
    if kind == "invoke":
        return UnexpectedInvokeError(message)
    if module:
        top = str(module).split(".")[0]
        hint = (
            f"install it there, e.g. `{interp.python} -m pip install -r requirements.txt`"
            if interp.venv is not None
            else "declare the program's virtualenv in Pulumi.yaml "
            "(runtime.options.virtualenv) or install it into that interpreter"
        )
        return ProgramError(
            f"the program needs the module {top!r}, which is not installed in "
            f"{interp.python} ({interp.origin}); {hint} ({message})",
            details,
            module=top,
        )
    return ProgramError(f"{message}", details)
