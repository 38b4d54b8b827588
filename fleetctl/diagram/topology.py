"""The topology picture's layout: a plan in, boxes, labels and links out (``geometry.Layout``).

Pure: no figure is made (text is measured from the font). The picture, top to bottom:

* the title, the legend of the connection paths and the merged kubeconfig (path (4));
* the path channel: paths (1) Fleet -> member API servers, (2) members -> Fleet API server and
  (3) mesh -> member API servers, each drawn as one tree of orthogonal lines, one trunk each;
* the regions side by side, all of one height. In each: its VPCs stacked; left of them a gutter
  where each path has a line per VPC that it reaches, right of them a gutter where each VPC's
  attachment runs down to the region's transit router, which sits at the region's foot. In each
  VPC: rows of cards (Fleet, mesh, clusters), each row under a channel where every path reaching
  the row runs in from the gutter and drops onto each card's port;
* the CEN band: the peer attachments between the transit routers, one track each, shortest spans
  nearest the routers, each labelled in a gap between routers where no other line runs.

Orders are chosen so that lines cross only where they must: in a gutter the lower VPC's lines
run outside the upper one's, at a transit router the links to nearer regions leave from the
outer ports. Every vertical line has its own x and every horizontal one its own y, so no two
links ever share a segment.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import combinations
from typing import Any

from fleetctl.diagram import content, text
from fleetctl.diagram.content import ROOT, TRUNK_TEXT, Card, Options, Vpc
from fleetctl.diagram.geometry import MARGIN as M
from fleetctl.diagram.geometry import Builder, Layout, Link, Rect, Segment

PAD, CARD_PAD = 0.12, 0.07
LANE = 0.09  # between parallel lines
COL_GAP, ROW_GAP, VPC_GAP, SECTION_GAP = 0.22, 0.1, 0.25, 0.3
CH_TOP, CH_BOTTOM = 0.06, 0.13  # above / below a row channel's lines (the arrowheads' room)
TRUNK = 0.17  # between the path channel's trunks (a label each)
PORT = 0.13  # between a transit router's peer ports
SIZE = {
    "title": 13,
    "subtitle": 9,
    "region": 9.5,
    "vpc": 8.5,
    "head": 8,
    "body": 7,
    "tr": 7.5,
    "link": 7,
    "legend": 8,
}
ASPECT = 1.6
"""Width : height the automatic choice of cards per row aims at (a landscape page or screen)."""


def layout(plan: Any, opts: Options | None = None) -> Layout:
    """The topology of ``plan`` as boxes, labels and links (see ``geometry.problems``)."""
    opts = opts or Options()
    if opts.region is not None and opts.region not in plan.regions:
        raise ValueError(
            f"--region {opts.region}: not a region of this fleet "
            f"(regions: {', '.join(plan.regions)})"
        )
    if opts.cols:
        return _Topology(plan, opts, opts.cols).layout()
    most = max(len(v.cards) for v in content.vpcs(plan, opts))
    tries = [_Topology(plan, opts, cols).layout() for cols in range(1, min(4, max(1, most)) + 1)]
    return min(tries, key=lambda t: (abs(math.log(t.width / t.height / ASPECT)), t.width))


def _card_height(card: Card) -> float:
    return 2 * CARD_PAD + text.height(SIZE["head"]) + len(card.lines) * text.height(SIZE["body"])


def _card_width(cards: Sequence[Card]) -> float:
    widths = [text.width(c.head, SIZE["head"], "bold") for c in cards]
    widths += [text.width(s, SIZE["body"]) for c in cards for s in c.lines]
    return max(widths, default=1.0) + 2 * CARD_PAD + 0.1


class _Topology:
    """One layout pass for a given number of cards per row."""

    def __init__(self, plan: Any, opts: Options, cols: int) -> None:
        self.plan, self.opts, self.cols = plan, opts, cols
        self.cen = plan.spec.connectivity == "cen"
        self.b = Builder()
        self.regions = list(plan.regions)
        self.vpcs = content.vpcs(plan, opts)
        self.card_w = _card_width([c for v in self.vpcs for c in v.cards])
        # A path spanning several VPCs comes down to each of them from the path channel.
        self.global_paths = [p for p in (1, 2, 3) if sum(1 for v in self.vpcs if p in v.paths) > 1]
        self.ports: dict[int, list[tuple[str, float, float]]] = {1: [], 2: [], 3: []}
        self.segs: dict[int, list[Segment]] = {1: [], 2: [], 3: []}
        self.branch_y: dict[tuple[str, int], list[float]] = {}
        self.attach_y: dict[str, float] = {}

    # ---- sizes ---------------------------------------------------------------------------

    def vpc_min_w(self, v: Vpc) -> float:
        n = min(self.cols, max(1, len(v.cards)))
        inner = [n * self.card_w + (n - 1) * COL_GAP if v.cards else 0.0]
        inner += [text.width(s, SIZE["body"]) for s in (*v.attach, *([v.note] if v.note else []))]
        return 2 * PAD + max(*inner, text.width(v.head, SIZE["vpc"], "bold"))

    def rows(self, v: Vpc) -> list[tuple[Card, ...]]:
        return [v.cards[i : i + self.cols] for i in range(0, len(v.cards), self.cols)]

    def channel_h(self) -> float:
        return CH_TOP + 2 * LANE + CH_BOTTOM if self.opts.paths else 0.0

    def vpc_h(self, v: Vpc) -> float:
        h = PAD + text.height(SIZE["vpc"]) + 0.06
        for row in self.rows(v):
            h += self.channel_h() + max(_card_height(c) for c in row) + ROW_GAP
        h += (text.height(SIZE["body"]) + 0.04) if v.note else 0
        h += len(v.attach) * text.height(SIZE["body"])
        return h + PAD

    def region_vpcs(self, region: str) -> list[Vpc]:
        return [v for v in self.vpcs if v.region == region]

    def gutter(self, region: str) -> list[tuple[str, int]]:
        """(VPC, path) of the lines running down the region's left gutter, outermost first: the
        lower VPC's lines outside the upper one's, path (1) innermost within a VPC."""
        return [
            (v.name, p)
            for v in reversed(self.region_vpcs(region))
            for p in sorted(v.paths, reverse=True)
        ]

    def tr_w(self) -> float:
        labels = [text.width("CEN transit router", SIZE["tr"], "bold")]
        labels += [text.width(r, SIZE["tr"]) for r in self.regions]
        lanes = max(len(self.region_vpcs(r)) for r in self.regions) * LANE
        return max(max(labels) + 0.2, (len(self.regions) - 1) * PORT + 0.2, lanes + 0.25)

    def tr_h(self) -> float:
        return 2 * text.height(SIZE["tr"]) + 0.14

    def right_w(self, region: str) -> float:
        return 2 * PAD + len(self.region_vpcs(region)) * LANE if self.cen else PAD

    def region_w(self, region: str) -> float:
        gutter = self.gutter_w(region)
        vpcs = [self.vpc_min_w(v) for v in self.region_vpcs(region)]
        head = text.width(f"region {region}", SIZE["region"], "bold")
        return max(
            gutter + PAD + max(vpcs) + self.right_w(region),
            gutter + 2 * PAD + head,
            2 * PAD + (self.tr_w() if self.cen else 0),
        )

    def gutter_w(self, region: str) -> float:
        n = len(self.gutter(region))
        return PAD + n * LANE if n else 0.0

    def region_h(self, region: str) -> float:
        vpcs = self.region_vpcs(region)
        h = PAD + text.height(SIZE["region"]) + 0.12
        h += sum(self.vpc_h(v) for v in vpcs) + VPC_GAP * (len(vpcs) - 1)
        return h + (SECTION_GAP + self.tr_h() if self.cen else 0) + PAD

    # ---- placement -----------------------------------------------------------------------

    def layout(self) -> Layout:
        b = self.b
        title, subtitle = content.heading(self.plan, self.opts)
        b.label(title, M, M, None, SIZE["title"], "bold")
        y = M + text.height(SIZE["title"]) + 0.08
        b.label(subtitle, M, y, None, SIZE["subtitle"])
        y = self.legend(y + text.height(SIZE["subtitle"]) + 0.2) + SECTION_GAP
        trunk_y = {p: y + (k + 0.5) * TRUNK for k, p in enumerate(self.global_paths)}
        y += len(self.global_paths) * TRUNK + (0.15 if self.global_paths else 0)
        widths = {r: self.region_w(r) for r in self.regions}
        height = max(self.region_h(r) for r in self.regions)
        gap = self.region_gap(widths)
        self.region_rects: dict[str, Rect] = {}
        self.tr_rects: dict[str, Rect] = {}
        self.trunk_x: dict[int, list[float]] = {1: [], 2: [], 3: []}
        x = M
        for r in self.regions:
            self.region_rects[r] = self.place_region(r, x, y, widths[r], height)
            x += widths[r] + gap
        bottom = y + height
        if self.cen and len(self.regions) > 1:
            self.place_band(bottom + SECTION_GAP, x - gap)
        self.place_paths(trunk_y, y)
        return b.layout(content.notes(self.plan, self.opts))

    def legend(self, y: float) -> float:
        b, size = self.b, SIZE["legend"]
        lh = text.height(size) * 1.15
        x, bottom = M, y
        for box_id, head, lines in content.legend(self.plan, self.opts):
            tone = "path4" if box_id == "kubeconfig" else "text"
            w = 2 * PAD + max(
                text.width(head, size, "bold"), *(text.width(s, size) for s, _ in lines)
            )
            h = 2 * PAD + lh * len(lines) + text.height(size) + 0.04
            b.box(box_id, box_id, Rect(x, y, w, h), None)
            b.label(head, x + PAD, y + PAD, box_id, size, "bold", tone)
            for i, (s, line_tone) in enumerate(lines):
                b.label(
                    s,
                    x + PAD,
                    y + PAD + text.height(size) + 0.04 + i * lh,
                    box_id,
                    size,
                    tone=line_tone,
                )
            x, bottom = x + w + SECTION_GAP, max(bottom, y + h)
        return bottom

    def region_gap(self, widths: dict[str, float]) -> float:
        """Room between regions: each gap between transit routers holds a peer link's label."""
        if not self.cen or len(self.regions) < 2:
            return 0.45
        short = max(
            text.width(f"{a} <-> {z}", SIZE["link"]) for a, z in combinations(self.regions, 2)
        )
        ports = (len(self.regions) - 2) * PORT  # the span of a router's ports
        return max(0.45, short + 0.16 + ports - min(widths[r] for r in self.regions[1:]))

    def place_region(self, region: str, x: float, y: float, w: float, h: float) -> Rect:
        b, rid = self.b, f"region:{region}"
        rect = b.box(rid, "region", Rect(x, y, w, h), None)
        gw = self.gutter_w(region)
        b.label(f"region {region}", x + gw + PAD, y + PAD, rid, SIZE["region"], "bold")
        vx, vy = x + gw + PAD, y + PAD + text.height(SIZE["region"]) + 0.12
        vw = w - gw - PAD - self.right_w(region)
        vpcs = self.region_vpcs(region)
        for v in vpcs:
            self.place_vpc(v, rid, Rect(vx, vy, vw, self.vpc_h(v)))
            vy += self.vpc_h(v) + VPC_GAP
        for k, (vname, p) in enumerate(self.gutter(region)):
            gx, ys = x + PAD + (k + 0.5) * LANE, self.branch_y[(vname, p)]
            top = y if p in self.global_paths else min(ys)
            if max(ys) > top:
                self.segs[p].append(Segment(gx, top, gx, max(ys), rid))
            self.segs[p] += [Segment(gx, by, vx, by, rid) for by in ys]
            self.trunk_x[p].append(gx)
        if self.cen:
            tw, th, tid = self.tr_w(), self.tr_h(), f"tr:{region}"
            tr = b.box(tid, "tr", Rect(x + w - PAD - tw, y + h - PAD - th, tw, th), rid)
            self.tr_rects[region] = tr
            for i, (s, weight) in enumerate((("CEN transit router", "bold"), (region, "normal"))):
                lw = text.width(s, SIZE["tr"], weight)
                b.label(
                    s,
                    tr.x + (tw - lw) / 2,
                    tr.y + 0.07 + i * text.height(SIZE["tr"]),
                    tid,
                    SIZE["tr"],
                    weight,
                )
            for k, v in enumerate(reversed(vpcs)):  # the upper VPC's lane runs outside
                lx, ay = vx + vw + PAD + (k + 0.5) * LANE, self.attach_y[v.name]
                b.links.append(
                    Link(
                        f"attachment:{v.name}",
                        "attachment",
                        (Segment(vx + vw, ay, lx, ay, rid), Segment(lx, ay, lx, tr.y, rid)),
                        (f"vpc:{v.name}", tid),
                    )
                )
        return rect

    def place_vpc(self, v: Vpc, parent: str, r: Rect) -> None:
        """The VPC's cards in rows; above each row a channel where every path reaching the row
        runs in from the region's gutter (its own line) and drops onto each card's port."""
        b, vid, body = self.b, f"vpc:{v.name}", SIZE["body"]
        b.box(vid, "vpc", r, parent)
        b.label(v.head, r.x + PAD, r.y + PAD, vid, SIZE["vpc"], "bold", "vpc")
        y = r.y + PAD + text.height(SIZE["vpc"]) + 0.06
        x0 = r.x + PAD
        for p in v.paths:
            self.branch_y[(v.name, p)] = []
        for row in self.rows(v):
            y += self.channel_h()
            ends: dict[int, float] = {}
            for i, card in enumerate(row):
                cr = Rect(x0 + i * (self.card_w + COL_GAP), y, self.card_w, _card_height(card))
                self.place_card(card, cr, vid)
                for p in card.ports:
                    px, by = cr.right - 0.14 - (p - 1) * LANE, y - CH_BOTTOM - (3 - p) * LANE
                    self.ports[p].append((card.id, px, y))
                    self.segs[p].append(Segment(px, by, px, y, vid))
                    ends[p] = max(ends.get(p, px), px)
            for p, end in ends.items():
                by = y - CH_BOTTOM - (3 - p) * LANE
                self.segs[p].append(Segment(r.x, by, end, by, vid))
                self.branch_y[(v.name, p)].append(by)
            y += max(_card_height(c) for c in row) + ROW_GAP
        if v.note:
            b.label(v.note, x0, y, vid, body)
            y += text.height(body) + 0.04
        for i, s in enumerate(v.attach):
            b.label(s, x0, y + i * text.height(body), vid, body, tone="tr")
        self.attach_y[v.name] = y + text.height(body) / 2

    def place_card(self, card: Card, r: Rect, parent: str) -> None:
        self.b.box(card.id, card.kind, r, parent)
        self.b.label(card.head, r.x + CARD_PAD, r.y + CARD_PAD, card.id, SIZE["head"], "bold")
        y = r.y + CARD_PAD + text.height(SIZE["head"])
        for s in card.lines:
            self.b.label(s, r.x + CARD_PAD, y, card.id, SIZE["body"])
            y += text.height(SIZE["body"])

    def place_band(self, top: float, right: float) -> None:
        """The peer attachments: one track per region pair, shortest spans nearest the routers;
        at each router the links to nearer regions leave from the outer ports."""
        b, n, lh = self.b, len(self.regions), text.height(SIZE["link"])
        pairs = sorted(combinations(range(n), 2), key=lambda ab: (ab[1] - ab[0], ab[0]))
        depth = {pair: k for k, pair in enumerate(pairs)}
        first = top + PAD + lh + 0.03
        track = {pair: first + k * (lh + 0.1) for k, pair in enumerate(pairs)}
        # The heading goes under the deepest track: no line runs there.
        head_y = track[pairs[-1]] + 0.12
        band = b.box(
            "cen",
            "cen",
            Rect(M, top, right - M, head_y + text.height(SIZE["legend"]) + PAD - top),
            None,
        )
        b.label(
            f"CEN: transit-router peer attachments, a full mesh of the {n} regions, "
            f"{self.plan.spec.cen_bandwidth} Mbps each",
            M + PAD,
            head_y,
            "cen",
            SIZE["legend"],
            "bold",
            "tr",
        )
        port_x: dict[tuple[int, int], float] = {}
        for i, region in enumerate(self.regions):
            left = sorted((depth[(j, i)], j) for j in range(i))
            right_ = sorted(((depth[(i, j)], j) for j in range(i + 1, n)), reverse=True)
            order = [j for _, j in left] + [j for _, j in right_]
            tr = self.tr_rects[region]
            for m, j in enumerate(order):
                port_x[(i, j)] = tr.x + tr.w / 2 + (m - (len(order) - 1) / 2) * PORT
        trs = [self.tr_rects[r] for r in self.regions]
        for a, z in pairs:
            ty, segs = track[(a, z)], []
            for i, j in ((a, z), (z, a)):
                px, region = port_x[(i, j)], self.regions[i]
                rr = self.region_rects[region]
                segs += [
                    Segment(px, trs[i].bottom, px, rr.bottom, f"region:{region}"),
                    Segment(px, rr.bottom, px, band.y, None),
                    Segment(px, band.y, px, ty, "cen"),
                ]
            segs.append(Segment(port_x[(a, z)], ty, port_x[(z, a)], ty, "cen"))
            ra, rz = self.regions[a], self.regions[z]
            b.links.append(Link(f"peer:{ra}:{rz}", "peer", tuple(segs), (f"tr:{ra}", f"tr:{rz}")))
            gaps = sorted(range(a, z), key=lambda g: (abs(g + 0.5 - (a + z) / 2), g))
            # Between two routers' outermost ports no line runs in the band.
            spots = [
                (
                    max(port_x[(g, j)] for j in range(n) if j != g) + 0.08,
                    min(port_x[(g + 1, j)] for j in range(n) if j != g + 1) - 0.08,
                )
                for g in gaps
            ]
            label = f"peer attachment {ra} <-> {rz}"
            fits = [s for s in spots if text.width(label, SIZE["link"]) <= s[1] - s[0]]
            if not fits:
                label, fits = f"{ra} <-> {rz}", spots
            lo, hi = fits[0]
            lw = text.width(label, SIZE["link"])
            b.label(label, (lo + hi - lw) / 2, ty - 0.03 - lh, "cen", SIZE["link"], tone="tr")

    def place_paths(self, trunk_y: dict[int, float], regions_top: float) -> None:
        label_x = max((x for xs in self.trunk_x.values() for x in xs), default=0.0) + 0.12
        for p in (1, 2, 3):
            ports = self.ports[p]
            if len(ports) < 2:
                continue
            segs = self.segs[p]
            if p in self.global_paths:
                xs, ty = self.trunk_x[p], trunk_y[p]
                segs += [Segment(x, ty, x, regions_top, None) for x in xs]
                segs.append(Segment(min(xs), ty, max(xs), ty, None))
                self.b.label(
                    TRUNK_TEXT[p],
                    label_x,
                    ty - text.height(SIZE["link"]) / 2,
                    None,
                    SIZE["link"],
                    "bold",
                    f"path{p}",
                )
            root = [(x, y) for cid, x, y in ports if cid == ROOT[p]]
            rest = [(x, y) for cid, x, y in ports if cid != ROOT[p]]
            heads, tails = (root, rest) if p == 2 else (rest, root)
            self.b.links.append(
                Link(
                    f"path:{p}",
                    "path",
                    tuple(segs),
                    tuple(cid for cid, _, _ in ports),
                    tuple(heads),
                    tuple(tails),
                    p,
                )
            )
