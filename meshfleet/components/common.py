"""What every component shares: raising problems before anything is registered, the one check a
component makes of a CIDR (it must be concrete), and name fragments.

Components plan nothing and re-check no rule of the spec or the plan; they refuse only what they
alone can see: a value that is still a Pulumi Output where a concrete one is needed, and ids
that do not match what the plan asks for.
"""

from __future__ import annotations

from typing import Any

import pulumi

from meshfleet.cidrs import cidr_problem
from meshfleet.errors import Problem, SpecError


def cidr_problems(path: str, value: Any) -> list[Problem]:
    """Problems with a CIDR handed to a component: it must be a concrete canonical IPv4 CIDR.

    A CIDR that is still a Pulumi Output cannot be checked against the fleet's rules, so it is
    refused (house style: plan only on known values).

    >>> cidr_problems("vpc.cidr", "10.0.0.0/16")
    []
    >>> cidr_problems("vpc.cidr", "10.0.0.1/16")[0].message
    'is not a canonical IPv4 CIDR: it has host bits set; did you mean 10.0.0.0/16?'
    """
    if isinstance(value, pulumi.Output) or not isinstance(value, str):
        return [Problem(path, value, "needs a concrete CIDR string such as 10.0.0.0/16, known "
                                     "before deployment (a Pulumi Output cannot be planned)")]
    message = cidr_problem(value)
    return [Problem(path, value, message)] if message else []


def raise_problems(problems: list[Problem]) -> None:
    """Raise every problem at once as a ``SpecError`` (nothing is registered before this)."""
    if problems:
        raise SpecError(problems)


def cidr_key(cidr: str) -> str:
    """A resource-name fragment for a CIDR: ``10.0.0.0/8`` -> ``10-0-0-0-8``."""
    return cidr.replace(".", "-").replace("/", "-")
