"""The requirement document's CIDR tables and ASM's data-plane rules, each in its scope.

* Per cluster, always: its pod and Service CIDRs against its own VPC (every block, secondary
  ones included), the vSwitches of that VPC, and each other (ACK refuses a pod CIDR that
  contains the Service CIDR).
* Per VPC, always: its vSwitches do not overlap each other.
* Per group of clusters managed together (a Fleet or mesh, :mod:`.topology`): the same-VPC
  table across the members (pod vs pod, Service vs Service, pod vs Service) and, for members in
  different VPCs, "apply all same-VPC constraints": a member's pod or Service CIDR must not
  overlap another member's VPC, and the members' VPCs must not overlap.
* Per CEN instance: the attached VPCs must not overlap (route conflicts), clusters or not.

The vSwitch, VPC and mesh-VPC rules are in :mod:`.vpcs`; the helpers both use are here. Each
check takes the shared :class:`StackIndex` and the policy's config and yields
:class:`Finding`s; overlaps are found by sort and sweep within each scope, never pair by pair.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .cidrs import Item, overlaps_between, overlaps_within
from .findings import Cause, Config, Finding, blame, cause_of, external, pending
from .model import Cluster, StackIndex, Vpc, VSwitch
from .values import EXTERNAL, UNKNOWN

# --- shared lookups -----------------------------------------------------------------------------


def pod_cause(ix: StackIndex, c: Cluster) -> Cause:
    return cause_of(ix, c, "the pod CIDR", c.pod_cidr)


def service_cause(ix: StackIndex, c: Cluster) -> Cause:
    return cause_of(ix, c, "the Service CIDR", c.service_cidr)


def vpc_cidr_cause(ix: StackIndex, v: Vpc) -> Cause:
    if v.external:
        return external(ix, v.urn, f"the CIDR block of {v.label}")
    unknown = v.unknown_cidrs()
    return cause_of(ix, v, "the CIDR block", unknown[0] if unknown else None)


def cluster_vpc_cause(ix: StackIndex, c: Cluster) -> Cause:
    """Why the VPC of ``c`` cannot be told (its vSwitches are unknown or not in this stack)."""
    if c.vpc is EXTERNAL:
        ids = sorted(k[3:] for k in c.node_vswitches if k.startswith("id:"))
        return external(ix, "id:" + ids[0], f"the VPC of {c.label} (vSwitch {', '.join(ids)})")
    return Cause(c.urn, c.label, f"the VPC of {c.label} (through its vSwitches)")


def vpc_of(ix: StackIndex, key: Any) -> Vpc | None:
    return ix.vpcs.get(key) if isinstance(key, str) else None


def name_of(ix: StackIndex, vpc_key: Any) -> str:
    vpc = vpc_of(ix, vpc_key)
    return vpc.label if vpc is not None else "a VPC not known to this pack"


def pods(ix: StackIndex) -> tuple[list[Item[Cluster]], list[Cluster]]:
    known, unknown = [], []
    for c in ix.clusters.values():
        if c.flannel and c.pod_cidr.net is not None:
            known.append(Item(c.pod_cidr.net, c))
        elif c.flannel and c.pod_cidr.unknown:
            unknown.append(c)
    return known, unknown


def services(ix: StackIndex) -> tuple[list[Item[Cluster]], list[Cluster]]:
    known, unknown = [], []
    for c in ix.clusters.values():
        if c.service_cidr.net is not None:
            known.append(Item(c.service_cidr.net, c))
        elif c.service_cidr.unknown:
            unknown.append(c)
    return known, unknown


def vswitch_items(ix: StackIndex) -> tuple[list[Item[VSwitch]], list[VSwitch]]:
    known, unknown = [], []
    for v in ix.vswitches.values():
        if v.cidr.net is not None:
            known.append(Item(v.cidr.net, v))
        elif v.cidr.unknown:
            unknown.append(v)
    return known, unknown


def same_vpc(a: Any, b: Any) -> Any:
    if not isinstance(a, str) or not isinstance(b, str):
        return UNKNOWN if (a is not None and b is not None) else False
    return a == b


# --- groups: clusters managed together ----------------------------------------------------------


def _verdict(ix: StackIndex, a: Cluster, b: Cluster, sure: bool) -> Any:
    return True if sure else ix.topo.same_group(a.urn, b.urn)


def group_cause(ix: StackIndex) -> Cause:
    urn, what = ix.topo.unsure[0]
    return Cause(urn, ix.label(urn), what)


def why_together(ix: StackIndex, a: Cluster) -> str:
    g = ix.topo.group(a.urn)
    return g.describe(ix) if g is not None else "possibly managed together"


def _by_scope(ix: StackIndex, items: list[Item[Cluster]]) -> dict[Any, list[Item[Cluster]]]:
    """Items bucketed by the group of their cluster, in one pass (one bucket of every item when
    the groups are uncertain; items of clusters in no group are left out)."""
    if ix.topo.unsure:
        return {None: list(items)}
    out: dict[Any, list[Item[Cluster]]] = {}
    for it in items:
        g = ix.topo.group_of.get(it.owner.urn)
        if g is not None:
            out.setdefault(g, []).append(it)
    return out


def _group_pairs(
    ix: StackIndex, left: list[Item[Cluster]], right: list[Item[Cluster]] | None
) -> Iterator[tuple[Item[Cluster], Item[Cluster], Any]]:
    """Overlapping pairs of different clusters of one group: (a, b, True | UNKNOWN)."""
    sure = not ix.topo.unsure
    lefts = _by_scope(ix, left)
    rights = _by_scope(ix, right) if right is not None else {}
    for key, lpart in lefts.items():
        found = (
            overlaps_within(lpart)
            if right is None
            else overlaps_between(lpart, rights.get(key, []))
        )
        for a, b in found:
            if a.owner is not b.owner:
                verdict = _verdict(ix, a.owner, b.owner, sure)
                if verdict is not False:
                    yield a, b, verdict


def _external_members(ix: StackIndex, what: str) -> Iterator[Finding]:
    """Members of a group that are not declared in this stack: their CIDRs cannot be compared."""
    for g in ix.topo.groups.values():
        anchors = [a for a in g.anchors if a in ix.labels]
        for key in g.members:
            if key.startswith("id:") and anchors:
                cause = external(
                    ix, key, f"cluster {key[3:]} (a member of the group {g.describe(ix)})"
                )
                yield Finding(
                    anchors[0],
                    f"{ix.labels[anchors[0]]}: {what} of the members "
                    f"cannot be compared: {cause.text()}.",
                    cause,
                )


# --- the requirement document's CIDR tables -----------------------------------------------------


def _same_vpc_pod_pairs(
    items: list[Item[Cluster]],
) -> Iterator[tuple[Item[Cluster], Item[Cluster]]]:
    by_vpc: dict[str, list[Item[Cluster]]] = {}
    for it in items:
        if isinstance(it.owner.vpc, str):
            by_vpc.setdefault(it.owner.vpc, []).append(it)
    for part in by_vpc.values():
        yield from overlaps_within(part)


def pod_overlaps_pod(ix: StackIndex, cfg: Config, across: bool) -> Iterator[Finding]:
    """Same VPC: every Flannel cluster of the VPC (Flannel routes each node's pod block through
    the VPC's route table, so ACK forbids overlapping pod CIDRs in one VPC, managed together or
    not). Across VPCs: clusters managed together only."""
    items, unknown = pods(ix)
    if not across:
        for a, b in _same_vpc_pod_pairs(items):
            new, nnet, old, onet = blame(a.owner, a.net, b.owner, b.net)
            yield Finding(
                new.urn,
                (
                    f"pod CIDR {nnet.text} of {new.label} overlaps pod CIDR {onet.text} of "
                    f"{old.label} in the same {name_of(ix, new.vpc)}: Flannel routes every node's "
                    "pod block through the VPC's route table, so pod CIDRs in one VPC must not "
                    "overlap. Fix: give one cluster a pod CIDR that overlaps no other cluster's "
                    "pod "
                    "CIDR (pod CIDRs cannot change after creation: the cluster must be recreated)."
                ),
            )
    for a, b, verdict in _group_pairs(ix, items, None):
        new, nnet, old, onet = blame(a.owner, a.net, b.owner, b.net)
        assert isinstance(new, Cluster) and isinstance(old, Cluster)
        same = same_vpc(new.vpc, old.vpc)
        together = why_together(ix, new)
        if across and same is False:
            msg = (
                f"pod CIDR {nnet.text} of {new.label} (in {name_of(ix, new.vpc)}) overlaps "
                f"pod CIDR {onet.text} of {old.label} (in {name_of(ix, old.vpc)}), {together}. "
                "Clusters in different VPCs that are managed together need disjoint pod "
                "CIDRs. Fix: give one cluster a pod CIDR outside the other's."
            )
        elif not across and same is UNKNOWN:
            msg = (
                f"pod CIDR {nnet.text} of {new.label} overlaps pod CIDR {onet.text} of "
                f"{old.label}, {together} (whether they share a VPC cannot be told; they "
                "must not overlap either way). Fix: give one cluster a pod CIDR that "
                "overlaps no other member's pod CIDR."
            )
        else:
            continue
        yield Finding(new.urn, msg, None if verdict is True else group_cause(ix))
    if not across:
        per_vpc: dict[Any, int] = {}
        for c in ix.clusters.values():
            if c.flannel:
                per_vpc[c.vpc] = per_vpc.get(c.vpc, 0) + 1
        for c in unknown:
            shared = isinstance(c.vpc, str) and per_vpc.get(c.vpc, 0) > 1
            if shared or c.urn in ix.topo.group_of or ix.topo.unsure:
                yield pending(c, "its pod CIDR against the other clusters'", pod_cause(ix, c))
        yield from _external_members(ix, "the pod CIDRs")


def pod_overlaps_pod_same_vpc(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    return pod_overlaps_pod(ix, cfg, across=False)


def pod_overlaps_pod_across_vpcs(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    return pod_overlaps_pod(ix, cfg, across=True)


def service_overlaps_service(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    items, unknown = services(ix)
    for a, b, verdict in _group_pairs(ix, items, None):
        new, nnet, old, onet = blame(a.owner, a.net, b.owner, b.net)
        yield Finding(
            new.urn,
            (
                f"Service CIDR {nnet.text} of {new.label} overlaps Service CIDR {onet.text} of "
                f"{old.label}, {why_together(ix, new)}. ASM and the requirement document forbid "
                "overlapping Service CIDRs between clusters managed together (in one VPC or not). "
                "Fix: give each cluster its own Service CIDR."
            ),
            None if verdict is True else group_cause(ix),
        )
    grouped = set(ix.topo.group_of)
    for c in unknown:
        if c.urn in grouped or ix.topo.unsure:
            yield pending(c, "its Service CIDR against the other members'", service_cause(ix, c))
    yield from _external_members(ix, "the Service CIDRs")


def pod_overlaps_service(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    """A pod CIDR against its own Service CIDR (always) and other members' (in a group)."""
    for c in ix.clusters.values():
        pod, svc = c.pod_cidr.net, c.service_cidr.net
        if c.flannel and pod is not None and svc is not None and pod.overlaps(svc):
            yield Finding(
                c.urn,
                (
                    f"pod CIDR {pod.text} of {c.label} overlaps its own Service CIDR {svc.text}. "
                    "ACK "
                    "refuses a pod CIDR that contains or overlaps the cluster's Service CIDR (an "
                    "unset serviceCidr is 172.19.0.0/20). Fix: choose disjoint pod and Service "
                    "CIDRs."
                ),
            )
        elif c.flannel and pod is not None and c.service_cidr.unknown:
            yield pending(c, "its pod CIDR against its Service CIDR", service_cause(ix, c))
    pod_items, _ = pods(ix)
    svc_items, _ = services(ix)
    for p, s, verdict in _group_pairs(ix, pod_items, svc_items):
        new, nnet, old, onet = blame(p.owner, p.net, s.owner, s.net)
        what_new = "pod CIDR" if new is p.owner and nnet is p.net else "Service CIDR"
        what_old = "Service CIDR" if what_new == "pod CIDR" else "pod CIDR"
        yield Finding(
            new.urn,
            (
                f"{what_new} {nnet.text} of {new.label} overlaps {what_old} {onet.text} of "
                f"{old.label}, {why_together(ix, p.owner)}. Pod and Service CIDRs of clusters "
                "managed together must be pairwise disjoint. Fix: move one of the two ranges."
            ),
            None if verdict is True else group_cause(ix),
        )


