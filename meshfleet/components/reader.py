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

import dataclasses
from collections.abc import Mapping

import pulumi
import pulumi_alicloud as alicloud

from meshfleet.components.common import regional_provider_args
from meshfleet.components.reader_existing import read_existing
from meshfleet.inventory import Inventory, IpamPool, PoolAllocation, Versions
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
                f"{self.spec.name}-read-{region}", regional_provider_args(region)
            )
        return pulumi.InvokeOptions(provider=provider)

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions read from so far."""
        return tuple(sorted(self._providers))


def read_inventory(spec: FleetSpec, lock: Mapping[str, str]) -> Inventory:
    """Everything ``spec`` needs to know of the account before it is planned against ``lock``."""
    reading = Reading(spec)
    found = _read_existing(spec, lock, reading)
    pools = _read_pools(spec, lock, reading) if spec.ipam is not None else {}
    return dataclasses.replace(
        found,
        pools=pools,
        versions=_read_versions(spec, lock, reading),
        owner=f"{pulumi.get_project()}/{pulumi.get_stack()}",
    )


def _read_versions(spec: FleetSpec, lock: Mapping[str, str], reading: Reading) -> Versions | None:
    """What the cloud offers, for the versions neither the spec nor the lock's ``versions``
    gives (None, and nothing invoked, when every one is given): the Kubernetes versions of ACK
    managed clusters offered in every region such a cluster lives in, and the ASM versions of
    the mesh's edition in the mesh's region (``meshfleet.versions`` chooses among them)."""
    clusters, mesh = needed(spec, getattr(lock, "versions", {}))
    if not clusters and not mesh:
        return None
    kubernetes: list[str] | None = None
    for region in sorted({spec.clusters[c].region for c in clusters}):
        got = alicloud.cs.get_kubernetes_version(
            cluster_type="ManagedKubernetes", opts=reading.opts(region)
        )
        offered = [m.version for m in got.metadatas]
        kubernetes = offered if kubernetes is None else [v for v in kubernetes if v in offered]
    editions: dict[str, tuple[str, ...]] = {}
    if mesh:
        edition = spec.mesh.edition
        got_mesh = alicloud.servicemesh.get_versions(
            edition=edition, opts=reading.opts(spec.mesh.region)
        )
        editions[edition] = tuple(v.version for v in got_mesh.versions if v.edition == edition)
    return Versions(tuple(kubernetes or ()), editions)


def _read_existing(spec: FleetSpec, lock: Mapping[str, str], reading: Reading) -> Inventory:
    """Existing VPCs, clusters and CEN (``vpcs.<name>.id``, ``clusters.<name>.id``,
    ``cen.id``): nothing is invoked for a spec without ids. The lock plays no part: what
    exists is what the cloud says (``meshfleet.existing`` checks the lock against it)."""
    del lock
    return read_existing(spec, reading) if spec.reads_existing else Inventory()


def _read_pools(spec: FleetSpec, lock: Mapping[str, str], reading: Reading) -> dict[str, IpamPool]:
    """Every IPAM pool ``spec.ipam`` names: its effective region and mask limits, its CIDRs and
    every allocation in it (``vpc.get_ipam_ipam_pools``, ``get_ipam_ipam_pool_cidrs``,
    ``get_ipam_ipam_pool_allocations``).

    The pools are looked up by id in each region of the spec's VPCs (where the VPC pools must
    be); the pod and Service pools are found the same way. Their CIDRs and allocations are read
    through a provider of the pool's effective region (``pool_region_id``, the region its
    custom allocations are made in; the region it was found in when it has none, which the
    planner then refuses). A pool no region
    returns is left out: the planner then names it as not found.

    A VPC's allocation carries no name or description of meshfleet's, so for each one at a
    CIDR ``lock`` holds for a VPC of that pool, the VPC's own description is read
    (``vpc.get_networks(ids=...)`` in the pool's region) and recorded as the allocation's: the
    planner recognises its own VPCs by it. A stack whose lock holds no such CIDR reads no VPC.
    """
    assert spec.ipam is not None
    wanted = list(spec.ipam.pool_ids)
    found: dict[str, tuple[str, alicloud.vpc.outputs.GetIpamIpamPoolsPoolResult]] = {}
    for region in sorted(spec.ipam.vpc):
        listed = alicloud.vpc.get_ipam_ipam_pools(ids=wanted, opts=reading.opts(region))
        for p in listed.pools:
            if p.id in wanted and p.id not in found:
                found[p.id] = (region, p)
    out: dict[str, IpamPool] = {}
    for pool_id, (seen_in, p) in sorted(found.items()):
        opts = reading.opts(p.pool_region_id or seen_in)
        cidrs = alicloud.vpc.get_ipam_ipam_pool_cidrs(ipam_pool_id=pool_id, opts=opts).cidrs
        allocations = alicloud.vpc.get_ipam_ipam_pool_allocations(
            ipam_pool_id=pool_id, opts=opts
        ).allocations
        locked = {
            c
            for k, c in lock.items()
            if k.startswith("vpc:")
            and k[4:] in spec.vpcs
            and spec.ipam.vpc.get(spec.vpcs[k[4:]].region) == pool_id
        }
        mine = sorted(
            {
                a.resource_id
                for a in allocations
                if a.resource_type == "VPC" and a.cidr in locked and a.resource_id
            }
        )
        described = {}
        if mine:
            described = {
                v.id: v.description or ""
                for v in alicloud.vpc.get_networks(ids=mine, opts=opts).vpcs
            }
        out[pool_id] = IpamPool(
            pool_id,
            p.pool_region_id or "",
            tuple(sorted((c.cidr for c in cidrs if c.cidr), key=_address_order)),
            tuple(
                PoolAllocation(
                    a.cidr,
                    a.ipam_pool_allocation_name or "",
                    described.get(a.resource_id, "")
                    if a.resource_type == "VPC"
                    else a.ipam_pool_allocation_description or "",
                    a.resource_type or "",
                    a.resource_id or "",
                    a.resource_region_id or "",
                    a.id or "",
                    a.status or "",
                )
                for a in allocations
                if a.cidr
            ),
            p.allocation_min_cidr_mask or None,
            p.allocation_max_cidr_mask or None,
            p.allocation_default_cidr_mask or None,
        )
    return out


def _address_order(cidr: str) -> tuple[int, ...]:
    """A pool's CIDRs in address order (the planner tries them in order)."""
    address, prefix = cidr.split("/")
    return (*(int(x) for x in address.split(".")), int(prefix))
