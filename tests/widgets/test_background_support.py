"""The background's data support on the map widget: ``set_background(support=...)`` sends
``MapResult.support`` as the ``background_support`` trait (a float32 buffer, like the grid),
``from_result`` passes it, bad grids are refused, and saved documents and HTML pages keep it
byte for byte (the browser side is tests/browser/test_background_support.py)."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from materials_map.io.document import MapDocument
from materials_map.pipeline import MapResult, support_grid
from materials_map.widgets.map import MapWidget


def _map() -> tuple[MapWidget, np.ndarray, np.ndarray, list[float]]:
    rng = np.random.default_rng(0)
    xy = rng.normal([1.0, 1.0], 0.1, (40, 2))
    extent = [0.0, 4.0, 0.0, 2.0]
    grid = np.linspace(0, 1, 8 * 16, dtype=np.float32).reshape(8, 16)
    support = support_grid(xy, extent, grid.shape)
    w = MapWidget(xy, values=xy[:, 0])
    w.set_background(grid, extent, support=support)
    return w, grid, support, extent


def test_set_background_sends_the_support_as_a_float32_buffer():
    w, grid, support, _ = _map()
    assert w.background_support.dtype == np.float32
    np.testing.assert_array_equal(w.background_support, support.reshape(-1))
    # the wire carries raw little-endian bytes of the same length as the grid
    state = w.get_state()
    raw = bytes(state["background_support"])
    assert len(raw) == 4 * grid.size
    np.testing.assert_array_equal(np.frombuffer(raw, "<f4"), support.reshape(-1))
    # the points' cluster is supported, the far corner is not (the rule of support_grid)
    assert support[4, 4] == 1.0 and support[0, 15] < 1e-3
    # a new grid without a support is drawn opaque again
    w.set_background(grid, [0, 4, 0, 2])
    assert w.background_support is None


@pytest.mark.parametrize(
    "bad, reason",
    [
        (np.ones((3, 3)), "shape"),
        (np.full((8, 16), 1.5), r"\[0, 1\]"),
        (np.full((8, 16), np.nan), r"\[0, 1\]"),
    ],
)
def test_bad_support_grids_are_refused_with_the_reason(bad, reason):
    w, grid, _, extent = _map()
    with pytest.raises(ValueError, match=reason):
        w.set_background(grid, extent, support=bad)


def test_from_result_passes_the_support():
    rng = np.random.default_rng(2)
    coords = rng.normal(size=(30, 2))
    extent = [-4.0, 4.0, -3.0, 3.0]
    grid = np.linspace(0, 1, 24 * 32).reshape(24, 32)
    sup = support_grid(coords, extent, grid.shape)
    df = pd.DataFrame({"id": [f"m{i}" for i in range(30)], "me": rng.uniform(0, 1, 30)})
    res = MapResult(SimpleNamespace(df=df), None, None, coords, grid, extent, "me", support=sup)
    w = MapWidget.from_result(res)
    np.testing.assert_array_equal(w.background_support, sup.reshape(-1))
    res.support = None
    assert MapWidget.from_result(res).background_support is None


def test_documents_and_html_pages_keep_the_support(tmp_path):
    w, _, support, _ = _map()
    path = MapDocument.from_widget(w).save(tmp_path / "m.mmap")
    w2 = MapWidget.from_document(MapDocument.load(path))
    np.testing.assert_array_equal(w2.background_support, support.reshape(-1))
    # the standalone page embeds the same bytes for the front end
    page = MapDocument.load(path).to_html(tmp_path / "m.html").read_text()
    doc = json.loads(path.read_text())
    b64 = doc["traits"]["background_support"]["b64"]
    assert b64 in page
    np.testing.assert_array_equal(np.frombuffer(base64.b64decode(b64), "<f4"), support.reshape(-1))
