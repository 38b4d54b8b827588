"""``fleetctl diagram``: the topology and the address space of a stack, as SVG and PNG.

    python -m fleetctl diagram                       # stack example -> docs/
    python -m fleetctl diagram --stack prod --out out/

Input is the plan (``meshfleet.planner``) of the stack's ``meshfleet:fleet`` config and lock,
exactly what the program deploys. Two pictures, drawn with matplotlib:

* ``topology``: regions, VPCs with CIDRs, ACK clusters (CNI, pod and Service CIDRs), the ACK One
  Fleet, the ASM mesh, CEN transit routers with their VPC attachments and peer links (or the
  public endpoints), and the numbered connection paths of the requirement document:
  (1) Fleet -> member API servers, (2) members -> Fleet API server, (3) mesh -> member API
  servers, (4) one kubeconfig with a Fleet and a mesh context.
* ``address-space``: each pool with what is allocated in it by kind (VPC, Flannel pod CIDR,
  Service CIDR) and its utilisation, then each VPC with its vSwitches by role.

Text stays text in the SVG (``svg.fonttype = none``) and the output carries no date, so the
files are reproducible and greppable.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from netaddr import IPAddress, IPNetwork

from fleetctl.stackconfig import PROJECT_DIR, add_stack_options

# Colours by kind (colour-blind-safe Okabe-Ito palette).
KIND_COLOURS = {
    "vpc": "#0072B2",
    "pod": "#D55E00",
    "service": "#E69F00",
    "reserved": "#999999",
    "node": "#009E73",
    "pod-vswitch": "#56B4E9",
    "transit-router": "#CC79A7",
    "fleet": "#F0E442",
    "mesh": "#F0E442",
}
PATH_COLOURS = {1: "#0072B2", 2: "#009E73", 3: "#D55E00", 4: "#CC79A7"}
PATH_TEXT = {
    1: "(1) Fleet VPC -> API server of every member cluster",
    2: "(2) every member VPC -> Fleet API server",
    3: "(3) ASM VPC -> API server of every member cluster",
    4: "(4) one kubeconfig: Fleet context + mesh context",
}


def register(sub: Any) -> None:
    """Add the ``diagram`` sub-command."""
    p = sub.add_parser(
        "diagram",
        help="topology and address-space pictures of a stack (SVG and PNG)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_stack_options(p, "meshfleet project directory (default: this checkout)")
    p.add_argument("--out", type=Path, default=PROJECT_DIR / "docs", help="output directory")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Entry point: plan the stack, draw both pictures, print the files written."""
    from fleetctl.plan_cmd import INPUT_ERRORS, load_plan

    try:
        the_plan, _ = load_plan(args.program, args.stack)
    except INPUT_ERRORS as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"--out {args.out}: {exc.strerror}", file=sys.stderr)
        return 2
    for path in write_all(the_plan, args.out, title=f"stack {args.stack}"):
        print(path)
    return 0


def write_all(plan: Any, out: Path, *, title: str = "") -> list[Path]:
    """Draw both pictures into ``out`` (SVG and PNG each); return the paths written."""
    written: list[Path] = []
    for name, draw in (("topology", draw_topology), ("address-space", draw_address_space)):
        fig = draw(plan, title=title)
        written += _save(fig, out / name)
    return written


# ---- shared helpers ---------------------------------------------------------------------------


