"""Readable panels: round tick values on every bqplot axis with a set range, and the Decode
panel's legend outside the plots with one entry per curve (the browser side is
tests/browser/test_readability.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from materials_map.widgets.panels import style
from materials_map.widgets.panels.ratios import RatioPanel
from materials_map.widgets.panels.reconstruction import legend_html


@pytest.mark.parametrize(
    "lo, hi, ticks",
    [
        (0.0, 1.0, [0, 0.25, 0.5, 0.75, 1]),
        (-0.048, 1.048, [0, 0.25, 0.5, 0.75, 1]),  # a padded unit range: the axis
        (-3.2, 7.9, [-2, 0, 2, 4, 6]),
        (0.0, 1785.0, [0, 500, 1000, 1500]),
        (0.9, 1.1, [0.9, 0.95, 1.0, 1.05, 1.1]),
        (2e-4, 9e-4, [2e-4, 4e-4, 6e-4, 8e-4]),
    ],
)
def test_nice_ticks(lo, hi, ticks):
    got = style.nice_ticks(lo, hi, 5)
    np.testing.assert_allclose(got, ticks, rtol=1e-12, atol=1e-15)
    assert all(lo <= t <= hi for t in got)


def test_nice_ticks_degenerate_ranges():
    assert style.nice_ticks(1.0, 1.0) == [] and style.nice_ticks(2.0, 1.0) == []
    assert style.nice_ticks(float("nan"), 1.0) == []


def test_tick_format_uses_the_decimals_the_ticks_need():
    assert style.tick_format([0, 0.25, 0.5]) == ".2~f"
    assert style.tick_format([0, 500, 1000]) == ".0~f"
    assert style.tick_format([0.9, 0.95, 1.0]) == ".2~f"


def test_axes_follow_their_scale_range():
    import bqplot as bq

    xs, ys = bq.LinearScale(), bq.LinearScale(min=-0.05, max=1.05)
    ax, ay = style.axes(xs, ys, "x", "y")
    assert list(ay.tick_values) == [0, 0.25, 0.5, 0.75, 1]
    assert ax.tick_values is None  # no range yet: bqplot's own ticks
    style.fit_scale(xs, [-3.2, 7.9], pad=0)
    assert list(ax.tick_values) == [-2, 0, 2, 4, 6] and ax.tick_format == ".0~f"


def test_ratio_panel_fraction_axes_read_quarters():
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {
            "x_comp": rng.normal(size=30),
            "x_struct": rng.normal(size=30),
            "li_fraction": rng.uniform(0, 0.6, 30),
            "o_fraction": rng.uniform(0.3, 0.7, 30),
        }
    )
    panel = RatioPanel(table)
    figures = panel.widget.children[0].children
    assert len(figures) == 4
    for fig in figures:
        x_axis, y_axis = fig.axes
        assert list(y_axis.tick_values) == [0, 0.25, 0.5, 0.75, 1]
        # the fraction axis has a margin: materials at 0 or 1 are drawn whole
        assert y_axis.scale.min < 0 and y_axis.scale.max > 1
        steps = np.diff(x_axis.tick_values)
        assert len(steps) >= 2 and np.allclose(steps, steps[0])


def test_decode_legend_has_one_entry_per_curve():
    html = legend_html(["#D55E00", "#9E9E9E", "#9E9E9E"], ["decoded", "nearest 1", "<b>x</b>"])
    assert html.count("mm-panel-legend-item") == 3
    assert "nearest 1" in html and "&lt;b&gt;x&lt;/b&gt;" in html  # labels are escaped
    assert "flex-wrap:wrap" in html
