"""The validated fleet spec: frozen types whose every default is already resolved.

``meshfleet.spec.parse_spec`` is the only constructor that matters: it reads the raw config,
reports every problem, and fills each field here with the value everything downstream uses
(display names, kubeconfig context names, candidate zones, node_cidr_mask). Nothing downstream
re-derives a default or re-checks a choice: the ``Literal`` types below and mypy cover the
choices, the parser covers the values. Pure: nothing of Pulumi.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

Cni = Literal["flannel", "terway"]
Connectivity = Literal["cen", "public"]
AckClusterSpec = Literal["ack.pro.small", "ack.standard"]
MeshClusterSpec = Literal["standard", "enterprise", "ultimate"]
MeshEdition = Literal["Default", "Pro"]
MeshMode = Literal["standalone", "fleet"]
FleetProfile = Literal["Default", "XFlow"]
PoolKind = Literal["vpc", "pod", "service"]

CNIS: tuple[Cni, ...] = get_args(Cni)
CONNECTIVITY: tuple[Connectivity, ...] = get_args(Connectivity)
ACK_SPECS: tuple[AckClusterSpec, ...] = get_args(AckClusterSpec)
MESH_SPECS: tuple[MeshClusterSpec, ...] = get_args(MeshClusterSpec)
MESH_EDITIONS: tuple[MeshEdition, ...] = get_args(MeshEdition)
MESH_MODES: tuple[MeshMode, ...] = get_args(MeshMode)
#: The ASM edition each spec needs. ASM's DescribeServiceMeshDetail documents Profile ``Default``
#: as the Standard edition and ``Pro`` as the Enterprise and Ultimate editions, and the provider's
#: own tests pair them so; the spec field sets both, so the two can never disagree.
MESH_EDITION_OF: Mapping[MeshClusterSpec, MeshEdition] = {
    "standard": "Default",
    "enterprise": "Pro",
    "ultimate": "Pro",
}
FLEET_PROFILES: tuple[FleetProfile, ...] = get_args(FleetProfile)
KINDS: tuple[PoolKind, ...] = get_args(PoolKind)

#: Alibaba Cloud public regions (ECS/VPC), checked so that a typo fails before any API call.
REGIONS = frozenset(
    "cn-qingdao cn-beijing cn-zhangjiakou cn-huhehaote cn-wulanchabu cn-hangzhou cn-shanghai "
    "cn-nanjing cn-fuzhou cn-shenzhen cn-heyuan cn-guangzhou cn-chengdu cn-hongkong cn-wuhan-lr "
    "ap-southeast-1 ap-southeast-3 ap-southeast-5 ap-southeast-6 ap-southeast-7 ap-northeast-1 "
    "ap-northeast-2 us-east-1 us-west-1 eu-central-1 eu-west-1 me-east-1 me-central-1 "
    "na-south-1".split()
)
#: Zones where Alibaba's CEN documentation lists Enterprise transit routers. In other regions any
#: listed zone is a candidate, verified by Alibaba at apply time (or pin ``transitRouterZones``).
TR_ZONES = {
    "cn-hangzhou": frozenset(
        {"cn-hangzhou-b", "cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k"}
    ),
    "cn-shanghai": frozenset({f"cn-shanghai-{z}" for z in "bcefglmn"}),
}
#: Cloud id shapes: a VPC ``vpc-`` + 20-odd lowercase alphanumerics, an ACK cluster ``c`` + 32
#: hex digits (``cs.get_clusters`` ids; ACK's CreateCluster returns the same shape), a CEN
#: instance ``cen-`` + lowercase alphanumerics.
VPC_ID_RE = re.compile(r"^vpc-[a-z0-9]{8,32}$")
CLUSTER_ID_RE = re.compile(r"^c[0-9a-f]{32}$")
CEN_ID_RE = re.compile(r"^cen-[a-z0-9]{8,32}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$|^[a-z]$")
#: A kubeconfig context name kubectl accepts on the command line without quoting.
CONTEXT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@:-]{0,252}$")


def context_problem(value: object) -> str | None:
    """What is wrong with ``value`` as a kubeconfig context name (None: nothing).

    >>> context_problem("fleet@prod"), context_problem("my fleet")[:32]
    (None, 'must be a kubeconfig context nam')
    """
    if isinstance(value, str) and CONTEXT_RE.match(value):
        return None
    return (
        "must be a kubeconfig context name: letters, digits, '.', '_', '-', '@' or ':', "
        "starting with a letter or digit"
    )


def node_cidr_mask(cni: Cni, pods_per_node: int) -> int | None:
    """Flannel's per-node block: the smallest mask in 24..28 with 2^(32-mask) - 1 >= pods per
    node (Flannel gives every node one block of that size). None for Terway.

    >>> node_cidr_mask("flannel", 64), node_cidr_mask("flannel", 1), node_cidr_mask("terway", 64)
    (25, 28, None)
    """
    if cni != "flannel":
        return None
    return min(28, max(24, 32 - math.ceil(math.log2(pods_per_node + 1))))


#: The pool every cluster gets, fixed-size: nodes of an auto-scaling pool are kept free of system
#: components (CoreDNS, the CNI's controllers, add-ons), so a cluster needs one fixed pool for them.
SYSTEM_POOL = "system"
#: Fewer than two system nodes would leave CoreDNS and the add-ons without a second replica.
SYSTEM_POOL_MIN_SIZE = 2


@dataclass(frozen=True)
class NodePoolSpec:
    """One node pool of a cluster: the fixed-size system pool, or a named pool."""

    name: str
    """The pool's key: ``system``, or its key under ``nodePools``. Child names come from it
    (``<cluster>-<name>``), so it is the pool's identity."""
    instance_types: tuple[str, ...]
    """ECS instance types, tried in order. Default ``ecs.g7.xlarge``."""
    desired_size: int | None
    """Fixed size: the number of nodes (default 2). None for an auto-scaling pool."""
    min_size: int | None
    """With ``max_size``: auto scaling between the two (the autoscaler owns the count)."""
    max_size: int | None
    """Upper bound of an auto-scaling pool."""
    system_disk_size: int
    """System disk GiB per node. Default 120."""

    @property
    def auto_scaling(self) -> bool:
        return self.min_size is not None and self.max_size is not None

    @property
    def most_nodes(self) -> int:
        """The most nodes this pool can ever have: its fixed size or its ``max_size``."""
        return (self.max_size if self.max_size is not None else self.desired_size) or 0


