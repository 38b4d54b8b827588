"""How ``fleetctl.diff`` compares two values as the engine does: secrets by salted digest (never
in clear), unknowns as "may change", ``ignoreChanges`` paths reset to the old value, and the
display-safe form of a value in a diff. Pure."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pulumi.runtime.rpc import UNKNOWN

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_MISSING: Any = object()
"""A value that is absent (distinct from None)."""


def secret_digest(value: Any, salt: str) -> str:
    """The salted digest a state file keeps instead of a secret's value."""
    data = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((salt + data).encode()).hexdigest()


# ==== URNs and aliases =======================================================================


def _is_secret(v: Any) -> bool:
    return isinstance(v, Mapping) and v.get(SIG_KEY) == SECRET_SIG


def _equal(old: Any, new: Any, resolvable: bool) -> bool:
    """Whether the engine would see no change. ``resolvable``: the new value's unknowns come
    from resources that keep their outputs (and the same ones as before)."""
    if old is _MISSING or new is _MISSING:
        return old is new
    if _is_secret(old) or _is_secret(new):
        return _equal_secret(old, new, resolvable)
    if isinstance(new, str) and new == UNKNOWN:
        return resolvable
    if isinstance(old, str) and old == UNKNOWN:
        return False  # the earlier value is not known here: it cannot be shown equal
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        return all(
            _equal(old.get(k, _MISSING), new.get(k, _MISSING), resolvable)
            for k in set(old) | set(new)
        )
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(
            _equal(a, b, resolvable) for a, b in zip(old, new, strict=True)
        )
    return (
        type(old) is type(new)
        and old == new
        or (
            isinstance(old, int | float)
            and isinstance(new, int | float)
            and not isinstance(old, bool)
            and not isinstance(new, bool)
            and old == new
        )
    )


def _equal_secret(old: Any, new: Any, resolvable: bool) -> bool:
    o = old.get("value", _MISSING) if _is_secret(old) else old
    n = new.get("value", _MISSING) if _is_secret(new) else new
    digest = old if _is_secret(old) and "sha256" in old else None
    if _is_secret(new) and "sha256" in new:
        if digest is None:
            return False  # a digest in the NEW view: nothing to compare it with
        return bool(new.get("salt") == digest.get("salt") and new["sha256"] == digest["sha256"])
    if digest is not None:
        if isinstance(n, str) and n == UNKNOWN:
            return resolvable
        return secret_digest(n, str(digest.get("salt", ""))) == digest["sha256"]
    return _equal(o, n, resolvable)


def _path(path: str) -> list[str | int]:
    """``a.b[0]["c"]`` -> ``["a", "b", 0, "c"]`` (Pulumi property paths)."""
    segs: list[str | int] = []
    for name, index, key, star in re.findall(
        r'([^.\[\]"]+)|\[(\d+)\]|\["([^"]*)"\]|\[(\*)\]', path
    ):
        segs.append(int(index) if index else key or name or star)
    return segs


def _get(value: Any, segs: Sequence[str | int]) -> Any:
    for seg in segs:
        if _is_secret(value):
            value = value.get("value", _MISSING)
        if isinstance(seg, int) and isinstance(value, list) and seg < len(value):
            value = value[seg]
        elif isinstance(seg, str) and isinstance(value, Mapping) and seg in value:
            value = value[seg]
        else:
            return _MISSING
    return value


def _reset(new: dict[str, Any], old: Mapping[str, Any], segs: Sequence[str | int]) -> None:
    """ignoreChanges: put the old value at ``segs`` into ``new`` (or drop it when old has none)."""
    if not segs:
        return
    if segs[-1] == "*":
        parent = _get(new, segs[:-1])
        keys: Iterable[str | int] = (
            range(len(parent))
            if isinstance(parent, list)
            else list(parent)
            if isinstance(parent, Mapping)
            else ()
        )
        for k in keys:
            _reset(new, old, [*segs[:-1], k])
        return
    target: Any = new
    for seg in segs[:-1]:
        nxt = _get(target, [seg])
        if nxt is _MISSING:
            if _get(old, segs) is _MISSING:
                return
            nxt = {}
            target[seg] = nxt
        target = nxt
    last, value = segs[-1], _get(old, segs)
    if isinstance(target, list) and isinstance(last, int):
        if value is not _MISSING and last < len(target):
            target[last] = copy.deepcopy(value)
    elif isinstance(target, dict):
        if value is _MISSING:
            target.pop(str(last), None)
        else:
            target[last] = copy.deepcopy(value)


def display(v: Any) -> Any:
    """A value safe to print: secrets masked, unknowns readable."""
    if _is_secret(v):
        return "[secret]"
    if isinstance(v, str) and v == UNKNOWN:
        return "<unknown>"
    if isinstance(v, Mapping):
        return {k: display(x) for k, x in v.items()}
    if isinstance(v, list):
        return [display(x) for x in v]
    return v


# ==== the plan ===============================================================================
