"""Descriptor reconstruction (paper Fig. 3d-f) and decoding of any map coordinate.

For the focused material the panel draws its input descriptor and the descriptor the model
decodes from its map coordinates, one small plot per descriptor group (composition
``single``/``product``/``difference`` histograms, RDF, ADF, Voronoi) with the sub-block names
written on the plot. For a clicked empty coordinate it draws the decoded descriptor beside
the inputs of the nearest materials. Values are shown in the model's scaled units (what the
autoencoder reconstructs; Fig. 3) or in original units (toggle).
"""

from __future__ import annotations

import html

import ipywidgets as ipw
import numpy as np

from ...features.groups import descriptor_groups
from ...model.neighbourhood import nearest
from . import style

UNITS = ("scaled", "original")


def legend_html(colors: list[str], labels: list[str]) -> str:
    """A wrapping row of line swatches and labels (``.mm-panel-legend``), one per curve."""
    items = "".join(
        "<span class='mm-panel-legend-item' style='display:inline-flex;align-items:center;"
        "gap:4px;margin-right:12px;white-space:nowrap'>"
        f"<span style='display:inline-block;width:16px;height:0;border-top:2px solid {c}'></span>"
        f"{html.escape(str(lab))}</span>"
        for c, lab in zip(colors, labels, strict=True)
    )
    return (
        "<div class='mm-panel-legend' style='display:flex;flex-wrap:wrap;font-size:12px;"
        f"color:#333;row-gap:2px'>{items}</div>"
    )


