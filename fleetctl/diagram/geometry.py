"""The geometry of a picture: boxes, labels and orthogonal links, and the rules a good one keeps.

Coordinates are inches from the figure's top-left corner, y growing downwards. A layout is
computed whole before anything is drawn, so ``problems`` can check it (the tests run it over
generated fleets) and the renderer maps it 1:1 onto a figure of the same size.

The rules (``problems`` names every breach):

* boxes: each inside the figure and inside its parent; two boxes overlap only when one contains
  the other;
* labels: inside their box, clear of every other box (except the ones containing theirs), of every
  other label and of every link;
* links: axis-parallel segments, each inside the box it runs in (``scope``) and clear of the
  inside of every other box (a segment may end on a box's edge); no two segments anywhere lie on
  each other for any length; each link is one connected piece touching every box it joins.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations

from fleetctl.diagram import text

EPS = 1e-6
MARGIN = 0.3
"""Inches of white round the picture."""


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def contains(self, other: Rect) -> bool:
        """``other`` lies inside this rectangle (edges may touch)."""
        return (
            other.x >= self.x - EPS
            and other.y >= self.y - EPS
            and other.right <= self.right + EPS
            and other.bottom <= self.bottom + EPS
        )

    def overlaps(self, other: Rect) -> bool:
        """The insides intersect (touching edges do not count)."""
        return (
            min(self.right, other.right) - max(self.x, other.x) > EPS
            and min(self.bottom, other.bottom) - max(self.y, other.y) > EPS
        )


@dataclass(frozen=True)
class Box:
    id: str
    """``region:<name>``, ``vpc:<name>``, ``cluster:<name>``, ``fleet``, ``mesh``, ``tr:<region>``,
    ``cen``, ``legend``, ``kubeconfig``."""
    kind: str
    rect: Rect
    parent: str | None = None
    """The box this one is drawn in; None: the figure."""


@dataclass(frozen=True)
class Label:
    text: str
    rect: Rect
    """The text's extent; the text is drawn from the top-left corner."""
    box: str | None
    """The box the label is written in; None: the figure."""
    size: float
    weight: str = "normal"
    tone: str = "text"
    """What the colour says (``text``, ``vpc``, ``tr``, ``path1`` ...); the renderer picks it."""


@dataclass(frozen=True)
class Segment:
    x0: float
    y0: float
    x1: float
    y1: float
    scope: str | None
    """The box the segment runs in; None: the figure outside every box."""

    @property
    def horizontal(self) -> bool:
        return abs(self.y0 - self.y1) <= EPS

    @property
    def length(self) -> float:
        return abs(self.x1 - self.x0) + abs(self.y1 - self.y0)


@dataclass(frozen=True)
class Link:
    id: str
    """``peer:<a>:<b>``, ``attachment:<vpc>``, ``path:<n>``."""
    kind: str
    """``peer``, ``attachment`` or ``path``."""
    segments: tuple[Segment, ...]
    joins: tuple[str, ...]
    """The boxes the link connects (each touched by an end of some segment)."""
    heads: tuple[tuple[float, float], ...] = ()
    """Arrowheads, pointing down onto the box edge at (x, y)."""
    tails: tuple[tuple[float, float], ...] = ()
    """Where the link starts (drawn as a dot)."""
    number: int | None = None
    """The connection path number, for ``path`` links."""


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    boxes: tuple[Box, ...]
    labels: tuple[Label, ...]
    links: tuple[Link, ...]
    notes: tuple[str, ...] = field(default=())
    """Things the picture leaves out (e.g. regions drawn collapsed), for the command to print."""
    leaders: tuple[tuple[float, float, float, float], ...] = field(default=())
    """Thin pointers (x0, y0, x1, y1) from a number to the range it names, drawn between a row
    of numbers and the bar under it where nothing else is: not links, not checked as links."""

    def box(self, box_id: str) -> Box:
        return next(b for b in self.boxes if b.id == box_id)


