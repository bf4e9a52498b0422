"""Small shared pieces of the Explorer's bqplot panels: figure factory and colours.

Kept apart so every panel draws with the same margins, sizes and highlight colours, and the
family colours match the map's categorical palette.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as ipw

from ..map.colormaps import categorical_colors

#: colour of ordinary points, of selected points and of the focused material
BASE = "#4E79A7"
SELECTED = "#E15759"
FOCUS = "#F28E2B"
DECODED = "#D55E00"
INPUT = "#0072B2"
NEIGHBOUR = "#9E9E9E"


def family_colour(i: int, palette: str = "auto", n: int = 1) -> str:
    """Colour of the i-th of ``n`` structure families in the map's categorical ``palette``."""
    return categorical_colors(palette, max(n, i + 1))[i]


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


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values inside ``[lo, hi]``: multiples of 1, 2, 5 or 2.5 × 10^k, as close to
    ``n`` of them as such steps allow (0, 0.25, 0.5, 0.75, 1 on the unit interval)."""
    import math

    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return []
    k = math.floor(math.log10((hi - lo) / max(int(n), 1)))
    best = None
    for e in (k - 1, k, k + 1):
        for rank, m in enumerate((1, 2, 5, 2.5)):  # simpler mantissas win ties
            step = m * 10.0**e
            first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
            count = last - first + 1
            if count < 2:
                continue
            score = (abs(count - n), rank, -step)
            if best is None or score < best[0]:
                best = (score, step, first, last)
    if best is None:
        return []
    _, step, first, last = best
    digits = max(0, 2 - math.floor(math.log10(step)))
    return [round(i * step, digits) + 0.0 for i in range(first, last + 1)]


def tick_format(ticks: list[float]) -> str:
    """A d3 format that prints ``ticks`` with at most the decimals they need (0, 0.25, 0.5)."""
    decimals = 0
    for t in ticks:
        text = f"{t:.6f}".rstrip("0").rstrip(".")
        decimals = max(decimals, len(text.partition(".")[2]))
    return f".{decimals}~f"  # "~": no trailing zeros (0, 0.25, 0.5)


def follow_nice_ticks(axis, n: int = 5) -> None:
    """Keep ``axis``'s ticks at :func:`nice_ticks` of its scale's ``min``/``max``, now and
    whenever they change (bqplot's own ``num_ticks`` divides the domain evenly: -0.048, 0.23,
    0.5, 0.77 ...). Scales without an explicit range keep bqplot's ticks."""
    scale = axis.scale

    def update(_=None) -> None:
        if scale.min is None or scale.max is None:
            return
        ticks = nice_ticks(scale.min, scale.max, n)
        if len(ticks) >= 2:
            with axis.hold_sync():
                axis.tick_values = ticks
                axis.tick_format = tick_format(ticks)

    scale.observe(update, names=["min", "max"])
    update()


def axes(xs, ys, xlabel: str, ylabel: str, **kw: Any) -> list:
    """An x and a y axis with labels, in the panels' style, with round tick values."""
    import bqplot as bq

    x_ticks, y_ticks = kw.get("x_ticks", 5), kw.get("y_ticks", 5)
    out = [
        bq.Axis(scale=xs, label=xlabel, num_ticks=x_ticks, label_offset="30px"),
        bq.Axis(scale=ys, label=ylabel, side="left", num_ticks=y_ticks, label_offset="38px"),
    ]
    for axis, n in zip(out, (x_ticks, y_ticks), strict=True):
        if isinstance(axis.scale, bq.LinearScale):
            follow_nice_ticks(axis, n)
    return out


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
