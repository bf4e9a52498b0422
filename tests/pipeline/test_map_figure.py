"""The static map picture (headless demo, ``figures.save_png``) shows what the widget shows:
real and generated materials by marker with a legend, and the background faded by support."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
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