class Builder:
    """Collects a layout's boxes, labels and links; labels are measured as they are added."""

    def __init__(self) -> None:
        self.boxes: list[Box] = []
        self.labels: list[Label] = []
        self.links: list[Link] = []

    def box(self, box_id: str, kind: str, rect: Rect, parent: str | None) -> Rect:
        self.boxes.append(Box(box_id, kind, rect, parent))
        return rect

    def label(
        self,
        s: str,
        x: float,
        y: float,
        box: str | None,
        size: float,
        weight: str = "normal",
        tone: str = "text",
    ) -> Label:
        lab = Label(
            s, Rect(x, y, text.width(s, size, weight), text.height(size)), box, size, weight, tone
        )
        self.labels.append(lab)
        return lab

    def layout(self, notes: Iterable[str] = ()) -> Layout:
        """The layout of everything added, the figure a margin larger than its content."""
        rects = [b.rect for b in self.boxes] + [lab.rect for lab in self.labels]
        return Layout(
            max(r.right for r in rects) + MARGIN,
            max(r.bottom for r in rects) + MARGIN,
            tuple(self.boxes),
            tuple(self.labels),
            tuple(self.links),
            tuple(notes),
        )


def _ancestors(boxes: dict[str, Box], box_id: str | None) -> set[str]:
    out: set[str] = set()
    while box_id is not None and box_id not in out:
        out.add(box_id)
        box_id = boxes[box_id].parent
    return out


def _segment_rect(s: Segment) -> Rect:
    return Rect(min(s.x0, s.x1), min(s.y0, s.y1), abs(s.x1 - s.x0), abs(s.y1 - s.y0))


def _crosses(s: Segment, r: Rect) -> bool:
    """The segment runs through the inside of ``r`` (running along or ending on an edge is fine)."""
    if s.horizontal:
        lo, hi = sorted((s.x0, s.x1))
        return r.y + EPS < s.y0 < r.bottom - EPS and min(hi, r.right) - max(lo, r.x) > EPS
    lo, hi = sorted((s.y0, s.y1))
    return r.x + EPS < s.x0 < r.right - EPS and min(hi, r.bottom) - max(lo, r.y) > EPS


def _shared(a: Segment, b: Segment) -> bool:
    """The two segments lie on each other for a positive length."""
    if a.horizontal != b.horizontal:
        return False
    if a.horizontal:
        if abs(a.y0 - b.y0) > EPS:
            return False
        (a0, a1), (b0, b1) = sorted((a.x0, a.x1)), sorted((b.x0, b.x1))
    else:
        if abs(a.x0 - b.x0) > EPS:
            return False
        (a0, a1), (b0, b1) = sorted((a.y0, a.y1)), sorted((b.y0, b.y1))
    return min(a1, b1) - max(a0, b0) > EPS


def _connected(segments: tuple[Segment, ...]) -> bool:
    """One piece: segments meet end to end or an end lies on another segment (a T junction)."""
    if not segments:
        return False

    def touch(a: Segment, b: Segment) -> bool:
        return any(_on(p, b) for p in ((a.x0, a.y0), (a.x1, a.y1))) or any(
            _on(p, a) for p in ((b.x0, b.y0), (b.x1, b.y1))
        )

    seen, todo = {0}, [0]
    while todo:
        i = todo.pop()
        for j in range(len(segments)):
            if j not in seen and touch(segments[i], segments[j]):
                seen.add(j)
                todo.append(j)
    return len(seen) == len(segments)


def _on(p: tuple[float, float], s: Segment) -> bool:
    r = _segment_rect(s)
    return r.x - EPS <= p[0] <= r.right + EPS and r.y - EPS <= p[1] <= r.bottom + EPS


def _on_edge(p: tuple[float, float], r: Rect) -> bool:
    x, y = p
    inside = r.x - EPS <= x <= r.right + EPS and r.y - EPS <= y <= r.bottom + EPS
    return inside and min(abs(x - r.x), abs(x - r.right), abs(y - r.y), abs(y - r.bottom)) <= EPS


