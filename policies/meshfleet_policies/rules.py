"""The checks. Each takes the shared :class:`StackIndex` and the policy's config and yields
:class:`Finding`s; a finding is ``unverifiable`` when a value needed to decide is unknown at
preview (the policy's ``unknowns`` setting decides what becomes of it).

Which resource a finding is reported against: for a pair of the same kind, the one declared later
in the stack (it is the likelier newcomer); otherwise the rule's subject (the first kind named in
the policy name).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .cidrs import Item, Net, in_rfc1918, overlaps_between, overlaps_within, parse, reserved_hit
from .model import Cluster, Entity, StackIndex, Vpc, VSwitch
from .values import UNKNOWN

Config = Mapping[str, Any]


@dataclass(frozen=True)
class Finding:
    """One violation (or one check that could not be decided at preview)."""

    urn: str
    message: str
    unverifiable: bool = False


def _later(a: Entity, b: Entity) -> tuple[Entity, Entity]:
    return (b, a) if b.order >= a.order else (a, b)


def _unknown(e: Entity, what: str) -> Finding:
    return Finding(e.urn, f"{e.label}: {what} is unknown at preview, so this rule cannot be "
                          "checked until the value is known.", unverifiable=True)


def _flannel(c: Cluster) -> bool:
    return c.cni != "terway"


def _pods(ix: StackIndex) -> tuple[list[Item[Cluster]], list[Cluster]]:
    known, unknown = [], []
    for c in ix.clusters.values():
        if not _flannel(c):
            continue
        if c.pod_cidr.net is not None:
            known.append(Item(c.pod_cidr.net, c))
        elif c.pod_cidr.unknown:
            unknown.append(c)
    return known, unknown


def _services(ix: StackIndex) -> tuple[list[Item[Cluster]], list[Cluster]]:
    known, unknown = [], []
    for c in ix.clusters.values():
        if c.service_cidr.net is not None:
            known.append(Item(c.service_cidr.net, c))
        elif c.service_cidr.unknown:
            unknown.append(c)
    return known, unknown


def _vswitch_items(ix: StackIndex) -> tuple[list[Item[VSwitch]], list[VSwitch]]:
    known, unknown = [], []
    for v in ix.vswitches.values():
        if v.cidr.net is not None:
            known.append(Item(v.cidr.net, v))
        elif v.cidr.unknown:
            unknown.append(v)
    return known, unknown


def _same_vpc(a: Any, b: Any) -> Any:
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    if a is None or b is None:
        return False
    return a == b


def _vpc_of(ix: StackIndex, key: Any) -> Vpc | None:
    return ix.vpcs.get(key) if isinstance(key, str) else None


def _name(ix: StackIndex, vpc_key: Any) -> str:
    vpc = _vpc_of(ix, vpc_key)
    return vpc.label if vpc is not None else "an unknown VPC"


# --- the requirement document's CIDR tables ---------------------------------------------------

def pod_overlaps_pod(ix: StackIndex, cfg: Config, across: bool) -> Iterator[Finding]:
    items, unknown = _pods(ix)
    for a, b in overlaps_within(items):
        new, old = _later(a.owner, b.owner)
        assert isinstance(new, Cluster) and isinstance(old, Cluster)
        same = _same_vpc(new.vpc, old.vpc)
        if across and same is False:
            yield Finding(new.urn, (
                f"pod CIDR {new.pod_cidr.net.text if new.pod_cidr.net else ''} of {new.label} "
                f"(in {_name(ix, new.vpc)}) overlaps pod CIDR {old.pod_cidr.raw} of {old.label} "
                f"(in {_name(ix, old.vpc)}). Clusters in different VPCs that are managed together "
                "need disjoint pod CIDRs. Fix: give one cluster a pod CIDR outside the other's."))
        elif not across and same is not False:
            note = "" if same is True else (" (whether they share a VPC is unknown at preview; "
                                             "they must not overlap either way)")
            yield Finding(new.urn, (
                f"pod CIDR {new.pod_cidr.raw} of {new.label} overlaps pod CIDR {old.pod_cidr.raw} "
                f"of {old.label} in the same VPC{note}. Fix: give one cluster a pod CIDR that "
                "overlaps no other cluster's pod CIDR (pod CIDRs cannot change after creation: "
                "the cluster must be recreated)."))
    if not across:
        for c in unknown:
            yield _unknown(c, "the pod CIDR (podCidr)")


def pod_overlaps_pod_same_vpc(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    return pod_overlaps_pod(ix, cfg, across=False)


def pod_overlaps_pod_across_vpcs(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    return pod_overlaps_pod(ix, cfg, across=True)


def _own_vpc(ix: StackIndex, c: Cluster, what: str) -> Vpc | Finding | None:
    """The cluster's VPC if its CIDR is known; an unverifiable finding; None if not applicable."""
    if c.vpc is UNKNOWN:
        return _unknown(c, f"the VPC (through its vSwitches), needed to check its {what},")
    vpc = _vpc_of(ix, c.vpc)
    if vpc is None or vpc.external:
        return None
    if vpc.cidr.unknown:
        return _unknown(vpc, "the CIDR block")
    return vpc if vpc.cidr.net is not None else None


