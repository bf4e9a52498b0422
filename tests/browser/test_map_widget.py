"""The map widget in a real JupyterLab + Chromium: drawing, brushing, linking, export.

Every check compares pixels or browser actions with numbers computed independently in
Python: point positions from the view transform the widget exposes, colours from
matplotlib's colour maps, selections from a numpy point-in-polygon.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import numpy as np
import pytest
from matplotlib import colormaps
from PIL import Image

from .conftest import data_to_screen, point_in_polygon, screen_to_data

N = 1500
SETUP = f"""
import json
import numpy as np
import pandas as pd
from materials_map.widgets.map import MapWidget

rng = np.random.default_rng(7)
n = {N}
xy = np.column_stack([rng.uniform(0, 6, n), rng.uniform(-2, 2, n)])
markers = np.array([[7.5, -1.0], [8.5, 0.0], [9.5, 1.0], [8.0, 1.6]])
xy = np.vstack([xy, markers])
values = np.concatenate([rng.uniform(0, 1, n), [0.0, 0.33, 0.66, 1.0]])
family = np.array(["garnet", "NASICON", "perovskite"])[rng.integers(0, 3, n + 4)]
df = pd.DataFrame({{
    "id": [f"mm-{{i}}" for i in range(n + 4)],
    "formula": [f"Li{{i % 7 + 1}}Ti{{i % 3 + 1}}O{{i % 5 + 2}}" for i in range(n + 4)],
    "family": family,
    "me": values,
}})
w = MapWidget.from_dataframe(xy, df, color="me", category="family",
                             tooltip=["id", "formula", "family", "me"],
                             point_size=8, opacity=1.0, height=520, vmin=0.0, vmax=1.0)
