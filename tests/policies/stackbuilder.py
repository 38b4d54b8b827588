"""Build "engine view" stacks (what the engine sends a pack) of raw pulumi_alicloud resources.

Every stack has the ``pulumi:pulumi:Stack`` resource and explicit provider resources (with
``region``), resources are parented to the stack, and references are made the way the engine sees
them: the referenced resource's id (an unknown sentinel when ``ids_known`` is False, as for new
resources at preview) plus a property dependency on its URN. A plain string passed where a
reference is expected is a literal id of something outside the stack (no dependency).

    sb = StackBuilder()
    hz = sb.provider("hz", "cn-hangzhou")
    vpc = sb.vpc("vpc-1", "10.0.0.0/16", hz)
    node = sb.vswitch("node-h", vpc, "10.0.0.0/20", "cn-hangzhou-h")
    sb.cluster("ack-1", [node], pod_cidr="172.20.0.0/16", service_cidr="192.168.0.0/20")
    stack = sb.resources
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"
UNKNOWN_NUMBER = "3eeb2bf0-c639-47a8-9e75-3b44932eb421"
UNKNOWN_ARRAY = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2"
UNKNOWN_OBJECT = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"

T_VPC = "alicloud:vpc/network:Network"
T_VSWITCH = "alicloud:vpc/switch:Switch"
T_MANAGED = "alicloud:cs/managedKubernetes:ManagedKubernetes"
T_DEDICATED = "alicloud:cs/kubernetes:Kubernetes"
T_SERVERLESS = "alicloud:cs/serverlessKubernetes:ServerlessKubernetes"
T_EDGE = "alicloud:cs/edgeKubernetes:EdgeKubernetes"
T_NODE_POOL = "alicloud:cs/nodePool:NodePool"
T_FLEET = "alicloud:ackone/cluster:Cluster"
T_MEMBERSHIP = "alicloud:ackone/membershipAttachment:MembershipAttachment"
T_MESH = "alicloud:servicemesh/serviceMesh:ServiceMesh"
T_CEN = "alicloud:cen/instance:Instance"
T_TR = "alicloud:cen/transitRouter:TransitRouter"
T_TR_VPC = "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment"
T_TR_PEER = "alicloud:cen/transitRouterPeerAttachment:TransitRouterPeerAttachment"
T_TR_ASSOC = "alicloud:cen/transitRouterRouteTableAssociation:TransitRouterRouteTableAssociation"
T_TR_PROP = "alicloud:cen/transitRouterRouteTablePropagation:TransitRouterRouteTablePropagation"
T_TR_ROUTE = "alicloud:cen/transitRouterRouteEntry:TransitRouterRouteEntry"
T_CEN_ATTACH = "alicloud:cen/instanceAttachment:InstanceAttachment"
T_ROUTE = "alicloud:vpc/routeEntry:RouteEntry"
T_DYNAMIC = "pulumi-python:dynamic:Resource"


@dataclass(frozen=True)
class Ref:
    """A resource of the stack: its URN and the id other resources see."""

    urn: str
    id: str
    name: str


RefLike = Ref | str


class StackBuilder:
    """Accumulates resources; ``resources`` is the engine-view list (a deep copy)."""

    def __init__(
        self, project: str = "meshfleet", stack: str = "test", ids_known: bool = False
    ) -> None:
        self.project, self.stack, self.ids_known = project, stack, ids_known
        self._resources: list[dict[str, Any]] = []
        self.stack_urn = self.urn("pulumi:pulumi:Stack", f"{project}-{stack}")
        self._resources.append(
            {
                "type": "pulumi:pulumi:Stack",
                "name": f"{project}-{stack}",
                "urn": self.stack_urn,
                "parent": "",
                "provider": "",
                "custom": False,
                "properties": {},
                "dependencies": [],
                "propertyDependencies": {},
            }
        )

    @property
    def resources(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._resources)

    def urn(self, type_: str, name: str) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::{type_}::{name}"

    # -- generic -------------------------------------------------------------------------------
    def add(
        self,
        type_: str,
        name: str,
        properties: Mapping[str, Any],
        provider: Ref | None = None,
        deps: Mapping[str, Sequence[Ref]] | None = None,
        ids_known: bool | None = None,
    ) -> Ref:
        """Add any resource; ``deps`` become propertyDependencies (and dependencies)."""
        urn = self.urn(type_, name)
        prop_deps = {k: [r.urn for r in v] for k, v in (deps or {}).items() if v}
        flat = sorted({u for v in prop_deps.values() for u in v})
        self._resources.append(
            {
                "type": type_,
                "name": name,
                "urn": urn,
                "parent": self.stack_urn,
                "provider": provider.urn if provider else "",
                "custom": True,
                "properties": dict(properties),
                "dependencies": flat,
                "propertyDependencies": prop_deps,
            }
        )
        known = self.ids_known if ids_known is None else ids_known
        return Ref(urn, f"{name}-id" if known else UNKNOWN, name)

    def set(self, ref: Ref, **properties: Any) -> None:
        """Overwrite properties of a resource already added (for variations of a stack)."""
        for r in self._resources:
            if r["urn"] == ref.urn:
                r["properties"].update(properties)
                return
        raise KeyError(ref.urn)

    def unset(self, ref: Ref, *keys: str) -> None:
        """Remove properties (and their dependencies) from a resource."""
        r = self._get(ref)
        for key in keys:
            r["properties"].pop(key, None)
            r["propertyDependencies"].pop(key, None)

    def link(self, ref: Ref, key: str, *targets: RefLike) -> None:
        """Append references to list property ``key`` (ids and property dependencies)."""
        r = self._get(ref)
        ids, deps = self._ids(targets)
        r["properties"].setdefault(key, []).extend(ids)
        urns = r["propertyDependencies"].setdefault(key, [])
        urns.extend(d.urn for d in deps)
        r["dependencies"] = sorted(set(r["dependencies"]) | {d.urn for d in deps})

    def unlink(self, ref: Ref, key: str, target: Ref) -> None:
        """Remove one reference to ``target`` from list property ``key``."""
        r = self._get(ref)
        r["properties"][key].remove(target.id)
        r["propertyDependencies"][key].remove(target.urn)
        if not r["propertyDependencies"][key]:
            del r["propertyDependencies"][key]

    def _get(self, ref: Ref) -> dict[str, Any]:
        for r in self._resources:
            if r["urn"] == ref.urn:
                return r
        raise KeyError(ref.urn)

    def remove(self, ref: Ref) -> None:
        self._resources = [r for r in self._resources if r["urn"] != ref.urn]

    @staticmethod
    def _ids(refs: Sequence[RefLike]) -> tuple[list[str], list[Ref]]:
        return (
            [r.id if isinstance(r, Ref) else r for r in refs],
            [r for r in refs if isinstance(r, Ref)],
        )

    @staticmethod
    def _id(ref: RefLike | None) -> tuple[str | None, list[Ref]]:
        if ref is None:
            return None, []
        return (ref.id, [ref]) if isinstance(ref, Ref) else (ref, [])

    # -- alicloud ------------------------------------------------------------------------------
    def provider(self, name: str, region: str | None) -> Ref:
        urn = self.urn("pulumi:providers:alicloud", name)
        self._resources.append(
            {
                "type": "pulumi:providers:alicloud",
                "name": name,
                "urn": urn,
                "parent": self.stack_urn,
                "provider": "",
                "custom": True,
                "properties": {} if region is None else {"region": region, "version": "4.0.0"},
                "dependencies": [],
                "propertyDependencies": {},
            }
        )
        return Ref(urn, f"{urn}::provider-id", name)

    def vpc(self, name: str, cidr: str | None, provider: Ref | None = None, **extra: Any) -> Ref:
        props = {"vpcName": name, **extra}
        if cidr is not None:
            props["cidrBlock"] = cidr
        return self.add(T_VPC, name, props, provider)

    def vswitch(
        self,
        name: str,
        vpc: RefLike,
        cidr: str,
        zone: str,
        provider: Ref | None = None,
        **extra: Any,
    ) -> Ref:
        vid, deps = self._id(vpc)
        provider = provider or self._provider_of(vpc)
        return self.add(
            T_VSWITCH,
            name,
            {"vswitchName": name, "vpcId": vid, "cidrBlock": cidr, "zoneId": zone, **extra},
            provider,
            {"vpcId": deps},
        )

    def _provider_of(self, ref: RefLike) -> Ref | None:
        if not isinstance(ref, Ref):
            return None
        for r in self._resources:
            if r["urn"] == ref.urn and r["provider"]:
                return Ref(r["provider"], "", r["provider"].rsplit("::", 1)[-1])
        return None

    def cluster(
        self,
        name: str,
        vswitches: Sequence[RefLike],
        *,
        pod_cidr: str | None = None,
        service_cidr: str | None = "192.168.0.0/20",
        node_cidr_mask: int | None = 26,
        pod_vswitches: Sequence[RefLike] = (),
        slb_internet_enabled: bool | None = False,
        deletion_protection: bool | None = True,
        addons: Sequence[str] = (),
        dedicated: bool = False,
        provider: Ref | None = None,
        **extra: Any,
    ) -> Ref:
        """A cs.ManagedKubernetes (or cs.Kubernetes with ``dedicated``); Terway when
        ``pod_vswitches`` is given."""
        ids, deps = self._ids(vswitches)
        key = "masterVswitchIds" if dedicated else "vswitchIds"
        props: dict[str, Any] = {"name": name, key: ids}
        dep_map: dict[str, list[Ref]] = {key: deps}
        if pod_cidr is not None:
            props["podCidr"] = pod_cidr
        if service_cidr is not None:
            props["serviceCidr"] = service_cidr
        if node_cidr_mask is not None:
            props["nodeCidrMask"] = float(node_cidr_mask)  # numbers arrive as floats
        if pod_vswitches:
            pids, pdeps = self._ids(pod_vswitches)
            props["podVswitchIds"] = pids
            dep_map["podVswitchIds"] = pdeps
        if slb_internet_enabled is not None:
            props["slbInternetEnabled"] = slb_internet_enabled
        if deletion_protection is not None:
            props["deletionProtection"] = deletion_protection
        if addons:
            props["addons"] = [{"name": a} for a in addons]
        props.update(extra)
        provider = provider or (self._provider_of(vswitches[0]) if vswitches else None)
        return self.add(T_DEDICATED if dedicated else T_MANAGED, name, props, provider, dep_map)

    def node_pool(
        self, name: str, cluster: RefLike, vswitches: Sequence[RefLike], provider: Ref | None = None
    ) -> Ref:
        cid, cdeps = self._id(cluster)
        ids, deps = self._ids(vswitches)
        return self.add(
            T_NODE_POOL,
            name,
            {"nodePoolName": name, "clusterId": cid, "vswitchIds": ids, "desiredSize": "2"},
            provider,
            {"clusterId": cdeps, "vswitchIds": deps},
        )

    def fleet(
        self, name: str, vpc: RefLike, vswitches: Sequence[RefLike], provider: Ref | None = None
    ) -> Ref:
        vid, vdeps = self._id(vpc)
        ids, deps = self._ids(vswitches)
        return self.add(
            T_FLEET,
            name,
            {
                "clusterName": name,
                "profile": "Default",
                "network": {"vpcId": vid, "vswitches": ids},
            },
            provider or self._provider_of(vpc),
            {"network": vdeps + deps},
        )

    def membership(
        self, name: str, fleet: RefLike, cluster: RefLike, provider: Ref | None = None
    ) -> Ref:
        fid, fdeps = self._id(fleet)
        cid, cdeps = self._id(cluster)
        return self.add(
            T_MEMBERSHIP,
            name,
            {"clusterId": fid, "subClusterId": cid},
            provider,
            {"clusterId": fdeps, "subClusterId": cdeps},
        )

    def mesh(
        self,
        name: str,
        vpc: RefLike,
        vswitches: Sequence[RefLike],
        clusters: Sequence[RefLike],
        *,
        public_eip: bool | None = False,
        provider: Ref | None = None,
    ) -> Ref:
        vid, vdeps = self._id(vpc)
        vsw_ids, vsw_deps = self._ids(vswitches)
        cids, cdeps = self._ids(clusters)
        joined = UNKNOWN if UNKNOWN in vsw_ids else ",".join(vsw_ids)
        props: dict[str, Any] = {
            "serviceMeshName": name,
            "edition": "Pro",
            "network": {"vpcId": vid, "vswitcheList": joined},
            "clusterIds": cids,
        }
        if public_eip is not None:
            props["loadBalancer"] = {"apiServerPublicEip": public_eip}
        return self.add(
            T_MESH,
            name,
            props,
            provider or self._provider_of(vpc),
            {"network": vdeps + vsw_deps, "clusterIds": cdeps},
        )

    def cen(self, name: str) -> Ref:
        return self.add(T_CEN, name, {"cenInstanceName": name})

    def transit_router(self, name: str, cen: RefLike, provider: Ref) -> Ref:
        cid, deps = self._id(cen)
        return self.add(
            T_TR, name, {"cenId": cid, "transitRouterName": name}, provider, {"cenId": deps}
        )

    def tr_vpc_attachment(
        self,
        name: str,
        cen: RefLike,
        tr: RefLike,
        vpc: RefLike,
        zone_vswitches: Sequence[tuple[str, RefLike]],
        provider: Ref,
    ) -> Ref:
        cid, cdeps = self._id(cen)
        tid, tdeps = self._id(tr)
        vid, vdeps = self._id(vpc)
        mappings, mdeps = [], []
        for zone, vsw in zone_vswitches:
            sid, sdeps = self._id(vsw)
            mappings.append({"zoneId": zone, "vswitchId": sid})
            mdeps += sdeps
        return self.add(
            T_TR_VPC,
            name,
            {
                "cenId": cid,
                "transitRouterId": tid,
                "vpcId": vid,
                "zoneMappings": mappings,
                "autoPublishRouteEnabled": True,
            },
            provider,
            {"cenId": cdeps, "transitRouterId": tdeps, "vpcId": vdeps, "zoneMappings": mdeps},
        )

    def tr_peer_attachment(
        self,
        name: str,
        cen: RefLike,
        tr: RefLike,
        peer_tr: RefLike,
        peer_region: str | None,
        provider: Ref,
    ) -> Ref:
        cid, cdeps = self._id(cen)
        tid, tdeps = self._id(tr)
        pid, pdeps = self._id(peer_tr)
        props: dict[str, Any] = {
            "cenId": cid,
            "transitRouterId": tid,
            "peerTransitRouterId": pid,
            "bandwidthType": "DataTransfer",
            "bandwidth": 10.0,
        }
        if peer_region is not None:
            props["peerTransitRouterRegionId"] = peer_region
        return self.add(
            T_TR_PEER,
            name,
            props,
            provider,
            {"cenId": cdeps, "transitRouterId": tdeps, "peerTransitRouterId": pdeps},
        )

    def cen_instance_attachment(
        self, name: str, cen: RefLike, vpc: RefLike, region: str, provider: Ref | None = None
    ) -> Ref:
        cid, cdeps = self._id(cen)
        vid, vdeps = self._id(vpc)
        return self.add(
            T_CEN_ATTACH,
            name,
            {
                "instanceId": cid,
                "childInstanceId": vid,
                "childInstanceType": "VPC",
                "childInstanceRegionId": region,
            },
            provider,
            {"instanceId": cdeps, "childInstanceId": vdeps},
        )

    def fleet_features(
        self, name: str, fleet: RefLike, *, public: bool, region: str = "cn-hangzhou"
    ) -> Ref:
        fid, deps = self._id(fleet)
        return self.add(
            T_DYNAMIC,
            name,
            {
                "kind": "meshfleet:ackone:FleetFeatures",
                "fleetId": fid,
                "regionId": region,
                "meshId": UNKNOWN,
                "enableMesh": True,
                "publicApiServerEnabled": public,
                "deletionProtection": True,
                "privateKubeconfig": True,
                "__provider": "pickled",
            },
            None,
            {"fleetId": deps},
        )

    def mesh_membership(
        self, name: str, mesh: RefLike, cluster: RefLike, region: str = "cn-hangzhou"
    ) -> Ref:
        """meshfleet's MeshMembership dynamic resource: makes the cluster a mesh member."""
        mid, mdeps = self._id(mesh)
        cid, cdeps = self._id(cluster)
        return self.add(
            T_DYNAMIC,
            name,
            {
                "kind": "meshfleet:servicemesh:MeshMembership",
                "meshId": mid,
                "clusterId": cid,
                "regionId": region,
                "__provider": "pickled",
            },
            None,
            {"meshId": mdeps, "clusterId": cdeps},
        )


