"""The address-space picture: each pool with its allocations and utilisation, then each VPC with
its vSwitches by role, every range drawn to scale.

A pool's bar zooms to the smallest aligned block that holds every allocation in it, so a fleet
that uses a sliver of 10.0.0.0/8 still shows its ranges side by side.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from netaddr import IPAddress, IPNetwork

from fleetctl.diagram.render import mpl

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


def draw(plan: Any, *, title: str = "") -> Any:
    """The address-space picture as a matplotlib Figure."""
    plt = mpl()
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
