"""What a check yields: a :class:`Finding` (a violation, or a check that cannot be decided and
why), whom a pair finding blames, and the causes of undecidable checks.

Blame. A pair finding is reported on the resource that breaks the rule when one can tell: of two
overlapping CIDR blocks (which always nest) the smaller one, placed inside the other; of two
equal ones, the later-declared resource (the engine sends resources in registration order, which
for resources waiting on the same inputs is the program's declaration order). The message names
the other one.

Causes. A check that cannot be decided names its :class:`Cause`: the value that is unknown at
preview (a CIDR picked by IPAM, an id of a new resource without a property dependency) or a
resource that is not declared in this stack (an existing vSwitch passed in by id). Values
computed from another resource's unknown output are attributed to that resource, so one unknown
value is reported once however many checks and resources wait for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .cidrs import Net

if TYPE_CHECKING:
    from .model import Cidr, Entity, StackIndex

Config = Mapping[str, Any]


@dataclass(frozen=True)
class Cause:
    """Why a check cannot be decided: ``value`` is unknown at preview, or (``external``) held
    by a resource not declared in this stack. ``key`` and ``subject`` name the resource the
    value belongs to (or was computed from): findings with one key are one problem."""

    key: str
    subject: str
    value: str  # e.g. 'the CIDR block of VPC "x"'
    external: bool = False

    def text(self) -> str:
        how = "is not declared in this stack" if self.external else "is unknown at preview"
        return f"{self.value} {how}"


@dataclass(frozen=True)
class Finding:
    """One violation, or (``cause`` set) one check that could not be decided."""

    urn: str
    message: str
    cause: Cause | None = None

    @property
    def unverifiable(self) -> bool:
        return self.cause is not None


def blame(a: Entity, na: Net, b: Entity, nb: Net) -> tuple[Entity, Net, Entity, Net]:
    """(reported, its block, other, its block) for two overlapping blocks (module docstring).

    >>> from .model import Entity
    >>> from .cidrs import parse
    >>> big, small = Entity("u1", "zz", "t", 0, None), Entity("u2", "aa", "t", 1, None)
    >>> blame(big, parse("10.0.0.0/16"), small, parse("10.0.1.0/24"))[0].name
    'aa'
    >>> first, later = Entity("u1", "zeta", "t", 0, None), Entity("u2", "alpha", "t", 5, None)
    >>> blame(later, parse("10.0.0.0/16"), first, parse("10.0.0.0/16"))[0].name
    'alpha'
    """
    if (a.order < 0) != (b.order < 0):  # what exists (order -1) is never the one to change
        return (a, na, b, nb) if b.order < 0 else (b, nb, a, na)
    if na.prefix != nb.prefix:
        return (a, na, b, nb) if na.prefix > nb.prefix else (b, nb, a, na)
    return (a, na, b, nb) if (a.order, a.urn) > (b.order, b.urn) else (b, nb, a, na)


def cause_of(ix: StackIndex, owner: Entity, what: str, cidr: Cidr | None = None) -> Cause:
    """The cause for ``what`` of ``owner`` being unknown at preview; attributed to the resource
    it was computed from when the value names one through a property dependency."""
    value = f"{what} of {owner.label}"
    origin = cidr.origin if cidr is not None else None
    if origin and origin != owner.urn and origin in ix.labels:
        return Cause(origin, ix.labels[origin], f"{value} (computed from {ix.labels[origin]})")
    return Cause(owner.urn, owner.label, value)


def external(ix: StackIndex, key: str, value: str) -> Cause:
    """The cause for ``value`` being held by a resource not declared in this stack."""
    return Cause(key, ix.label(key), value, external=True)


def pending(e: Entity, rule_text: str, cause: Cause) -> Finding:
    """An undecidable check (``rule_text``, e.g. "its pod CIDR against its VPC") on ``e``."""
    return Finding(e.urn, f"{e.label}: {rule_text} cannot be checked: {cause.text()}.", cause)