@dataclass(frozen=True)
class ClusterSpec:
    """One ACK managed cluster, keyed by name."""

    name: str
    vpc: str
    region: str
    """The region of its VPC."""
    display_name: str
    """Cloud-side cluster name: ``<fleet name>-<cluster>``."""
    cni: Cni
    """``flannel`` (pod CIDR) or ``terway`` (pod vSwitches). Immutable after creation."""
    zones: tuple[str, ...]
    """Zones of the node vSwitches. Default: all zones of the VPC."""
    max_nodes: int
    """Growth sizing: nodes the cluster may ever have (default 64). Sizes node vSwitches and the
    pod CIDR."""
    pods_per_node: int
    """Pods per node (default 64); chooses ``node_cidr_mask`` for Flannel."""
    node_cidr_mask: int | None
    """Flannel's per-node block, always set explicitly on the cluster (see :func:`node_cidr_mask`;
    the API would default to 26, the provider documents 24). None for Terway."""
    service_ips: int
    """Service IPs: the Service CIDR is the smallest /16../24 holding them. Default 4096 (/20)."""
    cluster_spec: AckClusterSpec
    """ACK cluster spec: ``ack.pro.small`` (Pro, the default) or ``ack.standard``."""
    kubernetes_version: str | None
    """ACK Kubernetes version; None: the provider's latest."""
    deletion_protection: bool
    """Refuse deletion of the cluster in the console/API. Default on."""
    system_pool: NodePoolSpec
    """The fixed-size pool for system components (``systemPool``): at least 2 nodes."""
    node_pools: Mapping[str, NodePoolSpec]
    """Further pools keyed by name (``nodePools.<name>``), fixed or auto scaling. Default: none.
    The system pool plus every pool's most nodes stay within ``max_nodes``."""
    pod_cidr: str | None
    """Pinned Flannel pod CIDR (only for clusters that already exist or must match elsewhere)."""
    service_cidr: str | None
    """Pinned Service CIDR."""
    vswitches: Mapping[str, str]
    """Pinned node vSwitch CIDRs by zone."""
    pod_vswitches: Mapping[str, str]
    """Pinned Terway pod vSwitch CIDRs by zone."""
    id: str | None = None
    """``clusters.<name>.id``: the cluster already exists (``c`` + 32 hex digits). Its CNI,
    CIDRs, vSwitches and node pools are read from the cloud; meshfleet registers nothing of its
    own for it and only attaches it (Fleet, mesh, CEN). None: meshfleet creates it."""
    declared_cni: Cni | None = None
    """An existing cluster's ``cni`` as the spec wrote it (None: not written), checked against
    what the cloud reports."""

    @property
    def pools(self) -> tuple[NodePoolSpec, ...]:
        """Every node pool: the system pool first, then the named pools by name."""
        return (self.system_pool, *(self.node_pools[k] for k in sorted(self.node_pools)))

    @property
    def auto_scaling(self) -> bool:
        """Whether any pool auto scales (the cluster then declares its autoscaler settings)."""
        return any(p.auto_scaling for p in self.node_pools.values())


