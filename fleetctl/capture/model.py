"""The capture model: what a program registered in one preview run, and the errors of a run.

Plain data (no Pulumi import), so it crosses the subprocess boundary as JSON and tests can build
one by hand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from fleetctl.errors import FleetctlError

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"


class ProgramError(FleetctlError):
    """The program itself failed: ``message`` is its error, ``details`` its own traceback frames
    and output. ``module`` names the module when the failure is an import that found nothing."""

    kind = "program"

    def __init__(self, message: str, details: str = "", *, module: str = "") -> None:
        super().__init__(message, details)
        self.module = module


class UnexpectedInvokeError(ProgramError):
    """A data source answered neither by an answers file nor by fleetctl's catalogue, in a strict
    run (``strict_invokes=True`` / ``fleetctl check --strict-answers``)."""


@dataclass(frozen=True)
class Registration:
    """One ``RegisterResource`` (or ``ReadResource``) request as the program sent it.

    ``inputs`` is the request's ``object`` as JSON: camelCase keys, unknowns as the engine's
    unknown sentinel, secrets and resource references as the SDK's signature maps. ``provider``
    is the provider URN (no ``::id``), ``""`` when the request named none. ``options`` holds the
    resource options a reader may care about (protect, ignoreChanges, deleteBeforeReplace,
    replaceOnChanges, retainOnDelete, deletedWith, aliases, customTimeouts, importId, version,
    remote, read).
    """

    type: str
    name: str
    urn: str
    parent: str
    provider: str
    custom: bool
    inputs: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    options: dict[str, Any] = field(default_factory=dict)
    id: str | None = None


@dataclass(frozen=True)
class InvokeRecord:
    """One invoke (data source call): token, args, provider URN and where its answer came from:
    ``answers`` (the user's answers file), ``curated`` (fleetctl's catalogue of cloud facts),
    ``synthesized`` (built from the provider SDK's result type) or ``unknown`` (no result type:
    the engine's unknown answer)."""

    token: str
    args: dict[str, Any]
    provider: str
    source: str = "unknown"

    @property
    def known(self) -> bool:
        """Answered from a file or the catalogue, not made up from the result type."""
        return self.source in ("answers", "curated")


@dataclass
class Capture:
    """Everything a program registered in one preview run, plus helpers for tests and tools."""

    project: str
    stack: str
    config: dict[str, Any]
    registrations: list[Registration]
    invokes: list[InvokeRecord]
    stack_outputs: dict[str, Any] = field(default_factory=dict)
    program_output: str = ""
    logs: list[dict[str, str]] = field(default_factory=list)
    """``pulumi.log`` messages: ``{"severity": "warning", "message": ...}``."""
    _edges: tuple[int, dict[str, set[str]]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    # ---- lookups -------------------------------------------------------------------------
    def by_type(self, type_: str) -> list[Registration]:
        """Registrations of one type token, in registration order (the Stack included)."""
        return [r for r in self.registrations if r.type == type_]

    def by_name(self, name: str) -> Registration:
        """The one registration with this logical name; KeyError if none, ValueError if several."""
        found = [r for r in self.registrations if r.name == name]
        if not found:
            raise KeyError(f"no resource named {name!r}")
        if len(found) > 1:
            raise ValueError(f"{len(found)} resources named {name!r}: {[r.urn for r in found]}")
        return found[0]

    def resource(self, urn: str) -> Registration:
        """The registration with this URN (KeyError if none)."""
        for r in self.registrations:
            if r.urn == urn:
                return r
        raise KeyError(f"no resource with URN {urn!r}")

    def counts_by_type(self, *, include_stack: bool = False) -> dict[str, int]:
        """``{type: count}`` of registrations, sorted by type; the Stack only if asked."""
        counts = Counter(
            r.type for r in self.registrations if include_stack or r.type != STACK_TYPE
        )
        return dict(sorted(counts.items()))

    def children(self, urn: str) -> list[Registration]:
        """Registrations whose parent is ``urn``."""
        return [r for r in self.registrations if r.parent == urn]

    def invoked(self, token: str) -> list[InvokeRecord]:
        """Invokes made with this token."""
        return [i for i in self.invokes if i.token == token]

    def to_urn(self, key: str) -> str:
        """A URN as is, or the URN of the one resource with this logical name."""
        return key if key.startswith("urn:pulumi:") else self.by_name(key).urn

    # ---- the engine's view and its waits (fleetctl.capture.engine) ----------------------
    def engine_view(self) -> list[dict[str, Any]]:
        """The resources as the engine sends them to a policy pack (see
        :func:`fleetctl.capture.engine.engine_view`)."""
        from fleetctl.capture.engine import engine_view

        return engine_view(self)

    def _graph(self) -> dict[str, set[str]]:
        # Built once per set of registrations: tests walk it resource by resource.
        if self._edges is None or self._edges[0] != len(self.registrations):
            from fleetctl.capture.engine import graph

            self._edges = (len(self.registrations), graph(self.engine_view()))
        return self._edges[1]

    def waits_on(self, urn: str) -> set[str]:
        """URNs the engine makes ``urn`` (or a unique logical name) wait for directly before
        its create starts (see :func:`fleetctl.capture.engine.waits_on`)."""
        return set(self._graph()[self.to_urn(urn)])

    def depends_on(self, a: str, b: str) -> bool:
        """True if resource ``a`` (URN or unique logical name) transitively waits on ``b``."""
        edges = self._graph()
        src, dst = self.to_urn(a), self.to_urn(b)
        seen: set[str] = set()
        todo = [src]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt == dst:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    # ---- (de)serialisation -----------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict that :meth:`from_json` reads back (used across the subprocess)."""
        return {
            "project": self.project,
            "stack": self.stack,
            "config": self.config,
            "registrations": [asdict(r) for r in self.registrations],
            "invokes": [asdict(i) for i in self.invokes],
            "stack_outputs": self.stack_outputs,
            "program_output": self.program_output,
            "logs": self.logs,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Capture:
        """Inverse of :meth:`to_json`."""
        return cls(
            project=data["project"],
            stack=data["stack"],
            config=dict(data["config"]),
            registrations=[Registration(**r) for r in data["registrations"]],
            invokes=[InvokeRecord(**i) for i in data["invokes"]],
            stack_outputs=dict(data.get("stack_outputs", {})),
            program_output=data.get("program_output", ""),
            logs=[dict(entry) for entry in data.get("logs", [])],
        )
