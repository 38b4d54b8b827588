"""What every component shares: raising problems before anything is registered, the one check a
component makes of a CIDR (it must be concrete), name fragments, and the security-group rules
that admit the rest of the fleet.

Components plan nothing and re-check no rule of the spec or the plan; they refuse only what they
alone can see: a value that is still a Pulumi Output where a concrete one is needed, and ids
that do not match what the plan asks for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_alicloud as alicloud

from meshfleet.cidrs import cidr_problem
from meshfleet.components.alibaba_api import CREDENTIAL_KEYS
from meshfleet.errors import MeshfleetError, Problem, SpecError


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
        return [
            Problem(
                path,
                value,
                "needs a concrete CIDR string such as 10.0.0.0/16, known "
                "before deployment (a Pulumi Output cannot be planned)",
            )
        ]
    message = cidr_problem(value)
    return [Problem(path, value, message)] if message else []


def raise_problems(problems: list[Problem]) -> None:
    """Raise every problem at once as a ``SpecError`` (nothing is registered before this)."""
    if problems:
        raise SpecError(problems)


class MissingOutputError(MeshfleetError):
    """A computed output the program needs was not reported by the provider."""

    title = "A provider reported no value meshfleet needs"


def reported(value: str | None, what: str, needed_for: str) -> str:
    """``value``, a computed output read at apply time; a clear error naming it if the provider
    left it empty, rather than a child resource aimed at nothing.

    >>> reported("sg-1", "x", "y")
    'sg-1'
    """
    if not value:
        raise MissingOutputError(
            [
                Problem(
                    what,
                    value,
                    f"is empty, so {needed_for} cannot be "
                    "declared; create it by hand and report "
                    "the provider's output",
                )
            ]
        )
    return value


def cidr_key(cidr: str) -> str:
    """A resource-name fragment for a CIDR: ``10.0.0.0/8`` -> ``10-0-0-0-8``."""
    return cidr.replace(".", "-").replace("/", "-")


@dataclass(frozen=True)
class Ports:
    """What a security-group rule admits: a protocol and a port range, named for child names."""

    label: str | None
    """Name fragment of the rules (``<prefix>-<label>-from-<cidr>``); None: ``<prefix>-from-``."""
    protocol: str
    port_range: str
    """Alibaba's ``from/to`` form, ``-1/-1`` for every port."""
    what: str
    """What the ports are, for the rule's description."""


ALL_TRAFFIC = Ports(None, "all", "-1/-1", "traffic")
API_SERVER = Ports("api", "tcp", "6443/6443", "the API server")
#: istiod: 15010 xDS (plaintext), 15012 xDS and CA (TLS), 15014 monitoring, 15017 webhooks.
ISTIO_CONTROL_PLANE = Ports("istio", "tcp", "15010/15017", "the Istio control plane")


def admit(
    prefix: str,
    security_group_id: pulumi.Input[str],
    cidrs: Mapping[str, str],
    ports: Ports,
    parent: pulumi.Resource,
) -> list[alicloud.ecs.SecurityGroupRule]:
    """One ingress rule per CIDR (keyed by a stable name fragment) on ``security_group_id``.

    Every field of a rule but its description is ForceNew, so a rule is never updated: a new
    CIDR adds a rule, a CIDR that goes away removes one, the others stay.
    """
    rules = []
    for key, cidr in sorted(cidrs.items()):
        name = f"{prefix}-{ports.label}-from-{key}" if ports.label else f"{prefix}-from-{key}"
        rules.append(
            alicloud.ecs.SecurityGroupRule(
                name,
                alicloud.ecs.SecurityGroupRuleArgs(
                    security_group_id=security_group_id,
                    type="ingress",
                    ip_protocol=ports.protocol,
                    port_range=ports.port_range,
                    cidr_ip=cidr,
                    nic_type="intranet",
                    policy="accept",
                    priority=1,
                    description=f"meshfleet: {ports.what} from {key} ({cidr})",
                ),
                opts=pulumi.ResourceOptions(parent=parent),
            )
        )
    return rules


def regional_provider_args(region: str) -> alicloud.ProviderArgs:
    """Arguments of an explicit provider of ``region`` with the stack's ``alicloud:``
    credentials."""
    credentials = provider_credentials()
    return alicloud.ProviderArgs(
        region=region,
        access_key=credentials.get("access_key"),
        secret_key=credentials.get("secret_key"),
        security_token=credentials.get("security_token"),
        profile=credentials.get("profile"),
    )


def provider_credentials() -> dict[str, pulumi.Input[str]]:
    """The stack's ``alicloud:`` credential settings, by provider argument."""
    config = pulumi.Config("alicloud")
    out: dict[str, pulumi.Input[str]] = {}
    for key, credential in CREDENTIAL_KEYS.items():
        value = config.get_secret(key) if credential.secret else config.get(key)
        if value is not None:
            out[credential.provider_arg] = value
    return out