@dataclass(frozen=True)
class VpcSpec:
    """A VPC, keyed by name."""

    name: str
    region: str
    display_name: str
    """Cloud-side VPC name: ``<fleet name>-<vpc>``."""
    zones: tuple[str, ...]
    """Zones the VPC uses. Default: all zones of its region."""
    cidr: str | None
    """Pinned VPC CIDR. None: allocated from the ``vpc`` pools."""
    prefix: int | None
    """Fixed VPC size (prefix length). None: what its vSwitches need, grown by ``growth_bits``."""
    growth_bits: int
    """Room for growth: the auto-sized VPC is 2^growth_bits times its need (default 2)."""
    nat_gateway: bool
    """Own one Internet NAT gateway (Enhanced, on its own vSwitch), its EIP and one SNAT entry
    per node and pod vSwitch, so every cluster in the VPC shares one egress (``natGateway``).
    Default on; off when the VPC has egress already (a NAT made elsewhere)."""
    transit_router_zones: tuple[str, ...]
    """Candidate zones of the two transit-router vSwitches (``cen`` only, else empty): the pinned
    ``transitRouterZones``, else the VPC's zones where transit routers are documented (every
    zone in regions :data:`TR_ZONES` does not list). At least two."""
    id: str | None = None
    """``vpcs.<name>.id``: the VPC already exists (``vpc-...``); its CIDRs and vSwitches are
    read from the cloud, meshfleet carves its new vSwitches in the free space and creates
    nothing for the VPC itself. None: meshfleet creates it."""


@dataclass(frozen=True)
class Placement:
    """Where the ACK One Fleet instance or the ASM instance lives."""

    vpc: str
    region: str
    """The region of its VPC."""
    zones: tuple[str, ...]
    """Candidate zones of its vSwitch: the pinned ``zone``, else every zone of its VPC. The
    planner keeps the zone the lock holds, else takes the first by name."""
    name: str
    """Cloud-side display name. Default ``<fleet name>-fleet`` / ``<fleet name>-mesh``."""
    context: str
    """Its context name in the merged kubeconfig. Default: the display name."""


