"""The checks. Each takes the shared :class:`StackIndex` and the policy's config and yields
:class:`Finding`s; a finding is ``unverifiable`` when a value needed to decide is unknown at
preview (the policy's ``unknowns`` setting decides what becomes of it).

Which resource a finding is reported against: for a pair of the same kind, the one whose name
(then URN) sorts last, so that reports do not depend on registration order; otherwise the rule's
subject (the first kind named in the policy name).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .cidrs import Item, overlaps_between, overlaps_within
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
    """(reported, other) for a pair of one kind: the resource whose (name, URN) sorts last.

    Not declaration order: Pulumi registers resources as their inputs resolve, so the order of
    the engine's list can differ from one preview to the next, and reports must not.
    """
    return (b, a) if (b.name, b.urn) >= (a.name, a.urn) else (a, b)


def _unknown(e: Entity, what: str) -> Finding:
    return Finding(e.urn, f"{e.label}: {what} is unknown at preview, so this rule cannot be "
                          "checked until the value is known.", unverifiable=True)


def _flannel(c: Cluster) -> bool:
    """Flannel unless known to be Terway (an unknown CNI with a pod CIDR is checked as Flannel)."""
    return bool(c.cni != "terway")


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