def _pairs_sharing(segs: list[tuple[str, Segment]]) -> Iterator[tuple[str, str, Segment]]:
    """Pairs of segments that lie on each other; a sweep per line keeps this near-linear."""
    lines: dict[tuple[bool, int], list[tuple[float, float, str, Segment]]] = {}
    for owner, s in segs:
        if s.horizontal:
            key, lo, hi = (True, round(s.y0 * 1e4)), *sorted((s.x0, s.x1))
        else:
            key, lo, hi = (False, round(s.x0 * 1e4)), *sorted((s.y0, s.y1))
        lines.setdefault(key, []).append((lo, hi, owner, s))
    for items in lines.values():
        items.sort(key=lambda t: t[0])
        for i, (_lo, hi, owner, s) in enumerate(items):
            for lo2, _hi2, owner2, s2 in items[i + 1 :]:
                if lo2 > hi - EPS:
                    break
                if _shared(s, s2):
                    yield owner, owner2, s


def problems(layout: Layout) -> list[str]:
    """Every breach of the rules above, as readable sentences (empty: the layout is sound)."""
    out: list[str] = []
    boxes = {b.id: b for b in layout.boxes}
    figure = Rect(0, 0, layout.width, layout.height)
    if len(boxes) != len(layout.boxes):
        out.append("box ids are not unique")
    for bx in layout.boxes:
        outer = boxes[bx.parent].rect if bx.parent in boxes else figure
        if bx.parent is not None and bx.parent not in boxes:
            out.append(f"{bx.id}: parent {bx.parent} does not exist")
        if not outer.contains(bx.rect):
            out.append(f"{bx.id} is not inside {bx.parent or 'the figure'}")
    for a, b in combinations(layout.boxes, 2):
        if (
            a.rect.overlaps(b.rect)
            and a.id not in _ancestors(boxes, b.id)
            and b.id not in _ancestors(boxes, a.id)
        ):
            out.append(f"boxes {a.id} and {b.id} overlap")
    for lab in layout.labels:
        home = _ancestors(boxes, lab.box)
        outer = boxes[lab.box].rect if lab.box in boxes else figure
        if not outer.contains(lab.rect):
            out.append(f"label {lab.text!r} runs out of {lab.box or 'the figure'}")
        out += [
            f"label {lab.text!r} overlaps box {b.id}"
            for b in layout.boxes
            if b.id not in home and lab.rect.overlaps(b.rect)
        ]
    for la, lb in combinations(layout.labels, 2):
        if la.rect.overlaps(lb.rect):
            out.append(f"labels {la.text!r} and {lb.text!r} overlap")
    segs = [(link.id, s) for link in layout.links for s in link.segments]
    for owner, s in segs:
        if not (s.horizontal or abs(s.x0 - s.x1) <= EPS):
            out.append(f"{owner}: segment {s} is not axis-parallel")
            continue
        scope = boxes[s.scope].rect if s.scope in boxes else figure
        if not scope.contains(_segment_rect(s)):
            out.append(f"{owner}: segment {s} runs out of {s.scope or 'the figure'}")
        allowed = _ancestors(boxes, s.scope)
        out += [
            f"{owner}: segment {s} runs through box {b.id}"
            for b in layout.boxes
            if b.id not in allowed and _crosses(s, b.rect)
        ]
        out += [
            f"{owner}: segment {s} runs through label {lab.text!r}"
            for lab in layout.labels
            if _crosses(s, lab.rect)
        ]
    out += [f"{a} and {b} share a segment at {s}" for a, b, s in _pairs_sharing(segs)]
    for link in layout.links:
        if not _connected(link.segments):
            out.append(f"{link.id} is not one connected line")
        ends = [p for s in link.segments for p in ((s.x0, s.y0), (s.x1, s.y1))]
        for j in link.joins:
            if j not in boxes or not any(_on_edge(p, boxes[j].rect) for p in ends):
                out.append(f"{link.id} does not reach {j}")
    return out
