"""Subprocess side of :func:`fleetctl.capture.program_dir.run_program_dir`: run the program in
the interpreter its Pulumi.yaml selects and write the capture (or the error) as JSON.

Imports nothing but the standard library, pulumi and its dependencies, and fleetctl's own
capture and answers modules (a test checks).
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fleetctl.answers.answerfile import AnswerEntry
from fleetctl.capture.inprocess import run_program
from fleetctl.capture.model import ProgramError, UnexpectedInvokeError


def main(argv: Sequence[str]) -> int:
    req_path, out_path = Path(argv[0]), Path(argv[1])
    req = json.loads(req_path.read_text())
    program_dir = req["program_dir"]
    os.chdir(program_dir)
    if sys.path[:1] != [program_dir]:
        sys.path.insert(0, program_dir)
    main_py = req["program"]

    def program() -> None:
        runpy.run_path(main_py, run_name="__main__")

    result: dict[str, Any]
    try:
        cap = run_program(
            program,
            project=req["project"],
            stack=req["stack"],
            config=req["config"],
            strict_invokes=req["strict_invokes"],
            preview=req["preview"],
            root_directory=req["root_directory"],
            answers=[AnswerEntry.from_json(a) for a in req["answers"]],
        )
        result = {"capture": cap.to_json()}
    except UnexpectedInvokeError as exn:
        result = {"error": {"kind": "invoke", "message": exn.message}}
    except ProgramError as exn:
        result = {
            "error": {
                "kind": "program",
                "message": exn.message,
                "details": exn.details,
                "module": exn.module,
            }
        }
    out_path.write_text(json.dumps(result))
    return 0
