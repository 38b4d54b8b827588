"""The plan: the single resolved layout of the fleet, as frozen values of plain CIDR strings.

Built once by ``meshfleet.planner.plan`` and read by everything after it: the components declare
exactly what is here (CIDRs, zones, display names, routes, security-group aggregates), fleetctl
prints and draws it, the stack exports it. Pure: nothing of Pulumi.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from netaddr import IPNetwork

from meshfleet.inventory import EMPTY, ExistingCluster, ExistingVpc, Inventory
from meshfleet.ipam import IpamUse
from meshfleet.specmodel import ClusterSpec, Cni, FleetSpec, PoolKind
from meshfleet.versions import VersionPlan

#: Addresses per node vSwitch beyond the nodes: the API server's CLB, NAT, ENIs of add-ons.
NODE_OVERHEAD = 8

Role = Literal["node", "pod", "transit-router", "fleet", "mesh", "nat"]


@dataclass(frozen=True)
class VSwitchPlan:
    """One planned vSwitch."""

    key: str
    """Stable allocation key, e.g. ``vswitch:hz:node:ack-1:cn-hangzhou-h``."""
    name: str
    """Pulumi child name, e.g. ``hz-node-ack-1-cn-hangzhou-h``."""
    display_name: str
    """Cloud-side name: ``<fleet name>-<name>``."""
    vpc: str
    zone: str
    cidr: str
    role: Role
    """``node``, ``pod`` (Terway), ``transit-router``, ``fleet``, ``mesh`` or ``nat`` (the
    VPC's NAT gateway)."""
    cluster: str | None = None

    @property
    def usable(self) -> int:
        """Addresses Alibaba lets you use: four per vSwitch are reserved."""
        return int(IPNetwork(self.cidr).size) - 4


@dataclass(frozen=True)
class VpcPlan:
    name: str
    region: str
    cidr: str
    zones: tuple[str, ...]
    vswitches: tuple[VSwitchPlan, ...]
    display_name: str
    """Cloud-side VPC name: ``<fleet name>-<vpc>``."""
    existing: ExistingVpc | None = None
    """The VPC as read from the cloud when it already exists (``vpcs.<name>.id``): meshfleet
    creates nothing for it; ``vswitches`` are then only the new ones, carved in its free space
    (``cidrs``), around its own vSwitches."""

    @property
    def cidrs(self) -> tuple[str, ...]:
        """Every CIDR block of the VPC: the primary one, then an existing VPC's secondary ones."""
        return self.existing.cidrs if self.existing is not None else (self.cidr,)

    def by_role(self, role: Role, cluster: str | None = None) -> tuple[VSwitchPlan, ...]:
        """The vSwitches of one role (and cluster), in zone order."""
        return tuple(
            v
            for v in self.vswitches
            if v.role == role and (cluster is None or v.cluster == cluster)
        )

    @property
    def utilisation(self) -> float:
        return sum(IPNetwork(v.cidr).size for v in self.vswitches) / IPNetwork(self.cidr).size


@dataclass(frozen=True)
class ClusterPlan:
    name: str
    region: str
    vpc: str
    cni: Cni
    zones: tuple[str, ...]
    node_vswitches: tuple[VSwitchPlan, ...]
    pod_vswitches: tuple[VSwitchPlan, ...]
    pod_cidr: str | None
    service_cidr: str
    node_cidr_mask: int | None
    spec: ClusterSpec
    existing: ExistingCluster | None = None
    """The cluster as read from the cloud when it already exists (``clusters.<name>.id``): its
    CIDRs and node vSwitches (``existing:<vsw id>`` keys) are the cloud's; meshfleet attaches it
    (Fleet, mesh, CEN) and registers nothing else for it."""

    @property
    def max_nodes(self) -> int:
        """Nodes the plan has room for: node vSwitch addresses, and Flannel pod CIDR blocks."""
        room = sum(v.usable - NODE_OVERHEAD for v in self.node_vswitches)
        if self.pod_cidr is not None and self.node_cidr_mask is not None:
            room = min(room, 2 ** (self.node_cidr_mask - IPNetwork(self.pod_cidr).prefixlen))
        if self.pod_vswitches:  # Terway: every pod of a full node needs a pod vSwitch address
            room = min(room, self.pod_ips // self.pods_per_node)
        return room

    @property
    def pods_per_node(self) -> int:
        if self.node_cidr_mask is not None:
            return int(2 ** (32 - self.node_cidr_mask) - 1)
        return self.spec.pods_per_node

    @property
    def pod_ips(self) -> int:
        if self.pod_cidr is not None:
            return int(IPNetwork(self.pod_cidr).size)
        return sum(v.usable for v in self.pod_vswitches)

    @property
    def service_ips(self) -> int:
        return int(IPNetwork(self.service_cidr).size)


@dataclass(frozen=True)
class PlacementPlan:
    """Where the Fleet or the mesh lives: its VPC, region and vSwitch."""

    vpc: str
    region: str
    vswitch: VSwitchPlan


@dataclass(frozen=True)
class PoolUse:
    cidr: str
    kinds: tuple[PoolKind, ...]
    allocated: int

    @property
    def utilisation(self) -> float:
        return self.allocated / IPNetwork(self.cidr).size


@dataclass(frozen=True)
class Plan:
    spec: FleetSpec
    vpcs: Mapping[str, VpcPlan]
    clusters: Mapping[str, ClusterPlan]
    fleet: PlacementPlan
    mesh: PlacementPlan
    pools: tuple[PoolUse, ...]
    routes: Mapping[str, tuple[str, ...]]
    """Per VPC, the aggregates its route table sends to its transit-router attachment
    (``meshfleet.routes.summary_routes``); empty in ``public`` mode (no CEN)."""
    supernets: tuple[str, ...]
    """What every cluster's security group admits from the rest of the fleet: the aggregates
    covering every VPC and Flannel pod CIDR (``meshfleet.routes.fleet_supernets``); empty in
    ``public`` mode (no private path)."""
    new: tuple[str, ...] = ()
    """Allocation keys the lock did not hold (to be recorded with ``fleetctl plan --write``)."""
    released: tuple[str, ...] = ()
    """Lock keys no longer in the spec. Their addresses stay reserved (Pulumi deletes the old
    resources only after creating the new ones): ``fleetctl plan --write`` moves them to the
    lock's ``held`` entries, reserved in every later plan until the removal is confirmed."""
    held: Mapping[str, str] = field(default_factory=dict)
    """Every CIDR reserved after this plan, by key: the entries it releases and the lock's held
    entries it does not take back (what ``plan --write`` records as ``held``)."""
    reclaimed: tuple[str, ...] = ()
    """Held keys the spec has again, taking back their own CIDR (the same resource)."""
    warnings: tuple[str, ...] = ()
    inventory: Inventory = EMPTY
    """What was read before planning (IPAM pools, existing VPCs, clusters, CEN, versions)."""
    ipam: IpamUse | None = None
    """With ``ipam`` in the spec: each VPC's pool, the custom allocations the stack reserves
    (Flannel pod and Service CIDRs) and the locked ranges another owner has taken."""
    versions: VersionPlan = VersionPlan()
    """The Kubernetes version of each cluster and the ASM version: spec, else lock, else the
    newest compatible pair offered (``meshfleet.versions``)."""

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(sorted({v.region for v in self.vpcs.values()}))

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-able data (``fleetctl plan --json``, the stack output ``plan``)."""

        def vswitch(v: VSwitchPlan) -> dict[str, Any]:
            return {
                "name": v.name,
                "key": v.key,
                "zone": v.zone,
                "cidr": v.cidr,
                "role": v.role,
                "cluster": v.cluster,
                "usable": v.usable,
            }

        def placement(p: PlacementPlan) -> dict[str, Any]:
            return {"vpc": p.vpc, "region": p.region, "vswitch": vswitch(p.vswitch)}

        return {
            "name": self.spec.name,
            "connectivity": self.spec.connectivity,
            "regions": list(self.regions),
            "vpcs": [
                {
                    "name": v.name,
                    "region": v.region,
                    "cidr": v.cidr,
                    "zones": list(v.zones),
                    "id": v.existing.id if v.existing else None,
                    "cidrs": list(v.cidrs),
                    "utilisation": round(v.utilisation, 4),
                    "vswitches": [vswitch(s) for s in v.vswitches],
                    "routes": list(self.routes.get(v.name, ())),
                }
                for v in self.vpcs.values()
            ],
            "clusters": [
                {
                    "name": c.name,
                    "region": c.region,
                    "vpc": c.vpc,
                    "cni": c.cni,
                    "id": c.existing.id if c.existing else None,
                    "zones": list(c.zones),
                    "podCidr": c.pod_cidr,
                    "podVswitches": [vswitch(v) for v in c.pod_vswitches],
                    "nodeVswitches": [vswitch(v) for v in c.node_vswitches],
                    "serviceCidr": c.service_cidr,
                    "nodeCidrMask": c.node_cidr_mask,
                    "maxNodes": c.max_nodes,
                    "podsPerNode": c.pods_per_node,
                    "podIps": c.pod_ips,
                    "serviceIps": c.service_ips,
                }
                for c in self.clusters.values()
            ],
            "fleet": placement(self.fleet),
            "mesh": placement(self.mesh),
            "supernets": list(self.supernets),
            "pools": [
                {
                    "cidr": p.cidr,
                    "kinds": list(p.kinds),
                    "allocated": p.allocated,
                    "utilisation": round(p.utilisation, 6),
                }
                for p in self.pools
            ],
            "new": list(self.new),
            "released": list(self.released),
            "held": dict(self.held),
            "reclaimed": list(self.reclaimed),
            "versions": {
                "kubernetes": dict(self.versions.kubernetes),
                "mesh": self.versions.mesh,
                "new": list(self.versions.new),
                "changed": list(self.versions.changed),
            },
            "warnings": list(self.warnings),
            **(
                {
                    "ipam": {
                        "owner": self.ipam.owner,
                        "vpcPools": dict(self.ipam.vpc_pools),
                        "reservations": [
                            {"key": r.key, "cidr": r.cidr, "pool": r.pool_id, "region": r.region}
                            for r in self.ipam.reservations
                        ],
                        "taken": [
                            {
                                "key": t.key,
                                "cidr": t.cidr,
                                "pool": t.pool_id,
                                "allocation": t.allocation.cidr,
                                "holder": t.allocation.description or t.allocation.resource_id,
                            }
                            for t in self.ipam.taken
                        ],
                    }
                }
                if self.ipam is not None
                else {}
            ),
        }

    def allocations(self) -> dict[str, str]:
        """Every allocation by key: what the lock records. Existing VPCs' and clusters' ranges
        are the cloud's, not allocations: the lock does not hold them (new vSwitches carved in an
        existing VPC are allocations)."""
        out = {f"vpc:{v.name}": v.cidr for v in self.vpcs.values() if v.existing is None}
        for v in self.vpcs.values():
            out.update({s.key: s.cidr for s in v.vswitches})
        for c in self.clusters.values():
            if c.existing is not None:
                continue
            if c.pod_cidr:
                out[f"pod:{c.name}"] = c.pod_cidr
            out[f"service:{c.name}"] = c.service_cidr
        return dict(sorted(out.items()))