@dataclass(frozen=True)
class FleetPlacement(Placement):
    """The ACK One Fleet instance."""

    profile: FleetProfile
    """``Default`` (the default) or ``XFlow``."""
    argocd: bool
    """Enable the Fleet's managed Argo CD. Default off."""
    deletion_protection: bool
    """Turn on the Fleet's deletion protection (through FleetFeatures). Default on."""


@dataclass(frozen=True)
class MeshPlacement(Placement):
    """The ASM instance."""

    mode: MeshMode
    """``standalone`` (the default): meshfleet's own ASM instance, every cluster a member, and
    the merged kubeconfig as connection path (4). ``fleet``: the ACK One Fleet's own mesh
    (``EnableMesh``), which the service creates and chooses; no standalone ASM instance."""
    cluster_spec: MeshClusterSpec
    """The spec field ``mesh.spec``: ``standard`` (the default), ``enterprise`` or ``ultimate``."""
    edition: MeshEdition
    """Follows ``cluster_spec`` (:data:`MESH_EDITION_OF`): never written on its own."""
    version: str | None
    """ASM version; None: the provider's."""


#: An IPAM pool id as Alibaba writes it (``ipam-pool-`` and lower-case letters and digits).
IPAM_POOL_RE = re.compile(r"^ipam-pool-[a-z0-9]{1,64}$")


@dataclass(frozen=True)
class IpamSpec:
    """The organisation's VPC IPAM pools the fleet allocates from (``ipam.pools``): the cloud
    arbitrates between stacks, the planner plans inside what the pools have free."""

    vpc: Mapping[str, str]
    """Region -> pool id of the VPC pool there (IPAM allocates a VPC only from a pool whose
    effective region is the VPC's), one per region of the spec's VPCs."""
    pod: str | None
    """Pool id of Flannel pod CIDRs (reserved as custom allocations). None: the spec has no
    Flannel cluster, or the pod CIDRs stay in the spec's own ``pools.pod``."""
    service: str
    """Pool id of Service CIDRs (reserved as custom allocations)."""

    def pool_of(self, kind: PoolKind, region: str) -> str | None:
        """The pool id that allocates ``kind`` (``region``: where the VPC is)."""
        if kind == "vpc":
            return self.vpc.get(region)
        return self.pod if kind == "pod" else self.service

    @property
    def pool_ids(self) -> tuple[str, ...]:
        """Every pool id named, sorted, once."""
        return tuple(sorted({*self.vpc.values(), self.service, *([self.pod] if self.pod else [])}))


@dataclass(frozen=True)
class FleetSpec:
    """The whole validated fleet."""

    name: str
    """Prefix of every cloud-side display name. Default ``meshfleet``."""
    regions: Mapping[str, tuple[str, ...]]
    vpcs: Mapping[str, VpcSpec]
    clusters: Mapping[str, ClusterSpec]
    fleet: FleetPlacement
    mesh: MeshPlacement
    connectivity: Connectivity
    """``cen`` (the default) or ``public``."""
    cen_bandwidth: int
    """Mbit/s of each cross-region peer link. Default 10."""
    pools: Mapping[PoolKind, tuple[str, ...]]
    """Address pools per kind, in order of preference."""
    reserved: tuple[str, ...]
    """CIDRs in use elsewhere: never allocated."""
    cen_id: str | None = None
    """``cen.id``: an existing CEN instance (``cen-...``) used instead of a new one (its transit
    routers too, per region). None: meshfleet creates the CEN instance."""
    ipam: IpamSpec | None = None
    """The organisation's IPAM pools (``ipam``); None: the spec's own ``pools``."""

    @property
    def reads_existing(self) -> bool:
        """Whether anything the spec names already exists (the reader then reads it)."""
        return (
            self.cen_id is not None
            or any(v.id for v in self.vpcs.values())
            or any(c.id for c in self.clusters.values())
        )