gx = np.linspace(0, 10, 20, endpoint=False) + 0.25
gy = np.linspace(-2.5, 2.5, 10, endpoint=False) + 0.25
grid = (gx[None, :] / 10 + gy[:, None] / 10).astype(np.float32)
w.set_grid(grid, [0, 10, -2.5, 2.5], colormap="magma", label="ME (eV)")
w
"""


def _xy() -> np.ndarray:
    rng = np.random.default_rng(7)
    xy = np.column_stack([rng.uniform(0, 6, N), rng.uniform(-2, 2, N)])
    return np.vstack([xy, [[7.5, -1.0], [8.5, 0.0], [9.5, 1.0], [8.0, 1.6]]]).astype(np.float32).astype(np.float64)


@pytest.fixture(scope="module")
def nb(lab):
    session = lab.open_notebook("map_widget.ipynb", [SETUP])
    yield session
    session.close()


@pytest.fixture(autouse=True)
def clean_state(nb):
    """Each test starts from no selection, all categories visible, pan mode, full view."""
    nb.run("w.selection = []; w.hidden_categories = []; w.mode = 'pan'; w.focused = -1; w.show_density = False")
    nb.page.wait_for_selector(".mm-root[data-selected='0']", state="attached")
    nb.page.locator(".mm-reset").click()
    nb.page.mouse.move(5, 5)
    time.sleep(0.4)


class Plot:
    """Geometry of the drawn plot: page offset, size and the data view it shows."""

    def __init__(self, page):
        root = page.locator(".mm-root")
        root.scroll_into_view_if_needed()
        box = page.locator(".mm-plot").bounding_box()
        self.left, self.top = box["x"], box["y"]
        self.view = [float(v) for v in root.get_attribute("data-view").split(",")]
        w, h = root.get_attribute("data-size").split(",")
        self.size = (float(w), float(h))
        self.page = page

    def to_page(self, px: float, py: float) -> tuple[float, float]:
        return self.left + px, self.top + py

    def screenshot(self, path: Path | None = None) -> np.ndarray:
        png = self.page.screenshot(clip={"x": self.left, "y": self.top, "width": self.size[0], "height": self.size[1]})
        if path is not None:
            path.write_bytes(png)
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _selection(nb) -> np.ndarray:
    return np.asarray(nb.kernel.value("w.selection.tolist()"), dtype=np.int64)


def _wait_selection_change(nb, before: list[int]) -> np.ndarray:
    got = nb.kernel.wait_for("w.selection.tolist()", lambda v: v != before)
    return np.asarray(got, dtype=np.int64)


def test_points_are_drawn_where_the_view_transform_says(nb, artifacts_dir):
    plot = Plot(nb.page)
    img = plot.screenshot(artifacts_dir / "map_initial.png")
    xy = _xy()
    px, py = data_to_screen(plot.view, plot.size, xy[:, 0], xy[:, 1])
    # the four marker points sit alone over the background grid: their centre pixels must have
    # exactly matplotlib's viridis colour of their value (vmin=0, vmax=1)
    cmap = colormaps["viridis"]
    for k, value in enumerate([0.0, 0.33, 0.66, 1.0]):
        i = N + k
        got = img[int(py[i]), int(px[i])]
        want = np.round(np.array(cmap(value)[:3]) * 255)
        assert np.abs(got - want).max() <= 3, (k, got, want)
    # and the bulk of the points covers the left part of the plot (not just a DOM node)
    inside = (px[:N] > 0) & (px[:N] < plot.size[0]) & (py[:N] > 0) & (py[:N] < plot.size[1])
    assert inside.all()
    # every sampled pixel shows the colour of the last-drawn point covering it (regl draws in
    # index order); samples where a later point's soft edge may blend in are skipped
    values = nb_values()
    checked = 0
    for i in range(0, N, 25):
        cx, cy = int(px[i]), int(py[i])
        d = np.hypot(px[:N] - (cx + 0.5), py[:N] - (cy + 0.5))
        core = np.flatnonzero(d < 2.5)
        top = core.max()
        if np.any((d >= 2.5) & (d < 6.0) & (np.arange(N) > top)):
            continue
        want = np.round(np.array(cmap(min(0.999999, float(values[top])))[:3]) * 255)
        assert np.abs(img[cy, cx] - want).max() <= 3, (i, top, img[cy, cx], want)
        checked += 1
    assert checked >= 15, checked


_VALUES: list[np.ndarray] = []


def nb_values() -> np.ndarray:
    if not _VALUES:
        rng = np.random.default_rng(7)
        rng.uniform(0, 6, N)
        rng.uniform(-2, 2, N)
        _VALUES.append(np.concatenate([rng.uniform(0, 1, N), [0.0, 0.33, 0.66, 1.0]]).astype(np.float32))
    return _VALUES[0]


def _drag(page, plot: Plot, path: list[tuple[int, int]], modifiers: tuple[str, ...] = ()) -> None:
    for m in modifiers:
        page.keyboard.down(m)
    page.mouse.move(*plot.to_page(*path[0]))
    page.mouse.down()
    for p in path[1:]:
        page.mouse.move(*plot.to_page(*p))
        time.sleep(0.03)
    page.mouse.up()
    for m in modifiers:
        page.keyboard.up(m)


def _integer_path(plot: Plot, fractions: list[tuple[float, float]]) -> list[tuple[int, int]]:
    # integer page positions: the browser's clientX/Y are then exactly these numbers
    out = []
    for fx, fy in fractions:
        X = round(plot.left + fx * plot.size[0])
        Y = round(plot.top + fy * plot.size[1])
        out.append((X - plot.left, Y - plot.top))
    return out


def test_box_select_equals_points_inside_the_box(nb):
    page = nb.page
    page.locator(".mm-mode[data-mode='box']").click()
    plot = Plot(page)
    a, b = _integer_path(plot, [(0.12, 0.2), (0.38, 0.7)])
    _drag(page, plot, [a, (a[0] + 40, a[1] + 30), b])
    got = _wait_selection_change(nb, [])
    (x0, y0), (x1, y1) = (screen_to_data(plot.view, plot.size, *a), screen_to_data(plot.view, plot.size, *b))
    xy = _xy()
    inside = (xy[:, 0] >= min(x0, x1)) & (xy[:, 0] <= max(x0, x1)) & (xy[:, 1] >= min(y0, y1)) & (xy[:, 1] <= max(y0, y1))
    want = np.flatnonzero(inside)
    assert 50 < len(want) < N
    np.testing.assert_array_equal(got, want)


def test_lasso_select_equals_points_inside_the_polygon_and_ctrl_adds(nb, artifacts_dir):
    page = nb.page
    page.locator(".mm-mode[data-mode='lasso']").click()
    plot = Plot(page)
    poly1 = _integer_path(plot, [(0.05, 0.15), (0.3, 0.1), (0.45, 0.45), (0.25, 0.5), (0.3, 0.85), (0.08, 0.7)])
    _drag(page, plot, poly1)
    got1 = _wait_selection_change(nb, [])
    plot.screenshot(artifacts_dir / "map_lasso.png")
    xy = _xy()
    data1 = np.array([screen_to_data(plot.view, plot.size, *p) for p in poly1])
    want1 = np.flatnonzero(point_in_polygon(xy[:, 0], xy[:, 1], data1))
    assert 100 < len(want1) < N
    shape = json.loads(page.locator(".mm-root").get_attribute("data-last-shape"))
    np.testing.assert_allclose(np.array(shape["screen"]), np.array(poly1, dtype=float))
    np.testing.assert_array_equal(got1, want1)
    # a second lasso with Control held adds to the selection
    poly2 = _integer_path(plot, [(0.5, 0.3), (0.6, 0.3), (0.6, 0.6), (0.5, 0.6)])
    _drag(page, plot, poly2, modifiers=("Control",))
    got2 = _wait_selection_change(nb, got1.tolist())
    data2 = np.array([screen_to_data(plot.view, plot.size, *p) for p in poly2])
    want2 = np.flatnonzero(point_in_polygon(xy[:, 0], xy[:, 1], data1) | point_in_polygon(xy[:, 0], xy[:, 1], data2))
    assert len(want2) > len(want1)
    np.testing.assert_array_equal(got2, want2)
