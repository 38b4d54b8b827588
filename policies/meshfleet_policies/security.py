"""Security advisories: deletion protection and API servers exposed to the Internet."""

from __future__ import annotations

from collections.abc import Iterator

from .findings import Config, Finding, cause_of, pending
from .model import SERVERLESS_K8S, StackIndex
from .reach import fleet_public


def deletion_protection(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for c in ix.clusters.values():
        if c.existing:
            continue  # its creator's setting, not this stack's
        if c.deletion_protection is False:
            yield Finding(
                c.urn,
                (
                    f"{c.label} has no deletion protection (deletionProtection is "
                    "false or unset; the provider default is false). Fix: set "
                    "deletion_protection=True."
                ),
            )
        elif c.deletion_protection is not True:
            yield pending(c, "its deletion protection", cause_of(ix, c, "deletionProtection"))


def api_server_public(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for c in ix.clusters.values():
        key = "endpointPublicAccessEnabled" if c.type == SERVERLESS_K8S else "slbInternetEnabled"
        if c.public is True:
            default = "" if c.type == SERVERLESS_K8S else ", or unset: the provider default is true"
            yield Finding(
                c.urn,
                (
                    f"the API server of {c.label} gets a public EIP ({key} is "
                    f"true{default}). Fix: set it to false and reach the API server "
                    "over CEN, or restrict the listener ACL."
                ),
            )
        elif c.public is not False:
            yield pending(c, "the publicity of its API server", cause_of(ix, c, key))
    for m in ix.meshes.values():
        if m.public is True:
            yield Finding(
                m.urn,
                (
                    f"the API server of {m.label} is public "
                    "(loadBalancer.apiServerPublicEip). Fix: set "
                    "api_server_public_eip=False and reach it over CEN."
                ),
            )
        elif m.public is not False:
            yield pending(
                m,
                "the publicity of its API server",
                cause_of(ix, m, "loadBalancer.apiServerPublicEip"),
            )
    for f in ix.fleets.values():
        public = fleet_public(f, cfg)
        if public is True:
            yield Finding(
                f.urn,
                (
                    f"the API server of {f.label} is public "
                    "(fleetPublicEndpoint config or a FleetFeatures resource). Fix: "
                    "keep the Fleet private and connect member VPCs with CEN."
                ),
            )
        elif public is not False:
            yield pending(
                f,
                "the publicity of its API server",
                cause_of(ix, f, "publicApiServerEnabled of its FleetFeatures"),
            )
