"""The half of the stack index that links resources to each other: Fleet and mesh memberships
(ACK One attachments and meshfleet's MeshMembership), FleetFeatures bindings, CEN instances,
transit routers, their VPC and peer attachments and legacy CEN attachments. A mixin of
:class:`.model.StackIndex`, which holds the state these handlers fill and the reference
resolution they use (``ref``, ``refs``, ``_entity``, ``_vpc_key``, ``_keep``)."""

from __future__ import annotations

from typing import Any

from .entities import (
    BANDWIDTH_PACKAGE,
    CEN,
    CLUSTER_TYPES,
    FLEET,
    FLEET_FEATURES_KIND,
    MESH,
    MESH_MEMBERSHIP_KIND,
    TR,
    Attachment,
    Entity,
    Peering,
)
from .values import UNKNOWN, as_bool, as_int, as_str, elements, get


class LinkIndexing:
    """``StackIndex``'s handlers of the resources that link clusters, VPCs and regions."""

    # Filled and provided by StackIndex.
    memberships: list[tuple[str, Any, Any]]
    mesh_memberships: list[tuple[str, Any, Any]]
    bindings: list[tuple[str, Any, Any]]
    attachments: list[Attachment]
    peerings: list[Peering]
    transit_routers: dict[str, tuple[Any, Any]]
    fleet_public_features: list[tuple[Any, Any]]
    labels: dict[str, str]
    ref: Any
    region_of: Any
    _entity: Any
    _vpc_key: Any
    _keep: Any

    def _add_membership(self, order: int, r: Any) -> None:
        p = r.props
        fleet = self.ref(r, "clusterId", get(p, "clusterId"), (FLEET,))
        cluster = self.ref(r, "subClusterId", get(p, "subClusterId"), CLUSTER_TYPES)
        self.memberships.append((r.urn, fleet, cluster))
        self.labels[r.urn] = f'Fleet membership "{r.name}"'

    def _add_cen(self, order: int, r: Any) -> None:
        self.labels[r.urn] = Entity(r.urn, r.name, r.resource_type, order, None).label

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
        entity = self._entity(order, r)
        if entity["region"] is None:
            entity["region"] = tr_region
        mappings = elements(get(r.props, "zoneMappings"))
        zones = UNKNOWN if mappings is UNKNOWN else [as_str(get(m, "zoneId")) for m in mappings]
        att = Attachment(
            **entity,
            cen=self._cen_of(r, tr_cen),
            vpc=self._vpc_key(r, "vpcId", get(r.props, "vpcId")),
            zones=zones,
        )
        self.attachments.append(att)
        self._keep(att)

    def _add_tr_peer_attachment(self, order: int, r: Any) -> None:
        p = r.props
        tr_cen, tr_region = self._tr(r, "transitRouterId")
        _, peer_tr_region = self._tr(r, "peerTransitRouterId")
        entity = self._entity(order, r)
        local = entity["region"] if entity["region"] is not None else tr_region
        peer = as_str(get(p, "peerTransitRouterRegionId"))
        peer = peer if peer is not None else peer_tr_region
        package = self.ref(
            r, "cenBandwidthPackageId", get(p, "cenBandwidthPackageId"), (BANDWIDTH_PACKAGE,)
        )
        peering = Peering(
            **entity,
            cen=self._cen_of(r, tr_cen),
            regions=(
                local if local is not None else UNKNOWN,
                peer if peer is not None else UNKNOWN,
            ),
            bandwidth_type=as_str(get(p, "bandwidthType")),
            bandwidth=as_int(get(p, "bandwidth")),
            package=package,
        )
        self.peerings.append(peering)
        self._keep(peering)

    def _add_cen_attachment(self, order: int, r: Any) -> None:
        p = r.props
        kind = as_str(get(p, "childInstanceType"))
        if isinstance(kind, str) and kind.upper() != "VPC":
            return
        entity = self._entity(order, r)
        region = as_str(get(p, "childInstanceRegionId"))
        if region is not None:
            entity["region"] = region
        att = Attachment(
            **entity,
            cen=self.ref(r, "instanceId", get(p, "instanceId"), (CEN,)),
            vpc=self._vpc_key(r, "childInstanceId", get(p, "childInstanceId")),
            legacy=True,
        )
        self.attachments.append(att)
        self._keep(att)

    def _add_dynamic(self, order: int, r: Any) -> None:
        p = r.props
        kind = as_str(get(p, "kind"))
        if kind == MESH_MEMBERSHIP_KIND:
            # Makes the cluster a member of the mesh exactly as ServiceMesh.clusterIds does.
            mesh = self.ref(r, "meshId", get(p, "meshId"), (MESH,))
            cluster = self.ref(r, "clusterId", get(p, "clusterId"), CLUSTER_TYPES)
            self.mesh_memberships.append((r.urn, mesh, cluster))
            self.labels[r.urn] = f'mesh membership "{r.name}"'
            return
        if kind is not UNKNOWN and kind != FLEET_FEATURES_KIND:
            return
        fleet = self.ref(r, "fleetId", get(p, "fleetId"), (FLEET,))
        # An unknown kind may still be FleetFeatures: whether it opens the Fleet is unverifiable.
        public = UNKNOWN if kind is UNKNOWN else as_bool(get(p, "publicApiServerEnabled"))
        self.fleet_public_features.append((fleet, False if public is None else public))
        if kind == FLEET_FEATURES_KIND:
            self.bindings.append((r.urn, fleet, self.ref(r, "meshId", get(p, "meshId"), (MESH,))))
