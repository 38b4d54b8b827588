"""MeshMembership: one ACK cluster as a member of one ASM instance (a Pulumi dynamic resource).

One resource per cluster, so that adding or removing a cluster adds or removes exactly its own
membership and never touches another (the ``ServiceMesh``'s own ``cluster_ids`` would detach
every member on any change: ``meshfleet.components.mesh_membership_provider``). Its inputs, as
the engine and the policy pack see them, are in ``docs/contracts.md``:
``pulumi-python:dynamic:Resource`` with ``kind: meshfleet:servicemesh:MeshMembership``,
``meshId``, ``clusterId`` and ``regionId`` (the mesh's region: it picks the ASM endpoint).

What a membership waits for is the caller's ``opts.depends_on``: the cluster's node pools (the
data plane needs nodes), its security-group rules, CEN for a cluster outside the mesh's VPC (ASM
checks that it reaches the member's API server), and the previous membership in name order (ASM
adds members one at a time). ``MeshFleet`` wires exactly that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic as dyn

from meshfleet.components.alibaba_api import REGION_RE
from meshfleet.components.dynamic_pickle import pickler_restored
from meshfleet.components.mesh_membership_provider import (
    FORBIDDEN,
    INPUT_KEYS,
    KIND,
    OUTPUT_KEYS,
    REPLACE_KEYS,
    AsmApiError,
    AsmClient,
    MeshMembershipError,
    MeshMembershipProvider,
    build_asm_client,
)
from meshfleet.errors import Problem

__all__ = [
    "FORBIDDEN",
    "INPUT_KEYS",
    "KIND",
    "MEMBERSHIP_TIMEOUTS",
    "OUTPUT_KEYS",
    "REPLACE_KEYS",
    "AsmApiError",
    "AsmClient",
    "MeshMembership",
    "MeshMembershipArgs",
    "MeshMembershipError",
    "MeshMembershipProvider",
    "build_asm_client",
    "memberships_in_order",
]

#: The engine's own bounds for one membership: the provider's wait (20 minutes per add or
#: remove) plus its retries of one call (at most 31 s of backoff per call) fit inside them.
MEMBERSHIP_TIMEOUTS = pulumi.CustomTimeouts(create="30m", delete="30m")


@dataclass(frozen=True)
class MeshMembershipArgs:
    """One cluster of one ASM instance (its resource inputs: ``docs/contracts.md``)."""

    mesh_id: pulumi.Input[str]
    """The ASM instance (``servicemesh.ServiceMesh.id``); pass the Output so the dependency and
    the pack's property dependency are recorded. Required."""
    cluster_id: pulumi.Input[str]
    """The ACK cluster (``cs.ManagedKubernetes.id``), likewise an Output. Required."""
    region: str
    """The mesh's region, e.g. ``cn-hangzhou``: it selects the ASM endpoint. Required."""

    def __post_init__(self) -> None:
        problems = [
            Problem(name, getattr(self, name), "must be an id or an Output of one")
            for name in ("mesh_id", "cluster_id")
            if getattr(self, name) is None
            or (isinstance(getattr(self, name), str) and not getattr(self, name).strip())
        ]
        if not isinstance(self.region, str) or not REGION_RE.match(self.region):
            problems.append(
                Problem("region", self.region, "must be a region id like 'cn-hangzhou'")
            )
        if problems:
            raise MeshMembershipError(problems)


class MeshMembership(dyn.Resource):
    """Registers as ``pulumi-python:dynamic:Resource`` with ``kind``, ``meshId``, ``clusterId``
    and ``regionId``; create adds (or adopts) the member, delete removes it."""

    def __init__(
        self,
        name: str,
        args: MeshMembershipArgs,
        opts: pulumi.ResourceOptions | None = None,
        provider: MeshMembershipProvider | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "kind": KIND,
            "meshId": args.mesh_id,
            "clusterId": args.cluster_id,
            "regionId": args.region,
        }
        own = pulumi.ResourceOptions(custom_timeouts=MEMBERSHIP_TIMEOUTS)
        with pickler_restored():  # one per cluster: the SDK's pickling must not leak
            super().__init__(
                provider or MeshMembershipProvider(),
                name,
                props,
                pulumi.ResourceOptions.merge(own, opts),
            )


def memberships_in_order(
    prefix: str,
    mesh_id: pulumi.Input[str],
    region: str,
    cluster_ids: Mapping[str, pulumi.Input[str]],
    waits: Mapping[str, Sequence[pulumi.Resource]],
    parent: pulumi.Resource,
) -> dict[str, MeshMembership]:
    """One membership per cluster (``<prefix>-<cluster>``), each after the previous one in
    name order (ASM adds members one at a time) and after what ``waits`` names for it."""
    out: dict[str, MeshMembership] = {}
    previous: MeshMembership | None = None
    for cluster, cluster_id in sorted(cluster_ids.items()):
        after = [*waits.get(cluster, ()), *([previous] if previous is not None else [])]
        previous = out[cluster] = MeshMembership(
            f"{prefix}-{cluster}",
            MeshMembershipArgs(mesh_id=mesh_id, cluster_id=cluster_id, region=region),
            opts=pulumi.ResourceOptions(parent=parent, depends_on=after),
        )
    return out
