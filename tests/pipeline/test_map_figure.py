"""The static map picture (headless demo, ``figures.save_png``) shows what the widget shows:
real and generated materials by marker with a legend, and the background faded by support."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from materials_map import datasets
from materials_map.figures import map_figure, save_png
from materials_map.pipeline import build_map


def test_sources_by_marker_and_faded_background(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setenv("MATERIALS_MAP_CACHE", str(tmp_path / "cache"))
    res = build_map("li-o", progress=False)  # the shipped model: nothing is trained
    counts = datasets.load("li-o").df["source"].value_counts()
    fig = map_figure(res)
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [f"{name} ({counts[name]})" for name in sorted(counts.index)]
    # one scatter per source, together every material once
    offsets = [c.get_offsets() for c in ax.collections]
    assert sum(len(o) for o in offsets) == len(res.coords)
    # the background's opacity follows the support grid: none where no material is near
    alpha = np.asarray(ax.get_images()[0].get_alpha())
    np.testing.assert_allclose(alpha, 0.55 * np.clip(res.support, 0, 1))
    assert alpha.min() < 0.05 and alpha.max() == 0.55
    plt.close(fig)
    out = save_png(res, tmp_path / "map.png", dpi=60)
    assert Image.open(out).size[0] >= 400


def test_w_tradeoff_draws_the_seed_spread():
    """Fig. 2 from a sweep table with one row per W and seed: the mean line and a band from
    the lowest to the highest seed at every W."""
    from materials_map.figures import w_tradeoff

    ws = [0.0, 1.0, 10.0]
    rows = [
        {"w": w, "loss_comp": 1 + s + w, "loss_struct": 2 + s, "loss_me": 1 / (1 + w) + s}
        for s in (0.0, 0.1, 0.2)
        for w in ws
    ]
    fig = w_tradeoff(pd.DataFrame(rows).set_index("w"), w_used=1.0)
    ax = fig.axes[0]
    (line,) = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 3]
    np.testing.assert_allclose(line.get_ydata(), [1.1, 2.1, 11.1])  # the mean over seeds
    (band,) = ax.collections
    ys = band.get_paths()[0].vertices[:, 1]
    assert ys.min() == pytest.approx(1.0) and ys.max() == pytest.approx(11.2)  # min..max
    one = w_tradeoff(pd.DataFrame(rows[:3]).set_index("w"))
    assert not one.axes[0].collections  # one seed: no band
