"""Model diagnostics: the W trade-off (paper Fig. 2) and parity plots (paper Fig. 3a-c).

Both are computed on demand: parity needs one pass of the model over the held-out rows (done
the first time the panel is shown), the W sweep trains one model per W (a button starts it;
a sweep computed elsewhere can be handed in with :meth:`DiagnosticsPanel.set_sweep`). The sweep
is :func:`materials_map.w_sweep`: shipped or cached tables when they exist, else one training
per W with the map's settings and training weights.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as ipw
import numpy as np
import pandas as pd

from ...model.studies import diagnostics
from ...sweep import w_sweep
from . import style

#: at most this many flattened descriptor values are drawn per parity plot (all are scored)
MAX_PARITY_POINTS = 20_000
SWEEP_LOSSES = (("loss_comp", "Loss comp"), ("loss_struct", "Loss struct"), ("loss_me", "Loss ME"))


def _subsample(n: int, k: int, seed: int = 0) -> np.ndarray:
    if n <= k:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))


class DiagnosticsPanel:
    """Parity plots of the held-out rows and the W sweep of a map's MapModel.

    Parameters
    ----------
    result : the :class:`~materials_map.MapResult` (its model, descriptors and target)
    ws : the W values of the sweep (paper: 0, 0.01, 0.1, 1)

    Attributes
    ----------
    diagnostics : the :class:`~materials_map.model.studies.Diagnostics` once computed
    sweep : the sweep DataFrame (index W) once computed or set
    """

    def __init__(self, result, ws: Sequence[float] = (0, 0.01, 0.1, 1)) -> None:
        import bqplot as bq

        df = result.dataset.df
        self.result, self.model, self.X = result, result.model, result.descriptors
        self.ws = tuple(ws)
        self.y = pd.to_numeric(
            df[result.target] if result.target in df else pd.Series(np.nan, index=df.index),
            errors="coerce",
        ).to_numpy(float)
        self.diagnostics = None
        self.sweep: pd.DataFrame | None = None
        self.parity_marks, figs = [], []
        for title in ("composition (scaled)", "structure (scaled)", "target"):
            xs, ys = bq.LinearScale(min=0.0, max=1.0), bq.LinearScale(min=0.0, max=1.0)
            sc = bq.Scatter(
                x=[],
                y=[],
                scales={"x": xs, "y": ys},
                colors=[style.BASE],
                default_size=6,
                opacities=[0.5],
                stroke=None,
            )
            diag = bq.Lines(
                x=[0, 1], y=[0, 1], scales={"x": xs, "y": ys}, colors=["#888"], line_style="dashed"
            )
            fig = style.figure(
                [sc, diag],
                style.axes(xs, ys, "input / true", "decoded / predicted"),
                title=title,
                height="230px",
            )
            self.parity_marks.append((sc, diag, fig))
            figs.append(fig)
        self.scores = style.note(
            "Parity of the held-out rows (Fig. 3a-c) is computed when this tab opens."
        )
        self.sweep_marks, sweep_figs = [], []
        for _, label in SWEEP_LOSSES:
            xs, ys = bq.OrdinalScale(), bq.LinearScale(min=0.0, max=1.0)
            ln = bq.Lines(
                x=[], y=[], scales={"x": xs, "y": ys}, colors=[style.INPUT], marker="circle"
            )
            fig = style.figure([ln], style.axes(xs, ys, "W", label), title=label, height="190px")
            self.sweep_marks.append(ln)
            sweep_figs.append(fig)
        self.sweep_button = ipw.Button(
            description=f"run W sweep ({len(self.ws)} fits)",
            icon="play",
            layout=ipw.Layout(width="200px"),
        )
        self.sweep_button.on_click(lambda _: self.run_sweep())
        self.sweep_note = style.note(
            "W trade-off (Fig. 2): trains one model per W with this model's settings."
        )
        grid = ipw.Layout(
            grid_template_columns="repeat(auto-fill, minmax(180px, 1fr))", width="100%"
        )
        self.widget = ipw.VBox(
            [
                ipw.HTML("<b>Reconstruction and prediction (Fig. 3a-c)</b>"),
                self.scores,
                ipw.GridBox(figs, layout=grid),
                ipw.HTML("<b>W trade-off (Fig. 2)</b>"),
                ipw.HBox([self.sweep_button, self.sweep_note]),
                ipw.GridBox(sweep_figs, layout=grid),
            ]
        )

    # -- parity -----------------------------------------------------------------------
    def compute(self) -> None:
        """Compute parity data on the held-out rows (all rows when nothing was held out)."""
        rows = "test" if len(getattr(self.model, "test_index_", [])) else "all"
        d = diagnostics(self.model, self.X, self.y, rows=rows)
        self.diagnostics = d
        pairs = [d.parity("comp"), d.parity("struct"), d.parity("me")]
        for k, (p, (sc, diag, _)) in enumerate(zip(pairs, self.parity_marks, strict=True)):
            p = p[np.isfinite(p["true"]) & np.isfinite(p["pred"])]
            keep = _subsample(len(p), MAX_PARITY_POINTS, seed=k)
            t, q = p["true"].to_numpy()[keep], p["pred"].to_numpy()[keep]
            lo = float(np.nanmin([t.min(), q.min()])) if t.size else 0.0
            hi = float(np.nanmax([t.max(), q.max()])) if t.size else 1.0
            for scale in (sc.scales["x"], sc.scales["y"]):
                style.fit_scale(scale, [lo, hi])
            with sc.hold_sync():
                sc.x, sc.y = t, q
            diag.x, diag.y = [lo, hi], [lo, hi]
        s = d.scores
        style.set_note(
            self.scores,
            f"{rows} rows (n={len(d.rows)}): R² comp {s['r2_comp']:.3f}, "
            f"R² struct {s['r2_struct']:.3f}, R² target {s['r2_me']:.3f}, "
            f"MAE target {s['mae_me']:.3f}",
        )

    # -- W sweep ----------------------------------------------------------------------
    def run_sweep(self) -> pd.DataFrame:
        """Fit one model per W (slow: a full training each) and draw Fig. 2."""
        style.set_note(self.sweep_note, f"training {len(self.ws)} models ...")
        self.sweep_button.disabled = True
        try:
            sweep = w_sweep(self.result, self.ws, progress=False).table
        finally:
            self.sweep_button.disabled = False
        self.set_sweep(sweep)
        return sweep

    def set_sweep(self, sweep: pd.DataFrame) -> None:
        """Draw a sweep table (index W; columns loss_comp, loss_struct, loss_me)."""
        self.sweep = sweep
        labels = [f"{w:g}" for w in sweep.index]
        for (col, _), ln in zip(SWEEP_LOSSES, self.sweep_marks, strict=True):
            style.fit_scale(ln.scales["y"], sweep[col].to_numpy(dtype=float))
            with ln.hold_sync():
                ln.x, ln.y = labels, sweep[col].to_numpy(dtype=float)
        style.set_note(
            self.sweep_note,
            f"held-out losses for W = {', '.join(labels)} (this map: W = {self.model.w:g})",
        )
