"""Text metrics for the layouts: how much room a label takes, measured with the font it is drawn in.

The width comes from the font's own glyph metrics (matplotlib's ``TextToPath``, no figure, no
renderer), so a layout is computed before anything is drawn. The Agg renderer hints glyphs and
comes out up to ~3 % wider at the PNG resolution, hence the margin; ``test_diagram`` renders the
pictures and checks every drawn text against the box it was laid out in.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

FONT = "DejaVu Sans"
WIDTH_MARGIN = 1.04
LINE_HEIGHT = 1.2
"""A label's height in font sizes (ascent + descent of the font, as the renderer draws it)."""


@lru_cache(maxsize=4096)
def width(text: str, size: float, weight: str = "normal") -> float:
    """Width in inches of one line of text at ``size`` points."""
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(family=FONT, size=size, weight=weight)
    w, _h, _d = _text_to_path().get_text_width_height_descent(text, prop, ismath=False)
    return float(w) * WIDTH_MARGIN / 72 + 1 / 72


def height(size: float) -> float:
    """Height in inches of one line of text at ``size`` points."""
    return size * LINE_HEIGHT / 72


@lru_cache(maxsize=1)
def _text_to_path() -> Any:
    from matplotlib.textpath import TextToPath

    return TextToPath()  # one instance: it caches the loaded fonts
