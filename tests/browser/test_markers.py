"""Real and generated materials told apart on the map, in a real JupyterLab + Chromium.

``MapWidget.from_result`` of a result whose table has two ``source`` values draws each source
with its own outline (circle: generated, square: real) and a ``source`` legend whose entries
hide / show that group (``hidden_markers``). Checked from screen pixels: the square's corners
stand outside where any circle's ring can reach; a hidden group leaves the page bare.
"""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import Plot, data_to_screen

# generated (circle) at x = 1, 3, 5; real (square) at x = 2, 4, 6; all at y = 1 or 2
XY = [[1, 1], [3, 2], [5, 1], [2, 2], [4, 1], [6, 2]]
SOURCE = ["generated"] * 3 + ["obelix"] * 3
SETUP = f"""
import numpy as np
import pandas as pd
from types import SimpleNamespace
from materials_map.pipeline import MapResult
from materials_map.widgets.map import MapWidget

xy = np.array({XY}, dtype=float)
df = pd.DataFrame({{
    "id": [f"m{{i}}" for i in range(6)],
    "formula": ["Li2O", "LiAlO2", "Li4SiO4", "Li7La3Zr2O12", "LiTi2(PO4)3", "Li3PO4"],
    "structure_type": ["antifluorite", "gamma-lifeo2", "lisicon", "garnet", "nasicon", "lisicon"],
    "source": {SOURCE},
    "me": [0.2, 0.4, 0.6, 0.3, 0.5, 0.7],
}})
res = MapResult(SimpleNamespace(df=df), None, None, xy, None, None, "me")
w = MapWidget.from_result(res, point_size=10, opacity=1.0, height=360)
w.view = [0, 7, 0, 3]
w
"""


@pytest.fixture(scope="module")
def nb(lab):
    session = lab.open_notebook("markers.ipynb", [SETUP])
    yield session
    session.close()


def _corner_darkness(img: np.ndarray, cx: float, cy: float) -> float:
    """Darkest pixel (min over RGB) at 8.2-9.2 px from the centre within 12 degrees of the
    four diagonals: where a square outline's corners are and no circle's ring reaches."""
    h, w = img.shape[:2]
    darkest = 255.0
    for dy in range(-10, 11):
        for dx in range(-10, 11):
            r = np.hypot(dx, dy)
            ang = np.degrees(np.arctan2(abs(dy), abs(dx)))
            if 8.2 <= r <= 9.2 and abs(ang - 45) <= 12:
                x, y = int(round(cx + dx)), int(round(cy + dy))
                if 0 <= x < w and 0 <= y < h:
                    darkest = min(darkest, float(img[y, x].min()))
    return darkest


def _centres(plot: Plot) -> list[tuple[float, float]]:
    xy = np.array(XY, dtype=float)
    px, py = data_to_screen(plot.view, plot.size, xy[:, 0], xy[:, 1])
    return list(zip(px.tolist(), py.tolist(), strict=True))


def test_sources_get_their_own_outline_and_legend(nb, artifacts_dir):
    assert nb.kernel.value("w.marker_label") == "source"
    assert nb.kernel.value("w.marker_names") == ["generated", "obelix"]
    nb.page.wait_for_selector(".mm-marker-legend .mm-legend-item")
    plot = Plot.settled(nb.page)
    img = plot.screenshot(artifacts_dir / "markers_source.png")
    dark = [_corner_darkness(img, x, y) for x, y in _centres(plot)]
    print("corner darkness", dark)
    assert all(d > 200 for d in dark[:3]), dark  # circles: nothing out at the corners
    assert all(d < 80 for d in dark[3:]), dark  # squares: the dark outline's corners
    items = nb.page.locator(".mm-marker-legend .mm-legend-item")
    assert items.count() == 2
    assert items.nth(0).inner_text().strip() == "generated (3)"
    assert items.nth(1).inner_text().strip() == "obelix (3)"
    shapes = nb.page.locator(".mm-marker-legend .mm-marker-swatch")
    assert [shapes.nth(k).get_attribute("data-shape") for k in range(2)] == ["circle", "square"]
    assert nb.page.locator(".mm-marker-legend .mm-legend-title").inner_text() == "source"


def test_the_source_legend_hides_and_shows_a_group(nb):
    page_rgb = np.array(
        [
            int(v)
            for v in nb.page.locator(".mm-root")
            .evaluate("e => getComputedStyle(e).backgroundColor")
            .strip("rgba() ")
            .split(",")[:3]
        ]
    )
    items = nb.page.locator(".mm-marker-legend .mm-legend-item")
    items.nth(1).click()
    assert nb.kernel.wait_for("w.hidden_markers", lambda v: v == [1]) == [1]
    assert items.nth(1).get_attribute("aria-pressed") == "false"
    nb.page.wait_for_selector(".mm-root[data-visible-points='3']", state="attached")
    plot = Plot.settled(nb.page)
    img = plot.screenshot()
    centres = _centres(plot)
    at = [img[int(round(y)), int(round(x))] for x, y in centres]
    # the real materials are gone (bare page at their centres, no outline), the rest drawn
    for k in range(3, 6):
        assert np.abs(at[k] - page_rgb).max() <= 2, (k, at[k])
        assert _corner_darkness(img, *centres[k]) > 200
    for k in range(3):
        assert np.abs(at[k] - page_rgb).max() > 30, (k, at[k])
    assert nb.page.locator(".mm-root").get_attribute("data-visible-points") == "3"
    items.nth(1).click()  # and back
    assert nb.kernel.wait_for("w.hidden_markers", lambda v: v == []) == []
    nb.page.wait_for_selector(".mm-root[data-visible-points='6']", state="attached")
    img = Plot.settled(nb.page).screenshot()
    assert all(_corner_darkness(img, *centres[k]) < 80 for k in range(3, 6))
