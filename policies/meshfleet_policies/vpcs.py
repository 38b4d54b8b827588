"""The rules on VPC address space: vSwitches of one VPC against each other and against the pod
and Service CIDRs of clusters there, VPCs that must not overlap (one CEN, one group), and the ASM
VPC against its members' VPCs and Terway Service CIDRs. The cluster-range rules and the helpers
both share are in :mod:`.rules`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .cidrs import Item, Net, overlaps_between, overlaps_within
from .findings import Cause, Config, Finding, blame, cause_of, pending
from .model import Cluster, StackIndex, Vpc, VSwitch
from .rules import (
    cluster_vpc_cause,
    group_cause,
    member_vpcs,
    name_of,
    pods,
    same_vpc,
    services,
    vpc_cidr_cause,
    vpc_of,
    vswitch_items,
    why_together,
)
from .values import EXTERNAL, UNKNOWN


def vswitch_overlaps_vswitch(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    items, unknown = vswitch_items(ix)
    by_vpc: dict[Any, list[Item[VSwitch]]] = {}
    for it in items:
        by_vpc.setdefault(it.owner.vpc if isinstance(it.owner.vpc, str) else UNKNOWN, []).append(it)
    for vpc_key, part in by_vpc.items():
        if vpc_key is UNKNOWN:
            continue  # a vSwitch whose VPC cannot be told: vswitch-outside-vpc reports it
        for a, b in overlaps_within(part):
            new, nnet, old, onet = blame(a.owner, a.net, b.owner, b.net)
            yield Finding(
                new.urn,
                (
                    f"CIDR {nnet.text} of {new.label} overlaps CIDR {onet.text} of {old.label} in "
                    f"the same {name_of(ix, vpc_key)}. Fix: give the vSwitch a CIDR block inside "
                    "its VPC that no other vSwitch uses."
                ),
            )
    for v in unknown:
        if isinstance(v.vpc, str) and len(by_vpc.get(v.vpc, ())) > 0:
            yield pending(
                v,
                "its CIDR against the other vSwitches of its VPC",
                cause_of(ix, v, "the CIDR block", v.cidr),
            )


def _vswitch_vs(ix: StackIndex, other: list[Item[Cluster]], kind: str) -> Iterator[Finding]:
    items, _ = vswitch_items(ix)
    for vi, ci in overlaps_between(items, other):
        v, c = vi.owner, ci.owner
        if same_vpc(v.vpc, c.vpc) is not True:
            continue  # another VPC: the group rules (pod/Service vs a member's VPC) decide
        new, nnet, old, onet = blame(v, vi.net, c, ci.net)
        subject = (
            f"CIDR {nnet.text} of {new.label}" if new is v else f"{kind} {nnet.text} of {new.label}"
        )
        obj = (
            f"{kind} {onet.text} of {old.label}" if new is v else f"CIDR {onet.text} of {old.label}"
        )
        yield Finding(
            new.urn,
            (
                f"{subject} overlaps {obj} in the same VPC. Fix: move the vSwitch or choose a "
                f"{kind} that overlaps no vSwitch of the VPC."
            ),
        )


def vswitch_overlaps_pod(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    items, _ = pods(ix)
    yield from _vswitch_vs(ix, items, "pod CIDR")


def vswitch_overlaps_service(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    items, _ = services(ix)
    yield from _vswitch_vs(ix, items, "Service CIDR")


def _vpc_scopes(ix: StackIndex) -> Iterator[tuple[list[Vpc], str, bool]]:
    """(VPCs, why they must be disjoint, sure) per scope of the VPC rule."""
    topo = ix.topo
    for cen, vpcs in sorted(topo.cen_vpcs.items()):
        yield (
            [ix.vpcs[v] for v in sorted(vpcs)],
            f"both are attached to {ix.label(cen)}: CEN "
            "keeps the first route published for an overlapping range and traffic to the "
            "other VPC breaks",
            True,
        )
    for _key, sure, blocks in member_vpcs(ix):
        vpcs = sorted({it.owner[0].urn for it in blocks})
        if len(vpcs) > 1:
            first = ix.clusters[min(min(it.owner[1]) for it in blocks)]
            why = why_together(ix, first) if sure else "possibly managed together"
            yield (
                [ix.vpcs[v] for v in vpcs],
                f"both hold clusters {why}, and the requirement "
                "document forbids overlapping VPC CIDRs between them",
                sure,
            )
    if topo.cen_unsure:
        attached = sorted({a.vpc for a in ix.attachments if isinstance(a.vpc, str)})
        yield (
            [ix.vpcs[v] for v in attached if v in ix.vpcs],
            "they may be attached to one CEN",
            False,
        )


def vpc_overlaps_vpc(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    done: set[frozenset[str]] = set()
    pending_vpcs: dict[str, Vpc] = {}
    for vpcs, why, sure in _vpc_scopes(ix):
        items = [Item(n, v) for v in vpcs for n in v.nets()]
        for a, b in overlaps_within(items):
            if a.owner is b.owner or frozenset((a.owner.urn, b.owner.urn)) in done:
                continue
            done.add(frozenset((a.owner.urn, b.owner.urn)))
            new, nnet, old, onet = blame(a.owner, a.net, b.owner, b.net)
            cause = (
                None
                if sure
                else (
                    group_cause(ix)
                    if ix.topo.unsure
                    else Cause(
                        ix.topo.cen_unsure[0][0],
                        ix.label(ix.topo.cen_unsure[0][0]),
                        ix.topo.cen_unsure[0][1],
                    )
                )
            )
            yield Finding(
                new.urn,
                (
                    f"CIDR {nnet.text} of {new.label} overlaps CIDR {onet.text} of {old.label}: "
                    f"{why}. Fix: give one VPC a range that overlaps no other VPC's."
                ),
                cause,
            )
        if len(vpcs) > 1:
            pending_vpcs.update({v.urn: v for v in vpcs if v.unknown_cidrs() and not v.external})
    for v in pending_vpcs.values():
        yield pending(v, "its CIDR against the VPCs it must not overlap", vpc_cidr_cause(ix, v))


# --- ASM data plane -----------------------------------------------------------------------------


def _mesh_members(ix: StackIndex) -> Iterator[tuple[Any, Cluster, bool]]:
    """(mesh, cluster, known?) for members; every cluster when the membership is unknown."""
    for m in ix.meshes.values():
        for c in ix.clusters.values():
            if c.urn in m.members:
                yield m, c, True
            elif m.members_unknown:
                yield m, c, False


def _mesh_unknown(ix: StackIndex, m: Any) -> Cause:
    return Cause(m.urn, m.label, f"clusterIds of {m.label}")


def terway_service_overlaps_mesh_vpc(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for m, c, known in _mesh_members(ix):
        vpc = vpc_of(ix, m.vpc)
        if c.cni == "flannel" or c.service_cidr.net is None or vpc is None:
            continue
        hit = next((n for n in vpc.nets() if n.overlaps(c.service_cidr.net)), None)
        if hit is not None:
            cause = None if known else _mesh_unknown(ix, m)
            if cause is None and c.cni is UNKNOWN:
                cause = Cause(c.urn, c.label, f"the CNI (addons, podVswitchIds) of {c.label}")
            yield Finding(
                c.urn,
                (
                    f"Service CIDR {c.service_cidr.net.text} of {c.label} (pods on VPC addresses: "
                    f"Terway or ACK Serverless) overlaps CIDR {hit.text} of {vpc.label}, the VPC "
                    "of "
                    f"{m.label}. ASM requires such members' Service CIDRs to be disjoint from the "
                    "mesh's VPC. Fix: choose another Service CIDR."
                ),
                cause,
            )
        elif known and (vpc.unknown_cidrs() or vpc.external):
            yield pending(c, "its Service CIDR against the mesh's VPC", vpc_cidr_cause(ix, vpc))


def member_vpc_overlaps_mesh_vpc(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    for m, c, known in _mesh_members(ix):
        mesh_vpc, own = vpc_of(ix, m.vpc), vpc_of(ix, c.vpc)
        if known and m.vpc is UNKNOWN:
            yield pending(
                c, "its VPC against the mesh's VPC", Cause(m.urn, m.label, f"the VPC of {m.label}")
            )
            continue
        if known and (c.vpc is UNKNOWN or c.vpc is EXTERNAL):
            yield pending(c, "its VPC against the mesh's VPC", cluster_vpc_cause(ix, c))
            continue
        if mesh_vpc is None or own is None or mesh_vpc is own:
            continue
        hit = _first_overlap(own.nets(), mesh_vpc.nets())
        if hit is not None:
            yield Finding(
                c.urn,
                (
                    f"{own.label} ({hit[0].text}) of member {c.label} overlaps {mesh_vpc.label} "
                    f"({hit[1].text}) of {m.label}. ASM requires a member cluster in another VPC "
                    "to have a VPC range disjoint from the mesh's VPC. Fix: re-plan one of the two "
                    "VPC ranges."
                ),
                None if known else _mesh_unknown(ix, m),
            )


def _first_overlap(a: list[Net], b: list[Net]) -> tuple[Net, Net] | None:
    for x in a:
        for y in b:
            if x.overlaps(y):
                return x, y
    return None
