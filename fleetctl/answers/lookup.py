"""The one answer lookup for a data source call: recorded answers, then the catalogue (cloud
facts, and pulumi-std's pure functions computed), then synthesis. The recording monitor answers
every invoke through :func:`answer`; ``fleetctl plan`` can read the same answers file through it
(e.g. IPAM pools of an existing account).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fleetctl.answers import curated, stdlib, synth
from fleetctl.answers.answerfile import AnswerEntry


@dataclass(frozen=True)
class Answer:
    """A data source's result (camelCase fields) and where it came from: ``answers`` (the
    answers file), ``curated`` (fleetctl's catalogue) or ``synthesized`` (the result type)."""

    value: dict[str, Any]
    source: str


def _same(a: Any, b: Any) -> bool:
    # Wire numbers are floats (4 == 4.0); compare as JSON otherwise.
    return (
        json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)
        or a == b
    )


def find_recorded(
    entries: Sequence[AnswerEntry], token: str, args: Mapping[str, Any], region: str = ""
) -> AnswerEntry | None:
    """The recorded entry for this call: same token, every argument it names equal to the
    call's, its ``region`` (if any) the call's; the entry naming the most arguments (a region
    counts as one) wins, the first in the file on a tie.

    >>> e = [AnswerEntry("t:m/getX:getX", {"ids": ["a"]}),
    ...      AnswerEntry("t:m/getX:getX", {"ids": ["b"]}, {"vpcId": "v"})]
    >>> find_recorded(e, "t:m/getX:getX", {"vpcId": "v"}).result, find_recorded(
    ...     e, "t:m/getX:getX", {"vpcId": "w"}).result
    ({'ids': ['b']}, {'ids': ['a']})
    """
    best: AnswerEntry | None = None

    def weight(e: AnswerEntry) -> int:
        return len(e.args) + bool(e.region)

    for entry in entries:
        if entry.token != token or (entry.region and entry.region != region):
            continue
        if all(k in args and _same(args[k], v) for k, v in entry.args.items()):
            if best is None or weight(entry) > weight(best):
                best = entry
    return best


def complete(given: Any, synthesized: Any) -> Any:
    """``given`` with what it leaves out taken from ``synthesized``: mappings key by key, lists
    item by item (items beyond the synthesized ones are completed from its last item)."""
    if isinstance(given, Mapping) and isinstance(synthesized, Mapping):
        out = dict(synthesized)
        for key, value in given.items():
            out[key] = complete(value, synthesized.get(key))
        return out
    if isinstance(given, list) and isinstance(synthesized, list) and synthesized:
        return [
            complete(item, synthesized[min(i, len(synthesized) - 1)])
            for i, item in enumerate(given)
        ]
    return given


def answer(
    token: str, args: Mapping[str, Any], region: str, entries: Sequence[AnswerEntry] = ()
) -> Answer | None:
    """The answer to data source ``token`` called with ``args`` in ``region``, or None when
    nothing is known of it (no recorded answer, no catalogue entry, no result type)."""
    recorded = find_recorded(entries, token, args, region)
    base = synth.synthesize(token, args, region)
    if recorded is not None:
        value = dict(recorded.result)
        if base is not None:
            value = complete(value, _without_derived(base, value))
        return Answer(value, "answers")
    known = curated.answer(token, args, region) or stdlib.answer(token, args)
    if known is not None:
        return Answer(complete(known, base) if base is not None else known, "curated")
    if base is not None:
        return Answer(base, "synthesized")
    return None


def _without_derived(base: dict[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """Synthesized ``ids`` / ``names`` describe synthesized items: when the answer gives its own
    items, they are derived from those instead."""
    out = dict(base)
    items = next(
        (k for k, v in given.items() if isinstance(v, list) and v and isinstance(v[0], Mapping)),
        None,
    )
    if items is None:
        return out
    completed = complete(given[items], base.get(items))
    for key, label in (("ids", "id"), ("names", "name")):
        if key in out and key not in given:
            out[key] = [str(item.get(label, "")) for item in completed if label in item] or out[key]
    return out
