"""Small shared pieces of the Explorer's bqplot panels: figure factory and colours.

Kept apart so every panel draws with the same margins, sizes and highlight colours, and the
family colours match the map's categorical palette.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as ipw

from ..map.colormaps import CATEGORICAL

#: colour of ordinary points, of selected points and of the focused material
BASE = "#4E79A7"
SELECTED = "#E15759"
FOCUS = "#F28E2B"
DECODED = "#D55E00"
INPUT = "#0072B2"
NEIGHBOUR = "#9E9E9E"


def family_colour(i: int, palette: str = "okabe-ito") -> str:
    """Colour of the i-th structure family in the map's categorical ``palette``."""
    colours = CATEGORICAL.get(palette, CATEGORICAL["okabe-ito"])
    return colours[i % len(colours)]


def figure(marks: list, axes: list, title: str = "", height: str = "220px", **kw: Any):
    """A compact bqplot Figure that fills the panel width."""
    import bqplot as bq

    margin = kw.pop(
        "fig_margin", {"top": 28 if title else 10, "bottom": 40, "left": 52, "right": 12}
    )
    return bq.Figure(
        marks=marks,
        axes=axes,
        title=title,
        fig_margin=margin,
        layout=ipw.Layout(width="100%", height=height, min_width="160px"),
        title_style={"font-size": "12px"},
        **kw,
    )


def axes(xs, ys, xlabel: str, ylabel: str, **kw: Any) -> list:
    """An x and a y axis with labels, in the panels' style."""
    import bqplot as bq

    return [
        bq.Axis(scale=xs, label=xlabel, num_ticks=kw.get("x_ticks", 5), label_offset="30px"),
        bq.Axis(
            scale=ys, label=ylabel, side="left", num_ticks=kw.get("y_ticks", 5), label_offset="38px"
        ),
    ]


def note(text: str = "") -> ipw.HTML:
    """A small grey caption line."""
    return ipw.HTML(value=_note_html(text), layout=ipw.Layout(margin="0 0 4px 4px"))


def _note_html(text: str) -> str:
    return f"<span style='font-size:12px;color:#555'>{text}</span>"


def set_note(w: ipw.HTML, text: str) -> None:
    """Replace the text of a :func:`note`."""
    w.value = _note_html(text)


def fit_scale(scale, values, pad: float = 0.05, default: tuple[float, float] = (0.0, 1.0)) -> None:
    """Set a LinearScale's range to the finite ``values`` (padded). bqplot's automatic domain
    breaks the axis when every value is NaN or the data are empty, so panels set it explicitly."""
    import numpy as np

    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    lo, hi = (float(v.min()), float(v.max())) if v.size else default
    if hi <= lo:
        lo, hi = lo - 0.5 * (abs(lo) or 1.0), hi + 0.5 * (abs(hi) or 1.0)
    span = hi - lo
    scale.min, scale.max = lo - pad * span, hi + pad * span
