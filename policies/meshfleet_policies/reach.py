"""API-server reachability and membership: connection paths (1)-(3) of the requirement document,
"all cluster API servers must be mutually reachable" within each group of clusters managed
together, and which memberships are mandatory.

Membership. A Fleet that manages an ASM instance (bound by a FleetFeatures resource, or sharing a
member cluster with it) applies the mesh's Istio resources through its own API server and
kubeconfig: connection path (4). A mesh member that is not attached to that Fleet is out of
reach of path (4), so ``cluster-not-in-fleet`` is mandatory. Everything else a stack may
legitimately hold: a Fleet member outside the mesh (the Fleet manages it for GitOps or
scheduling only) and a cluster in no Fleet or mesh at all (another team's, or a standalone one;
the cross-cluster rules then do not apply to it) are advisory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .findings import Cause, Config, Finding, cause_of
from .model import Cluster, Entity, StackIndex
from .rules import cluster_vpc_cause, name_of
from .values import EXTERNAL, UNKNOWN

_CEN_FIX = (
    "attach both VPCs to one CEN (TransitRouterVpcAttachment) and link their regions "
    "with a TransitRouterPeerAttachment, or enable the public endpoint"
)


def fleet_public(f: Any, cfg: Config) -> Any:
    if cfg.get("fleetPublicEndpoint") is True:
        return True
    return f.public_feature


def _why_not(ix: StackIndex, src_vpc: Any, dst_vpc: Any, unsure: bool) -> str:
    if unsure:
        return "a VPC, region, CEN attachment or the endpoint's publicity is unknown at preview"
    if isinstance(src_vpc, str) and isinstance(dst_vpc, str):
        how = ix.topo.connection(src_vpc, dst_vpc)
        if how != "no CEN attaches both":
            how += ", but no peer attachment of that CEN links their regions"
        return f"{how}, and the endpoint is not public"
    return "no private path is declared, and the endpoint is not public"


def _path_cause(
    ix: StackIndex, ends: list[tuple[Entity, Any]], dst: Entity, dst_public: Any
) -> Cause:
    """The unknown value that makes a path undecidable: an end's VPC, the endpoint's
    publicity, a CEN attachment, or (last) a region or peer link."""
    for e, vpc in ends:
        if vpc is UNKNOWN:
            return (
                cluster_vpc_cause(ix, e)
                if isinstance(e, Cluster)
                else Cause(e.urn, e.label, f"the VPC of {e.label}")
            )
    if dst_public is UNKNOWN:
        return cause_of(ix, dst, "the publicity of the API server")
    if ix.topo.cen_unsure:
        urn, what = ix.topo.cen_unsure[0]
        return Cause(urn, ix.label(urn), what)
    for e, vpc in sorted(ends, key=lambda end: (end[0].order, end[0].urn)):
        if not isinstance(ix.vpc_region(vpc, e.region), str):
            return Cause(e.urn, e.label, f"the region of {e.label} (its provider's region)")
    return Cause(dst.urn, dst.label, f"a peer attachment's regions (towards {dst.label})")


def _reach(
    ix: StackIndex,
    src_vpc: Any,
    src_region: Any,
    dst: Any,
    dst_public: Any,
    src: Entity,
    path: str,
    fix: str,
) -> Iterator[Finding]:
    if dst_public is True:
        return
    dst_vpc = dst.vpc
    if dst_vpc is EXTERNAL and isinstance(dst, Cluster):
        yield Finding(
            dst.urn,
            f"{path}: {src.label} cannot be shown to reach the API server of "
            f"{dst.label}: {cluster_vpc_cause(ix, dst).text()}.",
            cluster_vpc_cause(ix, dst),
        )
        return
    ok = ix.topo.private_path(src_vpc, src_region, dst_vpc, dst.region)
    if ok is True:
        return
    unsure = ok is UNKNOWN or dst_public is UNKNOWN
    verb = "cannot be shown to reach" if unsure else "cannot reach"
    yield Finding(
        dst.urn,
        (
            f"{path}: {src.label} (in {name_of(ix, src_vpc)}, region {src_region}) {verb} the API "
            f"server of {dst.label} (in {name_of(ix, dst_vpc)}, region {dst.region}): "
            f"{_why_not(ix, src_vpc, dst_vpc, unsure)}. Fix: {fix}"
        ),
        _path_cause(ix, [(src, src_vpc), (dst, dst_vpc)], dst, dst_public) if unsure else None,
    )


def fleet_cannot_reach_cluster(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for f in ix.fleets.values():
        for key in ix.fleet_members(f.urn):
            c = ix.clusters.get(key)
            if c is not None:
                yield from _reach(
                    ix,
                    f.vpc,
                    f.region,
                    c,
                    c.public,
                    f,
                    "path (1) Fleet -> member cluster",
                    _CEN_FIX + " of the cluster (slbInternetEnabled).",
                )


def cluster_cannot_reach_fleet(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for f in ix.fleets.values():
        public = fleet_public(f, cfg)
        for key in ix.fleet_members(f.urn):
            c = ix.clusters.get(key)
            if c is None or c.vpc is EXTERNAL:
                continue
            # The destination here is the Fleet; report against the cluster that cannot reach it.
            for finding in _reach(
                ix,
                c.vpc,
                c.region,
                f,
                public,
                c,
                "path (2) member cluster -> Fleet",
                _CEN_FIX + " of the Fleet (UpdateHubClusterFeature "
                "PublicApiServerEnabled, declared to this pack with "
                "fleetPublicEndpoint or a FleetFeatures resource).",
            ):
                yield Finding(c.urn, finding.message, finding.cause)


def mesh_cannot_reach_cluster(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for m in ix.meshes.values():
        for key in sorted(m.members):
            c = ix.clusters.get(key)
            if c is not None:
                yield from _reach(
                    ix,
                    m.vpc,
                    m.region,
                    c,
                    c.public,
                    m,
                    "path (3) ASM -> member cluster",
                    _CEN_FIX + " of the cluster (slbInternetEnabled).",
                )


def cluster_cannot_reach_cluster(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    """Every member's API server reachable from every other member of its group: privately
    (one VPC, or CEN) or over its public endpoint. Decided per pair of reachability classes
    (region and CEN attachments, :mod:`.topology`), reported once per unreachable cluster."""
    topo = ix.topo
    for g in topo.groups.values():
        members = [ix.clusters[k] for k in g.members if k in ix.clusters]
        placed: dict[tuple[Any, ...], list[Cluster]] = {}
        for c in members:
            if c.vpc is UNKNOWN or c.vpc is EXTERNAL:
                if c.public is not True and len(members) > 1:
                    cause = cluster_vpc_cause(ix, c)
                    yield Finding(
                        c.urn,
                        f"{c.label}: whether the other members of its group "
                        f"reach its API server cannot be checked: {cause.text()}.",
                        cause,
                    )
                continue
            if isinstance(c.vpc, str):
                placed.setdefault(topo.reach_class(c.vpc, c.region), []).append(c)
        classes = sorted(placed, key=repr)
        per_vpc = {k: _count_by_vpc(placed[k]) for k in classes}
        for dst_class in classes:
            for d in placed[dst_class]:
                if d.public is True:
                    continue
                examples: list[Cluster] = []
                total = 0
                unsure = d.public is UNKNOWN
                for src_class in classes:
                    n = len(placed[src_class]) - per_vpc[src_class].get(d.vpc, 0)
                    if n == 0:
                        continue
                    rep = next(s for s in placed[src_class] if s.vpc != d.vpc)
                    ok = topo.private_path(rep.vpc, rep.region, d.vpc, d.region)
                    if ok is not True:
                        total += n
                        unsure |= ok is UNKNOWN
                        examples.extend(s for s in placed[src_class][:4] if s.vpc != d.vpc)
                if total:
                    yield _unreachable(ix, d, examples, total, unsure, g.describe(ix))


def _count_by_vpc(cs: list[Cluster]) -> dict[Any, int]:
    out: dict[Any, int] = {}
    for c in cs:
        out[c.vpc] = out.get(c.vpc, 0) + 1
    return out


def _unreachable(
    ix: StackIndex, d: Cluster, examples: list[Cluster], total: int, unsure: bool, together: str
) -> Finding:
    examples = sorted(examples, key=lambda c: (c.order, c.urn))[:3]
    shown = ", ".join(f"{s.label} (in {name_of(ix, s.vpc)}, region {s.region})" for s in examples)
    more = f" and {total - len(examples)} more" if total > len(examples) else ""
    verb = "cannot be shown to be reachable" if unsure else "cannot be reached"
    why = _why_not(ix, examples[0].vpc, d.vpc, unsure)
    return Finding(
        d.urn,
        (
            f"the API server of {d.label} (in {name_of(ix, d.vpc)}, region {d.region}) {verb} from "
            f"{shown}{more}, {together}: {why}. The requirement document: all cluster API servers "
            f"must be mutually reachable before ASM can manage traffic across them. Fix: "
            f"{_CEN_FIX} of {d.label} (slbInternetEnabled)."
        ),
        _path_cause(ix, [(examples[0], examples[0].vpc), (d, d.vpc)], d, d.public)
        if unsure
        else None,
    )


# --- membership ---------------------------------------------------------------------------------


def _membership_cause(ix: StackIndex) -> Cause | None:
    if not ix.topo.unsure:
        return None
    urn, what = ix.topo.unsure[0]
    return Cause(urn, ix.label(urn), what)


def cluster_not_in_fleet(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    """A member of a mesh that a Fleet manages must be attached to that Fleet (path 4)."""
    attached: dict[str, set[str]] = {}
    for _, f, c in ix.memberships:
        if isinstance(f, str) and isinstance(c, str):
            attached.setdefault(c, set()).add(f)
    cause = _membership_cause(ix)
    for m in ix.meshes.values():
        fleets = ix.topo.fleets_of_mesh(m.urn)
        for key in sorted(m.members):
            c = ix.clusters.get(key)
            missing = [f for f in fleets if f not in attached.get(key, set())]
            if c is None or not missing:
                continue
            fleet = ix.fleets[missing[0]]
            yield Finding(
                c.urn,
                (
                    f"{c.label} is a member of {m.label}, which {fleet.label} manages, but is not "
                    f"attached to {fleet.label}: connection path (4) applies the mesh's traffic "
                    "rules through the Fleet's API server and kubeconfig, which reach only "
                    "attached clusters. Fix: add an ackone.MembershipAttachment with "
                    "sub_cluster_id = the cluster's id."
                ),
                cause,
            )


def cluster_not_in_mesh(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    """Advisory: a Fleet member outside the mesh the Fleet manages."""
    cause = _membership_cause(ix)
    for f in ix.fleets.values():
        meshes = sorted(ix.topo.meshes_of_fleet(f.urn))
        if not meshes:
            continue
        m = ix.meshes[meshes[0]]
        for key in ix.fleet_members(f.urn):
            c = ix.clusters.get(key)
            if c is not None and all(key not in ix.meshes[x].members for x in meshes):
                yield Finding(
                    c.urn,
                    (
                        f"{c.label} is attached to {f.label} but not in {m.label}, which the Fleet "
                        "manages: ASM does not manage its traffic. This is legitimate for a "
                        "cluster "
                        "the Fleet manages for GitOps or scheduling only. Fix: add the cluster's "
                        "id "
                        "to the ServiceMesh's cluster_ids (or a mesh membership) if it should join "
                        "the mesh."
                    ),
                    cause,
                )


def cluster_not_managed(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    """Advisory: a cluster in no Fleet or mesh, in a stack that has one."""
    if not ix.fleets and not ix.meshes:
        return
    cause = _membership_cause(ix)
    for c in ix.clusters.values():
        if c.urn not in ix.topo.group_of:
            yield Finding(
                c.urn,
                (
                    f"{c.label} is in no Fleet or mesh of this stack, so the rules for clusters "
                    "managed together (CIDR overlaps across clusters, mutual reachability) are not "
                    "applied to it; its own per-cluster rules are. Fix: attach it to the Fleet "
                    "(ackone.MembershipAttachment) or the mesh if it should be managed with them."
                ),
                cause,
            )
