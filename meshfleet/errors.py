"""The meshfleet exception hierarchy.

``MeshfleetError`` is the root; ``SpecError`` is a fleet spec (or lock) that is wrong as written,
``PlanError`` a spec that is valid but cannot be planned. Every error carries its problems as
``Problem(path, value, message)`` so that callers (fleetctl, tests) can check the field path and
the bad value without parsing text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong, at a field path such as ``clusters.ack-1.podCidr``."""

    path: str
    value: Any
    message: str

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}: {self.value!r} {self.message}"


class MeshfleetError(Exception):
    """Base of every error meshfleet raises on purpose."""

    title = "meshfleet error"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        lines = [f"{self.title} ({len(self.problems)} problem{'s' * (len(self.problems) != 1)}):"]
        lines += [f" - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class SpecError(MeshfleetError):
    """The fleet spec is malformed or breaks a documented rule as written."""

    title = "Invalid fleet spec"


class LockError(SpecError):
    """The allocation lock file is malformed, or holds a CIDR no pin of its kind may have."""

    title = "Invalid allocation lock"


class StackNameError(SpecError):
    """A stack name that Pulumi would refuse (and that must not become a path)."""

    title = "Invalid stack name"


class PlanError(MeshfleetError):
    """The spec is valid but the planner cannot satisfy it."""

    title = "Cannot plan the fleet"


class ExhaustedError(PlanError):
    """A pool or a VPC has no free block large enough for a request."""

    title = "Address space exhausted"


class PinConflictError(PlanError):
    """A pinned or locked CIDR conflicts with another fixed CIDR or with the lock."""

    title = "Pinned CIDR conflict"
