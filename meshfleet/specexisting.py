"""The spec's fields for resources that already exist: ``vpcs.<name>.id``,
``clusters.<name>.id`` and ``cen.id``.

An id marks a resource meshfleet uses but did not create. What the cloud decides for it (a VPC's
CIDR and size, a cluster's CIDRs, vSwitches, sizing and node pools) is read, never written, so
those fields are refused with the reason, naming the path and the value. Used by
``meshfleet.spec``; pure: nothing of Pulumi.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from meshfleet.specmodel import CEN_ID_RE, CLUSTER_ID_RE, VPC_ID_RE, VpcSpec
from meshfleet.specreader import Reader

#: The fields of an existing VPC that come from the cloud.
VPC_FROM_CLOUD = ("cidr", "prefix", "growthBits")
#: The only fields an existing cluster takes: where it lives, its id, and (optionally) the CNI
#: the spec expects, checked against the cloud's add-ons.
EXISTING_CLUSTER_KEYS = frozenset({"vpc", "id", "cni"})

_SHAPES: Mapping[str, tuple[re.Pattern[str], str]] = {
    "vpc": (VPC_ID_RE, "a VPC id: `vpc-` and 8 to 32 lowercase letters or digits"),
    "cluster": (CLUSTER_ID_RE, "an ACK cluster id: `c` and 32 hex digits"),
    "cen": (CEN_ID_RE, "a CEN instance id: `cen-` and 8 to 32 lowercase letters or digits"),
}


def existing_id(
    r: Reader, body: Mapping[str, Any], path: str, kind: Literal["vpc", "cluster", "cen"]
) -> str | None:
    """``body["id"]`` checked against the cloud's id shape of ``kind`` (None: not set, or bad)."""
    value = body.get("id")
    if value is None:
        return None
    shape, what = _SHAPES[kind]
    if not isinstance(value, str) or not shape.match(value):
        r.bad(f"{path}id", value, f"must be {what} (the resource already exists)")
        return None
    return value


def existing_vpc_body(r: Reader, body: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    """An existing VPC's fields, without those the cloud decides (each refused)."""
    for key in VPC_FROM_CLOUD:
        if key in body:
            r.bad(
                f"{path}{key}",
                body[key],
                (
                    f"is read from the cloud for an existing VPC ({path}id is set): its CIDR "
                    "blocks "
                    "(secondary ones too) and vSwitches are what they are; remove it"
                ),
            )
    return {k: v for k, v in body.items() if k not in VPC_FROM_CLOUD}


def existing_cluster_body(
    r: Reader, body: Mapping[str, Any], path: str, vpc: VpcSpec
) -> Mapping[str, Any]:
    """An existing cluster's fields: ``vpc``, ``id``, ``cni``; every other field is refused
    (the cloud has its CIDRs, vSwitches, sizing and node pools), and its VPC must exist too."""
    for key in sorted(set(body) - EXISTING_CLUSTER_KEYS, key=str):
        r.bad(
            f"{path}{key}",
            body[key],
            (
                f"is read from the cloud for an existing cluster ({path}id is set): its CIDRs, "
                "vSwitches, sizing, version and node pools are the cluster's own and meshfleet "
                "registers nothing for it; remove it (allowed: cni, id, vpc)"
            ),
        )
    if vpc.id is None:
        r.bad(
            f"{path}vpc",
            vpc.name,
            (
                "is a VPC meshfleet creates, but an existing cluster lives in an existing VPC: "
                "set "
                f"vpcs.{vpc.name}.id to the id of the cluster's VPC"
            ),
        )
    return {k: v for k, v in body.items() if k in EXISTING_CLUSTER_KEYS}


def existing_cen(r: Reader, raw: Mapping[str, Any], connectivity: str) -> str | None:
    """``cen.id``: an existing CEN instance, with ``cen`` connectivity only."""
    body = r.mapping(raw, "cen", "")
    r.unknown_keys(body, {"id"}, "cen.")
    cen_id = existing_id(r, body, "cen.", "cen")
    if cen_id is not None and connectivity != "cen":
        r.bad(
            "cen.id",
            cen_id,
            f"needs connectivity cen (connectivity is {connectivity}: "
            "there is no private backbone to use it for)",
        )
        return None
    return cen_id
