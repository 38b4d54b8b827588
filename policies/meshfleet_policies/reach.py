"""API-server reachability (paths 1-3 of the requirement document), Fleet and mesh membership,
and the security advisories (deletion protection, public endpoints)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .model import Entity, StackIndex
from .rules import Config, Finding, _name, _unknown
from .values import UNKNOWN

# --- reachability (paths 1-3 of the requirement document) ---------------------------------------

def _fleet_public(f: Any, cfg: Config) -> Any:
    if cfg.get("fleetPublicEndpoint") is True:
        return True
    return f.public_feature


def _reach(ix: StackIndex, src_vpc: Any, src_region: Any, dst: Any, dst_public: Any,
           src: Entity, path: str, fix: str) -> Iterator[Finding]:
    if dst_public is True:
        return
    dst_vpc = dst.vpc
    ok = ix.private_path(src_vpc, src_region, dst_vpc, dst.region)
    if ok is True:
        return
    unsure = ok is UNKNOWN or dst_public is UNKNOWN
    verb = "cannot be shown to reach" if unsure else "cannot reach"
    why = ("a VPC, region, CEN attachment or the endpoint's publicity is unknown at preview"
           if unsure else "no shared VPC, no CEN attaching both VPCs with a peer attachment "
           "between their regions, and the endpoint is not public")
    yield Finding(dst.urn, (
        f"{path}: {src.label} (in {_name(ix, src_vpc)}, region {src_region}) {verb} the API "
        f"server of {dst.label} (in {_name(ix, dst_vpc)}, region {dst.region}): {why}. "
        f"Fix: {fix}"), unverifiable=unsure)


_CEN_FIX = ("attach both VPCs to one CEN (TransitRouterVpcAttachment) and link their regions "
            "with a TransitRouterPeerAttachment, or enable the public endpoint")


def fleet_cannot_reach_cluster(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for f in ix.fleets.values():
        for key in ix.fleet_members(f.urn):
            c = ix.clusters.get(key)
            if c is not None:
                yield from _reach(ix, f.vpc, f.region, c, c.public, f,
                                  "path (1) Fleet -> member cluster",
                                  _CEN_FIX + " of the cluster (slbInternetEnabled).")


def cluster_cannot_reach_fleet(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for f in ix.fleets.values():
        public = _fleet_public(f, cfg)
        for key in ix.fleet_members(f.urn):
            c = ix.clusters.get(key)
            if c is None:
                continue
            # The destination here is the Fleet; report against the cluster that cannot reach it.
            for finding in _reach(ix, c.vpc, c.region, f, public, c,
                                  "path (2) member cluster -> Fleet",
                                  _CEN_FIX + " of the Fleet (UpdateHubClusterFeature "
                                  "PublicApiServerEnabled, declared to this pack with "
                                  "fleetPublicEndpoint or a FleetFeatures resource)."):
                yield Finding(c.urn, finding.message, finding.unverifiable)


def mesh_cannot_reach_cluster(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for m in ix.meshes.values():
        for key in sorted(m.members):
            c = ix.clusters.get(key)
            if c is not None:
                yield from _reach(ix, m.vpc, m.region, c, c.public, m,
                                  "path (3) ASM -> member cluster",
                                  _CEN_FIX + " of the cluster (slbInternetEnabled).")


# --- membership ---------------------------------------------------------------------------------

def cluster_not_in_fleet(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    if not ix.fleets:
        return
    attached = {c for _, _, c in ix.memberships if isinstance(c, str)}
    unsure = any(c is UNKNOWN for _, _, c in ix.memberships)
    fleets = ", ".join(sorted(f.label for f in ix.fleets.values()))
    for c in ix.clusters.values():
        if c.urn not in attached:
            yield Finding(c.urn, (f"{c.label} is not attached to the Fleet ({fleets}). Fix: add an "
                                  "ackone.MembershipAttachment with sub_cluster_id = the cluster's "
                                  "id, or disable this policy for stacks whose clusters are "
                                  "managed elsewhere."), unverifiable=unsure)


def cluster_not_in_mesh(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    if not ix.meshes:
        return
    members = set().union(*(m.members for m in ix.meshes.values()))
    unsure = any(m.members_unknown for m in ix.meshes.values())
    meshes = ", ".join(sorted(m.label for m in ix.meshes.values()))
    for c in ix.clusters.values():
        if c.urn not in members:
            yield Finding(c.urn, (f"{c.label} is not listed in clusterIds of the mesh ({meshes}). "
                                  "Fix: add the cluster's id to the ServiceMesh's cluster_ids."),
                          unverifiable=unsure)


# --- security -----------------------------------------------------------------------------------

def deletion_protection(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for c in ix.clusters.values():
        if c.deletion_protection is False:
            yield Finding(c.urn, (f"{c.label} has no deletion protection (deletionProtection is "
                                  "false or unset; the provider default is false). Fix: set "
                                  "deletion_protection=True."))
        elif c.deletion_protection is UNKNOWN:
            yield _unknown(c, "deletionProtection")


def api_server_public(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for c in ix.clusters.values():
        if c.public is True:
            yield Finding(c.urn, (f"the API server of {c.label} gets a public EIP "
                                  "(slbInternetEnabled is true, or unset: the provider default is "
                                  "true). Fix: set slb_internet_enabled=False and reach it over "
                                  "CEN, or restrict the listener ACL."))
        elif c.public is UNKNOWN:
            yield _unknown(c, "slbInternetEnabled")
    for m in ix.meshes.values():
        if m.public is True:
            yield Finding(m.urn, (f"the API server of {m.label} is public "
                                  "(loadBalancer.apiServerPublicEip). Fix: set "
                                  "api_server_public_eip=False and reach it over CEN."))
        elif m.public is UNKNOWN:
            yield _unknown(m, "loadBalancer.apiServerPublicEip")
    for f in ix.fleets.values():
        public = _fleet_public(f, cfg)
        if public is True:
            yield Finding(f.urn, (f"the API server of {f.label} is public "
                                  "(fleetPublicEndpoint config or a FleetFeatures resource). Fix: "
                                  "keep the Fleet private and connect member VPCs with CEN."))
        elif public is UNKNOWN:
            yield _unknown(f, "publicApiServerEnabled of its FleetFeatures")
