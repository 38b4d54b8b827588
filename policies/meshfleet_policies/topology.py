"""Who is managed together, which VPCs share a CEN, and which VPCs reach each other: derived once
per stack from the index, so that no rule loops over pairs of clusters or VPCs.

Groups. The requirement document's CIDR tables apply "to use ASM to manage applications and
traffic across associated clusters". Clusters associated through one ACK One Fleet
(``ackone.MembershipAttachment``) or one ASM instance (``ServiceMesh.clusterIds`` or a
``meshfleet:servicemesh:MeshMembership`` dynamic resource) are managed together, and so is
everything transitively joined that way (a Fleet and a mesh sharing a member, or bound by a
FleetFeatures resource, form one group). A cluster in no group gets only its own per-cluster
rules: three tenant sandboxes stamped from one template never meet.

CEN. VPCs attached to one CEN instance must not overlap each other whether or not they hold
clusters: CEN keeps the first route published for a range and traffic to the other VPC breaks.

Reachability. Two VPCs are privately connected when they are one VPC, or both attached to one
CEN and either in one region or in regions whose transit routers that CEN links directly by a
peer attachment (whether routes transit A -> B -> C over two peer links is undocumented, so a
full mesh of peer attachments is required). Legacy ``cen.InstanceAttachment``s connect every
attached VPC. The answer depends on a VPC only through its region and the CENs it is attached
to, so it is computed once per pair of such classes, not per pair of VPCs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .values import UNKNOWN

if TYPE_CHECKING:
    from .model import StackIndex


@dataclass
class Group:
    """Clusters managed together, and the Fleets and meshes that associate them."""

    key: str
    members: list[str] = field(default_factory=list)  # cluster keys (URNs or external ids)
    anchors: list[str] = field(default_factory=list)  # Fleet and mesh keys

    def describe(self, ix: StackIndex) -> str:
        names = [ix.label(a) for a in sorted(self.anchors) if not a.startswith("unknown:")]
        return "managed together by " + " and ".join(names or ["a Fleet or mesh"])


class Topology:
    """Groups, CEN partitions and private reachability of one stack."""

    def __init__(self, ix: StackIndex) -> None:
        self.ix = ix
        self._parent: dict[str, str] = {}
        #: (urn, what) of each membership value that is unknown: the groups may differ.
        self.unsure: list[tuple[str, str]] = []
        anchors: set[str] = set()
        for urn, fleet, cluster in ix.memberships:
            self._edge(urn, fleet, cluster, anchors, "the Fleet or cluster id of")
        for m in ix.meshes.values():
            anchors.add(m.urn)
            for c in m.members:
                self._union(m.urn, c)
            if m.members_unknown:
                self.unsure.append((m.urn, f"clusterIds of {m.label}"))
        for urn, mesh, cluster in ix.mesh_memberships:
            self._edge(urn, mesh, cluster, anchors, "the mesh or cluster id of")
        for _urn, fleet, mesh in ix.bindings:
            if isinstance(fleet, str) and isinstance(mesh, str):
                anchors.update((fleet, mesh))
                self._union(fleet, mesh)
        self.groups: dict[str, Group] = {}
        self.group_of: dict[str, str] = {}
        for a in sorted(anchors):
            root = self._find(a)
            self.groups.setdefault(root, Group(root)).anchors.append(a)
        for node in sorted(self._parent):
            root = self._find(node)
            if root in self.groups and node not in anchors:
                self.groups[root].members.append(node)
                self.group_of[node] = root
        self._fleet_meshes = self._bind_meshes()
        self._cen_index()
        self._class_memo: dict[tuple[Any, ...], Any] = {}

    # -- groups --------------------------------------------------------------------------------
    def _find(self, x: str) -> str:
        parent = self._parent.setdefault(x, x)
        while parent != x:
            grand = self._parent[parent]
            self._parent[x] = grand
            x, parent = parent, grand
        return x

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)

    def _edge(self, urn: str, anchor: Any, cluster: Any, anchors: set[str], what: str) -> None:
        if isinstance(anchor, str):
            anchors.add(anchor)
        if isinstance(anchor, str) and isinstance(cluster, str):
            self._union(anchor, cluster)
            return
        if anchor is UNKNOWN or cluster is UNKNOWN:
            self.unsure.append((urn, f"{what} {self.ix.label(urn)}"))
            if isinstance(cluster, str):  # a member of some group that cannot be told
                anchors.add("unknown:" + urn)
                self._union("unknown:" + urn, cluster)

    def group(self, cluster: str) -> Group | None:
        key = self.group_of.get(cluster)
        return self.groups[key] if key is not None else None

    def same_group(self, a: str, b: str) -> Any:
        """True if clusters ``a`` and ``b`` are managed together, False if not, UNKNOWN when a
        membership value unknown at preview could join them."""
        ga, gb = self.group_of.get(a), self.group_of.get(b)
        if ga is not None and ga == gb:
            return True
        return UNKNOWN if self.unsure else False

    def _bind_meshes(self) -> dict[str, set[str]]:
        """Fleet -> the meshes it manages: bound by a FleetFeatures resource, or sharing a member
        (ACK One manages a mesh's traffic through the Fleet when they hold the same clusters)."""
        ix = self.ix
        out: dict[str, set[str]] = {f: set() for f in ix.fleets}
        fleets_of: dict[str, set[str]] = {}
        for _, f, c in ix.memberships:
            if isinstance(f, str) and isinstance(c, str):
                fleets_of.setdefault(c, set()).add(f)
        for m in ix.meshes.values():
            for c in m.members:
                for f in fleets_of.get(c, ()):
                    out.setdefault(f, set()).add(m.urn)
        for _, f, m in ix.bindings:
            if isinstance(f, str) and isinstance(m, str) and m in ix.meshes:
                out.setdefault(f, set()).add(m)
        return out

    def meshes_of_fleet(self, fleet: str) -> set[str]:
        return self._fleet_meshes.get(fleet, set())

    def fleets_of_mesh(self, mesh: str) -> list[str]:
        return sorted(f for f, ms in self._fleet_meshes.items() if mesh in ms)

    # -- CEN -----------------------------------------------------------------------------------
    def _cen_index(self) -> None:
        self._by_vpc: dict[str, list[Any]] = {}
        self.cen_vpcs: dict[str, set[str]] = {}
        self.cen_unsure: list[tuple[str, str]] = []
        for att in self.ix.attachments:
            if att.vpc is UNKNOWN or att.cen is UNKNOWN:
                self.cen_unsure.append((att.urn, f"the CEN or VPC of {att.label}"))
            elif isinstance(att.vpc, str) and isinstance(att.cen, str):
                self._by_vpc.setdefault(att.vpc, []).append(att)
                self.cen_vpcs.setdefault(att.cen, set()).add(att.vpc)
        self._links: set[tuple[str, frozenset[str]]] = set()
        self._links_unsure = False
        for peer in self.ix.peerings:
            a, b = peer.regions
            if not isinstance(peer.cen, str) or not isinstance(a, str) or not isinstance(b, str):
                self._links_unsure = True
            else:
                self._links.add((peer.cen, frozenset((a, b))))

    def cens_of(self, vpc: str) -> set[str]:
        return {a.cen for a in self._by_vpc.get(vpc, [])}

    # -- reachability --------------------------------------------------------------------------
    def reach_class(self, vpc: Any, region: Any) -> tuple[Any, ...]:
        """What private reachability of a VPC depends on: its region and its CEN attachments."""
        atts = self._by_vpc.get(vpc, []) if isinstance(vpc, str) else []
        return (
            self.ix.vpc_region(vpc, region),
            frozenset(a.cen for a in atts if not a.legacy),
            frozenset(a.cen for a in atts if a.legacy),
        )

    def private_path(self, vpc_a: Any, region_a: Any, vpc_b: Any, region_b: Any) -> Any:
        """True if the two VPCs are one VPC or privately connected (module docstring); else
        False, or UNKNOWN when an unknown value could change the answer."""
        if not isinstance(vpc_a, str) or not isinstance(vpc_b, str):
            return UNKNOWN if UNKNOWN in (vpc_a, vpc_b) else False
        if vpc_a == vpc_b:
            return True
        key = (self.reach_class(vpc_a, region_a), self.reach_class(vpc_b, region_b))
        if key not in self._class_memo:
            self._class_memo[key] = self._class_path(*key)
        return self._class_memo[key]

    def _class_path(self, a: tuple[Any, ...], b: tuple[Any, ...]) -> Any:
        region_a, cens_a, legacy_a = a
        region_b, cens_b, legacy_b = b
        unsure = bool(self.cen_unsure)
        if legacy_a & legacy_b:
            return True
        for cen in cens_a & cens_b:
            if not isinstance(region_a, str) or not isinstance(region_b, str):
                unsure = True
            elif region_a == region_b or (cen, frozenset((region_a, region_b))) in self._links:
                return True
            elif self._links_unsure:
                unsure = True
        return UNKNOWN if unsure else False

    def connection(self, vpc_a: str, vpc_b: str) -> str:
        """What connects two VPCs, in words, for messages ("one VPC", "CEN \"x\"" or "nothing")."""
        if vpc_a == vpc_b:
            return "the same VPC"
        shared = sorted(self.cens_of(vpc_a) & self.cens_of(vpc_b))
        if shared:
            return "both attached to " + ", ".join(self.ix.label(c) for c in shared)
        return "no CEN attaches both"
