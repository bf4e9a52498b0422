"""The background's uncertainty in a real JupyterLab + Chromium: switching the background to
"spread" draws the colour map of the standard-deviation grid sent with the map, "faded" fades
the prediction where the spread is large, and the menu in the side panel sets the trait.

Expected colours come from matplotlib's colour maps of the grids computed here in Python.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib import colormaps

from .conftest import Plot, redrawn, screen_to_data

NX, NY, EXTENT = 16, 8, (0.0, 10.0, 0.0, 5.0)
SETUP = f"""
import numpy as np
from materials_map.widgets.map import MapWidget

xy = np.array([[9.7, 4.7], [9.8, 4.85]])  # two points in a corner, away from the checks
w = MapWidget(xy, values=np.array([0.0, 1.0]), point_size=4, height=460)
gx = (np.arange({NX}) + 0.5) / {NX} * 10
gy = (np.arange({NY}) + 0.5) / {NY} * 5
grid = np.repeat((gx / 10)[None, :], {NY}, axis=0).astype(np.float32)  # grows along x
std = np.repeat((gy / 5)[:, None], {NX}, axis=1).astype(np.float32)  # grows along y
std[2, 3] = 1.5  # one hot cell
w.set_background(grid, {list(EXTENT)}, colormap="viridis", std=std, std_label="sigma")
w
"""


def _grids() -> tuple[np.ndarray, np.ndarray]:
    gx = (np.arange(NX) + 0.5) / NX * 10
    gy = (np.arange(NY) + 0.5) / NY * 5
    grid = np.repeat((gx / 10)[None, :], NY, axis=0).astype(np.float32)
    std = np.repeat((gy / 5)[:, None], NX, axis=1).astype(np.float32)
    std[2, 3] = 1.5
    return grid, std


def _lut(cmap: str, values: np.ndarray) -> np.ndarray:
    """matplotlib's colours of ``values`` scaled to their own min/max (the widget's rule)."""
    lo, hi = float(values.min()), float(values.max())
    t = (values.astype(np.float64) - lo) / (hi - lo)
    idx = np.clip(np.floor(t * 256), 0, 255).astype(int)
    table = np.round(colormaps[cmap](np.arange(256) / 255.0)[:, :3] * 255)
    return table[idx]


def _samples(plot: Plot):
    """(pixel x, pixel y, cell row, cell column) at cell centres well inside the plot."""
    x0, x1, y0, y1 = EXTENT
    out = []
    # clear of the tick labels drawn inside the plot along its left and bottom edges
    for cy in range(8, int(plot.size[1]) - 26, 13):
        for cx in range(26, int(plot.size[0]) - 8, 17):
            x, y = screen_to_data(plot.view, plot.size, cx + 0.5, cy + 0.5)
            fx, fy = (x - x0) / (x1 - x0) * NX, (y - y0) / (y1 - y0) * NY
            if not (0 < fx < NX and 0 < fy < NY) or x > 9.3 and y > 4.3:
                continue  # outside the grid, or near the two points
            # skip pixels within 2 px of a cell edge (nearest-neighbour sampling boundary)
            px_per_cell = plot.size[0] / (plot.view[1] - plot.view[0]) * (x1 - x0) / NX
            py_per_cell = plot.size[1] / (plot.view[3] - plot.view[2]) * (y1 - y0) / NY
            if (
                min(fx % 1, 1 - fx % 1) * px_per_cell < 2
                or min(fy % 1, 1 - fy % 1) * py_per_cell < 2
            ):
                continue
            out.append((cx, cy, int(fy), int(fx)))
    return out


@pytest.fixture(scope="module")
def nb(lab):
    session = lab.open_notebook("uncertainty.ipynb", [SETUP])
    yield session
    session.close()


def _show(nb, mode: str) -> Plot:
    """Set the background mode from the kernel; the plot once the page has drawn it."""
    if nb.kernel.value("w.background_mode") != mode:
        redrawn(nb.page, lambda: nb.run(f"w.background_mode = {mode!r}"))
    return Plot.settled(nb.page)


def _matches(img: np.ndarray, samples, want: np.ndarray, tol: int = 2) -> float:
    got = np.array([img[cy, cx] for cx, cy, _, _ in samples])
    ok = np.abs(got - want).max(axis=1) <= tol
    for k in np.flatnonzero(~ok)[:5]:
        print("mismatch", samples[k], got[k], want[k])
    return float(np.mean(ok))


def test_spread_shows_the_colormap_of_the_std_grid(nb, artifacts_dir):
    grid, std = _grids()
    plot = _show(nb, "mean")
    samples = _samples(plot)
    assert len(samples) >= 150, len(samples)
    rows, cols = np.array([s[2] for s in samples]), np.array([s[3] for s in samples])
    mean_img = plot.screenshot(artifacts_dir / "uncertainty_mean.png")
    want_mean = _lut("viridis", grid)[rows, cols]
    want_std = _lut("magma", std)[rows, cols]
    assert _matches(mean_img, samples, want_mean) == 1.0
    assert _matches(mean_img, samples, want_std) < 0.1

    plot = _show(nb, "spread")
    spread_img = plot.screenshot(artifacts_dir / "uncertainty_spread.png")
    assert _matches(spread_img, samples, want_std) == 1.0
    # the hot cell is drawn with the top of the colour map
    hot = [s for s in samples if (s[2], s[3]) == (2, 3)]
    assert hot and np.abs(spread_img[hot[0][1], hot[0][0]] - _lut("magma", std)[2, 3]).max() <= 2
    # and the colour bar says what is shown
    title = nb.page.locator(".mm-background-bar .mm-colorbar-title").inner_text()
    assert title == "sigma"


def test_faded_keeps_the_colour_and_fades_where_the_spread_is_large(nb):
    grid, std = _grids()
    plot = _show(nb, "faded")
    samples = _samples(plot)
    img = plot.screenshot()
    bg = np.array(
        [
            int(v)
            for v in nb.page.locator(".mm-root")
            .evaluate("e => getComputedStyle(e).backgroundColor")
            .strip("rgba() ")
            .split(",")[:3]
        ]
    )
    lo, hi = float(std.min()), float(std.max())
    rows, cols = np.array([s[2] for s in samples]), np.array([s[3] for s in samples])
    alpha = np.round(255 * (1 - 0.85 * (std[rows, cols] - lo) / (hi - lo))) / 255
    want = _lut("viridis", grid)[rows, cols] * alpha[:, None] + bg[None, :] * (1 - alpha[:, None])
    assert _matches(img, samples, want, tol=3) >= 0.98


def test_the_side_menu_sets_the_mode(nb):
    _show(nb, "mean")
    menu = nb.page.locator(".mm-background-mode")
    assert menu.is_visible()
    menu.select_option("spread")
    assert nb.kernel.wait_for("w.background_mode", lambda v: v == "spread") == "spread"
    nb.run("w.set_background(grid, [0, 10, 0, 5])")  # a grid without a spread: no menu
    menu.wait_for(state="hidden")
    assert not menu.is_visible()
