"""One pass over the stack: the index every stack policy reads.

Entities are keyed by URN. A reference (``vpcId``, ``vswitchIds``, ``clusterIds`` ...) is resolved
first through the resource's property dependencies, which name the referenced resource's URN even
when its id is unknown at preview, then by a known id (``id`` property of a resource in the stack),
and otherwise to an external key ``id:<value>`` (a resource not declared in this stack) so that two
resources naming the same existing VPC by id still land in the same VPC. An unresolvable reference
is :data:`UNKNOWN`. Who is managed together with whom (Fleet and mesh groups) and which VPCs can
reach each other is derived once, in :mod:`.topology`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .entities import (  # noqa: F401 - re-exported: the rules import these from here
    BANDWIDTH_PACKAGE,
    CEN,
    CEN_ATTACHMENT,
    CLUSTER_TYPES,
    DEFAULT_SERVICE,
    DYNAMIC,
    EDGE_K8S,
    EXISTING_CLUSTER,
    EXISTING_VPC,
    FLEET,
    FLEET_FEATURES_KIND,
    K8S,
    MANAGED_K8S,
    MEMBERSHIP,
    MESH,
    MESH_MEMBERSHIP_KIND,
    NODE_POOL,
    SECONDARY_CIDR,
    SERVERLESS_K8S,
    TERWAY_ADDONS,
    TR,
    TR_PEER_ATTACHMENT,
    TR_VPC_ATTACHMENT,
    VPC,
    VPC_TYPES,
    VSWITCH,
    Attachment,
    Cidr,
    Cluster,
    Entity,
    Fleet,
    Mesh,
    Peering,
    Vpc,
    VSwitch,
)
from .links import LinkIndexing
from .values import EXTERNAL, UNKNOWN, as_bool, as_int, as_str, elements, get, get_path, str_list

#: The property holding the cloud id a resource is referenced by (``id`` unless listed).
_ID_KEYS = {EXISTING_VPC: "vpcId", EXISTING_CLUSTER: "clusterId"}


class StackIndex(LinkIndexing):
    """Everything the rules need, built in one pass over the stack's resources."""

    def __init__(self, resources: Sequence[Any]) -> None:
        self.vpcs: dict[str, Vpc] = {}
        self.vswitches: dict[str, VSwitch] = {}
        self.clusters: dict[str, Cluster] = {}
        self.fleets: dict[str, Fleet] = {}
        self.meshes: dict[str, Mesh] = {}
        self.memberships: list[tuple[str, Any, Any]] = []  # (urn, fleet key, cluster key)
        self.mesh_memberships: list[tuple[str, Any, Any]] = []  # (urn, mesh key, cluster key)
        self.bindings: list[tuple[str, Any, Any]] = []  # FleetFeatures: (urn, fleet, mesh)
        self.attachments: list[Attachment] = []
        self.peerings: list[Peering] = []
        self.transit_routers: dict[str, tuple[Any, Any]] = {}  # urn -> (cen key, region)
        self.fleet_public_features: list[tuple[Any, Any]] = []  # (fleet key, bool/UNKNOWN)
        self.labels: dict[str, str] = {}  # label of every indexed URN
        self.resources = resources
        self._types: dict[str, str] = {}
        self._ids: dict[str, str] = {}
        self._node_pools: list[tuple[Any, list[str], bool]] = []
        self._secondary: list[tuple[Any, Cidr]] = []
        handlers = {
            VPC: self._add_vpc,
            CEN: self._add_cen,
            TR: self._add_transit_router,
            SECONDARY_CIDR: self._add_secondary,
            VSWITCH: self._add_vswitch,
            MANAGED_K8S: self._add_managed_kubernetes,
            K8S: self._add_kubernetes,
            SERVERLESS_K8S: self._add_serverless,
            EDGE_K8S: self._add_edge,
            FLEET: self._add_fleet,
            MESH: self._add_mesh,
            NODE_POOL: self._add_node_pool,
            MEMBERSHIP: self._add_membership,
            TR_VPC_ATTACHMENT: self._add_tr_vpc_attachment,
            TR_PEER_ATTACHMENT: self._add_tr_peer_attachment,
            CEN_ATTACHMENT: self._add_cen_attachment,
            DYNAMIC: self._add_dynamic,
            BANDWIDTH_PACKAGE: self._add_cen,
            EXISTING_VPC: self._add_existing_vpc,
            EXISTING_CLUSTER: self._add_existing_cluster,
        }
        relevant: list[tuple[int, Any]] = []
        for order, r in enumerate(resources):
            if r.resource_type in handlers:
                self._types[r.urn] = r.resource_type
                ident = as_str(get(r.props, _ID_KEYS.get(r.resource_type, "id")))
                if isinstance(ident, str):
                    self._ids[ident] = r.urn
                relevant.append((order, r))
        # Order matters: what later resources reference must be indexed first.
        for phase in (
            (VPC, EXISTING_VPC, CEN, TR, BANDWIDTH_PACKAGE),
            (VSWITCH, SECONDARY_CIDR),
            (MANAGED_K8S, K8S, SERVERLESS_K8S, EDGE_K8S, EXISTING_CLUSTER, FLEET, MESH),
            (NODE_POOL, MEMBERSHIP, TR_VPC_ATTACHMENT, TR_PEER_ATTACHMENT, CEN_ATTACHMENT, DYNAMIC),
        ):
            for order, r in relevant:
                if r.resource_type in phase:
                    handlers[r.resource_type](order, r)
        self._finish()
        from .topology import Topology  # the derived view needs the finished index

        self.topo = Topology(self)

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

    def origin(self, r: Any, key: str) -> str | None:
        """The resource an unknown value of ``key`` was computed from (its first property
        dependency), if any."""
        deps = r.property_dependencies.get(key) or []
        return min((d.urn for d in deps), default=None)

    def region_of(self, r: Any) -> Any:
        """The region of a resource: its provider's ``region`` (read once per provider)."""
        provider = getattr(r, "provider", None)
        if provider is None:
            return None
        cache = self.__dict__.setdefault("_regions", {})
        if provider.urn not in cache:
            cache[provider.urn] = as_str(get(provider.props, "region"))
        return cache[provider.urn]

    def _entity(self, order: int, r: Any) -> dict[str, Any]:
        return {
            "urn": r.urn,
            "name": r.name,
            "type": r.resource_type,
            "order": order,
            "region": self.region_of(r),
        }

    def label(self, key: Any) -> str:
        """A resource's label; external keys read as what they are ("vsw-123 (not declared in
        this stack)")."""
        if isinstance(key, str) and key in self.labels:
            return self.labels[key]
        if isinstance(key, str) and key.startswith("id:"):
            return f"{key[3:]} (not declared in this stack)"
        return "an unknown resource"

    def _keep(self, e: Entity) -> None:
        self.labels[e.urn] = e.label

    # -- per type ------------------------------------------------------------------------------
    def _add_vpc(self, order: int, r: Any) -> None:
        value = get(r.props, "cidrBlock")
        # Unset: Alibaba Cloud (or the IPAM pool named by ipv4IpamPoolId) picks it at creation.
        cidr = (
            Cidr.of(value, self.origin(r, "cidrBlock"))
            if value is not None
            else Cidr(UNKNOWN, None)
        )
        vpc = Vpc(**self._entity(order, r), cidr=cidr)
        secondary = get(r.props, "secondaryCidrBlocks")
        items = elements(secondary)
        if items is UNKNOWN:
            vpc.secondary.append(Cidr(UNKNOWN, None, self.origin(r, "secondaryCidrBlocks")))
        else:
            vpc.secondary.extend(Cidr.of(v) for v in items)
        self.vpcs[r.urn] = vpc
        self._keep(vpc)

    def _vpc_key(self, r: Any, key: str, value: Any) -> Any:
        vpc = self.ref(r, key, value, VPC_TYPES)
        if isinstance(vpc, str) and vpc not in self.vpcs:
            # An existing VPC named by id: known to share membership, CIDR not declared here.
            self.vpcs[vpc] = Vpc(
                urn=vpc,
                name=vpc[3:],
                type=VPC,
                order=-1,
                region=self.region_of(r),
                cidr=Cidr(EXTERNAL, None),
                external=True,
            )
            self.labels[vpc] = f'VPC "{vpc[3:]}" (not declared in this stack)'
        return vpc

    def _add_existing_vpc(self, order: int, r: Any) -> None:
        """An existing VPC as a stack declares it (``ExistingVpc``): its blocks, and its
        vSwitches as entities keyed like any vSwitch named by id (``id:<vswitch id>``). Order
        -1: what exists is never the one blamed for an overlap with something new."""
        p = r.props
        vpc = Vpc(
            urn=r.urn,
            name=str(as_str(get(p, "name")) or r.name),
            type=EXISTING_VPC,
            order=-1,
            region=as_str(get(p, "region")),
            cidr=Cidr.of(get(p, "cidrBlock")),
        )
        secondary = elements(get(p, "secondaryCidrBlocks"))
        vpc.secondary.extend(Cidr.of(v) for v in (secondary if secondary is not UNKNOWN else ()))
        self.vpcs[r.urn] = vpc
        self._keep(vpc)
        switches = elements(get(p, "vswitches"))
        for sw in switches if switches is not UNKNOWN else ():
            ident = as_str(get(sw, "vswitchId"))
            if not isinstance(ident, str):
                continue
            key = f"id:{ident}"
            self.vswitches[key] = VSwitch(
                urn=key,
                name=ident,
                type=VSWITCH,
                order=-1,
                region=vpc.region,
                cidr=Cidr.of(get(sw, "cidrBlock")),
                zone=as_str(get(sw, "zoneId")),
                vpc=r.urn,
            )
            self.labels[key] = f'vSwitch "{ident}" of existing VPC "{vpc.name}"'

    def _add_existing_cluster(self, order: int, r: Any) -> None:
        """An existing cluster as a stack declares it (``ExistingCluster``): the ranges read
        from the cloud, in every overlap rule; order -1 (never the one blamed)."""
        p = r.props
        cni = as_str(get(p, "cni"))
        terway = cni == "terway"
        c = Cluster(
            urn=r.urn,
            name=str(as_str(get(p, "name")) or r.name),
            type=EXISTING_CLUSTER,
            order=-1,
            region=as_str(get(p, "region")),
            pod_cidr=Cidr(None, None) if terway else Cidr.of(get(p, "podCidr")),
            service_cidr=Cidr.of(get(p, "serviceCidr")),
            node_cidr_mask=None if terway else as_int(get(p, "nodeCidrMask")),
            cni=cni if cni in ("flannel", "terway") else UNKNOWN,
            public=False,
            deletion_protection=True,
            existing=str(as_str(get(p, "clusterId"))),
        )
        found, unknown = self.refs(r, "vswitchIds", get(p, "vswitchIds"), (VSWITCH,))
        c.node_vswitches.update(found)
        c.node_vswitches_unknown = unknown
        c.vpc_ref = self._vpc_key(r, "vpcId", get(p, "vpcId"))
        self.clusters[r.urn] = c
        self._keep(c)

    def _add_secondary(self, order: int, r: Any) -> None:
        vpc = self._vpc_key(r, "vpcId", get(r.props, "vpcId"))
        value = get(r.props, "secondaryCidrBlock")
        # Unset: allocated from the IPAM pool (ipv4IpamPoolId + secondaryCidrMask) at creation.
        cidr = (
            Cidr.of(value, self.origin(r, "secondaryCidrBlock"))
            if value is not None
            else Cidr(UNKNOWN, None, r.urn)
        )
        self._secondary.append((vpc, cidr))

    def _add_vswitch(self, order: int, r: Any) -> None:
        p = r.props
        zone = as_str(get(p, "zoneId"))
        if zone is None:
            zone = as_str(get(p, "availabilityZone"))
        v = VSwitch(
            **self._entity(order, r),
            cidr=Cidr.of(get(p, "cidrBlock"), self.origin(r, "cidrBlock")),
            zone=zone,
            vpc=self._vpc_key(r, "vpcId", get(p, "vpcId")),
        )
        self.vswitches[r.urn] = v
        self._keep(v)

    def _index_cluster(
        self,
        order: int,
        r: Any,
        keys: Sequence[str],
        *,
        pods: bool = True,
        public_key: str = "slbInternetEnabled",
        public_default: bool = True,
    ) -> Cluster:
        p = r.props
        service = get(p, "serviceCidr")
        c = Cluster(
            **self._entity(order, r),
            pod_cidr=Cidr.of(get(p, "podCidr"), self.origin(r, "podCidr"))
            if pods
            else Cidr(None, None),
            service_cidr=(
                Cidr.of(service, self.origin(r, "serviceCidr"))
                if service is not None
                else DEFAULT_SERVICE
            ),
            node_cidr_mask=as_int(get(p, "nodeCidrMask")) if pods else None,
        )
        for key in keys:
            found, unknown = self.refs(r, key, get(p, key), (VSWITCH,))
            c.node_vswitches.update(found)
            c.node_vswitches_unknown |= unknown
        if pods:
            pod_value = get(p, "podVswitchIds")
            found, unknown = self.refs(r, "podVswitchIds", pod_value, (VSWITCH,))
            c.pod_vswitches.update(found)
            c.pod_vswitches_unknown = unknown
            c.cni = self._cni(p, pod_value, found, unknown)
        else:
            c.cni = "serverless"
        public = as_bool(get(p, public_key))
        c.public = public_default if public is None else public
        protection = as_bool(get(p, "deletionProtection"))
        c.deletion_protection = False if protection is None else protection
        self.clusters[r.urn] = c
        self._keep(c)
        return c

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

    def _add_edge(self, order: int, r: Any) -> None:
        self._index_cluster(order, r, ("workerVswitchIds",))

    def _add_serverless(self, order: int, r: Any) -> None:
        # ACK Serverless: pods are ECI instances on vSwitch addresses (no pod CIDR); its API
        # endpoint is public only with endpointPublicAccessEnabled (provider default false).
        c = self._index_cluster(
            order,
            r,
            ("vswitchIds",),
            pods=False,
            public_key="endpointPublicAccessEnabled",
            public_default=False,
        )
        c.vpc_ref = self._vpc_key(r, "vpcId", get(r.props, "vpcId"))

    def _add_node_pool(self, order: int, r: Any) -> None:
        cluster = self.ref(r, "clusterId", get(r.props, "clusterId"), CLUSTER_TYPES)
        found, unknown = self.refs(r, "vswitchIds", get(r.props, "vswitchIds"), (VSWITCH,))
        self._node_pools.append((cluster, found, unknown))

    def _network_vpc(self, r: Any) -> Any:
        return self._vpc_key(r, "network", get_path(r.props, "network", "vpcId"))

    def _add_fleet(self, order: int, r: Any) -> None:
        f = Fleet(**self._entity(order, r), vpc=self._network_vpc(r))
        self.fleets[r.urn] = f
        self._keep(f)

    def _add_mesh(self, order: int, r: Any) -> None:
        p = r.props
        m = Mesh(**self._entity(order, r), vpc=self._network_vpc(r))
        found, unknown = self.refs(r, "clusterIds", get(p, "clusterIds"), CLUSTER_TYPES)
        m.members.update(found)
        m.members_unknown = unknown
        public = as_bool(get_path(p, "loadBalancer", "apiServerPublicEip"))
        m.public = False if public is None else public
        self.meshes[r.urn] = m
        self._keep(m)

    # -- derived -------------------------------------------------------------------------------
    def _finish(self) -> None:
        for vpc_key, cidr in self._secondary:
            vpc = self.vpcs.get(vpc_key) if isinstance(vpc_key, str) else None
            if vpc is not None:
                vpc.secondary.append(cidr)
        for cluster_key, found, unknown in self._node_pools:
            c = self.clusters.get(cluster_key) if isinstance(cluster_key, str) else None
            if c is not None:
                c.node_vswitches.update(found)
                c.node_vswitches_unknown |= unknown
        for _, mesh_key, cluster_key in self.mesh_memberships:
            m = self.meshes.get(mesh_key) if isinstance(mesh_key, str) else None
            if m is not None:
                if isinstance(cluster_key, str):
                    m.members.add(cluster_key)
                else:
                    m.members_unknown |= cluster_key is UNKNOWN
        for c in self.clusters.values():
            c.vpc = self._cluster_vpc(c)
        for fleet_key, public in self.fleet_public_features:
            f = self.fleets.get(fleet_key) if isinstance(fleet_key, str) else None
            if f is not None and f.public_feature is not True:
                f.public_feature = public

    def _cluster_vpc(self, c: Cluster) -> Any:
        if isinstance(c.vpc_ref, str):
            return c.vpc_ref
        vpcs = set()
        unknown = c.node_vswitches_unknown or c.vpc_ref is UNKNOWN
        external = False
        for key in c.node_vswitches:
            vsw = self.vswitches.get(key)
            if vsw is None:
                external = True  # a vSwitch id of something not declared in this stack
            elif isinstance(vsw.vpc, str):
                vpcs.add(vsw.vpc)
            else:
                unknown = True
        if vpcs:
            return sorted(vpcs)[0]
        if unknown:
            return UNKNOWN
        return EXTERNAL if external else None

    def vpc_region(self, vpc_key: Any, fallback: Any) -> Any:
        vpc = self.vpcs.get(vpc_key) if isinstance(vpc_key, str) else None
        if vpc is not None and vpc.region is not None:
            return vpc.region
        return fallback

    def fleet_members(self, fleet_key: str) -> list[str]:
        return sorted({c for _, f, c in self.memberships if f == fleet_key and isinstance(c, str)})


def build_index(resources: Sequence[Any]) -> StackIndex:
    """Index a stack (a list of pulumi_policy PolicyResource)."""
    return StackIndex(resources)
