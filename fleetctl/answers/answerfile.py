"""The answers file (``fleetctl check --answers FILE``): recorded data-source answers.

A stack that reads existing resources (``vpc.get_networks``, ``vpc.get_switches``,
``cs.get_clusters``, the VPC IPAM pools ...) needs their real values to be checked offline. The
file is YAML or JSON, a list of entries (or a mapping with an ``answers`` list)::

    - function: vpc.get_switches            # or token: alicloud:vpc/getSwitches:getSwitches
      args: {vpc_id: vpc-bp1prod}           # optional: answers calls passing these arguments
      result:
        vswitches:
          - {id: vsw-bp1a, cidr_block: 10.0.1.0/24, zone_id: cn-hangzhou-h}

Keys may be snake_case (as in Python) or camelCase (as on the wire). A result may be partial:
fields it leaves out are synthesized (:mod:`fleetctl.answers.synth`), item by item, and ``ids``
/ ``names`` default to the items' ids and names. The entry whose ``args`` match the most
arguments of a call answers it (ties: the first in the file).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fleetctl.answers.synth import camel, canonical_token, result_class, snake, token_parts
from fleetctl.errors import InputError
from fleetctl.yamlio import load_yaml

_ENTRY_KEYS = {"token", "function", "args", "result", "region"}


@dataclass(frozen=True)
class AnswerEntry:
    """One recorded answer: the data source token, the arguments it answers, the result."""

    token: str
    result: dict[str, Any]
    args: dict[str, Any] = field(default_factory=dict)
    region: str = ""
    """Answers only calls in this region (a regional data source with the same arguments in
    two regions, e.g. ``cen.get_transit_routers(cen_id=...)``); empty: any region."""

    def to_json(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "args": self.args,
            "result": self.result,
            "region": self.region,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AnswerEntry:
        return cls(
            token=data["token"],
            result=dict(data["result"]),
            args=dict(data["args"]),
            region=str(data.get("region", "")),
        )


def to_token(function: str, package: str = "alicloud") -> str:
    """``vpc.get_switches`` (or ``alicloud.vpc.get_switches``, ``get_zones``) -> the token.

    >>> to_token("vpc.get_switches")
    'alicloud:vpc/getSwitches:getSwitches'
    >>> to_token("alicloud.get_zones")
    'alicloud:index/getZones:getZones'
    """
    parts = function.split(".")
    if parts[0] in (package, f"pulumi_{package}"):
        parts = parts[1:]
    module = ".".join(parts[:-1]) or "index"
    fn = camel(parts[-1])
    return f"{package}:{module}/{fn}:{fn}"


def camel_keys(value: Any) -> Any:
    """Every mapping key in camelCase, recursively (camelCase keys pass unchanged)."""
    if isinstance(value, Mapping):
        return {camel(str(k)): camel_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel_keys(v) for v in value]
    return value


def load_answers(path: Path) -> list[AnswerEntry]:
    """Read and check an answers file; InputError naming the file and entry for any problem."""
    doc = load_yaml(path)
    if isinstance(doc, Mapping) and set(doc) == {"answers"}:
        doc = doc["answers"]
    if not isinstance(doc, list):
        raise InputError(
            f"{path}: expected a list of answers (or a mapping with an 'answers' "
            f"list), got {type(doc).__name__}"
        )
    entries, problems = [], []
    for i, raw in enumerate(doc):
        where = f"{path}: answer {i + 1}"
        try:
            entries.append(_entry(raw, where))
        except InputError as exc:
            problems.append(exc.message)
    if problems:
        raise InputError(
            f"{path}: {len(problems)} invalid answer(s):\n - " + "\n - ".join(problems)
        )
    return entries


def _entry(raw: Any, where: str) -> AnswerEntry:
    if not isinstance(raw, Mapping):
        raise InputError(f"{where}: expected a mapping with function (or token) and result")
    unknown = sorted(set(map(str, raw)) - _ENTRY_KEYS)
    if unknown:
        raise InputError(
            f"{where}: unknown key(s) {', '.join(unknown)} "
            f"(allowed: {', '.join(sorted(_ENTRY_KEYS))})"
        )
    name = raw.get("token") or raw.get("function")
    if not isinstance(name, str) or not name:
        raise InputError(
            f"{where}: needs 'function' (vpc.get_switches) or 'token' "
            "(alicloud:vpc/getSwitches:getSwitches)"
        )
    token = canonical_token(name if token_parts(name) else to_token(name)) or ""
    if not token:
        raise InputError(
            f"{where}: no data source {name!r} in the provider SDK"
            + _suggestion(name if token_parts(name) else to_token(name))
        )
    result, args = raw.get("result"), raw.get("args", {})
    if not isinstance(result, Mapping):
        raise InputError(f"{where}: 'result' must be a mapping of the data source's fields")
    if not isinstance(args, Mapping):
        raise InputError(f"{where}: 'args' must be a mapping of argument names to values")
    region = raw.get("region", "")
    if not isinstance(region, str):
        raise InputError(f"{where}: 'region' must be a region name (e.g. cn-hangzhou)")
    result = camel_keys(result)
    from fleetctl.answers.synth import fields

    cls = result_class(token)
    assert cls is not None
    known = {name for _, name, _ in fields(cls)}
    wrong = sorted(set(result) - known)
    if wrong:
        raise InputError(
            f"{where}: {token} has no field(s) {', '.join(wrong)} "
            f"(fields: {', '.join(sorted(known))})"
        )
    return AnswerEntry(token=token, result=result, args=camel_keys(args), region=region)


def _suggestion(token: str) -> str:
    parts = token_parts(token)
    if parts is None:
        return ""
    import importlib

    pkg, mod, fn = parts
    try:
        module = importlib.import_module(f"pulumi_{pkg}" + ("" if mod == "index" else f".{mod}"))
    except ImportError:
        return f" (no module {mod!r})"
    names = [n for n in dir(module) if n.startswith("get_") and not n.endswith("_output")]
    close = difflib.get_close_matches(snake(fn), names, n=1)
    return f" (did you mean {mod + '.' if mod != 'index' else ''}{close[0]}?)" if close else ""
