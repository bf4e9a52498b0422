"""The background fades where the map has no data, in a real JupyterLab + Chromium.

A cluster of points sits in one corner of a 10 x 5 map; its support grid comes from
``pipeline.support_grid`` (the rule of ``MapResult.support``) and is sent with the background.
Every sampled cell must be drawn as the colour map's colour composited over the page with
opacity = that cell's support: full colour next to the points, the bare page in the empty far
corner, a blend in between. Without the support the same far corner is drawn in full colour.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib import colormaps

from materials_map.pipeline import support_grid

from .conftest import Plot, data_to_screen, redrawn, screen_to_data

NX, NY, EXTENT = 32, 16, (0.0, 10.0, 0.0, 5.0)
SETUP = f"""
import numpy as np
from materials_map.pipeline import support_grid
from materials_map.widgets.map import MapWidget

xy = np.random.default_rng(4).normal([2.5, 2.5], 0.35, (40, 2))
w = MapWidget(xy, values=np.zeros(40), point_size=3, height=460)
gx = (np.arange({NX}) + 0.5) / {NX} * 10
grid = np.repeat((gx / 10)[None, :], {NY}, axis=0).astype(np.float32)  # grows along x
support = support_grid(xy, {list(EXTENT)}, grid.shape)
w.set_background(grid, {list(EXTENT)}, colormap="viridis", support=support)
w.view = {list(EXTENT)}
w
"""


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xy = np.random.default_rng(4).normal([2.5, 2.5], 0.35, (40, 2))
    gx = (np.arange(NX) + 0.5) / NX * 10
    grid = np.repeat((gx / 10)[None, :], NY, axis=0).astype(np.float32)
    return xy, grid, support_grid(xy, list(EXTENT), grid.shape)


def _lut(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    t = (values.astype(np.float64) - lo) / (hi - lo)
    idx = np.clip(np.floor(t * 256), 0, 255).astype(int)
    return np.round(colormaps["viridis"](np.arange(256) / 255.0)[:, :3] * 255)[idx]


def _samples(plot: Plot, xy: np.ndarray):
    """(pixel x, pixel y, cell row, cell column) at pixels inside a cell (2 px from its
    edges), clear of the tick labels and 8 px from every point."""
    x0, x1, y0, y1 = EXTENT
    px, py = data_to_screen(plot.view, plot.size, xy[:, 0], xy[:, 1])
    px_cell = plot.size[0] / (plot.view[1] - plot.view[0]) * (x1 - x0) / NX
    py_cell = plot.size[1] / (plot.view[3] - plot.view[2]) * (y1 - y0) / NY
    out = []
    for cy in range(6, int(plot.size[1]) - 26, 7):
        for cx in range(26, int(plot.size[0]) - 6, 7):
            x, y = screen_to_data(plot.view, plot.size, cx + 0.5, cy + 0.5)
            fx, fy = (x - x0) / (x1 - x0) * NX, (y - y0) / (y1 - y0) * NY
            if not (0 < fx < NX and 0 < fy < NY):
                continue
            if min(fx % 1, 1 - fx % 1) * px_cell < 2 or min(fy % 1, 1 - fy % 1) * py_cell < 2:
                continue
            if np.min(np.hypot(px - cx, py - cy)) < 8:
                continue
            out.append((cx, cy, int(fy), int(fx)))
    return out


@pytest.fixture(scope="module")
def nb(lab):
    session = lab.open_notebook("support.ipynb", [SETUP])
    yield session
    session.close()


def _page_colour(nb) -> np.ndarray:
    css = nb.page.locator(".mm-root").evaluate("e => getComputedStyle(e).backgroundColor")
    return np.array([int(v) for v in css.strip("rgba() ").split(",")[:3]])


def test_background_fades_with_the_data_support(nb, artifacts_dir):
    xy, grid, support = _data()
    nb.page.wait_for_selector(".mm-root", state="attached")
    plot = Plot.settled(nb.page)
    img = plot.screenshot(artifacts_dir / "background_support.png")
    samples = _samples(plot, xy)
    rows = np.array([s[2] for s in samples])
    cols = np.array([s[3] for s in samples])
    sup = support[rows, cols]
    # the map has all three kinds of cell: supported, empty, in between
    full, empty = sup == 1.0, sup < 0.01
    assert full.sum() >= 20 and empty.sum() >= 200 and ((sup > 0.1) & (sup < 0.9)).sum() >= 10
    colour = _lut(grid[rows, cols], float(grid.min()), float(grid.max()))
    page = _page_colour(nb)
    alpha = np.round(255 * sup) / 255
    want = colour * alpha[:, None] + page[None, :] * (1 - alpha[:, None])
    got = np.array([img[cy, cx] for cx, cy, _, _ in samples])
    ok = np.abs(got - want).max(axis=1) <= 3
    for k in np.flatnonzero(~ok)[:5]:
        print("mismatch", samples[k], sup[k], got[k], want[k])
    assert ok.mean() >= 0.98
    # the far, empty corner shows the page, next to the points the full colour map
    assert np.abs(got[empty] - page).max(axis=1).mean() <= 2
    assert np.abs(got[full] - colour[full]).max(axis=1).mean() <= 2
    # and the empty corner is far from its full colour (the fade is visible, not subtle)
    assert np.abs(colour[empty] - page).max(axis=1).mean() > 60


def test_without_the_support_the_empty_corner_is_drawn(nb):
    xy, grid, support = _data()
    redrawn(nb.page, lambda: nb.run("w.background_support = None"))
    plot = Plot.settled(nb.page)
    img = plot.screenshot()
    samples = _samples(plot, xy)
    rows = np.array([s[2] for s in samples])
    cols = np.array([s[3] for s in samples])
    empty = support[rows, cols] < 0.01
    colour = _lut(grid[rows, cols], float(grid.min()), float(grid.max()))
    got = np.array([img[cy, cx] for cx, cy, _, _ in samples])
    assert np.abs(got[empty] - colour[empty]).max(axis=1).mean() <= 2
    # and back: faded again
    redrawn(nb.page, lambda: nb.run("w.background_support = support.reshape(-1)"))
    img = Plot.settled(nb.page).screenshot()
    got = np.array([img[cy, cx] for cx, cy, _, _ in samples])
    assert np.abs(got[empty] - _page_colour(nb)).max(axis=1).mean() <= 2


def test_the_exported_page_fades_the_same_and_keeps_the_markers(browser, tmp_path):
    """Kernel-less: an HTML export of a map with a support grid and source markers draws the
    same fade (bare page far from the points) and shows the source legend."""
    from materials_map.io.document import MapDocument
    from materials_map.widgets.map import MapWidget

    xy, grid, support = _data()
    w = MapWidget(xy, values=np.zeros(len(xy)), point_size=3, height=460)
    w.set_background(grid, list(EXTENT), colormap="viridis", support=support)
    w.set_markers(["generated"] * 30 + ["obelix"] * 10, label="source")
    w.view = list(EXTENT)
    path = MapDocument.from_widget(w).to_html(tmp_path / "support.html")
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    try:
        page.goto(path.as_uri())
        page.wait_for_selector(".mm-root[data-ready='true']", timeout=30_000)
        plot = Plot.settled(page)
        img = plot.screenshot()
        samples = _samples(plot, xy)
        rows = np.array([s[2] for s in samples])
        cols = np.array([s[3] for s in samples])
        sup = support[rows, cols]
        got = np.array([img[cy, cx] for cx, cy, _, _ in samples])
        css = page.locator(".mm-root").evaluate("e => getComputedStyle(e).backgroundColor")
        bare = np.array([int(v) for v in css.strip("rgba() ").split(",")[:3]])
        colour = _lut(grid[rows, cols], float(grid.min()), float(grid.max()))
        assert np.abs(got[sup < 0.01] - bare).max(axis=1).mean() <= 2
        assert np.abs(got[sup == 1.0] - colour[sup == 1.0]).max(axis=1).mean() <= 2
        items = page.locator(".mm-marker-legend .mm-legend-item")
        assert [items.nth(k).inner_text().strip() for k in range(items.count())] == [
            "generated (30)",
            "obelix (10)",
        ]
    finally:
        context.close()
