"""Composition distribution of a set of materials (paper Fig. 8).

For the current selection, or for the neighbourhood of a clicked map coordinate, the panel
shows how many of those materials contain each element and histograms of their Li and O
molar fractions.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as ipw
import numpy as np
import pandas as pd

from ...model.neighbourhood import FRACTION_BINS, element_counts, element_sets, fraction_histogram
from . import style


class CompositionPanel:
    """Element frequencies and Li/O histograms of the selection or of a neighbourhood.

    Parameters
    ----------
    table : per-point DataFrame (``formula``, ``li_fraction``, ``o_fraction``)
    structures : optional per-point pymatgen Structures (element sets taken from them)
    top : how many elements to draw
    """

    def __init__(
        self, table: pd.DataFrame, structures: Sequence | None = None, top: int = 20
    ) -> None:
        import bqplot as bq

        self.table = table
        self.sets = element_sets(table, structures)
        self.top = int(top)
        self.li = (
            table["li_fraction"].to_numpy(dtype=float)
            if "li_fraction" in table
            else np.full(len(table), np.nan)
        )
        self.o = (
            table["o_fraction"].to_numpy(dtype=float)
            if "o_fraction" in table
            else np.full(len(table), np.nan)
        )
        self.indices = np.zeros(0, dtype=np.int64)
        self.source = "nothing"
        self.counts = pd.Series(dtype=int)

        xs, ys = bq.OrdinalScale(), bq.LinearScale(min=0.0, max=1.0)
        self.element_bars = bq.Bars(x=["-"], y=[0], scales={"x": xs, "y": ys}, colors=[style.BASE])
        fig_el = style.figure(
            [self.element_bars],
            style.axes(xs, ys, "element", "materials"),
            title="materials containing each element",
            height="220px",
        )
        centres = 0.5 * (FRACTION_BINS[:-1] + FRACTION_BINS[1:])
        self.hist_bars = []
        figs = []
        for name, colour in (("Li", style.SELECTED), ("O", style.INPUT)):
            hx, hy = bq.LinearScale(min=0.0, max=1.0), bq.LinearScale(min=0.0, max=1.0)
            bars = bq.Bars(
                x=centres,
                y=np.zeros(centres.size),
                scales={"x": hx, "y": hy},
                colors=[colour],
                padding=0.05,
            )
            self.hist_bars.append(bars)
            figs.append(
                style.figure(
                    [bars],
                    style.axes(hx, hy, f"{name} molar fraction", "materials"),
                    height="180px",
                )
            )
        self.caption = style.note(
            "Select materials (lasso / brush) or click the map to see a neighbourhood."
        )
        self.widget = ipw.VBox(
            [
                self.caption,
                fig_el,
                ipw.GridBox(
                    figs,
                    layout=ipw.Layout(
                        grid_template_columns="repeat(auto-fill, minmax(180px, 1fr))"
                    ),
                ),
            ]
        )

    def show(self, idx, source: str = "selection") -> None:
        """Draw the distribution of the materials ``idx``; ``source`` names them in the caption."""
        idx = np.asarray(idx, dtype=np.int64)
        self.indices, self.source = idx, source
        self.counts = element_counts(self.sets, idx)
        top = self.counts.head(self.top)
        self.element_bars.scales["y"].max = float(max(1, top.max() if len(top) else 1))
        with self.element_bars.hold_sync():
            self.element_bars.x = list(top.index) if len(top) else ["-"]
            self.element_bars.y = top.to_numpy() if len(top) else [0]
        for bars, values in zip(self.hist_bars, (self.li, self.o), strict=True):
            h = fraction_histogram(values, idx)
            bars.scales["y"].max = float(max(1, h.max()))
            bars.y = h
        style.set_note(self.caption, f"{source}: {idx.size} material(s)")
