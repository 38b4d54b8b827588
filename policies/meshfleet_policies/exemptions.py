"""Per-resource exemptions (waivers), modelled on Alibaba InfraGuard's: a policy, a resource
pattern, a reason (required), an optional owner and expiry date.

They live in the config of the ``policy-exemptions`` policy, which runs first in every request:

    {"policy-exemptions": {"exemptions": [
        {"policy": "vpc-cidr-overlaps-vpc-cidr", "resource": "legacy-*",
         "reason": "legacy VPCs, renumbered in Q3 (TICKET-123)", "owner": "netops",
         "expires": "2026-09-30"}]}}

``resource`` is matched (``fnmatch``, case-sensitive) against the URN when it starts with
``urn:``, against the resource type when it looks like a type token (``pkg:module:Type``), and
against the resource name otherwise. An exemption in force silences that policy's findings on
the matching resources and is itself reported, advisory and low, with the stable message prefix
:data:`IN_FORCE`; an expired one silences nothing and is reported with :data:`EXPIRED`; one that
silenced nothing in a run of its policy is reported with :data:`UNUSED` (an exemption naming a
disabled policy is not checked). ``fleetctl check`` lists the exemptions in force from these
diagnostics.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

NAME = "policy-exemptions"
IN_FORCE = "exemption in force: "
EXPIRED = "exemption expired: "
UNUSED = "exemption unused: "
_TYPE_TOKEN = re.compile(r"^[^:\s]+:[^:\s]+:[^:\s]+$")
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def schema(policy_names: Sequence[str]) -> dict[str, Any]:
    """The JSON Schema of the ``exemptions`` config property (the CLI validates it)."""
    return {
        "type": "array",
        "default": [],
        "description": "Per-resource exemptions: each silences one policy on the resources its "
        "'resource' pattern matches (URN, type token or name; fnmatch globs), "
        "with a required reason, an optional owner and an optional expiry date "
        "(YYYY-MM-DD, last day in force).",
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["policy", "resource", "reason"],
            "properties": {
                "policy": {"type": "string", "enum": sorted(policy_names)},
                "resource": {"type": "string", "minLength": 1},
                "reason": {"type": "string", "pattern": r"\S"},
                "owner": {"type": "string"},
                "expires": {"type": "string", "format": "date", "pattern": _DATE},
            },
        },
    }


@dataclass(frozen=True)
class Exemption:
    index: int
    policy: str
    resource: str
    reason: str
    owner: str = ""
    expires: dt.date | None = None

    def matches(self, urn: str, type_: str, name: str) -> bool:
        """Whether the pattern names this resource.

        >>> Exemption(0, "p", "legacy-*", "r").matches("urn:x", "t:m:T", "legacy-vpc")
        True
        >>> Exemption(0, "p", "alicloud:vpc/network:Network", "r").matches("u", "t:m:T", "n")
        False
        """
        if self.resource.startswith("urn:"):
            return fnmatch.fnmatchcase(urn, self.resource)
        if _TYPE_TOKEN.match(self.resource):
            return fnmatch.fnmatchcase(type_, self.resource)
        return fnmatch.fnmatchcase(name, self.resource)

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today

    def describe(self) -> str:
        owner = f"; owner {self.owner}" if self.owner else ""
        until = f"; expires {self.expires.isoformat()}" if self.expires else "; no expiry date"
        return (
            f"{self.policy} on {self.resource!r} (exemption #{self.index + 1}): "
            f"{self.reason}{owner}{until}"
        )


def parse(config: Mapping[str, Any] | None) -> tuple[list[Exemption], list[str]]:
    """The exemptions of a config, and a problem per entry that cannot be used (the CLI's
    schema check refuses them first; the pack must not crash on a config it was not shown).

    >>> ex, bad = parse({"exemptions": [{"policy": "p", "resource": "r", "reason": "why",
    ...                                  "expires": "2030-01-31"}, {"policy": "p"}]})
    >>> ex[0].expires.isoformat(), bad
    ('2030-01-31', ["exemption #2: 'resource' and 'reason' are required"])
    """
    out: list[Exemption] = []
    problems: list[str] = []
    entries = (config or {}).get("exemptions") or []
    if not isinstance(entries, Sequence) or isinstance(entries, str):
        return [], ["'exemptions' must be a list"]
    for i, e in enumerate(entries):
        if not isinstance(e, Mapping):
            problems.append(f"exemption #{i + 1}: not an object")
            continue
        policy, resource, reason = (
            str(e.get(k) or "").strip() for k in ("policy", "resource", "reason")
        )
        if not policy or not resource or not reason:
            missing = [
                k
                for k, v in (("policy", policy), ("resource", resource), ("reason", reason))
                if not v
            ]
            problems.append(
                f"exemption #{i + 1}: {' and '.join(repr(m) for m in missing)} "
                f"{'is' if len(missing) == 1 else 'are'} required"
            )
            continue
        expires = None
        if e.get("expires"):
            try:
                expires = dt.date.fromisoformat(str(e["expires"]))
            except ValueError:
                problems.append(
                    f"exemption #{i + 1}: expires {e['expires']!r} is not a date (YYYY-MM-DD)"
                )
                continue
        out.append(Exemption(i, policy, resource, reason, str(e.get("owner") or ""), expires))
    return out, problems


def today() -> dt.date:
    """The date expiry is judged by (UTC, so every machine of an organisation agrees)."""
    return dt.datetime.now(dt.UTC).date()
