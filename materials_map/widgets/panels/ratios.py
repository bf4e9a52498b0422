"""Li and O molar fractions against the two map axes (paper Fig. 5), with brushing.

Four small scatter plots: Li fraction and O fraction against x_comp and against x_struct.
Selected materials are highlighted; drawing a brush rectangle in any plot selects the
materials inside it, which the Explorer passes on to the map.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as ipw
import numpy as np

from . import style

#: (x column, y column, axis labels) of the four plots, in the order of Fig. 5 a-d
PLOTS = (
    ("x_comp", "li_fraction", "x_comp", "Li molar fraction"),
    ("x_comp", "o_fraction", "x_comp", "O molar fraction"),
    ("x_struct", "li_fraction", "x_struct", "Li molar fraction"),
    ("x_struct", "o_fraction", "x_struct", "O molar fraction"),
)


def points_in_box(x: np.ndarray, y: np.ndarray, box) -> np.ndarray:
    """Indices of points inside a brush rectangle ``[[x0, y0], [x1, y1]]`` (any corner order).

    Points with a NaN coordinate are never inside.
    """
    b = np.asarray(box, dtype=float)
    if b.shape != (2, 2):
        raise ValueError(f"a brush box is [[x0, y0], [x1, y1]], got shape {b.shape}")
    (x0, x1), (y0, y1) = np.sort(b[:, 0]), np.sort(b[:, 1])
    with np.errstate(invalid="ignore"):
        inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    return np.flatnonzero(inside)


class RatioPanel:
    """Fig. 5 as four linked scatter plots.

    Parameters
    ----------
    table : per-point DataFrame with ``x_comp``, ``x_struct``, ``li_fraction``, ``o_fraction``
        (row position = map point index).

    Attributes
    ----------
    scatters, selectors : the bqplot Scatter marks and their BrushSelectors, in ``PLOTS`` order
    widget : the ipywidgets container to display
    """

    def __init__(self, table) -> None:
        import bqplot as bq

        missing = [c for c in ("x_comp", "x_struct", "li_fraction", "o_fraction") if c not in table]
        if missing:
            raise ValueError(f"the Li/O panel needs columns {missing} in the map table")
        self.data = {
            c: table[c].to_numpy(dtype=float)
            for c in ("x_comp", "x_struct", "li_fraction", "o_fraction")
        }
        self._callbacks: list[Callable[[np.ndarray, int], None]] = []
        self._quiet = False
        self.scatters, self.selectors, figures = [], [], []
        # a margin around [0, 1] so materials at 0 or 1 are drawn whole; ticks stay 0 ... 1
        frac = bq.LinearScale(min=-0.05, max=1.05)
        for k, (xc, yc, xl, yl) in enumerate(PLOTS):
            xs = bq.LinearScale()
            style.fit_scale(xs, self.data[xc])
            ys = frac if yc.endswith("fraction") else bq.LinearScale()
            sc = bq.Scatter(
                x=self.data[xc],
                y=self.data[yc],
                scales={"x": xs, "y": ys},
                colors=[style.BASE],
                default_size=14,
                stroke=None,
                selected_style={"fill": style.SELECTED, "stroke": style.SELECTED, "opacity": 1.0},
                unselected_style={"opacity": 0.35},
            )
            sel = bq.interacts.BrushSelector(
                x_scale=xs, y_scale=ys, marks=[sc], color=style.SELECTED
            )
            sel.observe(lambda ch, k=k: self._on_brush(k, ch["new"]), names="selected")
            fig = style.figure([sc], style.axes(xs, ys, xl, yl), interaction=sel, height="200px")
            self.scatters.append(sc)
            self.selectors.append(sel)
            figures.append(fig)
        self.caption = style.note("Brush (drag) in any plot to select those materials on the map.")
        self.widget = ipw.VBox(
            [
                ipw.GridBox(
                    figures,
                    layout=ipw.Layout(
                        grid_template_columns="repeat(auto-fill, minmax(180px, 1fr))", width="100%"
                    ),
                ),
                self.caption,
            ]
        )
        self.highlighted = np.zeros(0, dtype=np.int64)

    # -- outputs ----------------------------------------------------------------------
    def on_brush(self, callback: Callable[[np.ndarray, int], None]) -> None:
        """Call ``callback(indices, plot_number)`` when the user brushes a plot."""
        self._callbacks.append(callback)

    def _on_brush(self, k: int, box) -> None:
        if self._quiet:
            return
        if box is None or len(box) == 0:
            idx = np.zeros(0, dtype=np.int64)
        else:
            xc, yc = PLOTS[k][0], PLOTS[k][1]
            idx = points_in_box(self.data[xc], self.data[yc], box)
        # a fresh brush in one plot replaces the others' (one selection at a time)
        self._clear_brushes(except_=k)
        for cb in self._callbacks:
            cb(idx, k)

    def _clear_brushes(self, except_: int | None = None) -> None:
        self._quiet = True
        try:
            for j, sel in enumerate(self.selectors):
                if j != except_ and sel.selected is not None:
                    sel.selected = None
        finally:
            self._quiet = False

    # -- inputs -----------------------------------------------------------------------
    def highlight(self, idx, from_brush: bool = False) -> None:
        """Show ``idx`` (map point indices) as the selected points of every plot.

        A selection that did not come from this panel clears the brush rectangles.
        """
        idx = np.asarray(idx, dtype=np.int64)
        self.highlighted = idx
        if not from_brush:
            self._clear_brushes()
        for sc in self.scatters:
            sc.selected = idx if idx.size else None
