"""Reads what already exists, before planning, through pulumi_alicloud's data sources.

``read_inventory(spec, lock)`` is the ``read`` step of ``meshfleet.pipeline.plan_stack`` in the
stack program. Data sources are invokes: Pulumi answers them at preview as at update (the
program cannot plan without them), and ``fleetctl`` answers them from recorded answers. Each
area reads only what the spec asks for, so a stack that names no IPAM pool, no existing resource
and has every version locked invokes nothing and registers nothing here.

Invokes of one region go through an explicit provider of that region
(``<fleet name>-read-<region>``, created on first use, with the stack's ``alicloud:``
credentials), never the default provider: IPAM pools, VPCs and clusters are regional.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_alicloud as alicloud

from meshfleet.components.common import regional_provider_args
from meshfleet.inventory import Inventory, Versions
from meshfleet.specmodel import FleetSpec
from meshfleet.versions import needed


class Reading:
    """The invoke options of each region, with its reading provider made on first use."""

    def __init__(self, spec: FleetSpec) -> None:
        self.spec = spec
        self._providers: dict[str, alicloud.Provider] = {}

    def opts(self, region: str) -> pulumi.InvokeOptions:
        """Invoke options that send a data source to ``region``."""
        provider = self._providers.get(region)
        if provider is None:
            provider = self._providers[region] = alicloud.Provider(
                f"{self.spec.name}-read-{region}", regional_provider_args(region))
        return pulumi.InvokeOptions(provider=provider)

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions read from so far."""
        return tuple(sorted(self._providers))


def read_inventory(spec: FleetSpec, lock: Mapping[str, str]) -> Inventory:
    """Everything ``spec`` needs to know of the account before it is planned against ``lock``."""
    reading = Reading(spec)
    return Inventory(versions=_read_versions(spec, lock, reading))


def _read_versions(spec: FleetSpec, lock: Mapping[str, str], reading: Reading
                   ) -> Versions | None:
    """What the cloud offers, for the versions neither the spec nor the lock's ``versions``
    gives (None, and nothing invoked, when every one is given): the Kubernetes versions of ACK
    managed clusters offered in every region such a cluster lives in, and the ASM versions of
    the mesh's edition in the mesh's region (``meshfleet.versions`` chooses among them)."""
    clusters, mesh = needed(spec, getattr(lock, "versions", {}))
    if not clusters and not mesh:
        return None
    kubernetes: list[str] | None = None
    for region in sorted({spec.clusters[c].region for c in clusters}):
        got = alicloud.cs.get_kubernetes_version(cluster_type="ManagedKubernetes",
                                                 opts=reading.opts(region))
        offered = [m.version for m in got.metadatas]
        kubernetes = offered if kubernetes is None else [v for v in kubernetes if v in offered]
    editions: dict[str, tuple[str, ...]] = {}
    if mesh:
        edition = spec.mesh.edition
        got_mesh = alicloud.servicemesh.get_versions(edition=edition,
                                                     opts=reading.opts(spec.mesh.region))
        editions[edition] = tuple(v.version for v in got_mesh.versions if v.edition == edition)
    return Versions(tuple(kubernetes or ()), editions)

