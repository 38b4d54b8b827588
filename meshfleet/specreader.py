"""Reading typed fields out of raw config: one ``Reader`` per parse, collecting every problem.

Each method reads one field of a raw mapping, returns a typed value (or the default) and records
a ``Problem`` naming the field path, the bad value and what is allowed, so that a parse reports
every problem at once. Used by ``meshfleet.spec`` and the parsers it delegates to
(``meshfleet.specnodes``). Pure: nothing of Pulumi.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from meshfleet.cidrs import CidrRule, cidr_problem
from meshfleet.errors import Problem
from meshfleet.specmodel import NAME_RE

L = TypeVar("L", bound=str)


class Reader:
    """Reads typed fields out of raw config, collecting a Problem for each bad one."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def bad(self, path: str, value: Any, message: str) -> None:
        self.problems.append(Problem(path, value, message))

    def mapping(
        self, raw: Mapping[str, Any], key: str, path: str, *, at_least_one: str | None = None
    ) -> Mapping[str, Any]:
        """``raw[key]`` as a mapping keyed by name; ``at_least_one``: what it must declare."""
        value = raw.get(key, {})
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            self.bad(f"{path}{key}", value, "must be a mapping keyed by name")
            return {}
        if at_least_one and not value:
            self.bad(f"{path}{key}", raw.get(key), f"must declare at least one {at_least_one}")
        return value

    def unknown_keys(self, raw: Mapping[str, Any], allowed: set[str], path: str) -> None:
        for key in sorted(set(raw) - allowed, key=str):
            self.bad(
                f"{path}{key}",
                raw[key],
                f"is not a known field; allowed: {', '.join(sorted(allowed))}",
            )

    def integer(
        self, raw: Mapping[str, Any], key: str, path: str, default: int, lo: int, hi: int
    ) -> int:
        value = raw.get(key, default)
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # YAML/JSON config may hand integers over as floats
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            self.bad(f"{path}{key}", value, f"must be a whole number from {lo} to {hi}")
            return default
        return value

    def boolean(self, raw: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        value = raw.get(key, default)
        if not isinstance(value, bool):
            self.bad(f"{path}{key}", value, "must be true or false")
            return default
        return value

    def choice(
        self,
        raw: Mapping[str, Any],
        key: str,
        path: str,
        default: L,
        allowed: tuple[L, ...],
        what: str,
    ) -> L:
        value = raw.get(key, default)
        for option in allowed:
            if value == option:
                return option
        self.bad(
            f"{path}{key}",
            value,
            f"is not a {what} meshfleet supports; allowed: {', '.join(allowed)}",
        )
        return default

    def strings(self, raw: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.bad(f"{path}{key}", value, "must be a list of strings")
            return ()
        if len(set(value)) != len(value):
            self.bad(f"{path}{key}", value, "lists a value twice")
        return tuple(dict.fromkeys(value))

    def optional_str(self, raw: Mapping[str, Any], key: str, path: str) -> str | None:
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            self.bad(f"{path}{key}", value, "must be a string")
            return None
        return value

    def cidr(self, value: Any, path: str, rule: CidrRule) -> str | None:
        """``value`` if it is a CIDR of ``rule``'s kind, else None after a Problem."""
        message = cidr_problem(value, rule)
        if message:
            self.bad(path, value, message)
            return None
        return str(value)

    def entry(self, section: str, name: Any, body: Any) -> bool:
        """A keyed entry such as ``vpcs.<name>``: a valid name whose body is a mapping."""
        if not self.name(name, f"{section}.{name}"):
            return False
        if not isinstance(body, Mapping):
            self.bad(f"{section}.{name}", body, "must be a mapping")
            return False
        return True

    def name(self, name: Any, path: str) -> bool:
        if not isinstance(name, str) or not NAME_RE.match(name):
            self.bad(
                path,
                name,
                "is not a valid name: lower-case letters, digits and '-', "
                "starting with a letter, at most 40 characters",
            )
            return False
        return True