def _own_vpc(ix: StackIndex, c: Cluster, what: str) -> Vpc | Finding | None:
    """The cluster's VPC if its blocks are known; an undecidable finding; None if no VPC."""
    if c.vpc is UNKNOWN or c.vpc is EXTERNAL:
        return pending(c, f"its {what} against its VPC", cluster_vpc_cause(ix, c))
    vpc = vpc_of(ix, c.vpc)
    if vpc is None:
        return None
    if vpc.external or vpc.unknown_cidrs():
        return pending(c, f"its {what} against its VPC", vpc_cidr_cause(ix, vpc))
    return vpc


VpcBlocks = list[Item[tuple[Vpc, set[str]]]]


def member_vpcs(ix: StackIndex) -> Iterator[tuple[Any, bool, VpcBlocks]]:
    """Per group scope (its key as in :func:`_by_scope`): the blocks of the VPCs its clusters
    are in, each carrying the VPC and its clusters of that scope."""
    sure = not ix.topo.unsure
    by_scope: dict[Any, dict[str, set[str]]] = {}
    for c in ix.clusters.values():
        key = None if not sure else ix.topo.group_of.get(c.urn)
        if (key is not None or not sure) and isinstance(c.vpc, str):
            by_scope.setdefault(key, {}).setdefault(c.vpc, set()).add(c.urn)
    for key, by_vpc in by_scope.items():
        blocks: VpcBlocks = []
        for vkey, cs in sorted(by_vpc.items()):
            blocks.extend(Item(n, (ix.vpcs[vkey], cs)) for n in ix.vpcs[vkey].nets())
        yield key, sure, blocks


