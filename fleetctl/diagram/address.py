"""The address-space picture's layout: each pool with its allocations and utilisation, then each
VPC with its vSwitches by role, every range drawn to scale on a bar.

A bar zooms to the smallest aligned block that holds every allocation in it (said under the
row's heading), so a fleet that uses a sliver of 10.0.0.0/8, or a VPC sized for growth, still
shows its ranges side by side. A range too narrow for its name and CIDR gets a number above the
bar (a crowd of them one span, ``3-9``; numbers pushed apart where needed, a thin leader back to
the range) and a line in the key under the bar. Pure, like ``topology``: the result is a
``geometry.Layout`` that ``geometry.problems`` checks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from netaddr import IPAddress, IPNetwork

from fleetctl.diagram import text
from fleetctl.diagram.content import zone_tag
from fleetctl.diagram.geometry import MARGIN as M
from fleetctl.diagram.geometry import Builder, Layout, Rect

WIDTH = 13.5  # inches: the figure
BAR_H, ROW_GAP, NUM_GAP = 0.42, 0.3, 0.14
SIZE = {
    "title": 13,
    "head": 8.5,
    "detail": 6.8,
    "inside": 6.3,
    "inside-small": 5.5,
    "number": 6,
    "key": 6.2,
    "legend": 7,
}
KINDS = (
    ("vpc", "VPC"),
    ("pod", "pod CIDR (Flannel)"),
    ("service", "Service CIDR"),
    ("reserved", "reserved"),
    ("node", "vSwitch: nodes"),
    ("pod-vswitch", "vSwitch: pods (Terway)"),
    ("transit-router", "vSwitch: transit router"),
    ("fleet", "vSwitch: Fleet / mesh"),
    ("nat", "vSwitch: NAT gateway"),
)
DARK = {"vpc", "pod", "node", "nat"}  # kinds whose colour takes white text


def _allocations(plan: Any) -> list[tuple[str, IPNetwork, str]]:
    """(kind, network, label) of every fleet-wide allocation: VPCs, Flannel pod CIDRs, Services."""
    out = [("vpc", IPNetwork(v.cidr), f"VPC {v.name}") for v in plan.vpcs.values()]
    for c in plan.clusters.values():
        if c.pod_cidr:
            out.append(("pod", IPNetwork(c.pod_cidr), f"pod {c.name}"))
        out.append(("service", IPNetwork(c.service_cidr), f"service {c.name}"))
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


def _rows(plan: Any) -> list[tuple[str, list[str], IPNetwork, list[tuple[str, IPNetwork, str]]]]:
    """(heading, detail lines, bar window, segments) of every row: pools, then VPCs."""
    allocs = _allocations(plan)
    reserved = [IPNetwork(r.split()[0]) for r in plan.spec.reserved]
    rows = []
    for pool in plan.pools:
        net = IPNetwork(pool.cidr)
        inside = [a for a in allocs if a[1] in net]
        inside += [("reserved", r, "reserved") for r in reserved if r in net]
        window = _span(net, [n for _, n, _ in inside])
        by_kind = {
            k: sum(n.size for kk, n, _ in inside if kk == k) for k in ("vpc", "pod", "service")
        }
        detail = [
            f"for {', '.join(pool.kinds)}; {pool.utilisation:.2%} allocated",
            ", ".join(f"{k} {v:,}" for k, v in by_kind.items() if v) or "nothing yet",
        ]
        if window != net:
            detail.append(f"bar: {window} (holds every allocation)")
        rows.append((f"pool {pool.cidr}", detail, window, inside))
    for vpc in plan.vpcs.values():
        segs = []
        for s in vpc.vswitches:
            who = f" {s.cluster}" if s.cluster else ""
            segs.append(
                (
                    "pod-vswitch" if s.role == "pod" else s.role,
                    IPNetwork(s.cidr),
                    f"{s.role}{who} {zone_tag(s.zone, vpc.region)}",
                )
            )
        net = IPNetwork(vpc.cidr)
        window = _span(net, [n for _, n, _ in segs])
        detail = [
            f"{vpc.region}; {len(vpc.vswitches)} vSwitches,",
            f"{vpc.utilisation:.1%} of the VPC",
        ]
        if window != net:
            detail.append(f"bar: {window} (holds every vSwitch)")
        rows.append((f"VPC {vpc.name} {vpc.cidr}", detail, window, segs))
    return rows


def _runs(centres: Sequence[float]) -> list[tuple[float, str]]:
    """(centre, number) above each narrow range; ranges whose numbers would collide share one
    number span (``3-9``) centred on the run, so a crowd of tiny vSwitches stays legible."""

    def w(i: int) -> float:
        return text.width(str(i + 1), SIZE["number"])

    runs: list[list[int]] = []
    for i, c in enumerate(centres):
        last = runs[-1][-1] if runs else None
        if last is not None and c - centres[last] < (w(last) + w(i)) / 2 + 0.06:
            runs[-1].append(i)
        else:
            runs.append([i])
    return [
        (
            (centres[r[0]] + centres[r[-1]]) / 2,
            str(r[0] + 1) if len(r) == 1 else f"{r[0] + 1}-{r[-1] + 1}",
        )
        for r in runs
    ]


def _spread(wanted: Sequence[tuple[float, float]], lo: float, hi: float, gap: float) -> list[float]:
    """Left edges for labels of the given (centre, width), in order, apart by ``gap`` and within
    [lo, hi], each as near its centre as the others allow."""
    xs: list[float] = []
    for centre, w in wanted:
        xs.append(max(centre - w / 2, lo, xs[-1] + wanted[len(xs) - 1][1] + gap if xs else lo))
    right = hi
    for i in range(len(xs) - 1, -1, -1):
        xs[i] = min(xs[i], right - wanted[i][1])
        right = xs[i] - gap
    return xs


def layout(plan: Any, *, title: str = "") -> Layout:
    """The address-space picture of ``plan`` as boxes and labels."""
    b = Builder()
    b.label(
        f"meshfleet address space: {plan.spec.name}" + (f" ({title})" if title else ""),
        M,
        M,
        None,
        SIZE["title"],
        "bold",
    )
    rows = _rows(plan)
    left = max(text.width(s, SIZE["detail"]) for _, detail, _, _ in rows for s in detail)
    left = max(left, *(text.width(h, SIZE["head"], "bold") for h, _, _, _ in rows)) + 0.3
    x0, bar_w = M + left, WIDTH - 2 * M - left
    leaders: list[tuple[float, float, float, float]] = []
    y = M + text.height(SIZE["title"]) + 0.3
    for i, (head, detail, window, segs) in enumerate(rows):
        b.label(head, M, y, None, SIZE["head"], "bold")
        for k, s in enumerate(detail):
            b.label(
                s,
                M,
                y + text.height(SIZE["head"]) + 0.03 + k * text.height(SIZE["detail"]),
                None,
                SIZE["detail"],
            )
        left_bottom = (
            y + text.height(SIZE["head"]) + 0.03 + len(detail) * text.height(SIZE["detail"])
        )
        bar_id = f"bar:{i}"
        small: list[tuple[float, str]] = []  # (centre x, key text) of ranges too narrow
        nh = text.height(SIZE["number"])
        bar = b.box(bar_id, "bar", Rect(x0, y + nh + NUM_GAP, bar_w, BAR_H), None)
        size = float(window.size)
        for kind, net, label in sorted(segs, key=lambda seg: seg[1].first):
            r = Rect(
                x0 + bar_w * (net.first - window.first) / size,
                bar.y,
                bar_w * net.size / size,
                BAR_H,
            )
            b.box(f"{bar_id}:{net}", f"seg:{kind}", r, bar_id)
            lines = (label, str(net))
            fits = [
                pt
                for pt in (SIZE["inside"], SIZE["inside-small"])
                if max(text.width(s, pt) for s in lines) + 0.06 <= r.w
            ]
            if fits:
                pt, tone = fits[0], "light" if kind in DARK else "text"
                top = r.y + (BAR_H - 2 * text.height(pt)) / 2
                for k, s in enumerate(lines):
                    w = text.width(s, pt)
                    b.label(
                        s,
                        r.x + (r.w - w) / 2,
                        top + k * text.height(pt),
                        f"{bar_id}:{net}",
                        pt,
                        tone=tone,
                    )
            else:
                small.append((r.x + r.w / 2, f"[{len(small) + 1}] {label} {net}"))
        runs = _runs([c for c, _ in small])
        numbers = [(centre, text.width(name, SIZE["number"])) for centre, name in runs]
        for (centre, name), nx in zip(runs, _spread(numbers, x0, x0 + bar_w, 0.04), strict=True):
            lab = b.label(name, nx, y, None, SIZE["number"])
            leaders.append((lab.rect.x + lab.rect.w / 2, y + nh, centre, bar.y))
        key_y = bar.bottom + 0.05
        for line in _wrap([s for _, s in small], bar_w, SIZE["key"]):
            b.label(line, x0, key_y, None, SIZE["key"])
            key_y += text.height(SIZE["key"])
        y = max(left_bottom, key_y) + ROW_GAP
    _legend(b, y)
    lay = b.layout()
    return Layout(WIDTH, lay.height, lay.boxes, lay.labels, lay.links, leaders=tuple(leaders))


def _wrap(items: Sequence[str], width: float, size: float) -> list[str]:
    """Key entries joined three spaces apart, in lines no wider than ``width`` (each entry is
    measured alone: a joined line is no wider than the sum of its parts)."""
    sep = text.width("   ", size)
    lines: list[str] = []
    used = 0.0
    for item in items:
        w = text.width(item, size)
        if lines and used + sep + w <= width:
            lines[-1] += "   " + item
            used += sep + w
        else:
            lines.append(item)
            used = w
    return lines


def _legend(b: Builder, y: float) -> None:
    """A swatch and a name per kind of range, in one flowing row (two if the page is narrow)."""
    x, size, sw = M, SIZE["legend"], 0.16
    per_line = math.ceil(
        len(KINDS)
        / max(1, math.ceil(sum(sw + 0.3 + text.width(n, size) for _, n in KINDS) / (WIDTH - 2 * M)))
    )
    for i, (kind, name) in enumerate(KINDS):
        if i and i % per_line == 0:
            x, y = M, y + text.height(size) + 0.08
        b.box(f"swatch:{kind}", f"seg:{kind}", Rect(x, y, sw, text.height(size)), None)
        b.label(name, x + sw + 0.06, y, None, size)
        x += sw + 0.3 + text.width(name, size)


def draw(plan: Any, *, title: str = "") -> Any:
    """The address-space picture as a matplotlib Figure."""
    from fleetctl.diagram import render

    return render.draw(layout(plan, title=title))