def _mpl() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # no display; also keeps tests headless
    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",  # text stays text: searchable, diffable
            "svg.hashsalt": "meshfleet",  # stable element ids
            "font.family": "DejaVu Sans",
            "font.size": 9,
        }
    )
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, stem: Path) -> list[Path]:
    plt = _mpl()
    paths = [stem.with_suffix(".svg"), stem.with_suffix(".png")]
    fig.savefig(paths[0], format="svg", metadata={"Date": None}, bbox_inches="tight")
    fig.savefig(paths[1], format="png", dpi=130, metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    return paths


def _box(ax: Any, x: float, y: float, w: float, h: float, **kw: Any) -> Any:
    from matplotlib.patches import FancyBboxPatch

    patch = FancyBboxPatch(
        (x, y), w, h, boxstyle="round,pad=0.0,rounding_size=0.15", linewidth=1.2, **kw
    )
    ax.add_patch(patch)
    return patch


# ---- topology ---------------------------------------------------------------------------------

CLUSTER_W, CLUSTER_H = 3.4, 1.35
VPC_PAD = 0.35


def _vpc_layout(plan: Any) -> dict[str, list[str]]:
    """Region -> its VPC names, in plan order."""
    regions: dict[str, list[str]] = {r: [] for r in plan.regions}
    for vpc in plan.vpcs.values():
        regions[vpc.region].append(vpc.name)
    return regions


def draw_topology(plan: Any, *, title: str = "") -> Any:
    """The topology picture as a matplotlib Figure."""
    plt = _mpl()
    regions = _vpc_layout(plan)
    cols = 2
    cen = plan.spec.connectivity == "cen"
    # Per VPC: rows of clusters, then a control row with the Fleet and/or the mesh, so that the
    # numbered paths run from the control row up to the clusters' lower edges.
    members: dict[str, list[str]] = {v: [] for v in plan.vpcs}
    for c in plan.clusters.values():
        members[c.vpc].append(c.name)
    control: dict[str, list[str]] = {v: [] for v in plan.vpcs}
    control[plan.fleet.vpc].append("fleet")
    control[plan.mesh.vpc].append("mesh")

    boxes: dict[str, tuple[float, float]] = {}  # item -> lower-left corner
    vpc_geom: dict[str, tuple[float, float, float, float]] = {}
    region_geom: dict[str, tuple[float, float, float, float]] = {}
    step_x, step_y = CLUSTER_W + 0.3, CLUSTER_H + 0.45
    x = 0.0
    tr_band = 1.7 if cen else 0.3
    tops = []
    for region, vpcs in regions.items():
        width = cols * step_x + 2 * VPC_PAD - 0.3
        y = tr_band + 0.4
        for vname in reversed(vpcs):
            rows = -(-len(members[vname]) // cols)
            has_control = bool(control[vname])
            h = (rows + has_control) * step_y + 0.75
            vx = x + 0.4
            vpc_geom[vname] = (vx, y, width, h)
            row_y = y + h - 0.7 - CLUSTER_H
            for i, name in enumerate(members[vname]):
                r, c = divmod(i, cols)
                boxes[name] = (vx + VPC_PAD + c * step_x, row_y - r * step_y)
            for c, name in enumerate(control[vname]):
                boxes[name] = (vx + VPC_PAD + c * step_x, y + 0.3)
            y += h + 0.5
        region_geom[region] = (x, 0.0, width + 0.8, y + 0.25)
        tops.append(y + 0.25)
        x += width + 0.8 + 1.8
    total_w = x - 1.8
    total_h = max(tops) + 1.6
    fig, ax = plt.subplots(figsize=(max(9.0, total_w * 0.95), max(6.5, (total_h + 3.4) * 0.8)))
    ax.set_xlim(-0.3, total_w + 0.3)
    ax.set_ylim(-3.4, total_h)
    ax.set_axis_off()
    heading = f"meshfleet topology: {plan.spec.name}" + (f" ({title})" if title else "")
    ax.text(0, total_h - 0.2, heading, fontsize=13, weight="bold", va="top")
    how = (
        f"CEN Enterprise transit routers, peer links {plan.spec.cen_bandwidth} Mbps"
        if cen
        else "public API endpoints on the Fleet and the clusters"
    )
    ax.text(0, total_h - 0.8, f"connectivity: {plan.spec.connectivity} ({how})", va="top")

    for region, (rx, ry, rw, rh) in region_geom.items():
        _box(ax, rx, ry, rw, rh, facecolor="#f7f7f7", edgecolor="#555555", linestyle="--")
        ax.text(rx + 0.2, ry + rh - 0.12, f"region {region}", weight="bold", va="top")
    for vname, (vx, vy, vw, vh) in vpc_geom.items():
        vpc = plan.vpcs[vname]
        _box(ax, vx, vy, vw, vh, facecolor="#e8f1fa", edgecolor=KIND_COLOURS["vpc"])
        ax.text(
            vx + 0.2,
            vy + vh - 0.12,
            f"VPC {vname}  {vpc.cidr}",
            va="top",
            weight="bold",
            color=KIND_COLOURS["vpc"],
        )
    for name, (ix, iy) in boxes.items():
        if name in ("fleet", "mesh"):
            place = plan.fleet if name == "fleet" else plan.mesh
            head = "ACK One Fleet" if name == "fleet" else "ASM mesh"
            lines = [f"vSwitch {place.vswitch.cidr} ({place.vswitch.zone})"]
            if not cen:
                lines.append("public API endpoint")
            face, edge = "#fff8d6", "#8a6d00"
        else:
            c = plan.clusters[name]
            head = f"ACK {c.name}  ({c.cni})"
            pods = c.pod_cidr or ", ".join(v.cidr for v in c.pod_vswitches)
            lines = [
                f"pod {pods}",
                f"service {c.service_cidr}",
                "nodes " + ", ".join(v.cidr for v in c.node_vswitches),
            ]
            face, edge = "#ffffff", "#333333"
        _box(ax, ix, iy, CLUSTER_W, CLUSTER_H, facecolor=face, edgecolor=edge)
        ax.text(ix + 0.12, iy + CLUSTER_H - 0.1, head, va="top", weight="bold", fontsize=8.5)
        ax.text(
            ix + 0.12,
            iy + CLUSTER_H - 0.42,
            "\n".join(lines),
            va="top",
            fontsize=7,
            linespacing=1.3,
        )

    if cen:
        _draw_cen(ax, plan, region_geom, vpc_geom)
    _draw_paths(ax, plan, boxes)
    _draw_path_legend(ax, plan, total_w, boxes)
    return fig


def _draw_cen(ax: Any, plan: Any, region_geom: Any, vpc_geom: Any) -> None:
    trs: dict[str, tuple[float, float]] = {}
    for region, (rx, ry, rw, _rh) in region_geom.items():
        cx, cy = rx + rw / 2, ry + 0.7
        _box(
            ax,
            cx - 1.3,
            cy - 0.35,
            2.6,
            0.7,
            facecolor="#f6e6f0",
            edgecolor=KIND_COLOURS["transit-router"],
        )
        ax.text(cx, cy, f"CEN transit router\n{region}", ha="center", va="center", fontsize=7.5)
        trs[region] = (cx, cy)
        for vname, (vx, vy, vw, _vh) in vpc_geom.items():
            vpc = plan.vpcs[vname]
            if vpc.region != region:
                continue
            zones = ", ".join(v.zone.rsplit("-", 1)[-1] for v in vpc.by_role("transit-router"))
            ax.plot(
                [vx + vw * 0.75, cx + 0.9],
                [vy, cy + 0.35],
                color=KIND_COLOURS["transit-router"],
                lw=1.6,
            )
            ax.text(
                (vx + vw * 0.75 + cx + 0.9) / 2 - 0.15,
                (vy + cy + 0.35) / 2,
                f"VPC attachment {vname}\n(zones {zones})",
                fontsize=6.5,
                color=KIND_COLOURS["transit-router"],
                ha="right",
                va="center",
            )
    names = list(trs)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            (ax1, ay1), (bx1, by1) = trs[a], trs[b]
            ax.annotate(
                "",
                xy=(bx1 - 1.3, by1),
                xytext=(ax1 + 1.3, ay1),
                arrowprops={
                    "arrowstyle": "<->",
                    "color": KIND_COLOURS["transit-router"],
                    "lw": 2.2,
                    "linestyle": "--",
                },
            )
            ax.text(
                (ax1 + bx1) / 2,
                ay1 + 0.12,
                f"peer attachment {a} <-> {b} ({plan.spec.cen_bandwidth} Mbps)",
                ha="center",
                va="bottom",
                fontsize=7,
                color=KIND_COLOURS["transit-router"],
                bbox={"fc": "white", "ec": "none", "pad": 1},
            )


def _arrow(
    ax: Any,
    src: tuple[float, float],
    dst: tuple[float, float],
    colour: str,
    label: str,
    rad: float = 0.0,
    label_near_src: bool = False,
) -> None:
    ax.annotate(
        "",
        xy=dst,
        xytext=src,
        arrowprops={
            "arrowstyle": "-|>",
            "color": colour,
            "lw": 1.2,
            "alpha": 0.9,
            "shrinkA": 0,
            "shrinkB": 0,
            "connectionstyle": f"arc3,rad={rad}",
        },
    )
    # The number sits near the member cluster's end, clear of the crowded middle.
    near, other = (src, dst) if label_near_src else (dst, src)
    lx = near[0] + (other[0] - near[0]) * 0.22
    ly = near[1] + (other[1] - near[1]) * 0.22
    ax.text(
        lx,
        ly,
        label,
        color=colour,
        fontsize=7,
        weight="bold",
        ha="center",
        va="center",
        bbox={"boxstyle": "circle,pad=0.12", "fc": "white", "ec": colour, "lw": 0.8},
    )


def _edges(
    control: tuple[float, float], member: tuple[float, float], frac: float
) -> tuple[tuple[float, float], float, float]:
    """The control box's anchor (spread by ``frac`` along its edge) and the member's edge y:
    the facing edges, so arrows do not cross either box."""
    (kx, ky), (_, my) = control, member
    x = kx + 0.25 + frac * (CLUSTER_W - 0.5)
    if my >= ky:  # member above: control top edge -> member lower edge
        return (x, ky + CLUSTER_H), my, 1.0
    return (x, ky), my + CLUSTER_H, -1.0


def _draw_paths(ax: Any, plan: Any, boxes: dict[str, tuple[float, float]]) -> None:
    """(1) Fleet -> member, (2) member -> Fleet, (3) mesh -> member, between facing edges of the
    boxes; each member gets its own anchor along the Fleet's and the mesh's edge."""
    names = list(plan.clusters)
    n = len(names)
    for i, name in enumerate(names):
        cx, cy = boxes[name]
        frac = (i + 1) / (n + 1)
        fleet_at, fleet_y, _ = _edges(boxes["fleet"], (cx, cy), frac)
        mesh_at, mesh_y, _ = _edges(boxes["mesh"], (cx, cy), frac)
        base = cx + CLUSTER_W / 2
        fx, fy = boxes["fleet"]
        far = abs(cy - fy) > 3 * CLUSTER_H or abs(cx - fx) > 2 * CLUSTER_W
        rad = 0.15 if far else 0.0
        _arrow(ax, fleet_at, (base - 0.55, fleet_y), PATH_COLOURS[1], "1", rad)
        _arrow(
            ax,
            (base - 0.15, fleet_y),
            (fleet_at[0] + 0.12, fleet_at[1]),
            PATH_COLOURS[2],
            "2",
            -rad,
            label_near_src=True,
        )
        _arrow(ax, mesh_at, (base + 0.35, mesh_y), PATH_COLOURS[3], "3", rad)


def _draw_path_legend(
    ax: Any, plan: Any, total_w: float, boxes: dict[str, tuple[float, float]]
) -> None:
    # Path (4) is not a network path: the operator's merged kubeconfig holds two contexts.
    fleet_ctx = getattr(plan.spec.fleet, "context", None) or "fleet"
    mesh_ctx = getattr(plan.spec.mesh, "context", None) or "mesh"
    y = -0.6
    ax.text(0, y, "Connection paths (requirement document):", weight="bold", va="top")
    for i in (1, 2, 3, 4):
        ax.text(0.2, y - 0.45 * i, PATH_TEXT[i], color=PATH_COLOURS[i], va="top")
    kx, ky, kw, kh = 6.4, -3.3, 4.6, 1.9
    _box(ax, kx, ky, kw, kh, facecolor="#fbeef6", edgecolor=PATH_COLOURS[4])
    ax.text(
        kx + 0.15,
        ky + kh - 0.12,
        "(4) merged kubeconfig (stack output)",
        va="top",
        weight="bold",
        color=PATH_COLOURS[4],
        fontsize=8,
    )
    ax.text(
        kx + 0.15,
        ky + kh - 0.5,
        f"context '{fleet_ctx}' -> Fleet API server\n"
        f"context '{mesh_ctx}' -> ASM instance\n(Istio resources via the Fleet, EnableMesh)",
        va="top",
        fontsize=7.5,
    )
    for name, dx in (("fleet", 0.4), ("mesh", 0.8)):
        bx, by = boxes[name]
        ax.annotate(
            "",
            xy=(bx + CLUSTER_W - dx, by),
            xytext=(kx + kw * 0.5 + dx, ky + kh),
            arrowprops={
                "arrowstyle": "-|>",
                "color": PATH_COLOURS[4],
                "lw": 1.1,
                "linestyle": ":",
                "connectionstyle": "arc3,rad=0.1",
            },
        )


# ---- address space ----------------------------------------------------------------------------


def _allocations(plan: Any) -> list[tuple[str, str, str]]:
    """(kind, cidr, label) of every fleet-wide allocation: VPCs, Flannel pod CIDRs, Services."""
    out = [("vpc", v.cidr, f"VPC {v.name}") for v in plan.vpcs.values()]
    for c in plan.clusters.values():
        if c.pod_cidr:
            out.append(("pod", c.pod_cidr, f"pod {c.name}"))
        out.append(("service", c.service_cidr, f"service {c.name}"))
    return out


def _span(pool: IPNetwork, nets: Iterable[IPNetwork]) -> IPNetwork:
    """The smallest aligned block of the pool that holds every allocation (the zoom window)."""
    nets = list(nets)
    if not nets:
        return pool
    lo = min(n.first for n in nets)
    hi = max(n.last for n in nets)
    for prefix in range(32, pool.prefixlen - 1, -1):
        block = IPNetwork(f"{IPAddress(lo)}/{prefix}").cidr
        if block.last >= hi:
            return block
    return pool


def _bar(
    ax: Any,
    y: float,
    window: IPNetwork,
    segments: Sequence[tuple[str, IPNetwork, str]],
    height: float = 0.55,
) -> None:
    """One address range as a bar, segments drawn to scale. A segment too narrow for its label
    gets a short number, spelled out in the line under the bar."""
    import textwrap

    from matplotlib.patches import Rectangle

    size = float(window.size)
    ax.add_patch(Rectangle((0, y), 1, height, facecolor="#f2f2f2", edgecolor="#888888", lw=0.8))
    small: list[str] = []
    for kind, net, label in sorted(segments, key=lambda seg: seg[1].first):
        x0 = (net.first - window.first) / size
        w = net.size / size
        ax.add_patch(
            Rectangle(
                (x0, y),
                w,
                height,
                facecolor=KIND_COLOURS[kind],
                edgecolor="white",
                lw=0.6,
                hatch="//" if kind == "reserved" else None,
            )
        )
        text = f"{label}\n{net}"
        dark = kind in ("service", "fleet", "mesh", "pod-vswitch", "reserved")
        # ~0.0062 of the bar per character at 6.3 pt on this figure width.
        if w >= 0.0062 * max(len(label), len(str(net))) + 0.004:
            ax.text(
                x0 + w / 2,
                y + height / 2,
                text,
                ha="center",
                va="center",
                fontsize=6.3,
                color="black" if dark else "white",
            )
        else:
            small.append(f"[{len(small) + 1}] {label} {net}")
            ax.text(
                x0 + w / 2,
                y + height + 0.02,
                str(len(small)),
                ha="center",
                va="bottom",
                fontsize=5.5,
            )
    if small:
        ax.text(
            0, y - 0.05, "\n".join(textwrap.wrap("   ".join(small), 165)), va="top", fontsize=6.2
        )


ROW = 1.45


def draw_address_space(plan: Any, *, title: str = "") -> Any:
    """The address-space picture as a matplotlib Figure."""
    plt = _mpl()
    allocs = _allocations(plan)
    reserved = [IPNetwork(r.split()[0]) for r in plan.spec.reserved]
    rows = len(plan.pools) + len(plan.vpcs)
    fig, ax = plt.subplots(figsize=(13, 0.95 * rows * ROW + 1.8))
    ax.set_xlim(-0.3, 1.01)
    ax.set_ylim(-1.0, rows * ROW + 0.7)
    ax.set_axis_off()
    heading = f"meshfleet address space: {plan.spec.name}" + (f" ({title})" if title else "")
    ax.text(-0.3, rows * ROW + 0.65, heading, fontsize=13, weight="bold", va="top")
    y = rows * ROW - 0.75
    for pool in plan.pools:
        net = IPNetwork(pool.cidr)
        inside = [(k, IPNetwork(c), lbl) for k, c, lbl in allocs if IPNetwork(c) in net]
        res = [("reserved", r, "reserved") for r in reserved if r in net]
        window = _span(net, [n for _, n, _ in inside + res])
        by_kind = {
            k: sum(n.size for kk, n, _ in inside if kk == k) for k in ("vpc", "pod", "service")
        }
        _bar(ax, y, window, inside + res)
        ax.text(-0.295, y + 0.5, f"pool {pool.cidr}", weight="bold", va="center", fontsize=8.5)
        ax.text(
            -0.295,
            y + 0.12,
            f"for {', '.join(pool.kinds)}; {pool.utilisation:.2%} allocated\n"
            + ", ".join(f"{k} {v:,}" for k, v in by_kind.items() if v)
            + (f"\nbar: {window} (holds every allocation)" if window != net else ""),
            va="center",
            fontsize=6.8,
        )
        y -= ROW
    for vpc in plan.vpcs.values():
        segs = []
        for s in vpc.vswitches:
            kind = "pod-vswitch" if s.role == "pod" else s.role
            who = f" {s.cluster}" if s.cluster else ""
            segs.append((kind, IPNetwork(s.cidr), f"{s.role}{who} {s.zone.rsplit('-', 1)[-1]}"))
        _bar(ax, y, IPNetwork(vpc.cidr), segs)
        ax.text(
            -0.295,
            y + 0.5,
            f"VPC {vpc.name} {vpc.cidr}",
            weight="bold",
            va="center",
            fontsize=8.5,
        )
        ax.text(
            -0.295,
            y + 0.12,
            f"{vpc.region}; {len(vpc.vswitches)} vSwitches,\n{vpc.utilisation:.1%} of the VPC",
            va="center",
            fontsize=6.8,
        )
        y -= ROW
    from matplotlib.patches import Patch

    legend = [
        Patch(facecolor=KIND_COLOURS["vpc"], label="VPC"),
        Patch(facecolor=KIND_COLOURS["pod"], label="pod CIDR (Flannel)"),
        Patch(facecolor=KIND_COLOURS["service"], label="Service CIDR"),
        Patch(facecolor=KIND_COLOURS["reserved"], hatch="//", label="reserved"),
        Patch(facecolor=KIND_COLOURS["node"], label="vSwitch: nodes"),
        Patch(facecolor=KIND_COLOURS["pod-vswitch"], label="vSwitch: pods (Terway)"),
        Patch(facecolor=KIND_COLOURS["transit-router"], label="vSwitch: transit router"),
        Patch(facecolor=KIND_COLOURS["fleet"], label="vSwitch: Fleet / mesh"),
    ]
    ax.legend(
        handles=legend,
        loc="lower left",
        ncol=8,
        bbox_to_anchor=(-0.01, -0.01),
        fontsize=7,
        frameon=False,
        handlelength=1.2,
        columnspacing=1.0,
    )
    return fig