class ReconstructionPanel:
    """Input vs decoded descriptors of a material, or the decoding of a coordinate.

    Parameters
    ----------
    model : fitted MapModel
    descriptors : the Descriptors of the map's points (row = point index)
    coords : (n, 2) map coordinates of those points
    table : per-point DataFrame (``id``, ``formula`` used for captions)
    n_neighbours : materials drawn beside a decoded coordinate

    Attributes
    ----------
    state : dict describing what is shown: ``kind`` (``"material"``, ``"coord"`` or None),
        ``index``, ``coord``, ``neighbours``, ``distances``,
        ``decoded`` (Descriptors in original units, from ``model.inverse_transform``),
        ``decoded_scaled`` and ``inputs_scaled`` / ``inputs`` ((comp, struct) pairs)
    lines : one bqplot Lines mark per group; ``lines[g].y`` rows are the drawn curves
        (decoded first, then the inputs)
    """

    def __init__(
        self, model, descriptors, coords: np.ndarray, table, n_neighbours: int = 3
    ) -> None:
        import bqplot as bq

        self.model, self.X, self.coords, self.table = (
            model,
            descriptors,
            np.asarray(coords, float),
            table,
        )
        self.n_neighbours = int(n_neighbours)
        self.groups = descriptor_groups(descriptors.blocks, descriptors.comp.shape[1])
        self.state: dict = {"kind": None}
        self.units = ipw.ToggleButtons(
            options=list(UNITS), value="scaled", description="units", style={"button_width": "70px"}
        )
        self.units.observe(lambda _: self._draw(), names="value")
        self.caption = style.note(
            "Focus a material (click a point) or click empty map space to decode it."
        )
        self.lines, self.label_marks, figs = [], [], []
        for g in self.groups:
            x = np.arange(g.start, g.stop) + (g.offset - g.start)
            xs = bq.LinearScale(min=float(x[0]), max=float(x[-1]) + 1.0)
            ys = bq.LinearScale(min=0.0, max=1.0)
            ln = bq.Lines(
                x=x,
                y=np.zeros((1, x.size)),
                scales={"x": xs, "y": ys},
                colors=[style.DECODED],
                stroke_width=1.2,
                labels=["decoded"],  # the legend is the HTML row above the plots
            )
            bounds = [g.offset + (s - g.start) for _, s, _ in g.sub_blocks]
            lab = bq.Label(
                x=bounds,
                y=[1.0] * len(bounds),
                text=[s for s, _, _ in g.sub_blocks],
                scales={"x": xs, "y": bq.LinearScale(min=0.0, max=1.0)},
                rotate_angle=-90,
                default_size=9,
                font_unit="px",
                align="end",
                colors=["#777"],
            )
            fig = style.figure(
                [ln, lab],
                style.axes(xs, ys, "descriptor index", g.name),
                title=f"{g.name} ({g.branch}, {g.stop - g.start} columns)",
                height="170px",
            )
            self.lines.append(ln)
            self.label_marks.append(lab)
            figs.append(fig)
        # one legend for every plot, outside the plot areas: it never covers a curve, and it
        # wraps so that every entry shows however many neighbours are drawn
        self.legend = ipw.HTML(layout=ipw.Layout(margin="0 0 2px 4px"))
        self.widget = ipw.VBox([ipw.HBox([self.units]), self.caption, self.legend, *figs])

    # -- inputs -----------------------------------------------------------------------
    def show_material(self, i: int) -> None:
        """Input and decoded descriptor of material ``i`` (a map point index)."""
        i = int(i)
        if not 0 <= i < len(self.coords):
            raise IndexError(f"material index {i} out of range (0..{len(self.coords) - 1})")
        xy = self.coords[i : i + 1]
        comp, struct = self.X.comp[i : i + 1], self.X.struct[i : i + 1]
        self.state = {
            "kind": "material",
            "index": i,
            "coord": self.coords[i].copy(),
            "neighbours": np.array([i]),
            "distances": np.zeros(1),
            "decoded": self.model.inverse_transform(xy),
            "decoded_scaled": self.model.decode_scaled(xy),
            "inputs": (comp, struct),
            "inputs_scaled": self.model.scaler_.transform(comp, struct),
        }
        row = self.table.iloc[i]
        esc = html.escape  # ids and formulas are user text: shown, never interpreted
        set_caption = (
            f"<b>{esc(str(row.get('id', i)))}</b> {esc(str(row.get('formula', '')))}: "
            "input (blue) vs decoded from "
            f"({xy[0, 0]:.3f}, {xy[0, 1]:.3f}) (orange)"
        )
        style.set_note(self.caption, set_caption)
        self._draw()

    def show_coord(self, xy) -> None:
        """Decode the map coordinate ``xy`` and draw it beside its nearest materials' inputs."""
        xy = np.asarray(xy, dtype=float).reshape(1, 2)
        idx, dist = nearest(self.coords, xy[0], self.n_neighbours)
        comp, struct = self.X.comp[idx], self.X.struct[idx]
        self.state = {
            "kind": "coord",
            "index": None,
            "coord": xy[0].copy(),
            "neighbours": idx,
            "distances": dist,
            "decoded": self.model.inverse_transform(xy),
            "decoded_scaled": self.model.decode_scaled(xy),
            "inputs": (comp, struct),
            "inputs_scaled": self.model.scaler_.transform(comp, struct),
        }
        names = ", ".join(
            f"{html.escape(str(self.table.iloc[j].get('formula', j)))} (d={d:.2f})"
            for j, d in zip(idx, dist, strict=True)
        )
        style.set_note(
            self.caption,
            f"decoded at ({xy[0, 0]:.3f}, {xy[0, 1]:.3f}) (orange); "
            f"nearest materials (grey): {names}",
        )
        self._draw()

    def clear(self) -> None:
        """Show nothing."""
        self.state = {"kind": None}
        self._draw()

    # -- drawing ----------------------------------------------------------------------
    def curves(self, group: int) -> np.ndarray:
        """The curves drawn for ``group`` in the current units: decoded first, then inputs."""
        if self.state.get("kind") is None:
            g = self.groups[group]
            return np.full((1, g.stop - g.start), np.nan)
        g = self.groups[group]
        b = 0 if g.branch == "comp" else 1
        if self.units.value == "scaled":
            dec = self.state["decoded_scaled"][b]
            inp = self.state["inputs_scaled"][b]
        else:
            d = self.state["decoded"]
            dec = d.comp if b == 0 else d.struct
            inp = self.state["inputs"][b]
        return np.vstack([dec[:, g.start : g.stop], inp[:, g.start : g.stop]])

    def _draw(self) -> None:
        kind = self.state.get("kind")
        n_in = 0 if kind is None else len(self.state["neighbours"])
        if kind == "material":
            colors, labels = [style.DECODED, style.INPUT], ["decoded", "input"]
        else:
            colors = [style.DECODED] + [style.NEIGHBOUR] * n_in
            labels = ["decoded"] + [f"nearest {j + 1}" for j in range(n_in)]
        self.legend.value = legend_html(colors, labels) if kind is not None else ""
        for k, ln in enumerate(self.lines):
            y = self.curves(k)
            style.fit_scale(ln.scales["y"], y)
            with ln.hold_sync():
                ln.y = np.nan_to_num(y, nan=0.0) if kind is None else y
                ln.colors = colors[: len(y)]
                ln.labels = labels[: len(y)]
                ln.opacities = [1.0] + [0.8 if kind == "material" else 0.6] * (len(y) - 1)
