"""What the index holds: the resource types the pack understands and one dataclass per kind
of entity (VPC, vSwitch, cluster, Fleet, mesh, CEN attachment, peer link), with the defaults the
provider and the API apply to unset values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .cidrs import Net, parse
from .values import UNKNOWN, as_str

VPC = "alicloud:vpc/network:Network"
SECONDARY_CIDR = "alicloud:vpc/ipv4CidrBlock:Ipv4CidrBlock"
VSWITCH = "alicloud:vpc/switch:Switch"
MANAGED_K8S = "alicloud:cs/managedKubernetes:ManagedKubernetes"
K8S = "alicloud:cs/kubernetes:Kubernetes"
SERVERLESS_K8S = "alicloud:cs/serverlessKubernetes:ServerlessKubernetes"
EDGE_K8S = "alicloud:cs/edgeKubernetes:EdgeKubernetes"
NODE_POOL = "alicloud:cs/nodePool:NodePool"
FLEET = "alicloud:ackone/cluster:Cluster"
MEMBERSHIP = "alicloud:ackone/membershipAttachment:MembershipAttachment"
MESH = "alicloud:servicemesh/serviceMesh:ServiceMesh"
CEN = "alicloud:cen/instance:Instance"
TR = "alicloud:cen/transitRouter:TransitRouter"
TR_VPC_ATTACHMENT = "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment"
TR_PEER_ATTACHMENT = "alicloud:cen/transitRouterPeerAttachment:TransitRouterPeerAttachment"
CEN_ATTACHMENT = "alicloud:cen/instanceAttachment:InstanceAttachment"
BANDWIDTH_PACKAGE = "alicloud:cen/bandwidthPackage:BandwidthPackage"
DYNAMIC = "pulumi-python:dynamic:Resource"
FLEET_FEATURES_KIND = "meshfleet:ackone:FleetFeatures"
MESH_MEMBERSHIP_KIND = "meshfleet:servicemesh:MeshMembership"
#: Component resources carrying what exists already (meshfleet's ``vpcs.<name>.id`` /
#: ``clusters.<name>.id``, or any stack that declares them the same way): their inputs are the
#: VPC's blocks and vSwitches, the cluster's pod and Service CIDRs and node vSwitches, read from
#: the cloud. They make ranges that no resource of the stack declares visible to the rules.
EXISTING_VPC = "meshfleet:index:ExistingVpc"
EXISTING_CLUSTER = "meshfleet:index:ExistingCluster"
CLUSTER_TYPES = (MANAGED_K8S, K8S, SERVERLESS_K8S, EDGE_K8S, EXISTING_CLUSTER)
VPC_TYPES = (VPC, EXISTING_VPC)
_LABELS = {
    VPC: "VPC",
    VSWITCH: "vSwitch",
    MANAGED_K8S: "ACK cluster",
    K8S: "ACK dedicated cluster",
    SERVERLESS_K8S: "ACK Serverless cluster",
    EDGE_K8S: "ACK Edge cluster",
    FLEET: "ACK One Fleet",
    MESH: "ASM instance",
    TR_VPC_ATTACHMENT: "transit-router VPC attachment",
    TR_PEER_ATTACHMENT: "transit-router peer attachment",
    CEN_ATTACHMENT: "CEN instance attachment",
    CEN: "CEN instance",
    SECONDARY_CIDR: "secondary CIDR block",
    EXISTING_VPC: "existing VPC",
    EXISTING_CLUSTER: "existing ACK cluster",
}
TERWAY_ADDONS = ("terway-eniip", "terway-eni", "terway", "terway-controlplane")
#: The provider's default nodeCidrMask (schema Default 24, applied by the provider's Check, so
#: an unset value reaches the API as 24).
DEFAULT_NODE_CIDR_MASK = 24


@dataclass
class Entity:
    """What every indexed resource has: identity, declaration order and region."""

    urn: str
    name: str
    type: str
    order: int
    region: Any  # str, UNKNOWN or None

    @property
    def label(self) -> str:
        kind = _LABELS.get(self.type) or self.type.rsplit(":", 1)[-1]
        return f'{kind} "{self.name}"'


@dataclass
class Cidr:
    """A CIDR property: raw text (or UNKNOWN / None) and the parsed block if valid.

    ``origin`` is the URN an unknown value was computed from (its property dependency), so one
    unknown upstream value is reported once, not once per value derived from it.
    """

    raw: Any
    net: Net | None
    origin: str | None = None

    @staticmethod
    def of(value: Any, origin: str | None = None) -> Cidr:
        text = as_str(value)
        if text is UNKNOWN or text is None:
            return Cidr(text, None, origin if text is UNKNOWN else None)
        return Cidr(text, parse(text))

    @property
    def unknown(self) -> bool:
        return self.raw is UNKNOWN

    @property
    def invalid(self) -> bool:
        return isinstance(self.raw, str) and self.net is None


# ACK applies this Service CIDR when serviceCidr is unset: two such clusters overlap.
DEFAULT_SERVICE = Cidr(
    "172.19.0.0/20",
    Net(0xAC130000, 0xAC130FFF, 20, "172.19.0.0/20 (serviceCidr unset: the ACK API default)"),
)


@dataclass
class Vpc(Entity):
    cidr: Cidr = field(default_factory=lambda: Cidr(None, None))
    secondary: list[Cidr] = field(default_factory=list)
    external: bool = False

    def nets(self) -> list[Net]:
        """Every known block of the VPC: the primary CIDR and the secondary CIDR blocks."""
        return [c.net for c in (self.cidr, *self.secondary) if c.net is not None]

    def unknown_cidrs(self) -> list[Cidr]:
        return [c for c in (self.cidr, *self.secondary) if c.unknown]

    @property
    def cidr_text(self) -> str:
        extra = [c.net.text for c in self.secondary if c.net is not None]
        main = self.cidr.net.text if self.cidr.net is not None else "?"
        return main + (f" (secondary {', '.join(extra)})" if extra else "")


@dataclass
class VSwitch(Entity):
    cidr: Cidr = field(default_factory=lambda: Cidr(None, None))
    zone: Any = None
    vpc: Any = None  # VPC key, UNKNOWN or None


@dataclass
class Cluster(Entity):
    pod_cidr: Cidr = field(default_factory=lambda: Cidr(None, None))
    service_cidr: Cidr = field(default_factory=lambda: Cidr(None, None))
    node_cidr_mask: Any = None  # as declared: int, UNKNOWN or None (provider default 24)
    cni: Any = "flannel"  # "flannel", "terway", "serverless" (pods on VPC addresses) or UNKNOWN
    node_vswitches: set[str] = field(default_factory=set)
    node_vswitches_unknown: bool = False
    pod_vswitches: set[str] = field(default_factory=set)
    pod_vswitches_unknown: bool = False
    vpc: Any = None  # VPC key, UNKNOWN, EXTERNAL (on vSwitches not in this stack) or None
    vpc_ref: Any = None  # an explicit vpcId (ACK Serverless)
    public: Any = True
    deletion_protection: Any = False
    existing: str | None = None
    """The cloud id of a cluster that exists already (an ``ExistingCluster`` component): its
    ranges take part in every overlap rule; what only its creator declares (deletion
    protection, endpoint, Terway pod vSwitches) is not this stack's to check."""

    @property
    def label(self) -> str:
        if self.existing:
            return f'existing ACK cluster "{self.name}" ({self.existing})'
        return super().label

    @property
    def mask(self) -> Any:
        """The nodeCidrMask the API receives: the declared one, else the provider default."""
        return DEFAULT_NODE_CIDR_MASK if self.node_cidr_mask is None else self.node_cidr_mask

    @property
    def flannel(self) -> bool:
        """Has a pod CIDR of its own (Flannel, or a CNI unknown at preview)."""
        return self.cni not in ("terway", "serverless")


@dataclass
class Fleet(Entity):
    vpc: Any = None
    public_feature: Any = False  # from a FleetFeatures resource


@dataclass
class Mesh(Entity):
    vpc: Any = None
    members: set[str] = field(default_factory=set)
    members_unknown: bool = False
    public: Any = False


@dataclass
class Attachment(Entity):
    """A VPC attached to a CEN (transit-router VPC attachment or legacy instance attachment)."""

    cen: Any = None
    vpc: Any = None
    legacy: bool = False
    zones: Any = None  # zone ids of the zone mappings (list; entries may be UNKNOWN) or UNKNOWN


@dataclass
class Peering(Entity):
    """A transit-router peer attachment: a link between two regions of one CEN."""

    cen: Any = None
    regions: tuple[Any, Any] = (None, None)
    bandwidth_type: Any = None
    bandwidth: Any = None
    package: Any = None  # cenBandwidthPackageId: str, UNKNOWN or None
