"""The pure functions of the ``pulumi-std`` package (``std:index:*`` invokes), computed: their
answers are facts, not guesses. Only the functions programs commonly call are here; any other
``std`` function is synthesized from its result type like any data source.

>>> answer("std:index:cidrsubnet", {"input": "10.0.0.0/8", "newbits": 8, "netnum": 2})
{'result': '10.2.0.0/16'}
>>> answer("std:index:format", {"input": "%s-%d", "args": ["web", 3]})
{'result': 'web-3'}
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any


def _format(args: Mapping[str, Any]) -> str:
    """Go's fmt verbs as std's ``format`` uses them: %s %d %v %q, and %% for a percent."""
    values = iter(args.get("args") or [])

    def verb(match: re.Match[str]) -> str:
        kind = match.group(1)
        if kind == "%":
            return "%"
        value = next(values, "")
        if kind == "d" and isinstance(value, float) and value.is_integer():
            value = int(value)
        return f'"{value}"' if kind == "q" else str(value)

    return re.sub(r"%([sdvq%])", verb, str(args.get("input", "")))


def _cidrsubnet(args: Mapping[str, Any]) -> str:
    net = ipaddress.ip_network(str(args["input"]), strict=False)
    new_prefix = net.prefixlen + int(args["newbits"])
    subnets = net.subnets(new_prefix=new_prefix)
    netnum = int(args["netnum"])
    for i, subnet in enumerate(subnets):
        if i == netnum:
            return str(subnet)
    raise ValueError(f"cidrsubnet: {netnum} is beyond {net} split into /{new_prefix}")


def _flatten(args: Mapping[str, Any]) -> list[Any]:
    return [
        x for part in args.get("input") or [] for x in (part if isinstance(part, list) else [part])
    ]


def answer(token: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
    """The result of a ``std`` function call, or None when it is not one computed here."""
    try:
        if token == "std:index:format":
            return {"result": _format(args)}
        if token == "std:index:cidrsubnet":
            return {"result": _cidrsubnet(args)}
        if token == "std:index:concat":
            return {"result": _flatten(args)}
        if token == "std:index:toset":
            return {"result": sorted(set(map(str, args.get("input") or [])))}
        if token == "std:index:join":
            return {
                "result": str(args.get("separator", "")).join(map(str, args.get("input") or []))
            }
    except (KeyError, ValueError, TypeError):
        return None  # arguments std itself would refuse: leave it to synthesis
    return None
