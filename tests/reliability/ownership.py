"""Whose is a resource of the meshfleet program, and what did an edit of the spec touch.

Day 2 is safe when an edit changes only what it touched: the stability walks diff every step's
engine view against the previous one (``fleetctl.diff``, as ``pulumi preview --diff`` would) and
require that every update or replacement, and every deletion, is of a resource owned by
something the edit touched (a cluster, a VPC, a region, the Fleet or the mesh placement), with
one exception: aggregates (VPC routes towards CEN, security-group rules admitting the fleet's
supernets) come and go as the set of ranges changes, and so does a region's reading provider (no
cloud object; there while the program reads something in that region, e.g. versions the lock does
not hold yet), so they may be created or deleted by any edit — never updated or replaced by one
that did not touch their owner.

Owners come from the program's stable child names (``meshfleet/components``): a cluster's
component and its children, its vSwitches and their SNAT entries (by the plan's vSwitch names),
its Fleet and mesh memberships (``<Fleet|Mesh component>-<cluster>``, also the Fleet's and the
mesh's) and its pod-CIDR routes in
the transit routers (``<cen>-pod-<cluster>-at-<region>``); a VPC's Network children and CEN
attachment; a region's provider, transit router and peer links; the Fleet and the mesh.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fleetctl.diff import Plan as Diff
from meshfleet.layout import Plan
from meshfleet.spec import FleetSpec

AGGREGATE = "aggregate"
FLEET = "fleet"
DYNAMIC = "pulumi-python:dynamic:Resource"


def touched(before: FleetSpec, after: FleetSpec) -> set[str]:
    """``cluster:<name>``, ``vpc:<name>``, ``region:<name>`` and ``fleet`` for what an edit
    added, removed or changed (resolved specs: a zone a cluster inherits counts as its own). A
    region is touched when its declaration or the set of its VPCs changed (its transit router
    and peer links exist only while it has a VPC)."""
    out: set[str] = set()
    for kind, old, new in (
        ("cluster", before.clusters, after.clusters),
        ("vpc", before.vpcs, after.vpcs),
        ("region", before.regions, after.regions),
        ("region", _vpcs_by_region(before), _vpcs_by_region(after)),
    ):
        out |= {f"{kind}:{n}" for n in set(old) | set(new) if old.get(n) != new.get(n)}
    if (before.fleet, before.mesh, before.connectivity, before.name) != (
        after.fleet,
        after.mesh,
        after.connectivity,
        after.name,
    ):
        out.add(FLEET)
    return out


def _vpcs_by_region(spec: FleetSpec) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for v in spec.vpcs.values():
        out.setdefault(v.region, set()).add(v.name)
    return out


def _type(res: Mapping[str, Any]) -> str:
    t = str(res["type"])
    return f"{DYNAMIC}#{res.get('properties', {}).get('kind')}" if t == DYNAMIC else t


def owners(
    res: Mapping[str, Any], by_urn: Mapping[str, Mapping[str, Any]], plans: Iterable[Plan]
) -> set[str]:
    """Who owns ``res`` (see the module docstring); ``{"unknown"}`` if nobody does."""
    plans = list(plans)
    vswitch_owner = {
        s.name: (
            f"cluster:{s.cluster}" if s.cluster and s.role in ("node", "pod") else f"vpc:{s.vpc}"
        )
        for p in plans
        for v in p.vpcs.values()
        for s in v.vswitches
    }
    regions = {r for p in plans for r in p.regions}
    clusters = {c for p in plans for c in p.clusters}
    vpcs = {v for p in plans for v in p.vpcs}
    out: set[str] = set()
    ancestors = []
    parent = res.get("parent")
    while parent and parent in by_urn:
        ancestors.append(by_urn[parent])
        parent = by_urn[parent].get("parent")
    for a in ancestors:
        if a["type"] == "meshfleet:cluster:AckCluster":
            out.add(f"cluster:{a['name']}")
    t, name = _type(res), str(res["name"])
    parent_name = str(ancestors[0]["name"]) if ancestors else ""
    component = str(ancestors[0]["type"]) if ancestors else ""
    if t == "meshfleet:cluster:AckCluster":
        out.add(f"cluster:{name}")
    elif t == "alicloud:vpc/switch:Switch":
        out.add(vswitch_owner.get(name, "unknown"))
    elif t == "alicloud:vpc/snatEntry:SnatEntry":
        out.add(vswitch_owner.get(name.removesuffix("-snat"), "unknown"))
    elif t == "alicloud:ecs/securityGroupRule:SecurityGroupRule":
        # The fleet's supernets admitted by a cluster's (owner above), the Fleet's or the mesh's
        # security group.
        out.add(AGGREGATE)
        if component in ("meshfleet:fleet:Fleet", "meshfleet:mesh:Mesh"):
            out.add(FLEET)
    elif t == "alicloud:vpc/routeEntry:RouteEntry":
        # A VPC's route towards CEN: `<cen>-<vpc>-to-<aggregate>`.
        vpc = name.removeprefix(f"{parent_name}-").rsplit("-to-", 1)[0]
        out |= {AGGREGATE, f"vpc:{vpc}" if vpc in vpcs else "unknown"}
    elif component == "meshfleet:network:Network" or t == "meshfleet:network:Network":
        out.add(f"vpc:{name if t == 'meshfleet:network:Network' else parent_name}")
    elif t in (
        "alicloud:ackone/membershipAttachment:MembershipAttachment",
        f"{DYNAMIC}#meshfleet:servicemesh:MeshMembership",
    ):
        # A membership joins a cluster to the Fleet or the mesh: it follows either (a mesh that
        # an edit of the mesh placement replaces takes its memberships with it).
        member = name.removeprefix(f"{parent_name}-")
        out |= {f"cluster:{member}" if member in clusters else "unknown", FLEET}
    elif t == "pulumi:providers:alicloud":
        region = res.get("properties", {}).get("region")
        out.add(f"region:{region}" if region in regions else "unknown")
        if "-read-" in name:  # a reading provider (meshfleet.components.reader): no cloud object,
            out.add(AGGREGATE)  # there while something of its region is read (versions not locked)
    elif component == "meshfleet:cen:CenBackbone":
        out |= _cen_owner(name.removeprefix(f"{parent_name}-"), clusters, vpcs, regions)
    elif t != "pulumi:pulumi:Stack":
        out.add(FLEET)  # the Fleet, the mesh, FleetFeatures, the CEN instance, components
    return out


def _cen_owner(rest: str, clusters: set[str], vpcs: set[str], regions: set[str]) -> set[str]:
    """Owners of a CenBackbone child by its name after ``<cen>-``."""
    if rest.startswith("pod-") and "-at-" in rest:  # a pod CIDR's route in one region's TR
        cluster, region = rest[4:].rsplit("-at-", 1)
        return {f"cluster:{cluster}", f"region:{region}"}
    if rest in vpcs:
        return {f"vpc:{rest}"}  # its VPC attachment, association and propagation
    if rest in regions:
        return {f"region:{rest}"}  # its transit router and route table
    found = {f"region:{r}" for r in regions if r in rest}  # peer links and their tables
    if found:
        return found
    return {FLEET} if rest == "" else {"unknown"}


def foreign_changes(
    diff: Diff,
    before: Sequence[Mapping[str, Any]],
    after: Sequence[Mapping[str, Any]],
    edit_touched: set[str],
    plans: Iterable[Plan],
) -> list[str]:
    """The steps of ``diff`` that change something the edit did not touch (empty: day-2 safe).

    Updates and replacements must be of a touched owner's resource; deletions of a touched
    owner's resource or of an aggregate; creations are free.
    """
    plans = list(plans)
    by_urn = {r["urn"]: r for r in [*before, *after]}
    bad = []
    for step in diff.steps:
        if step.op in ("same", "create"):
            continue
        res = by_urn.get(step.urn) or by_urn.get(step.old_urn or "")
        if res is None:
            continue
        own = owners(res, by_urn, plans)
        if own & edit_touched:
            continue
        if step.op == "delete" and AGGREGATE in own:
            continue
        bad.append(
            f"{step.op} {step.type} {step.name} (owned by {sorted(own)}; the edit "
            f"touched {sorted(edit_touched) or 'nothing'})"
        )
    return bad
