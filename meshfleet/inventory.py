"""What already exists, read before planning: the organisation's IPAM pools and their
allocations, VPCs, clusters and a CEN instance the stack did not create, and the versions the
cloud offers.

Pure data. The stack program fills an ``Inventory`` through pulumi_alicloud's data sources
(``meshfleet.components.reader``, at preview too); ``fleetctl plan`` fills it from recorded
data-source answers (``fleetctl.inventory``); tests build one by hand. The planner reads it:
pools and foreign allocations shape the address space, existing ranges are fixed, versions are
chosen from what is offered. Nothing is read, and the inventory is ``EMPTY``, when the spec
names no pool, no existing resource and every version it needs is locked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


def _frozen(mapping: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class PoolAllocation:
    """One allocation in an IPAM pool (``vpc.get_ipam_ipam_pool_allocations``)."""

    cidr: str
    name: str = ""
    """``ipam_pool_allocation_name``: meshfleet names its own by lock key."""
    description: str = ""
    """``ipam_pool_allocation_description``: meshfleet writes ``<project>/<stack>``. For a VPC's
    allocation at a CIDR the lock holds: the VPC's own description (``vpc.get_networks``), which
    meshfleet sets to ``<project>/<stack>`` on a VPC it creates from a pool."""
    resource_type: str = ""
    """``VPC``, ``IpamPool`` (a child pool) or ``Custom`` (a reservation)."""
    resource_id: str = ""
    region: str = ""
    """``resource_region_id``."""
    id: str = ""
    status: str = ""


@dataclass(frozen=True)
class IpamPool:
    """One IPAM pool: its provisioned CIDRs and every allocation in it."""

    id: str
    region: str
    """``pool_region_id``: the effective region (a VPC is allocated only from a pool of its
    own region)."""
    cidrs: tuple[str, ...]
    allocations: tuple[PoolAllocation, ...] = ()
    min_mask: int | None = None
    """``allocation_min_cidr_mask``: the largest block (smallest prefix) the pool hands out."""
    max_mask: int | None = None
    """``allocation_max_cidr_mask``: the smallest block (largest prefix) it hands out."""
    default_mask: int | None = None


@dataclass(frozen=True)
class ExistingVSwitch:
    id: str
    cidr: str
    zone: str
    name: str = ""


@dataclass(frozen=True)
class ExistingVpc:
    """A VPC the stack uses but did not create (``vpc.get_networks`` + ``vpc.get_switches``)."""

    id: str
    region: str
    cidrs: tuple[str, ...]
    """The primary CIDR first, then the secondary blocks."""
    vswitches: tuple[ExistingVSwitch, ...] = ()
    name: str = ""
    route_table_id: str = ""


@dataclass(frozen=True)
class ExistingCluster:
    """An ACK cluster the stack attaches but did not create (``cs.get_clusters`` with details,
    ``cs.get_kubernetes_node_pools``, ``cs.get_kubernetes_addons``)."""

    id: str
    region: str
    vpc_id: str
    vswitch_ids: tuple[str, ...]
    pod_cidr: str | None
    """Flannel's pod CIDR; None for Terway (pods take vSwitch addresses)."""
    service_cidr: str
    node_cidr_mask: int | None
    cni: str
    """``flannel`` or ``terway`` (from the installed add-ons: ``flannel``, ``terway-*``)."""
    name: str = ""
    security_group_id: str = ""
    proxy_mode: str = ""
    """kube-proxy mode (``iptables`` / ``ipvs``), as reported."""


@dataclass(frozen=True)
class ExistingCen:
    """A CEN instance the stack uses instead of creating one, and its transit routers."""

    id: str
    transit_routers: Mapping[str, str] = field(default_factory=_frozen)
    """Region -> transit router id, for the regions that already have one."""
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "transit_routers", _frozen(self.transit_routers))


@dataclass(frozen=True)
class Versions:
    """What the cloud offers, newest first: Kubernetes versions of ACK managed clusters
    (``cs.get_kubernetes_version``) and ASM versions per edition (``servicemesh.get_versions``)."""

    kubernetes: tuple[str, ...] = ()
    mesh: Mapping[str, tuple[str, ...]] = field(default_factory=_frozen)
    """Edition (``Default`` / ``Pro``) -> versions."""


@dataclass(frozen=True)
class Inventory:
    """Everything read before planning, keyed by cloud id (pools, VPCs, clusters)."""

    pools: Mapping[str, IpamPool] = field(default_factory=_frozen)
    vpcs: Mapping[str, ExistingVpc] = field(default_factory=_frozen)
    clusters: Mapping[str, ExistingCluster] = field(default_factory=_frozen)
    cen: ExistingCen | None = None
    versions: Versions | None = None
    owner: str = ""
    """Who read it: ``<project>/<stack>``. The stack recognises its own IPAM allocations by this
    description (and a lock key as their name): they are not another owner's."""

    def __post_init__(self) -> None:
        for name in ("pools", "vpcs", "clusters"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))


EMPTY = Inventory()
"""The inventory of a stack that reads nothing."""