def pod_overlaps_vpc(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for c in ix.clusters.values():
        if not _flannel(c) or c.pod_cidr.net is None:
            continue
        vpc = _own_vpc(ix, c, "pod CIDR")
        if isinstance(vpc, Finding):
            yield vpc
        elif vpc is not None and vpc.cidr.net is not None and vpc.cidr.net.overlaps(c.pod_cidr.net):
            yield Finding(c.urn, (
                f"pod CIDR {c.pod_cidr.net.text} of {c.label} overlaps CIDR {vpc.cidr.net.text} of "
                f"its {vpc.label}. Flannel pod addresses must lie outside the VPC. Fix: choose a "
                "pod CIDR outside the VPC CIDR (e.g. another RFC 1918 range)."))


def service_overlaps_vpc(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for c in ix.clusters.values():
        if c.service_cidr.net is None:
            continue
        vpc = _own_vpc(ix, c, "Service CIDR")
        if isinstance(vpc, Finding):
            yield vpc
        elif vpc is not None and vpc.cidr.net is not None and vpc.cidr.net.overlaps(
                c.service_cidr.net):
            yield Finding(c.urn, (
                f"Service CIDR {c.service_cidr.net.text} of {c.label} overlaps CIDR "
                f"{vpc.cidr.net.text} of its {vpc.label}. Fix: choose a Service CIDR outside the "
                "VPC CIDR."))


def vswitch_overlaps_vswitch(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    items, unknown = _vswitch_items(ix)
    for a, b in overlaps_within(items):
        new, old = _later(a.owner, b.owner)
        assert isinstance(new, VSwitch) and isinstance(old, VSwitch)
        same = _same_vpc(new.vpc, old.vpc)
        msg = (f"CIDR {new.cidr.raw} of {new.label} overlaps CIDR {old.cidr.raw} of {old.label}"
               f"{' in the same VPC' if same is True else ''}. Fix: give the vSwitch a CIDR block "
               "inside its VPC that no other vSwitch uses.")
        if same is True:
            yield Finding(new.urn, msg)
        elif same is UNKNOWN:
            yield Finding(new.urn, msg + " (The VPC of one of them is unknown at preview.)",
                          unverifiable=True)
    for v in unknown:
        yield _unknown(v, "the CIDR block")


def _vswitch_vs(ix: StackIndex, other: list[Item[Cluster]], kind: str) -> Iterator[Finding]:
    items, _ = _vswitch_items(ix)
    for vi, ci in overlaps_between(items, other):
        v, c = vi.owner, ci.owner
        same = _same_vpc(v.vpc, c.vpc)
        msg = (f"CIDR {vi.net.text} of {v.label} overlaps {kind} {ci.net.text} of {c.label}"
               f"{' in the same VPC' if same is True else ''}. Fix: move the vSwitch or choose a "
               f"{kind} that overlaps no vSwitch of the VPC.")
        if same is True:
            yield Finding(v.urn, msg)
        elif same is UNKNOWN:
            yield Finding(v.urn, msg + " (Whether they share a VPC is unknown at preview.)",
                          unverifiable=True)


def vswitch_overlaps_pod(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    items, unknown = _pods(ix)
    yield from _vswitch_vs(ix, items, "pod CIDR")
    for c in unknown:
        yield _unknown(c, "the pod CIDR (podCidr)")


def vswitch_overlaps_service(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    items, unknown = _services(ix)
    yield from _vswitch_vs(ix, items, "Service CIDR")
    for c in unknown:
        yield _unknown(c, "the Service CIDR (serviceCidr)")


def service_overlaps_service(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    items, unknown = _services(ix)
    for a, b in overlaps_within(items):
        new, old = _later(a.owner, b.owner)
        yield Finding(new.urn, (
            f"Service CIDR {a.net.text if a.owner is new else b.net.text} of {new.label} overlaps "
            f"Service CIDR {b.net.text if a.owner is new else a.net.text} of {old.label}. ASM and "
            "the requirement document forbid overlapping Service CIDRs between member clusters "
            "(in one VPC or not). Fix: give each cluster its own Service CIDR."))
    for c in unknown:
        yield _unknown(c, "the Service CIDR (serviceCidr)")


def vpc_overlaps_vpc(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    items = [Item(v.cidr.net, v) for v in ix.vpcs.values() if v.cidr.net is not None]
    for a, b in overlaps_within(items):
        new, old = _later(a.owner, b.owner)
        assert isinstance(new, Vpc) and isinstance(old, Vpc)
        yield Finding(new.urn, (
            f"CIDR {new.cidr.raw} of {new.label} overlaps CIDR {old.cidr.raw} of {old.label}. "
            "VPCs connected by CEN (or whose clusters are managed together) need disjoint ranges: "
            "CEN keeps the first route published and traffic to the other breaks. Fix: give one "
            "VPC a range that overlaps no other VPC's."))
    for v in ix.vpcs.values():
        if v.cidr.unknown:
            yield _unknown(v, "the CIDR block")


# --- ASM data plane -----------------------------------------------------------------------------

def _mesh_members(ix: StackIndex) -> Iterator[tuple[Any, Cluster, bool]]:
    """(mesh, cluster, known?) for members; every cluster when the membership is unknown."""
    for m in ix.meshes.values():
        for c in ix.clusters.values():
            if c.urn in m.members:
                yield m, c, True
            elif m.members_unknown:
                yield m, c, False


def terway_service_overlaps_mesh_vpc(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for m, c, known in _mesh_members(ix):
        vpc = _vpc_of(ix, m.vpc)
        if c.cni == "flannel" or c.service_cidr.net is None or vpc is None:
            continue
        if vpc.cidr.net is not None and vpc.cidr.net.overlaps(c.service_cidr.net):
            yield Finding(c.urn, (
                f"Service CIDR {c.service_cidr.net.text} of Terway {c.label} overlaps CIDR "
                f"{vpc.cidr.net.text} of {vpc.label}, the VPC of {m.label}. ASM requires "
                "Terway members' Service CIDRs to be disjoint from the mesh's VPC. Fix: choose "
                "another Service CIDR."), unverifiable=not known or c.cni is UNKNOWN)
        elif m.vpc is UNKNOWN or vpc.cidr.unknown:
            yield _unknown(m, "the VPC (or its CIDR)")


def member_vpc_overlaps_mesh_vpc(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for m, c, known in _mesh_members(ix):
        mesh_vpc, own = _vpc_of(ix, m.vpc), _vpc_of(ix, c.vpc)
        if m.vpc is UNKNOWN or c.vpc is UNKNOWN:
            if known:
                yield _unknown(c if c.vpc is UNKNOWN else m, "the VPC")
            continue
        if mesh_vpc is None or own is None or mesh_vpc is own:
            continue
        if mesh_vpc.cidr.net is not None and own.cidr.net is not None and \
                mesh_vpc.cidr.net.overlaps(own.cidr.net):
            yield Finding(c.urn, (
                f"{own.label} ({own.cidr.net.text}) of member {c.label} overlaps {mesh_vpc.label} "
                f"({mesh_vpc.cidr.net.text}) of {m.label}. ASM requires a member cluster in "
                "another VPC to have a VPC range disjoint from the mesh's VPC. Fix: re-plan one of "
                "the two VPC ranges."), unverifiable=not known)


# --- Alibaba's address limits -------------------------------------------------------------------

def _prefix_rule(e: Entity, raw: Any, net: Net | None, what: str, lo: int, hi: int,
                 fix: str) -> Iterator[Finding]:
    if raw is UNKNOWN:
        yield _unknown(e, what)
    elif isinstance(raw, str) and net is None:
        yield Finding(e.urn, f"{what} {raw!r} of {e.label} is not an IPv4 CIDR block. Fix: {fix}")
    elif net is not None and not lo <= net.prefix <= hi:
        yield Finding(e.urn, (f"{what} {net.text} of {e.label} has prefix /{net.prefix}; Alibaba "
                              f"Cloud allows /{lo} to /{hi}. Fix: {fix}"))


def vpc_cidr_invalid(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for v in ix.vpcs.values():
        if not v.external:
            yield from _prefix_rule(v, v.cidr.raw, v.cidr.net, "the CIDR block", 8, 28,
                                    "use 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or a subnet of "
                                    "them, prefix /8 to /28.")


def vswitch_cidr_invalid(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for v in ix.vswitches.values():
        yield from _prefix_rule(v, v.cidr.raw, v.cidr.net, "the CIDR block", 16, 29,
                                "use a block of prefix /16 to /29 inside the VPC.")


def service_cidr_invalid(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for c in ix.clusters.values():
        yield from _prefix_rule(c, c.service_cidr.raw, c.service_cidr.net, "the Service CIDR",
                                16, 24, "use a /16 to /24 inside 10/8, 172.16/12 or 192.168/16.")
        net = c.service_cidr.net
        if net is not None and not in_rfc1918(net):
            yield Finding(c.urn, (f"Service CIDR {net.text} of {c.label} is outside 10.0.0.0/8, "
                                  "172.16.0.0/12 and 192.168.0.0/16. Fix: choose a private range."))


def cidr_in_reserved_range(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for what, e, net in _all_nets(ix):
        hit = reserved_hit(net)
        if hit is not None:
            yield Finding(e.urn, (f"{what} {net.text} of {e.label} overlaps the reserved range "
                                  f"{hit}. Fix: choose a range outside it."))


def _all_nets(ix: StackIndex) -> Iterator[tuple[str, Entity, Net]]:
    for v in ix.vpcs.values():
        if v.cidr.net is not None:
            yield "CIDR block", v, v.cidr.net
    for s in ix.vswitches.values():
        if s.cidr.net is not None:
            yield "CIDR block", s, s.cidr.net
    for c in ix.clusters.values():
        if _flannel(c) and c.pod_cidr.net is not None:
            yield "pod CIDR", c, c.pod_cidr.net
        if c.service_cidr.net is not None:
            yield "Service CIDR", c, c.service_cidr.net


def vswitch_outside_vpc(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for v in ix.vswitches.values():
        if v.cidr.net is None:
            continue
        if v.vpc is UNKNOWN:
            yield _unknown(v, "the VPC (vpcId, and no property dependency names it)")
            continue
        vpc = _vpc_of(ix, v.vpc)
        if vpc is None or vpc.external:
            continue
        if vpc.cidr.unknown:
            yield _unknown(vpc, "the CIDR block")
        elif vpc.cidr.net is not None and not vpc.cidr.net.contains(v.cidr.net):
            yield Finding(v.urn, (f"CIDR {v.cidr.net.text} of {v.label} is not inside CIDR "
                                  f"{vpc.cidr.net.text} of its {vpc.label}. Fix: choose a block "
                                  "inside the VPC's range."))


def flannel_pod_cidr_invalid(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for c in ix.clusters.values():
        if c.cni != "flannel":
            continue
        if c.pod_cidr.invalid:
            yield Finding(c.urn, f"pod CIDR {c.pod_cidr.raw!r} of {c.label} is not an IPv4 CIDR "
                                 "block. Fix: use a block inside an RFC 1918 range.")
            continue
        net = c.pod_cidr.net
        if net is None:
            continue
        if not in_rfc1918(net):
            yield Finding(c.urn, (f"Flannel pod CIDR {net.text} of {c.label} is outside "
                                  "10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16. Fix: choose a "
                                  "private range."))
        mask = c.node_cidr_mask
        if isinstance(mask, int) and net.prefix >= mask:
            yield Finding(c.urn, (f"Flannel pod CIDR {net.text} of {c.label} is not larger than "
                                  f"one node's block (nodeCidrMask /{mask}): at most "
                                  f"{2 ** max(mask - net.prefix, 0)} node(s) could get pod "
                                  "addresses. Fix: use a pod CIDR with a prefix shorter than "
                                  "nodeCidrMask."))
        elif mask is UNKNOWN:
            yield _unknown(c, "nodeCidrMask")


def node_cidr_mask_invalid(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for c in ix.clusters.values():
        mask = c.node_cidr_mask
        if mask is None and c.cni == "flannel":
            yield Finding(c.urn, (f"{c.label} uses Flannel but does not set nodeCidrMask: the "
                                  "provider documents 24 but the API applies 26 when omitted, so "
                                  "the pods per node are unclear. Fix: set nodeCidrMask "
                                  "explicitly (24 to 28)."))
        elif isinstance(mask, int) and not 24 <= mask <= 28:
            yield Finding(c.urn, f"nodeCidrMask {mask} of {c.label} is outside 24..28. Fix: use "
                                 "a value from 24 (255 pods per node) to 28 (15 pods per node).")
        elif mask is UNKNOWN and c.cni != "terway":
            yield _unknown(c, "nodeCidrMask")


def terway_pod_vswitch_zones(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for c in ix.clusters.values():
        if c.cni != "terway":
            continue
        node_zones, pod_zones = {}, {}
        unsure = c.node_vswitches_unknown or c.pod_vswitches_unknown
        for keys, zones in ((c.node_vswitches, node_zones), (c.pod_vswitches, pod_zones)):
            for key in keys:
                v = ix.vswitches.get(key)
                if v is None or not isinstance(v.zone, str):
                    unsure = True
                else:
                    zones.setdefault(v.zone, v)
        missing = sorted(set(node_zones) - set(pod_zones))
        extra = sorted(set(pod_zones) - set(node_zones))
        for zone in missing:
            yield Finding(c.urn, (
                f"Terway {c.label} has node {node_zones[zone].label} in zone {zone} but no pod "
                f"vSwitch in that zone: pods on those nodes get no addresses. Fix: add a pod "
                f"vSwitch in {zone} to podVswitchIds."), unverifiable=unsure)
        for zone in extra:
            yield Finding(c.urn, (
                f"Terway {c.label} lists pod {pod_zones[zone].label} in zone {zone}, where it has "
                "no node vSwitch. Fix: use pod vSwitches in the zones of the node vSwitches."),
                unverifiable=unsure)
        if unsure and not missing and not extra:
            yield _unknown(c, "a zone of its node or pod vSwitches")


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


# --- other stacks' ranges -----------------------------------------------------------------------

def reserved_cidrs(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    reserved: list[Item[str]] = []
    for entry in cfg.get("reservedCidrs") or []:
        text = str(entry).strip()
        cidr, _, label = text.partition(" ")
        net = parse(cidr)
        if net is None:
            yield Finding("", f"reservedCidrs entry {entry!r} is not an IPv4 CIDR block. Fix: use "
                              "'a.b.c.d/n' optionally followed by a space and a label.")
            continue
        reserved.append(Item(net, f"{net.text}{' (' + label.strip() + ')' if label else ''}"))
    if not reserved:
        return
    mine = [Item(net, (what, e)) for what, e, net in _all_nets(ix)]
    for a, r in overlaps_between(mine, reserved):
        what, e = a.owner
        yield Finding(e.urn, (f"{what} {a.net.text} of {e.label} overlaps reserved range "
                              f"{r.owner} (config reservedCidrs: other stacks or on-premises "
                              "networks). Fix: choose a range outside every reserved range."))
    for e, what in _unknown_nets(ix):
        yield _unknown(e, what)


def _unknown_nets(ix: StackIndex) -> Iterator[tuple[Entity, str]]:
    for v in ix.vpcs.values():
        if v.cidr.unknown:
            yield v, "the CIDR block"
    for s in ix.vswitches.values():
        if s.cidr.unknown:
            yield s, "the CIDR block"
    for c in ix.clusters.values():
        if c.pod_cidr.unknown and _flannel(c):
            yield c, "the pod CIDR"
        if c.service_cidr.unknown:
            yield c, "the Service CIDR"


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