def two_region_fleet(ids_known: bool = False) -> tuple[StackBuilder, dict[str, Ref]]:
    """The requirement document's topology, compliant: clusters 1+2 in VPC 1 (Hangzhou), cluster
    3 in VPC 2 (Shanghai), Fleet and ASM in VPC 1, CEN with one transit router per region, VPC
    attachments and a peer attachment. Returns the builder and its references by name."""
    sb = StackBuilder(ids_known=ids_known)
    r: dict[str, Ref] = {}
    r["hz"] = hz = sb.provider("hz", "cn-hangzhou")
    r["sh"] = sh = sb.provider("sh", "cn-shanghai")
    r["vpc1"] = sb.vpc("vpc-1", "10.0.0.0/16", hz)
    r["vpc2"] = sb.vpc("vpc-2", "10.1.0.0/16", sh)
    r["n1"] = sb.vswitch("node-1-h", r["vpc1"], "10.0.0.0/20", "cn-hangzhou-h")
    r["n2"] = sb.vswitch("node-2-i", r["vpc1"], "10.0.16.0/20", "cn-hangzhou-i")
    r["n3"] = sb.vswitch("node-3-b", r["vpc2"], "10.1.0.0/20", "cn-shanghai-b")
    r["p3"] = sb.vswitch("pod-3-b", r["vpc2"], "10.1.64.0/19", "cn-shanghai-b")
    r["tr1a"] = sb.vswitch("tr-1-h", r["vpc1"], "10.0.255.0/28", "cn-hangzhou-h")
    r["tr1b"] = sb.vswitch("tr-1-i", r["vpc1"], "10.0.255.16/28", "cn-hangzhou-i")
    r["tr2a"] = sb.vswitch("tr-2-b", r["vpc2"], "10.1.255.0/28", "cn-shanghai-b")
    r["tr2b"] = sb.vswitch("tr-2-c", r["vpc2"], "10.1.255.16/28", "cn-shanghai-c")
    r["c1"] = sb.cluster(
        "ack-1", [r["n1"]], pod_cidr="172.16.0.0/16", service_cidr="192.168.0.0/20"
    )
    r["c2"] = sb.cluster(
        "ack-2", [r["n2"]], pod_cidr="172.17.0.0/16", service_cidr="192.168.16.0/20"
    )
    r["c3"] = sb.cluster(
        "ack-3",
        [r["n3"]],
        pod_vswitches=[r["p3"]],
        service_cidr="192.168.32.0/20",
        node_cidr_mask=None,
        addons=["terway-eniip"],
    )
    r["fleet"] = sb.fleet("fleet", r["vpc1"], [r["n1"]])
    for i in (1, 2, 3):
        r[f"m{i}"] = sb.membership(f"member-{i}", r["fleet"], r[f"c{i}"], hz)
    r["mesh"] = sb.mesh("mesh", r["vpc1"], [r["n1"]], [r["c1"], r["c2"], r["c3"]])
    r["cen"] = sb.cen("cen")
    r["trhz"] = sb.transit_router("tr-hz", r["cen"], hz)
    r["trsh"] = sb.transit_router("tr-sh", r["cen"], sh)
    r["att1"] = sb.tr_vpc_attachment(
        "att-1",
        r["cen"],
        r["trhz"],
        r["vpc1"],
        [("cn-hangzhou-h", r["tr1a"]), ("cn-hangzhou-i", r["tr1b"])],
        hz,
    )
    r["att2"] = sb.tr_vpc_attachment(
        "att-2",
        r["cen"],
        r["trsh"],
        r["vpc2"],
        [("cn-shanghai-b", r["tr2a"]), ("cn-shanghai-c", r["tr2b"])],
        sh,
    )
    r["peer"] = sb.tr_peer_attachment(
        "peer-hz-sh", r["cen"], r["trhz"], r["trsh"], "cn-shanghai", hz
    )
    return sb, r
