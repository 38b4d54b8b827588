"""Mutation testing of the policy pack: break exactly one rule in a compliant engine-view stack.

Each :class:`Mutation` takes a compliant engine-view stack (the example stack as the program
registers it, or a hand-built raw-resource stack), changes it the way a user or a bug would
(shift a CIDR into an overlap, drop a CEN attachment or a peer link, make an endpoint public,
detach a cluster from the Fleet ...) and says which resource the pack must name. Targets are found
by meaning (the Flannel cluster of the mesh's VPC, a vSwitch of the same VPC ...), not by name, so
the same mutation applies to any compliant stack that has such resources.

A mutation is *killed* when the target policy reports the designated resource's URN and the
policies that fire are exactly the target plus the ones the same change necessarily breaks too
(``also``: e.g. a pod CIDR overlapping a vSwitch of its VPC also overlaps the VPC).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from netaddr import IPAddress, IPNetwork, IPSet

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

T_VPC = "alicloud:vpc/network:Network"
T_VSWITCH = "alicloud:vpc/switch:Switch"
T_ACK = "alicloud:cs/managedKubernetes:ManagedKubernetes"
T_FLEET = "alicloud:ackone/cluster:Cluster"
T_MEMBERSHIP = "alicloud:ackone/membershipAttachment:MembershipAttachment"
T_MESH = "alicloud:servicemesh/serviceMesh:ServiceMesh"
T_TR_VPC = "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment"
T_TR_PEER = "alicloud:cen/transitRouterPeerAttachment:TransitRouterPeerAttachment"
T_DYNAMIC = "pulumi-python:dynamic:Resource"
MESH_MEMBERSHIP_KIND = "meshfleet:servicemesh:MeshMembership"
CIDR_KEYS = ("cidrBlock", "podCidr", "serviceCidr")


class NotApplicable(Exception):
    """The stack has no resources this mutation needs (counted apart from kills and misses)."""


Res = dict[str, Any]


class EngineStack:
    """A mutable copy of an engine-view stack (docs/contracts.md) with lookups by meaning."""

    def __init__(self, resources: Sequence[Mapping[str, Any]]) -> None:
        self.resources: list[Res] = copy.deepcopy([dict(r) for r in resources])

    # -- lookups -------------------------------------------------------------------------------
    def of(self, type_: str) -> list[Res]:
        return [r for r in self.resources if r["type"] == type_]

    def by_urn(self, urn: str) -> Res:
        return next(r for r in self.resources if r["urn"] == urn)

    def later(self, a: Res, b: Res) -> Res:
        """The later-declared of two resources (the engine's registration order)."""
        return b if self.resources.index(b) > self.resources.index(a) else a

    def blamed(self, a: Res, cidr_a: str, b: Res, cidr_b: str) -> Res:
        """The one of two overlapping blocks the pack reports: the smaller (inside the other),
        of two equal ones the later-declared."""
        pa, pb = IPNetwork(cidr_a).prefixlen, IPNetwork(cidr_b).prefixlen
        if pa != pb:
            return a if pa > pb else b
        return self.later(a, b)

    def deps(self, r: Res, key: str, type_: str | None = None) -> list[Res]:
        urns = r.get("propertyDependencies", {}).get(key, [])
        found = [x for x in self.resources if x["urn"] in urns]
        return [x for x in found if type_ is None or x["type"] == type_]

    def vpc_of(self, r: Res) -> Res:
        """The VPC of a vSwitch, cluster (through its node vSwitches), Fleet or mesh."""
        if r["type"] == T_VSWITCH:
            return self.deps(r, "vpcId", T_VPC)[0]
        if r["type"] == T_ACK:
            return self.vpc_of(self.deps(r, "vswitchIds", T_VSWITCH)[0])
        return self.deps(r, "network", T_VPC)[0]

    def region_of(self, r: Res) -> str:
        provider = self.by_urn(r["provider"]) if r.get("provider") else None
        return str(provider["properties"].get("region")) if provider else ""

    def vswitches_in(self, vpc: Res) -> list[Res]:
        return [s for s in self.of(T_VSWITCH) if self.vpc_of(s)["urn"] == vpc["urn"]]

    def clusters(self, *, cni: str | None = None, vpc: Res | None = None) -> list[Res]:
        out = self.of(T_ACK)
        if cni is not None:
            out = [c for c in out if self.cni(c) == cni]
        if vpc is not None:
            out = [c for c in out if self.vpc_of(c)["urn"] == vpc["urn"]]
        return out

    @staticmethod
    def cni(c: Res) -> str:
        return "terway" if c["properties"].get("podVswitchIds") else "flannel"

    def mesh(self) -> Res:
        return self.of(T_MESH)[0]

    def fleet(self) -> Res:
        return self.of(T_FLEET)[0]

    def used(self) -> IPSet:
        """Every vSwitch, pod and Service CIDR of the stack (VPC ranges are containers: callers
        that must stay outside them say so)."""
        nets = [
            r["properties"][k]
            for r in self.resources
            for k in CIDR_KEYS
            if r["type"] != T_VPC
            and isinstance(r["properties"].get(k), str)
            and "/" in r["properties"][k]
        ]
        return IPSet(nets)

    def free_block(
        self, within: str | Iterable[str], prefix: int, also_avoid: Iterable[str] = ()
    ) -> str:
        """The first aligned /prefix block in ``within`` that overlaps nothing the stack uses."""
        space = IPSet([within] if isinstance(within, str) else within)
        free = space - self.used() - IPSet(also_avoid)
        for block in free.iter_cidrs():
            if block.prefixlen <= prefix:
                return f"{block.network}/{prefix}"
        raise NotApplicable(f"no free /{prefix} in {within}")

    # -- edits ---------------------------------------------------------------------------------
    def drop_ref(self, r: Res, key: str, target: Res) -> None:
        """Remove one reference to ``target`` from list property ``key`` (value and dependency)."""
        values = r["properties"][key]
        ident = f"{target['name']}-id"
        values.remove(ident if ident in values else values[-1])
        deps = r["propertyDependencies"][key]
        deps.remove(target["urn"])
        if not deps:
            del r["propertyDependencies"][key]
        self._refresh_dependencies(r)

    def drop_from_mesh(self, cluster: Res) -> None:
        """Take ``cluster`` out of the mesh, however the stack made it a member: its
        MeshMembership resources (meshfleet), or its entry in ``clusterIds`` (raw stacks)."""
        memberships = [
            m
            for m in self.of(T_DYNAMIC)
            if m["properties"].get("kind") == MESH_MEMBERSHIP_KIND
            and cluster["urn"] in m["propertyDependencies"].get("clusterId", [])
        ]
        for m in memberships:
            self.remove(m["urn"])
        if not memberships:
            self.drop_ref(self.mesh(), "clusterIds", cluster)

    def remove(self, urn: str) -> None:
        """Remove a resource and, as the engine would never see them without it, everything whose
        inputs reference it (route-table associations of a removed attachment ...). Plain
        ``dependsOn`` edges to it are dropped."""
        gone = {urn}
        changed = True
        while changed:
            changed = False
            for r in self.resources:
                if r["urn"] in gone:
                    continue
                if any(u in gone for us in r.get("propertyDependencies", {}).values() for u in us):
                    gone.add(r["urn"])
                    changed = True
        self.resources = [r for r in self.resources if r["urn"] not in gone]
        for r in self.resources:
            r["dependencies"] = [d for d in r.get("dependencies", []) if d not in gone]

    @staticmethod
    def _refresh_dependencies(r: Res) -> None:
        flat = {u for us in r.get("propertyDependencies", {}).values() for u in us}
        r["dependencies"] = sorted(set(r.get("dependencies", [])) & flat | flat)

    def to_flannel(self, c: Res, like: Res) -> None:
        """Turn a Terway cluster into a Flannel one configured like ``like``."""
        p = c["properties"]
        p.pop("podVswitchIds", None)
        c["propertyDependencies"].pop("podVswitchIds", None)
        self._refresh_dependencies(c)
        p["addons"] = [{"name": "flannel"}]
        p["nodeCidrMask"] = like["properties"]["nodeCidrMask"]


@dataclass(frozen=True)
class Outcome:
    """What a mutation expects: the resource the target policy must name, and the policies the
    same change necessarily breaks too."""

    urn: str
    also: frozenset[str] = frozenset()
    config: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Mutation:
    policy: str
    name: str
    apply: Callable[[EngineStack], Outcome]


def _mask(c: Res) -> int:
    return int(c["properties"]["nodeCidrMask"])


def _supernet(a: str, b: str) -> str:
    na, nb = IPNetwork(a), IPNetwork(b)
    prefix = min(na.prefixlen, nb.prefixlen)
    while IPNetwork(f"{na.network}/{prefix}").cidr != IPNetwork(f"{nb.network}/{prefix}").cidr:
        prefix -= 1
    return str(IPNetwork(f"{na.network}/{prefix}").cidr)


def _flannel_with_peer(s: EngineStack, same_vpc: bool) -> tuple[Res, Res]:
    """A Flannel cluster A and another cluster B (same VPC or another); B becomes Flannel."""
    for a in s.clusters(cni="flannel"):
        va = s.vpc_of(a)
        others = [
            b
            for b in s.clusters()
            if b["urn"] != a["urn"] and (s.vpc_of(b)["urn"] == va["urn"]) == same_vpc
        ]
        if others:
            b = others[0]
            if s.cni(b) == "terway":
                s.to_flannel(b, a)
            return a, b
    raise NotApplicable("no suitable pair of clusters")


def _flannel(s: EngineStack) -> Res:
    found = s.clusters(cni="flannel")
    if not found:
        raise NotApplicable("no Flannel cluster")
    return found[0]


def _terway(s: EngineStack) -> Res:
    found = s.clusters(cni="terway")
    if not found:
        raise NotApplicable("no Terway cluster")
    mesh_vpc = s.vpc_of(s.mesh())["urn"]
    found.sort(key=lambda c: s.vpc_of(c)["urn"] == mesh_vpc)  # prefer one outside the mesh VPC
    return found[0]


def _far_clusters(s: EngineStack) -> list[Res]:
    """Clusters in another region than the Fleet (they need the CEN peer link)."""
    home = s.region_of(s.vpc_of(s.fleet()))
    far = [c for c in s.clusters() if s.region_of(s.vpc_of(c)) != home]
    if not far:
        raise NotApplicable("every cluster is in the Fleet's region")
    return far


# ---- the mutations, by policy ------------------------------------------------------------------


def pod_pod_same_vpc(s: EngineStack) -> Outcome:
    a, b = _flannel_with_peer(s, same_vpc=True)
    b["properties"]["podCidr"] = a["properties"]["podCidr"]
    return Outcome(s.later(a, b)["urn"])


def pod_pod_across(s: EngineStack) -> Outcome:
    a, b = _flannel_with_peer(s, same_vpc=False)
    b["properties"]["podCidr"] = a["properties"]["podCidr"]
    return Outcome(s.later(a, b)["urn"])


def pod_service_own(s: EngineStack) -> Outcome:
    """A Flannel cluster's Service CIDR moved inside its own pod CIDR (ACK refuses it)."""
    a = _flannel(s)
    pod = IPNetwork(a["properties"]["podCidr"])
    if pod.prefixlen > 24:
        raise NotApplicable("pod CIDR smaller than a /24")
    a["properties"]["serviceCidr"] = f"{pod.network}/{max(16, pod.prefixlen)}"
    return Outcome(a["urn"])


def pod_in_vpc(s: EngineStack) -> Outcome:
    a = _flannel(s)
    a["properties"]["podCidr"] = s.free_block(s.vpc_of(a)["properties"]["cidrBlock"], _mask(a) - 1)
    return Outcome(a["urn"])


def vswitch_vswitch(s: EngineStack) -> Outcome:
    for vpc in s.of(T_VPC):
        sws = s.vswitches_in(vpc)
        if len(sws) >= 2:
            second = s.later(sws[0], sws[1])
            first = sws[1] if second is sws[0] else sws[0]
            second["properties"]["cidrBlock"] = first["properties"]["cidrBlock"]
            return Outcome(second["urn"])
    raise NotApplicable("no VPC with two vSwitches")


def vswitch_pod(s: EngineStack) -> Outcome:
    a = _flannel(s)
    sw = s.vswitches_in(s.vpc_of(a))[0]
    net = IPNetwork(sw["properties"]["cidrBlock"])
    prefix = min(net.prefixlen, _mask(a) - 1)
    pod = a["properties"]["podCidr"] = str(IPNetwork(f"{net.network}/{prefix}").cidr)
    return Outcome(s.blamed(sw, str(net), a, pod)["urn"], frozenset({"pod-cidr-overlaps-vpc-cidr"}))


def vswitch_service(s: EngineStack) -> Outcome:
    a = _flannel(s)  # Flannel: a Terway member's Service CIDR in the mesh VPC is another rule
    sw = s.vswitches_in(s.vpc_of(a))[0]
    net = IPNetwork(sw["properties"]["cidrBlock"])
    prefix = max(16, min(24, net.prefixlen))  # a valid Service CIDR size
    svc = a["properties"]["serviceCidr"] = str(IPNetwork(f"{net.network}/{prefix}").cidr)
    return Outcome(
        s.blamed(sw, str(net), a, svc)["urn"], frozenset({"service-cidr-overlaps-vpc-cidr"})
    )


def service_service(s: EngineStack) -> Outcome:
    a, b = s.clusters()[:2]
    new = s.later(a, b)
    old = a if new is b else b
    new["properties"]["serviceCidr"] = old["properties"]["serviceCidr"]
    return Outcome(new["urn"])


def service_in_vpc(s: EngineStack) -> Outcome:
    a = _flannel(s)
    a["properties"]["serviceCidr"] = s.free_block(s.vpc_of(a)["properties"]["cidrBlock"], 24)
    return Outcome(a["urn"])


def _mesh_rule_also(s: EngineStack, v1: Res, v2: Res) -> frozenset[str]:
    """member-vpc-overlaps-mesh-vpc too, when one of two overlapping VPCs is the mesh's and the
    other holds a mesh member."""
    mesh_vpc = s.vpc_of(s.mesh())["urn"]
    if mesh_vpc not in (v1["urn"], v2["urn"]):
        return frozenset()
    other = v2 if v1["urn"] == mesh_vpc else v1
    return frozenset({"member-vpc-overlaps-mesh-vpc"}) if s.clusters(vpc=other) else frozenset()


def vpc_vpc(s: EngineStack) -> Outcome:
    """One of two VPCs (the one the pack reports a pair on) grows to their common supernet (its
    vSwitches stay inside), for the pair whose supernet covers no third VPC."""
    vpcs = s.of(T_VPC)
    pairs = sorted(
        (
            (
                IPNetwork(
                    _supernet(a["properties"]["cidrBlock"], b["properties"]["cidrBlock"])
                ).size,
                i,
                j,
            )
            for i, a in enumerate(vpcs)
            for j, b in enumerate(vpcs)
            if i < j
        )
    )
    for _, i, j in pairs:
        v1, v2 = vpcs[i], vpcs[j]
        grown = _supernet(v1["properties"]["cidrBlock"], v2["properties"]["cidrBlock"])
        others = [v for v in vpcs if v is not v1 and v is not v2]
        if any(
            IPNetwork(grown) in IPNetwork(v["properties"]["cidrBlock"])
            or IPNetwork(v["properties"]["cidrBlock"]) in IPNetwork(grown)
            for v in others
        ):
            continue
        new = s.later(v1, v2)
        old = v1 if new is v2 else v2
        new["properties"]["cidrBlock"] = grown  # now containing the other: the other is blamed
        return Outcome(old["urn"], _mesh_rule_also(s, v1, v2))
    raise NotApplicable("no two VPCs whose supernet covers no third")


def member_vpc_mesh_vpc(s: EngineStack) -> Outcome:
    """A member's VPC grows over the mesh VPC (their supernet, covering no third VPC)."""
    mesh_vpc = s.vpc_of(s.mesh())
    vpcs = s.of(T_VPC)
    for c in s.clusters():
        own = s.vpc_of(c)
        if own["urn"] == mesh_vpc["urn"]:
            continue
        grown = _supernet(own["properties"]["cidrBlock"], mesh_vpc["properties"]["cidrBlock"])
        others = [v for v in vpcs if v["urn"] not in (own["urn"], mesh_vpc["urn"])]
        if any(
            IPNetwork(grown) in IPNetwork(v["properties"]["cidrBlock"])
            or IPNetwork(v["properties"]["cidrBlock"]) in IPNetwork(grown)
            for v in others
        ):
            continue
        own["properties"]["cidrBlock"] = grown
        return Outcome(c["urn"], frozenset({"vpc-cidr-overlaps-vpc-cidr"}))
    raise NotApplicable("no mesh member whose VPC can grow over the mesh VPC alone")


def terway_service_mesh_vpc(s: EngineStack) -> Outcome:
    t = _terway(s)
    mesh_vpc = s.vpc_of(s.mesh())
    t["properties"]["serviceCidr"] = s.free_block(mesh_vpc["properties"]["cidrBlock"], 24)
    # Inside the mesh's VPC, which is its own or a fellow member's: that rule breaks too.
    holds_member = any(s.vpc_of(c)["urn"] == mesh_vpc["urn"] for c in s.clusters())
    return Outcome(t["urn"], frozenset({"service-cidr-overlaps-vpc-cidr"} if holds_member else ()))


def vpc_invalid(s: EngineStack) -> Outcome:
    v = s.of(T_VPC)[-1]
    v["properties"]["cidrBlock"] = str(IPNetwork(v["properties"]["cidrBlock"]).network) + "/33"
    return Outcome(v["urn"])


def reserved_range(s: EngineStack) -> Outcome:
    """Move a whole VPC, vSwitches and all, into the CGNAT range 100.64.0.0/10."""
    v = s.of(T_VPC)[-1]
    old = IPNetwork(v["properties"]["cidrBlock"])
    base = int(IPAddress("100.64.0.0"))
    v["properties"]["cidrBlock"] = f"{IPAddress(base)}/{old.prefixlen}"
    for sw in s.vswitches_in(v):
        net = IPNetwork(sw["properties"]["cidrBlock"])
        sw["properties"]["cidrBlock"] = f"{IPAddress(base + net.first - old.first)}/{net.prefixlen}"
    return Outcome(v["urn"])


def vswitch_invalid(s: EngineStack) -> Outcome:
    sw = s.of(T_VSWITCH)[-1]
    sw["properties"]["cidrBlock"] = f"{IPNetwork(sw['properties']['cidrBlock']).network}/30"
    return Outcome(sw["urn"])


def vswitch_outside(s: EngineStack) -> Outcome:
    sw = s.of(T_VSWITCH)[0]
    prefix = IPNetwork(sw["properties"]["cidrBlock"]).prefixlen
    vpcs = [v["properties"]["cidrBlock"] for v in s.of(T_VPC)]
    sw["properties"]["cidrBlock"] = s.free_block("10.0.0.0/8", prefix, also_avoid=vpcs)
    return Outcome(sw["urn"])


def service_invalid(s: EngineStack) -> Outcome:
    c = s.clusters()[0]
    c["properties"]["serviceCidr"] = f"{IPNetwork(c['properties']['serviceCidr']).network}/25"
    return Outcome(c["urn"])


def service_public_range(s: EngineStack) -> Outcome:
    c = s.clusters()[0]
    c["properties"]["serviceCidr"] = "198.51.100.0/24"  # documentation range: not RFC 1918
    return Outcome(c["urn"])


def flannel_pod_invalid(s: EngineStack) -> Outcome:
    a = _flannel(s)
    a["properties"]["podCidr"] = f"{IPNetwork(a['properties']['podCidr']).network}/{_mask(a)}"
    return Outcome(a["urn"])


def mask_out_of_range(s: EngineStack) -> Outcome:
    a = _flannel(s)
    a["properties"]["nodeCidrMask"] = 29.0
    return Outcome(a["urn"])


def terway_zone_gap(s: EngineStack) -> Outcome:
    t = _terway(s)
    pod = s.deps(t, "podVswitchIds", T_VSWITCH)[-1]
    s.drop_ref(t, "podVswitchIds", pod)
    return Outcome(t["urn"])


def _drop_peers(s: EngineStack) -> None:
    peers = s.of(T_TR_PEER)
    if not peers:
        raise NotApplicable("no peer attachment")
    for p in peers:
        s.remove(p["urn"])


def fleet_reach(s: EngineStack) -> Outcome:
    """No peer link, but the Fleet public: path (1) breaks (and path (3) for clusters in another
    region than the mesh), path (2) does not."""
    far = _far_clusters(s)
    _drop_peers(s)
    features = [
        r
        for r in s.of(T_DYNAMIC)
        if r["properties"].get("kind") == "meshfleet:ackone:FleetFeatures"
    ]
    mesh_region = s.region_of(s.vpc_of(s.mesh()))
    also = (
        {"mesh-cannot-reach-cluster"}
        if any(s.region_of(s.vpc_of(c)) != mesh_region for c in s.clusters())
        else set()
    )
    also.add("cluster-cannot-reach-cluster")  # the members across the dropped link, too
    config: dict[str, Any] = {}
    if features:
        features[0]["properties"]["publicApiServerEnabled"] = True
        also.add("api-server-public")
    else:
        config = {"cluster-cannot-reach-fleet": {"fleetPublicEndpoint": True}}
    return Outcome(far[0]["urn"], frozenset(also), config)


def cluster_reach(s: EngineStack) -> Outcome:
    """No peer link, every cluster's API server public: only path (2) breaks."""
    far = _far_clusters(s)
    _drop_peers(s)
    for c in s.clusters():
        c["properties"]["slbInternetEnabled"] = True
    return Outcome(far[0]["urn"], frozenset({"api-server-public"}))


def mesh_reach(s: EngineStack) -> Outcome:
    """The VPC of a cluster far from the Fleet (and outside the mesh VPC) is detached from CEN:
    every path to it breaks."""
    mesh_vpc = s.vpc_of(s.mesh())["urn"]
    far = [c for c in _far_clusters(s) if s.vpc_of(c)["urn"] != mesh_vpc]
    if not far:
        raise NotApplicable("no cluster far from the Fleet outside the mesh VPC")
    vpc = s.vpc_of(far[0])
    attachments = [
        a
        for a in s.of(T_TR_VPC)
        if vpc["urn"] in a.get("propertyDependencies", {}).get("vpcId", [])
    ]
    if not attachments:
        raise NotApplicable("no VPC attachment")
    for a in attachments:
        s.remove(a["urn"])
    return Outcome(
        far[0]["urn"],
        frozenset(
            {
                "fleet-cannot-reach-cluster",
                "cluster-cannot-reach-fleet",
                "cluster-cannot-reach-cluster",
            }
        ),
    )


def members_reach(s: EngineStack) -> Outcome:
    """No peer link; the far clusters and the Fleet public: paths (1)-(3) hold, but the far
    clusters cannot reach the private ones across the missing link."""
    far = _far_clusters(s)
    _drop_peers(s)
    for c in far:
        c["properties"]["slbInternetEnabled"] = True
    near = [c for c in s.clusters() if c not in far]
    mesh_region = s.region_of(s.vpc_of(s.mesh()))
    if not near or any(s.region_of(s.vpc_of(c)) != mesh_region for c in near):
        raise NotApplicable("no private cluster in the mesh's region")
    return Outcome(
        near[0]["urn"],
        frozenset({"api-server-public"}),
        {"cluster-cannot-reach-fleet": {"fleetPublicEndpoint": True}},
    )


def tr_attachment_one_zone(s: EngineStack) -> Outcome:
    att = s.of(T_TR_VPC)
    if not att:
        raise NotApplicable("no transit-router VPC attachment")
    mappings = att[0]["properties"]["zoneMappings"]
    att[0]["properties"]["zoneMappings"] = mappings[:1]
    return Outcome(att[0]["urn"])


def peer_without_bandwidth(s: EngineStack) -> Outcome:
    peers = s.of(T_TR_PEER)
    if not peers:
        raise NotApplicable("no peer attachment")
    for key in ("bandwidthType", "bandwidth", "cenBandwidthPackageId"):
        peers[0]["properties"].pop(key, None)
    return Outcome(peers[0]["urn"])


def not_managed(s: EngineStack) -> Outcome:
    """A cluster detached from the Fleet and the mesh: advisory only (it may be another
    team's); its own per-cluster rules still apply."""
    c = s.clusters()[-1]
    for m in [
        m
        for m in s.of(T_MEMBERSHIP)
        if c["urn"] in m["propertyDependencies"].get("subClusterId", [])
    ]:
        s.remove(m["urn"])
    s.drop_from_mesh(c)
    return Outcome(c["urn"])


def exempted(s: EngineStack) -> Outcome:
    """A real violation with an exemption in force: only the exemption is reported."""
    outcome = pod_pod_same_vpc(s)
    name = s.by_urn(outcome.urn)["name"]
    return Outcome(
        outcome.urn,
        config={
            "policy-exemptions": {
                "exemptions": [
                    {
                        "policy": "pod-cidr-overlaps-pod-cidr",
                        "resource": name,
                        "reason": "mutation test",
                        "expires": "2999-12-31",
                    }
                ]
            }
        },
    )


def not_in_fleet(s: EngineStack) -> Outcome:
    c = s.clusters()[-1]
    m = next(
        m
        for m in s.of(T_MEMBERSHIP)
        if c["urn"] in m["propertyDependencies"].get("subClusterId", [])
    )
    s.remove(m["urn"])
    return Outcome(c["urn"])


def not_in_mesh(s: EngineStack) -> Outcome:
    c = s.clusters()[-1]
    s.drop_from_mesh(c)
    return Outcome(c["urn"])


def reserved_config(s: EngineStack) -> Outcome:
    vpcs = [v["properties"]["cidrBlock"] for v in s.of(T_VPC)]
    r = s.free_block(["192.168.0.0/16", "172.16.0.0/12", "10.0.0.0/8"], 20, also_avoid=vpcs)
    c = s.clusters()[0]
    c["properties"]["serviceCidr"] = r
    return Outcome(
        c["urn"], config={"cidr-overlaps-reserved-cidrs": {"reservedCidrs": [f"{r} shanghai-dc"]}}
    )


def ipam_unallocated(s: EngineStack) -> Outcome:
    """The config names an IPAM pool holding a cluster's Service CIDR, which nothing allocates."""
    c = s.clusters()[0]
    cidr = c["properties"]["serviceCidr"]
    return Outcome(
        c["urn"],
        config={"ipam-pool-allocations": {"ipamPools": {"ipam-pool-0svc": {"cidrs": [cidr]}}}},
    )


def ipam_foreign(s: EngineStack) -> Outcome:
    """The config says another owner holds a VPC's CIDR in the organisation's pool."""
    v = s.of(T_VPC)[0]
    cidr = v["properties"]["cidrBlock"]
    return Outcome(
        v["urn"],
        config={
            "ipam-pool-allocations": {
                "ipamPools": {
                    "ipam-pool-0vpc": {"cidrs": [cidr], "allocations": [f"{cidr} payments/prod"]}
                }
            }
        },
    )


def _protected(s: EngineStack) -> list[Res]:
    found = [c for c in s.clusters() if c["properties"].get("deletionProtection") is True]
    if not found:
        raise NotApplicable("no cluster with deletion protection")
    return found


def no_deletion_protection(s: EngineStack) -> Outcome:
    c = _protected(s)[0]
    c["properties"]["deletionProtection"] = False
    return Outcome(c["urn"])


def deletion_protection_unset(s: EngineStack) -> Outcome:
    c = _protected(s)[-1]
    del c["properties"]["deletionProtection"]
    return Outcome(c["urn"])


def public_cluster(s: EngineStack) -> Outcome:
    c = s.clusters()[0]
    c["properties"]["slbInternetEnabled"] = True
    return Outcome(c["urn"])


def public_mesh(s: EngineStack) -> Outcome:
    m = s.mesh()
    m["properties"]["loadBalancer"] = {
        **(m["properties"].get("loadBalancer") or {}),
        "apiServerPublicEip": True,
    }
    return Outcome(m["urn"])


def public_fleet_config(s: EngineStack) -> Outcome:
    return Outcome(s.fleet()["urn"], config={"api-server-public": {"fleetPublicEndpoint": True}})


def unknown_vpc_cidr(s: EngineStack) -> Outcome:
    v = s.of(T_VPC)[0]
    v["properties"]["cidrBlock"] = UNKNOWN
    return Outcome(v["urn"])


def unknown_service_cidr(s: EngineStack) -> Outcome:
    c = s.clusters()[-1]
    c["properties"]["serviceCidr"] = UNKNOWN
    return Outcome(c["urn"])


MUTATIONS: tuple[Mutation, ...] = (
    Mutation(
        "pod-cidr-overlaps-pod-cidr", "two clusters of one VPC share a pod CIDR", pod_pod_same_vpc
    ),
    Mutation("pod-cidr-overlaps-vpc-cidr", "pod CIDR moved inside its VPC", pod_in_vpc),
    Mutation(
        "vswitch-cidr-overlaps-vswitch-cidr", "vSwitch given a sibling's CIDR", vswitch_vswitch
    ),
    Mutation("vswitch-cidr-overlaps-pod-cidr", "pod CIDR grown over a vSwitch", vswitch_pod),
    Mutation(
        "vswitch-cidr-overlaps-service-cidr", "Service CIDR laid over a vSwitch", vswitch_service
    ),
    Mutation(
        "service-cidr-overlaps-service-cidr", "two clusters share a Service CIDR", service_service
    ),
    Mutation("service-cidr-overlaps-vpc-cidr", "Service CIDR moved inside its VPC", service_in_vpc),
    Mutation("vpc-cidr-overlaps-vpc-cidr", "VPC grown over another VPC", vpc_vpc),
    Mutation(
        "pod-cidr-overlaps-pod-cidr-across-vpcs",
        "clusters of two VPCs share a pod CIDR",
        pod_pod_across,
    ),
    Mutation(
        "terway-service-cidr-overlaps-mesh-vpc",
        "Terway Service CIDR inside the mesh VPC",
        terway_service_mesh_vpc,
    ),
    Mutation(
        "member-vpc-overlaps-mesh-vpc", "member's VPC grown over the mesh VPC", member_vpc_mesh_vpc
    ),
    Mutation("vpc-cidr-invalid", "VPC CIDR with prefix /33", vpc_invalid),
    Mutation(
        "cidr-in-reserved-range", "VPC and its vSwitches moved into 100.64.0.0/10", reserved_range
    ),
    Mutation("vswitch-cidr-invalid", "vSwitch shrunk to a /30", vswitch_invalid),
    Mutation("vswitch-outside-vpc", "vSwitch moved outside every VPC", vswitch_outside),
    Mutation("service-cidr-invalid", "Service CIDR shrunk to a /25", service_invalid),
    Mutation("service-cidr-invalid", "Service CIDR in public space", service_public_range),
    Mutation(
        "flannel-pod-cidr-invalid", "pod CIDR no larger than one node's block", flannel_pod_invalid
    ),
    Mutation("node-cidr-mask-invalid", "nodeCidrMask 29", mask_out_of_range),
    Mutation("terway-pod-vswitch-zone-mismatch", "a Terway pod vSwitch dropped", terway_zone_gap),
    Mutation("fleet-cannot-reach-cluster", "peer link dropped, Fleet public", fleet_reach),
    Mutation("cluster-cannot-reach-fleet", "peer link dropped, far clusters public", cluster_reach),
    Mutation("mesh-cannot-reach-cluster", "far VPC detached from CEN", mesh_reach),
    Mutation("cluster-not-in-fleet", "membership attachment dropped", not_in_fleet),
    Mutation(
        "cluster-not-in-mesh",
        "cluster dropped from the mesh (its membership or clusterIds)",
        not_in_mesh,
    ),
    Mutation(
        "pod-cidr-overlaps-service-cidr",
        "Service CIDR moved inside its own pod CIDR",
        pod_service_own,
    ),
    Mutation(
        "cluster-cannot-reach-cluster",
        "peer link dropped, far clusters and Fleet public",
        members_reach,
    ),
    Mutation(
        "cen-vpc-attachment-zones", "a VPC attachment left with one zone", tr_attachment_one_zone
    ),
    Mutation(
        "cen-peer-attachment-bandwidth", "peer attachment without bandwidth", peer_without_bandwidth
    ),
    Mutation("cluster-not-managed", "cluster detached from the Fleet and the mesh", not_managed),
    Mutation("policy-exemptions", "pod CIDR overlap exempted", exempted),
    Mutation(
        "cidr-overlaps-reserved-cidrs",
        "Service CIDR moved into a reservedCidrs range",
        reserved_config,
    ),
    Mutation(
        "ipam-pool-allocations", "Service CIDR in a configured pool, unallocated", ipam_unallocated
    ),
    Mutation("ipam-pool-allocations", "VPC CIDR allocated to another owner (config)", ipam_foreign),
    Mutation(
        "cluster-deletion-protection-disabled", "deletionProtection false", no_deletion_protection
    ),
    Mutation(
        "cluster-deletion-protection-disabled",
        "deletionProtection unset",
        deletion_protection_unset,
    ),
    Mutation("api-server-public", "cluster API server public", public_cluster),
    Mutation("api-server-public", "mesh API server public", public_mesh),
    Mutation("api-server-public", "Fleet endpoint declared public (config)", public_fleet_config),
    Mutation("value-unknown-at-preview", "a VPC CIDR unknown", unknown_vpc_cidr),
    Mutation("value-unknown-at-preview", "a Service CIDR unknown", unknown_service_cidr),
)
