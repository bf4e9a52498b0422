"""The same map widget in Jupyter Notebook 7 (served by the session's Jupyter server)."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import press, screen_to_data

CELL = """
import numpy as np
from materials_map.widgets.map import MapWidget
xy = np.random.default_rng(11).uniform(-1, 1, size=(800, 2))
w = MapWidget(xy, values=xy[:, 0], point_size=6, height=420, mode="box")
w
"""


def test_box_selection_reaches_python_in_notebook7(lab):
    pytest.importorskip("notebook", minversion="7")
    nb = lab.open_notebook("nb7_map.ipynb", [CELL], ui="notebook")
    try:
        page = nb.page
        root = page.locator(".mm-root")
        root.scroll_into_view_if_needed()
        box = page.locator(".mm-plot").bounding_box()
        view = [float(v) for v in root.get_attribute("data-view").split(",")]
        size = tuple(float(v) for v in root.get_attribute("data-size").split(","))
        a = (round(box["x"] + 0.2 * size[0]), round(box["y"] + 0.25 * size[1]))
        b = (round(box["x"] + 0.6 * size[0]), round(box["y"] + 0.8 * size[1]))
        press(page, *a)
        page.mouse.move(a[0] + 30, a[1] + 20)
        page.mouse.move(*b)
        page.mouse.up()
        got = nb.kernel.wait_for("w.selection.tolist()", lambda v: len(v) > 0)
        (x0, y0) = screen_to_data(view, size, a[0] - box["x"], a[1] - box["y"])
        (x1, y1) = screen_to_data(view, size, b[0] - box["x"], b[1] - box["y"])
        xy = (
            np.random.default_rng(11).uniform(-1, 1, size=(800, 2)).astype(np.float32).astype(float)
        )
        inside = (
            (xy[:, 0] >= min(x0, x1))
            & (xy[:, 0] <= max(x0, x1))
            & (xy[:, 1] >= min(y0, y1))
            & (xy[:, 1] <= max(y0, y1))
        )
        assert len(got) > 50
        np.testing.assert_array_equal(got, np.flatnonzero(inside))
    finally:
        nb.close()
