"""What exists in the account, offline: ``meshfleet.components.reader.read_inventory`` run under
fleetctl's recording monitor, its data sources answered from recorded answers (``--answers``)
and fleetctl's catalogue of cloud facts, exactly as ``fleetctl check`` answers the program.

``fleetctl plan`` plans with it, so its tables match what the program plans at preview. A data
source only synthesis could answer (an IPAM pool, an existing VPC or cluster nobody recorded)
is an error naming each call: a plan of made-up pools would be worse than none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fleetctl.answers.answerfile import AnswerEntry, load_answers
from fleetctl.capture.inprocess import run_program
from fleetctl.capture.model import InvokeRecord, ProgramError
from fleetctl.errors import InputError
from meshfleet.errors import MeshfleetError
from meshfleet.inventory import Inventory
from meshfleet.pipeline import Reader
from meshfleet.specmodel import FleetSpec


def offline_reader(
    answers_file: Path | None, *, project: str, stack: str, config: Mapping[str, Any]
) -> Reader:
    """A ``plan_stack`` reader answering the program's reads from ``answers_file``."""
    entries: Sequence[AnswerEntry] = load_answers(answers_file) if answers_file else ()

    def read(spec: FleetSpec, lock: Mapping[str, str]) -> Inventory:
        from meshfleet.components.reader import read_inventory

        found: list[Inventory] = []
        refused: list[MeshfleetError] = []

        def program() -> None:
            try:
                found.append(read_inventory(spec, lock))
            except MeshfleetError as exc:  # bad input found while reading: raised as it is
                refused.append(exc)

        try:
            capture = run_program(
                program, project=project, stack=stack, config=config, answers=entries
            )
        except ProgramError as exc:
            raise InputError(f"reading the account failed: {exc}") from exc
        unanswered = [i for i in capture.invokes if not i.known]
        if unanswered:  # first: a refusal of made-up answers would blame the spec wrongly
            raise InputError(unanswered_message(unanswered, answers_file))
        if refused:
            raise refused[0]
        return found[0]

    return read


def unanswered_message(invokes: Sequence[InvokeRecord], answers_file: Path | None) -> str:
    """Which reads had no recorded answer, and how to give them one."""
    where = f"in {answers_file}" if answers_file else "(no --answers file given)"
    calls = "\n".join(f"  - {i.token} {i.args}" for i in invokes)
    return (
        f"the plan needs what exists in the account, and {len(invokes)} data source "
        f"call(s) have no recorded answer {where}:\n{calls}\n"
        "record each (function, args, result) in an answers file and pass it with "
        "--answers FILE (see README, `fleetctl check`: recorded answers)"
    )
