"""Drawing a ``geometry.Layout`` with matplotlib, and saving figures reproducibly.

The figure has the layout's size in inches and one axes over all of it with one data unit per
inch (y downwards), so every box, label and line lands exactly where the layout put it. Text
stays text in the SVG (``svg.fonttype = none``: searchable, diffable) and no file carries a
date, so the output is reproducible.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fleetctl.diagram import text
from fleetctl.diagram.geometry import Layout

PATH_COLOURS = {1: "#0072B2", 2: "#009E73", 3: "#D55E00", 4: "#CC79A7"}
TR_COLOUR = "#9e3d78"
LINK_STYLE = {"peer": (TR_COLOUR, 1.8), "attachment": (TR_COLOUR, 1.4), "path": (None, 1.1)}
TONES = {
    "text": "black",
    "light": "white",
    "vpc": "#0072B2",
    "tr": TR_COLOUR,
    **{f"path{n}": c for n, c in PATH_COLOURS.items()},
}
"""Text colour by what a label's colour says (``geometry.Label.tone``)."""
# Face and edge colours, line style by box kind (Okabe-Ito palette for the colour-blind-safe
# accents, as in the address-space picture).
BOX_STYLE = {
    "region": ("#f7f7f7", "#555555", "--"),
    "vpc": ("#e8f1fa", "#0072B2", "-"),
    "cluster": ("#ffffff", "#333333", "-"),
    "fleet": ("#fff8d6", "#8a6d00", "-"),
    "mesh": ("#fff8d6", "#8a6d00", "-"),
    "tr": ("#f6e6f0", TR_COLOUR, "-"),
    "cen": ("#fdf6fa", TR_COLOUR, "--"),
    "legend": ("#ffffff", "#999999", "-"),
    "kubeconfig": ("#fbeef6", "#CC79A7", "-"),
}
RANGE_COLOURS = {  # the address-space picture's ranges, by kind
    "vpc": "#0072B2",
    "pod": "#D55E00",
    "service": "#E69F00",
    "reserved": "#999999",
    "node": "#009E73",
    "pod-vswitch": "#56B4E9",
    "transit-router": "#CC79A7",
    "fleet": "#F0E442",
    "mesh": "#F0E442",
    "nat": "#000000",
}
MAX_PIXELS = 7000  # the PNG's longer side; larger pictures get a lower resolution
DPI = 130


def mpl() -> Any:
    """pyplot, headless, with the settings that keep SVG text searchable and ids stable."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "meshfleet",
            "font.family": text.FONT,
            "font.size": 9,
        }
    )
    import matplotlib.pyplot as plt

    return plt


def draw(layout: Layout) -> Any:
    """The layout as a matplotlib Figure of the same size."""
    from matplotlib.collections import LineCollection
    from matplotlib.patches import FancyBboxPatch, Polygon, Rectangle

    plt = mpl()
    fig = plt.figure(figsize=(layout.width, layout.height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, layout.width)
    ax.set_ylim(layout.height, 0)
    ax.set_axis_off()
    depth = {b.id: 0 for b in layout.boxes}
    parents = {b.id: b.parent for b in layout.boxes}
    for b in layout.boxes:
        p = b.parent
        while p is not None:
            depth[b.id] += 1
            p = parents[p]
    for b in layout.boxes:
        r = b.rect
        if b.kind == "bar" or b.kind.startswith("seg:"):  # a range to scale: square corners
            kind = b.kind.removeprefix("seg:")
            ax.add_patch(
                Rectangle(
                    (r.x, r.y),
                    r.w,
                    r.h,
                    zorder=1 + depth[b.id],
                    gid=b.id,
                    facecolor=RANGE_COLOURS.get(kind, "#f2f2f2"),
                    edgecolor="#888888" if kind == "bar" else "white",
                    lw=0.8 if kind == "bar" else 0.6,
                    hatch="//" if kind == "reserved" else None,
                )
            )
            continue
        face, edge, style = BOX_STYLE[b.kind]
        ax.add_patch(
            FancyBboxPatch(
                (r.x, r.y),
                r.w,
                r.h,
                linewidth=1.1,
                facecolor=face,
                edgecolor=edge,
                linestyle=style,
                boxstyle=f"round,pad=0,rounding_size={min(0.08, r.w / 4, r.h / 4)}",
                zorder=1 + depth[b.id],
                gid=b.id,
            )
        )
    for link in layout.links:
        colour, lw = LINK_STYLE[link.kind]
        colour = colour or PATH_COLOURS[link.number or 1]
        ax.add_collection(
            LineCollection(
                [((s.x0, s.y0), (s.x1, s.y1)) for s in link.segments],
                colors=colour,
                linewidths=lw,
                capstyle="round",
                joinstyle="round",
                zorder=10,
                gid=link.id,
            )
        )
        for x, y in link.heads:  # pointing down onto the box edge
            ax.add_patch(
                Polygon(
                    ((x - 0.035, y - 0.075), (x + 0.035, y - 0.075), (x, y)),
                    closed=True,
                    facecolor=colour,
                    edgecolor="none",
                    zorder=11,
                )
            )
        for x, y in link.tails:
            ax.plot((x,), (y,), marker="o", ms=3.2, color=colour, zorder=11)
    for x0, y0, x1, y1 in layout.leaders:
        ax.plot((x0, x1), (y0, y1), color="#777777", lw=0.5, zorder=12)
    for lab in layout.labels:
        ax.text(
            lab.rect.x,
            lab.rect.y,
            lab.text,
            fontsize=lab.size,
            weight=lab.weight,
            color=TONES[lab.tone],
            ha="left",
            va="top",
            zorder=20,
        )
    return fig


def save(fig: Any, stem: Path) -> list[Path]:
    """``stem``.svg and ``stem``.png, with no date or software version in them."""
    plt = mpl()
    paths = [stem.with_suffix(".svg"), stem.with_suffix(".png")]
    w, h = fig.get_size_inches()
    dpi = min(DPI, MAX_PIXELS / max(w, h))
    fig.savefig(paths[0], format="svg", metadata={"Date": None})
    fig.savefig(paths[1], format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    return paths
