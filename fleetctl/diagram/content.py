"""What the topology picture says, apart from where: the text of every card, heading and legend,
read from the plan. ``topology`` places it.

Names are read from the spec as the program resolves them (``meshfleet/components/meshfleet.py``),
never decided here: a context is its ``context``, else the display name, else ``<fleet>-fleet``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PATH_TEXT = {
    1: "(1) Fleet VPC -> API server of every member cluster",
    2: "(2) every member VPC -> Fleet API server",
    3: "(3) ASM VPC -> API server of every member cluster",
    4: "(4) one kubeconfig: Fleet context + mesh context",
}
TRUNK_TEXT = {1: "(1) Fleet -> members", 2: "(2) members -> Fleet", 3: "(3) mesh -> members"}
ROOT = {1: "fleet", 2: "fleet", 3: "mesh"}
"""The card each path starts from (1, 3) or ends at (2); its other ends are the member clusters."""
READABLE_CLUSTERS = 30
"""Up to this many clusters a whole-fleet picture with paths stays readable."""


@dataclass(frozen=True)
class Options:
    paths: bool = True
    """Draw connection paths (1)-(3)."""
    region: str | None = None
    """Draw this region whole and the others without their clusters (their VPCs, transit router,
    the Fleet and the mesh stay): a readable picture of one region of a large fleet."""
    cols: int | None = None
    """Cards per row in a VPC; None: the number that gives the picture a landscape shape."""
    title: str = ""


@dataclass(frozen=True)
class Card:
    id: str
    """``fleet``, ``mesh`` or ``cluster:<name>``."""
    kind: str
    head: str
    lines: tuple[str, ...]
    ports: tuple[int, ...]
    """The connection paths that reach this card."""


@dataclass(frozen=True)
class Vpc:
    name: str
    region: str
    head: str
    cards: tuple[Card, ...]
    attach: tuple[str, ...]
    """The VPC attachment's lines (CEN only): its two transit-router vSwitches."""
    note: str | None
    """Clusters not drawn (another region is drawn whole)."""

    @property
    def paths(self) -> list[int]:
        """The connection paths reaching cards of this VPC."""
        return [p for p in (1, 2, 3) if any(p in c.ports for c in self.cards)]


def count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def zone_tag(zone: str, region: str) -> str:
    """The zone within its region, as the cards show it: ``cn-hangzhou-h`` -> ``h``,
    ``ap-southeast-1a`` -> ``a``."""
    return zone[len(region) :].lstrip("-") if zone.startswith(region) else zone


def display_names(plan: Any) -> dict[str, str]:
    """Display and context names of the Fleet and the mesh: resolved once, in the spec."""
    spec = plan.spec
    return {
        "fleet": spec.fleet.name,
        "mesh": spec.mesh.name,
        "fleet-context": spec.fleet.context,
        "mesh-context": spec.mesh.context,
    }


def vpcs(plan: Any, opts: Options) -> list[Vpc]:
    """Every VPC with its cards: the Fleet and the mesh first, then the member clusters."""
    cen = plan.spec.connectivity == "cen"
    public = () if cen else ("public API endpoint",)
    names = display_names(plan)
    out = []
    for v in plan.vpcs.values():
        cards = []
        for role, head in (("fleet", "ACK One Fleet"), ("mesh", "ASM mesh")):
            place = getattr(plan, role)
            if place.vpc == v.name:
                vsw = place.vswitch
                lines: tuple[str, ...] = (
                    names[role],
                    f"vSwitch {zone_tag(vsw.zone, v.region)} {vsw.cidr}",
                    f"(4) context '{names[role + '-context']}'",
                    *public,
                )
                if role == "mesh" and plan.spec.mesh.mode == "fleet":
                    # No instance of meshfleet's own: the Fleet's mesh (its /27 stays reserved).
                    lines = (
                        "the Fleet's own mesh (EnableMesh)",
                        f"vSwitch {zone_tag(vsw.zone, v.region)} {vsw.cidr} (reserved)",
                    )
                cards.append(
                    Card(
                        role,
                        role,
                        head,
                        lines,
                        ((1, 2) if role == "fleet" else (3,)) if opts.paths else (),
                    )
                )
        members = [c for c in plan.clusters.values() if c.vpc == v.name]
        note = None
        if opts.region in (None, v.region):
            cards += [_cluster_card(c, public, opts.paths) for c in members]
        elif members:
            note = f"{count(len(members), 'ACK cluster')} (--region {v.region})"
        attach = (
            "VPC attachment over TR vSwitches",
            "  ".join(
                f"{zone_tag(s.zone, v.region)} {s.cidr}" for s in v.by_role("transit-router")
            ),
        )
        out.append(
            Vpc(
                v.name,
                v.region,
                f"VPC {v.name}  {v.cidr}",
                tuple(cards),
                attach if cen else (),
                note,
            )
        )
    return out