def _overlaps_vpc(
    ix: StackIndex, items: list[Item[Cluster]], what: str, why: str
) -> Iterator[Finding]:
    for c_item in items:
        c = c_item.owner
        vpc = _own_vpc(ix, c, what)
        if isinstance(vpc, Finding):
            yield vpc
        elif vpc is not None:
            for net in vpc.nets():
                if net.overlaps(c_item.net):
                    yield Finding(
                        c.urn,
                        (
                            f"{what} {c_item.net.text} of {c.label} overlaps CIDR {net.text} of "
                            "its "
                            f"{vpc.label}. {why} Fix: choose a {what} outside every block of the "
                            "VPC (e.g. another RFC 1918 range)."
                        ),
                    )
                    break
    mine_by_scope = _by_scope(ix, items)
    for key, sure, blocks in member_vpcs(ix):
        mine = mine_by_scope.get(key, [])
        seen: set[tuple[str, str]] = set()
        for c_item, v_item in overlaps_between(mine, blocks):
            c, (vpc, holders) = c_item.owner, v_item.owner
            if c.vpc == vpc.urn or (c.urn, vpc.urn) in seen:
                continue
            verdicts = [True] if sure else [ix.topo.same_group(c.urn, h) for h in holders]
            if all(v is False for v in verdicts):
                continue
            seen.add((c.urn, vpc.urn))
            other = ix.clusters[sorted(holders)[0]]
            yield Finding(
                c.urn,
                (
                    f"{what} {c_item.net.text} of {c.label} overlaps CIDR {v_item.net.text} of "
                    f"{vpc.label}, the VPC of {other.label}, {why_together(ix, c)}. The "
                    "requirement document applies the same-VPC rules across the VPCs of clusters "
                    f"managed together. Fix: choose a {what} outside every member's VPC."
                ),
                None if True in verdicts else group_cause(ix),
            )


def pod_overlaps_vpc(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    items, unknown = pods(ix)
    yield from _overlaps_vpc(
        ix, items, "pod CIDR", "Flannel pod addresses must lie outside the VPC."
    )
    for c in unknown:
        yield pending(c, "its pod CIDR against its VPC", pod_cause(ix, c))


def service_overlaps_vpc(ix: StackIndex, cfg: Config) -> Iterator[Finding]:
    items, unknown = services(ix)
    yield from _overlaps_vpc(
        ix, items, "Service CIDR", "Service addresses must lie outside the VPC."
    )
    for c in unknown:
        yield pending(c, "its Service CIDR against its VPC", service_cause(ix, c))
