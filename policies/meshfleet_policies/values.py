"""Reading resource properties that may be unknown at preview, without ever raising.

pulumi_policy hands policies a proxy that raises ``UnknownValueError`` when an unknown value is
read. A stack policy that lets it escape is aborted for every resource, so every read goes through
these helpers, which turn an unknown into the :data:`UNKNOWN` marker and a missing key into None.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import UnknownValueError


class _Marker:
    """A value the pack cannot read: one instance per kind (compare with ``is``)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name

    def __bool__(self) -> bool:
        # Truthiness of a marker is a bug waiting to happen: callers must test `is UNKNOWN`.
        raise TypeError(f"{self._name} has no truth value; compare with `is {self._name}`")


#: A value that cannot be known until the update runs (a new resource's id, a computed CIDR).
UNKNOWN: Any = _Marker("UNKNOWN")
#: A value held by a resource that is not declared in this stack (an existing vSwitch or VPC
#: passed in by id): the pack can never read it, at preview or after.
EXTERNAL: Any = _Marker("EXTERNAL")


def get(mapping: Any, key: str) -> Any:
    """``mapping[key]``; None if absent or not a mapping, UNKNOWN if unknown."""
    if mapping is UNKNOWN:
        return UNKNOWN
    if not isinstance(mapping, Mapping):
        return None
    try:
        return mapping.get(key)
    except UnknownValueError:
        return UNKNOWN


def get_path(mapping: Any, *keys: str) -> Any:
    """Follow ``keys`` through nested mappings (``get_path(p, "network", "vpcId")``)."""
    value = mapping
    for key in keys:
        value = get(value, key)
        if value is None or value is UNKNOWN:
            return value
    return value


def elements(value: Any) -> Any:
    """The elements of a list property (each may be UNKNOWN); UNKNOWN for an unknown list."""
    if value is UNKNOWN:
        return UNKNOWN
    if value is None or isinstance(value, str | bytes) or not isinstance(value, Sequence):
        return []
    out: list[Any] = []
    for i in range(len(value)):
        try:
            out.append(value[i])
        except UnknownValueError:
            out.append(UNKNOWN)
    return out


def as_str(value: Any) -> Any:
    """A known string, UNKNOWN, or None (absent / empty / not a scalar)."""
    if value is UNKNOWN or value is None:
        return value
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool | int | float):
        return str(value)
    return None


def as_bool(value: Any) -> Any:
    """A known bool, UNKNOWN, or None."""
    if value is UNKNOWN or value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def as_int(value: Any) -> Any:
    """A known int (numbers arrive as floats), UNKNOWN, or None."""
    if value is UNKNOWN or value is None:
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def str_list(value: Any) -> tuple[list[str], bool]:
    """Known strings of a list property, and whether any element (or the list) was unknown.

    A single string holding a comma separated list (ASM's ``vswitcheList``) is split.
    """
    if value is UNKNOWN:
        return [], True
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()], False
    known: list[str] = []
    unknown = False
    items = elements(value)
    for item in items:
        s = as_str(item)
        if s is UNKNOWN:
            unknown = True
        elif s is not None:
            known.append(s)
    return known, unknown