def _cluster_card(c: Any, public: tuple[str, ...], paths: bool) -> Card:
    pods = (
        [f"pod {c.pod_cidr}"]
        if c.pod_cidr
        else [f"pods {zone_tag(v.zone, c.region)} {v.cidr}" for v in c.pod_vswitches]
    )
    nodes = [f"nodes {zone_tag(v.zone, c.region)} {v.cidr}" for v in c.node_vswitches]
    return Card(
        f"cluster:{c.name}",
        "cluster",
        f"ACK {c.name}  ({c.cni})",
        (*pods, f"service {c.service_cidr}", *nodes, *public),
        (1, 2, 3) if paths else (),
    )


def heading(plan: Any, opts: Options) -> tuple[str, str]:
    """The title and the line under it."""
    spec = plan.spec
    title = f"meshfleet topology: {spec.name}" + (f" ({opts.title})" if opts.title else "")
    peers = (
        f"peer links {spec.cen_bandwidth} Mbps"
        if len(plan.regions) > 1
        else "one region, so no peer links"
    )
    how = (
        f"CEN Enterprise: a transit router per region, {peers}"
        if spec.connectivity == "cen"
        else "public API endpoints on the Fleet and the clusters, no CEN"
    )
    counts = ", ".join(
        count(n, what)
        for n, what in (
            (len(plan.regions), "region"),
            (len(plan.vpcs), "VPC"),
            (len(plan.clusters), "ACK cluster"),
        )
    )
    whole = f"; region {opts.region} drawn whole" if opts.region else ""
    return title, f"connectivity: {spec.connectivity} ({how}); {counts}{whole}"


def legend(plan: Any, opts: Options) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(box id, heading, [(line, tone)]) of the two legend boxes: the paths and path (4)."""
    names = display_names(plan)
    paths = [(PATH_TEXT[p], f"path{p}") for p in (1, 2, 3, 4)]
    if not opts.paths:
        paths.append(("(1)-(3) are not drawn (--no-paths)", "text"))
    if plan.spec.mesh.mode == "standalone":
        kube = [
            (f"context '{names['fleet-context']}' -> Fleet API server", "text"),
            (f"context '{names['mesh-context']}' -> ASM instance", "text"),
            ("(Istio resources through the mesh context)", "text"),
        ]
    else:  # the Fleet's own mesh: one context, Istio resources through the Fleet
        kube = [
            (f"context '{names['fleet-context']}' -> Fleet API server", "text"),
            ("(Istio resources through the Fleet: EnableMesh)", "text"),
        ]
    return [
        ("legend", "Connection paths (requirement document)", paths),
        ("kubeconfig", "(4) merged kubeconfig (stack output)", kube),
    ]


def notes(plan: Any, opts: Options) -> list[str]:
    """What the picture leaves out, or a way to a more readable one (printed by the command)."""
    if opts.region:
        others = [r for r in plan.regions if r != opts.region]
        return (
            [f"regions {', '.join(others)} drawn without their clusters (draw each with --region)"]
            if others
            else []
        )
    if opts.paths and len(plan.clusters) > READABLE_CLUSTERS:
        return [
            f"{len(plan.clusters)} clusters: a whole-fleet picture stays readable up to "
            f"{READABLE_CLUSTERS}; draw one region at a time (--region) or without the "
            "paths (--no-paths)"
        ]
    return []
