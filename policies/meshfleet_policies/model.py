"""One pass over the stack: the index every stack policy reads.

Entities are keyed by URN. A reference (``vpcId``, ``vswitchIds``, ``clusterIds`` ...) is resolved
first through the resource's property dependencies, which name the referenced resource's URN even
when its id is unknown at preview, then by a known id (``id`` property of a resource in the stack),
and otherwise to an external key ``id:<value>`` so that two resources naming the same existing VPC
by id still land in the same VPC. An unresolvable reference is :data:`UNKNOWN`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .cidrs import Net, parse
from .values import UNKNOWN, as_bool, as_int, as_str, elements, get, get_path, str_list

VPC = "alicloud:vpc/network:Network"
VSWITCH = "alicloud:vpc/switch:Switch"
MANAGED_K8S = "alicloud:cs/managedKubernetes:ManagedKubernetes"
K8S = "alicloud:cs/kubernetes:Kubernetes"
NODE_POOL = "alicloud:cs/nodePool:NodePool"
FLEET = "alicloud:ackone/cluster:Cluster"
MEMBERSHIP = "alicloud:ackone/membershipAttachment:MembershipAttachment"
MESH = "alicloud:servicemesh/serviceMesh:ServiceMesh"
CEN = "alicloud:cen/instance:Instance"
TR = "alicloud:cen/transitRouter:TransitRouter"
TR_VPC_ATTACHMENT = "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment"
TR_PEER_ATTACHMENT = "alicloud:cen/transitRouterPeerAttachment:TransitRouterPeerAttachment"
CEN_ATTACHMENT = "alicloud:cen/instanceAttachment:InstanceAttachment"
DYNAMIC = "pulumi-python:dynamic:Resource"
FLEET_FEATURES_KIND = "meshfleet:ackone:FleetFeatures"
CLUSTER_TYPES = (MANAGED_K8S, K8S)
_LABELS = {VPC: "VPC", VSWITCH: "vSwitch", MANAGED_K8S: "ACK cluster", K8S: "ACK dedicated cluster",
           FLEET: "ACK One Fleet", MESH: "ASM instance"}
TERWAY_ADDONS = ("terway-eniip", "terway-eni", "terway", "terway-controlplane")


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
    """A CIDR property: raw text (or UNKNOWN / None) and the parsed block if valid."""

    raw: Any
    net: Net | None

    @staticmethod
    def of(value: Any) -> Cidr:
        text = as_str(value)
        if text is UNKNOWN or text is None:
            return Cidr(text, None)
        return Cidr(text, parse(text))

    @property
    def unknown(self) -> bool:
        return self.raw is UNKNOWN

    @property
    def invalid(self) -> bool:
        return isinstance(self.raw, str) and self.net is None


# ACK applies this Service CIDR when serviceCidr is unset: two such clusters overlap.
DEFAULT_SERVICE = Cidr("172.19.0.0/20", Net(0xAC130000, 0xAC130FFF, 20,
                                             "172.19.0.0/20 (serviceCidr unset: the ACK API "
                                             "default)"))


@dataclass
class Vpc(Entity):
    cidr: Cidr = field(default_factory=lambda: Cidr(None, None))
    external: bool = False


@dataclass
class VSwitch(Entity):
    cidr: Cidr = field(default_factory=lambda: Cidr(None, None))
    zone: Any = None
    vpc: Any = None  # VPC key, UNKNOWN or None


@dataclass
class Cluster(Entity):
    pod_cidr: Cidr = field(default_factory=lambda: Cidr(None, None))
    service_cidr: Cidr = field(default_factory=lambda: Cidr(None, None))
    node_cidr_mask: Any = None
    cni: Any = "flannel"  # "flannel", "terway" or UNKNOWN
    node_vswitches: set[str] = field(default_factory=set)
    node_vswitches_unknown: bool = False
    pod_vswitches: set[str] = field(default_factory=set)
    pod_vswitches_unknown: bool = False
    vpc: Any = None
    public: Any = True
    deletion_protection: Any = False


@dataclass
class Fleet(Entity):
    vpc: Any = None
    public_feature: Any = False  # from a FleetFeatures resource (contract C3)


@dataclass
class Mesh(Entity):
    vpc: Any = None
    members: set[str] = field(default_factory=set)
    members_unknown: bool = False
    public: Any = False


@dataclass
class Attachment:
    """A VPC attached to a CEN (transit-router VPC attachment or legacy instance attachment)."""

    urn: str
    cen: Any
    vpc: Any
    region: Any
    legacy: bool


@dataclass
class Peering:
    """A transit-router peer attachment: a link between two regions of one CEN."""

    urn: str
    cen: Any
    regions: tuple[Any, Any]


class StackIndex:
    """Everything the rules need, built in one pass over the stack's resources."""

    def __init__(self, resources: Sequence[Any]) -> None:
        self.vpcs: dict[str, Vpc] = {}
        self.vswitches: dict[str, VSwitch] = {}
        self.clusters: dict[str, Cluster] = {}
        self.fleets: dict[str, Fleet] = {}
        self.meshes: dict[str, Mesh] = {}
        self.memberships: list[tuple[str, Any, Any]] = []  # (urn, fleet key, cluster key)
        self.attachments: list[Attachment] = []
        self.peerings: list[Peering] = []
        self.transit_routers: dict[str, tuple[Any, Any]] = {}  # urn -> (cen key, region)
        self.fleet_public_features: list[tuple[Any, Any]] = []  # (fleet key, bool/UNKNOWN)
        self._types: dict[str, str] = {}
        self._ids: dict[str, str] = {}
        self._node_pools: list[tuple[Any, list[str], bool]] = []
        interesting = {VPC, VSWITCH, MANAGED_K8S, K8S, NODE_POOL, FLEET, MEMBERSHIP, MESH, CEN, TR,
                       TR_VPC_ATTACHMENT, TR_PEER_ATTACHMENT, CEN_ATTACHMENT, DYNAMIC}
        relevant: list[tuple[int, Any]] = []
        for order, r in enumerate(resources):
            if r.resource_type in interesting:
                self._types[r.urn] = r.resource_type
                ident = as_str(get(r.props, "id"))
                if isinstance(ident, str):
                    self._ids[ident] = r.urn
                relevant.append((order, r))
        # Order matters: what later resources reference must be indexed first.
        handlers = {
            VPC: self._add_vpc, CEN: self._add_cen, TR: self._add_transit_router,
            VSWITCH: self._add_vswitch, MANAGED_K8S: self._add_managed_kubernetes,
            K8S: self._add_kubernetes, FLEET: self._add_fleet, MESH: self._add_mesh,
            NODE_POOL: self._add_node_pool, MEMBERSHIP: self._add_membership,
            TR_VPC_ATTACHMENT: self._add_tr_vpc_attachment,
            TR_PEER_ATTACHMENT: self._add_tr_peer_attachment,
            CEN_ATTACHMENT: self._add_cen_attachment, DYNAMIC: self._add_dynamic,
        }
        for phase in ((VPC, CEN, TR), (VSWITCH,), (MANAGED_K8S, K8S, FLEET, MESH),
                      (NODE_POOL, MEMBERSHIP, TR_VPC_ATTACHMENT, TR_PEER_ATTACHMENT,
                       CEN_ATTACHMENT, DYNAMIC)):
            for order, r in relevant:
                if r.resource_type in phase:
                    handlers[r.resource_type](order, r)
        self._finish()

    # -- references ----------------------------------------------------------------------------
    def refs(self, r: Any, key: str, value: Any, types: Iterable[str]) -> tuple[list[str], bool]:
        """Keys of the resources that property ``key`` (holding ``value``) references.

        Returns (keys, unknown): unknown is True if some reference could not be resolved.
        """
        wanted = tuple(types)
        deps = r.property_dependencies.get(key) or []
        found = sorted({d.urn for d in deps if d.resource_type in wanted})
        if found:
            return found, False
        ids, unknown = str_list(value)
        keys = []
        for i in ids:
            urn = self._ids.get(i)
            keys.append(urn if urn is not None and self._types.get(urn) in wanted else f"id:{i}")
        return keys, unknown

    def ref(self, r: Any, key: str, value: Any, types: Iterable[str]) -> Any:
        """The single resource ``key`` references: its key, UNKNOWN, or None if absent."""
        keys, unknown = self.refs(r, key, value, types)
        if keys:
            return keys[0]
        return UNKNOWN if unknown else None

    @staticmethod
    def region_of(r: Any) -> Any:
        provider = getattr(r, "provider", None)
        if provider is None:
            return None
        return as_str(get(provider.props, "region"))

    def _entity(self, order: int, r: Any) -> dict[str, Any]:
        return {"urn": r.urn, "name": r.name, "type": r.resource_type, "order": order,
                "region": self.region_of(r)}

    # -- per type ------------------------------------------------------------------------------
    def _add_vpc(self, order: int, r: Any) -> None:
        value = get(r.props, "cidrBlock")
        # Unset: Alibaba Cloud (or the IPAM pool named by ipv4IpamPoolId) picks it at creation.
        cidr = Cidr.of(value) if value is not None else Cidr(UNKNOWN, None)
        self.vpcs[r.urn] = Vpc(**self._entity(order, r), cidr=cidr)

    def _vpc_key(self, r: Any, key: str, value: Any) -> Any:
        vpc = self.ref(r, key, value, (VPC,))
        if isinstance(vpc, str) and vpc not in self.vpcs:
            # An existing VPC named by id: known to share membership, CIDR unknown.
            self.vpcs[vpc] = Vpc(urn=vpc, name=vpc[3:], type=VPC, order=-1,
                                 region=self.region_of(r), cidr=Cidr(None, None), external=True)
        return vpc

    def _add_vswitch(self, order: int, r: Any) -> None:
        p = r.props
        zone = as_str(get(p, "zoneId"))
        if zone is None:
            zone = as_str(get(p, "availabilityZone"))
        self.vswitches[r.urn] = VSwitch(
            **self._entity(order, r), cidr=Cidr.of(get(p, "cidrBlock")), zone=zone,
            vpc=self._vpc_key(r, "vpcId", get(p, "vpcId")),
        )

    def _index_cluster(self, order: int, r: Any, keys: Sequence[str]) -> None:
        p = r.props
        service = get(p, "serviceCidr")
        c = Cluster(**self._entity(order, r), pod_cidr=Cidr.of(get(p, "podCidr")),
                    service_cidr=Cidr.of(service) if service is not None else DEFAULT_SERVICE,
                    node_cidr_mask=as_int(get(p, "nodeCidrMask")))
        for key in keys:
            found, unknown = self.refs(r, key, get(p, key), (VSWITCH,))
            c.node_vswitches.update(found)
            c.node_vswitches_unknown |= unknown
        pod_value = get(p, "podVswitchIds")
        found, unknown = self.refs(r, "podVswitchIds", pod_value, (VSWITCH,))
        c.pod_vswitches.update(found)
        c.pod_vswitches_unknown = unknown
        c.cni = self._cni(p, pod_value, found, unknown)
        public = as_bool(get(p, "slbInternetEnabled"))
        c.public = True if public is None else public  # the provider's default is True
        protection = as_bool(get(p, "deletionProtection"))
        c.deletion_protection = False if protection is None else protection
        self.clusters[r.urn] = c

    @staticmethod
    def _cni(p: Any, pod_value: Any, pod_found: list[str], pod_unknown: bool) -> Any:
        listed = pod_value is not None and pod_value is not UNKNOWN and elements(pod_value)
        if pod_found or listed:
            return "terway"
        addons = elements(get(p, "addons"))
        if addons is UNKNOWN:
            return UNKNOWN if pod_unknown else "flannel"
        names = [as_str(get(a, "name")) for a in addons]
        if any(isinstance(n, str) and n in TERWAY_ADDONS for n in names):
            return "terway"
        if "flannel" in names:
            return "flannel"
        if pod_unknown or any(n is UNKNOWN for n in names):
            return UNKNOWN
        return "flannel"

    def _add_managed_kubernetes(self, order: int, r: Any) -> None:
        self._index_cluster(order, r, ("vswitchIds", "workerVswitchIds"))

    def _add_kubernetes(self, order: int, r: Any) -> None:
        self._index_cluster(order, r, ("masterVswitchIds", "workerVswitchIds", "vswitchIds"))

    def _add_node_pool(self, order: int, r: Any) -> None:
        cluster = self.ref(r, "clusterId", get(r.props, "clusterId"), CLUSTER_TYPES)
        found, unknown = self.refs(r, "vswitchIds", get(r.props, "vswitchIds"), (VSWITCH,))
        self._node_pools.append((cluster, found, unknown))

    def _network_vpc(self, r: Any) -> Any:
        return self._vpc_key(r, "network", get_path(r.props, "network", "vpcId"))

    def _add_fleet(self, order: int, r: Any) -> None:
        self.fleets[r.urn] = Fleet(**self._entity(order, r), vpc=self._network_vpc(r))

    def _add_mesh(self, order: int, r: Any) -> None:
        p = r.props
        m = Mesh(**self._entity(order, r), vpc=self._network_vpc(r))
        found, unknown = self.refs(r, "clusterIds", get(p, "clusterIds"), CLUSTER_TYPES)
        m.members.update(found)
        m.members_unknown = unknown
        public = as_bool(get_path(p, "loadBalancer", "apiServerPublicEip"))
        m.public = False if public is None else public
        self.meshes[r.urn] = m

    def _add_membership(self, order: int, r: Any) -> None:
        p = r.props
        fleet = self.ref(r, "clusterId", get(p, "clusterId"), (FLEET,))
        cluster = self.ref(r, "subClusterId", get(p, "subClusterId"), CLUSTER_TYPES)
        self.memberships.append((r.urn, fleet, cluster))

    def _add_cen(self, order: int, r: Any) -> None:
        pass  # a CEN instance carries nothing the rules need beyond its URN

    def _add_transit_router(self, order: int, r: Any) -> None:
        cen = self.ref(r, "cenId", get(r.props, "cenId"), (CEN,))
        self.transit_routers[r.urn] = (cen, self.region_of(r))

    def _tr(self, r: Any, key: str) -> tuple[Any, Any]:
        tr = self.ref(r, key, get(r.props, key), (TR,))
        if isinstance(tr, str) and tr in self.transit_routers:
            return self.transit_routers[tr]
        return (UNKNOWN if tr is UNKNOWN else None), None

    def _cen_of(self, r: Any, via_tr: Any) -> Any:
        cen = self.ref(r, "cenId", get(r.props, "cenId"), (CEN,))
        if cen is None or (cen is UNKNOWN and isinstance(via_tr, str)):
            return via_tr  # the transit router knows its CEN
        return cen

    def _add_tr_vpc_attachment(self, order: int, r: Any) -> None:
        tr_cen, tr_region = self._tr(r, "transitRouterId")
        region = self.region_of(r)
        self.attachments.append(Attachment(
            urn=r.urn, cen=self._cen_of(r, tr_cen),
            vpc=self._vpc_key(r, "vpcId", get(r.props, "vpcId")),
            region=region if region is not None else tr_region, legacy=False))

    def _add_tr_peer_attachment(self, order: int, r: Any) -> None:
        tr_cen, tr_region = self._tr(r, "transitRouterId")
        _, peer_tr_region = self._tr(r, "peerTransitRouterId")
        local = self.region_of(r)
        local = local if local is not None else tr_region
        peer = as_str(get(r.props, "peerTransitRouterRegionId"))
        peer = peer if peer is not None else peer_tr_region
        self.peerings.append(Peering(urn=r.urn, cen=self._cen_of(r, tr_cen),
                                     regions=(local if local is not None else UNKNOWN,
                                              peer if peer is not None else UNKNOWN)))

    def _add_cen_attachment(self, order: int, r: Any) -> None:
        p = r.props
        kind = as_str(get(p, "childInstanceType"))
        if isinstance(kind, str) and kind.upper() != "VPC":
            return
        region = as_str(get(p, "childInstanceRegionId"))
        self.attachments.append(Attachment(
            urn=r.urn, cen=self.ref(r, "instanceId", get(p, "instanceId"), (CEN,)),
            vpc=self._vpc_key(r, "childInstanceId", get(p, "childInstanceId")),
            region=region if region is not None else self.region_of(r), legacy=True))

    def _add_dynamic(self, order: int, r: Any) -> None:
        kind = as_str(get(r.props, "kind"))
        if kind is not UNKNOWN and kind != FLEET_FEATURES_KIND:
            return
        fleet = self.ref(r, "fleetId", get(r.props, "fleetId"), (FLEET,))
        # An unknown kind may still be FleetFeatures: whether it opens the Fleet is unverifiable.
        public = (UNKNOWN if kind is UNKNOWN
                  else as_bool(get(r.props, "publicApiServerEnabled")))
        self.fleet_public_features.append((fleet, False if public is None else public))

    # -- derived -------------------------------------------------------------------------------
    def _finish(self) -> None:
        for cluster_key, found, unknown in self._node_pools:
            c = self.clusters.get(cluster_key) if isinstance(cluster_key, str) else None
            if c is not None:
                c.node_vswitches.update(found)
                c.node_vswitches_unknown |= unknown
        for c in self.clusters.values():
            vpcs = set()
            unknown = c.node_vswitches_unknown
            for key in c.node_vswitches:
                vsw = self.vswitches.get(key)
                if vsw is None or not isinstance(vsw.vpc, str):
                    unknown = True
                else:
                    vpcs.add(vsw.vpc)
            c.vpc = sorted(vpcs)[0] if vpcs else (UNKNOWN if unknown else None)
        self._connectivity()
        for fleet_key, public in self.fleet_public_features:
            f = self.fleets.get(fleet_key) if isinstance(fleet_key, str) else None
            if f is not None and f.public_feature is not True:
                f.public_feature = public

    def vpc_region(self, vpc_key: Any, fallback: Any) -> Any:
        vpc = self.vpcs.get(vpc_key) if isinstance(vpc_key, str) else None
        if vpc is not None and vpc.region is not None:
            return vpc.region
        return fallback

    def fleet_members(self, fleet_key: str) -> list[str]:
        return sorted({c for _, f, c in self.memberships if f == fleet_key and isinstance(c, str)})

    def _connectivity(self) -> None:
        """Attachments by VPC and peer links by CEN, so each path check is O(attachments of 2)."""
        self._by_vpc: dict[str, list[Attachment]] = {}
        self._attachments_unsure = False
        for att in self.attachments:
            if att.vpc is UNKNOWN or att.cen is UNKNOWN or att.vpc is None:
                self._attachments_unsure = True
            else:
                self._by_vpc.setdefault(att.vpc, []).append(att)
        self._links: set[tuple[str, frozenset[str]]] = set()
        self._links_unsure = False
        for peer in self.peerings:
            a, b = peer.regions
            if not isinstance(peer.cen, str) or not isinstance(a, str) or not isinstance(b, str):
                self._links_unsure = True
            else:
                self._links.add((peer.cen, frozenset((a, b))))

    def private_path(self, vpc_a: Any, region_a: Any, vpc_b: Any, region_b: Any) -> Any:
        """True if the two VPCs are one VPC or share a CEN linking their regions; else False,
        or UNKNOWN when an unknown value could change the answer.

        Judgement: transit routers are required to be peered directly (a full mesh of peer
        attachments between the regions that must talk); whether routes transit A -> B -> C over
        two peer links is not documented. Legacy CEN attachments connect every attached VPC
        (cross-region bandwidth packages are not checked).
        """
        if vpc_a is None or vpc_b is None:
            return False
        if vpc_a is UNKNOWN or vpc_b is UNKNOWN:
            return UNKNOWN
        if vpc_a == vpc_b:
            return True
        region_a = self.vpc_region(vpc_a, region_a)
        region_b = self.vpc_region(vpc_b, region_b)
        unsure = self._attachments_unsure
        att_a = self._by_vpc.get(vpc_a, [])
        att_b = self._by_vpc.get(vpc_b, [])
        for cen in {t.cen for t in att_a} & {t.cen for t in att_b}:
            a = [t for t in att_a if t.cen == cen]
            b = [t for t in att_b if t.cen == cen]
            if any(t.legacy for t in a) and any(t.legacy for t in b):
                return True
            if not isinstance(region_a, str) or not isinstance(region_b, str):
                unsure = True
            elif region_a == region_b or (cen, frozenset((region_a, region_b))) in self._links:
                return True
            elif self._links_unsure:
                unsure = True
        return UNKNOWN if unsure else False


def build_index(resources: Sequence[Any]) -> StackIndex:
    """Index a stack (a list of pulumi_policy PolicyResource)."""
    return StackIndex(resources)
