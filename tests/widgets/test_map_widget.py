"""MapWidget's Python side: binary traits, validation, tables, custom messages, colour parity."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import traitlets
from matplotlib import colormaps

from dev_scripts.colormaps import ts_module
from materials_map.widgets.map import MapWidget
from materials_map.widgets.map import colormaps as cm
from materials_map.widgets.map import table as map_module

ROOT = Path(__file__).resolve().parents[2]


def _df(n: int = 12) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [f"mp-{i}" for i in range(n)],
            "formula": ["LiCoO2", "Li2O", "LiFePO4", "Li7La3Zr2O12"] * (n // 4),
            "family": ["layered", None, "olivine", "garnet"] * (n // 4),
            "me": np.linspace(0.1, 1.2, n),
            "li_fraction": np.linspace(0.2, 0.5, n),
        }
    )


def _sent(w: MapWidget, monkeypatch) -> list:
    sent: list = []
    monkeypatch.setattr(w, "send", lambda content, buffers=None: sent.append((content, buffers)))
    return sent


# ----------------------------------------------------------------------------- colour parity
def test_front_end_tables_equal_matplotlib():
    text = (ROOT / "js" / "src" / "map" / "colormap_data.ts").read_text()
    for name in cm.CONTINUOUS:
        block = re.search(rf'"{re.escape(name)}":\s*((?:\s*"[0-9a-f]+"\s*[+,])+)', text).group(1)
        packed = "".join(re.findall(r'"([0-9a-f]+)"', block))
        table = np.frombuffer(bytes.fromhex(packed), np.uint8).reshape(256, 3)
        want = np.round(colormaps[name](np.arange(256) / 255.0)[:, :3] * 255).astype(np.uint8)
        np.testing.assert_array_equal(table, want, err_msg=name)
    assert text == ts_module(), "colormap_data.ts is stale: run python -m dev_scripts.colormaps"


def test_unknown_colormap_is_refused():
    with pytest.raises(ValueError, match="unknown colormap 'jet'"):
        cm.lut("jet")


# ----------------------------------------------------------------------------- binary traits
def test_arrays_travel_as_binary_buffers_at_12_bytes_per_point():
    n = 1000
    w = MapWidget(np.random.default_rng(1).normal(size=(n, 2)), values=np.arange(n))
    state = w.get_state()
    for name in ("coords", "values", "selection"):
        assert isinstance(state[name], memoryview), name
    assert state["coords"].nbytes + state["values"].nbytes == 12 * n
    np.testing.assert_array_equal(
        np.frombuffer(bytes(state["coords"]), "<f4").reshape(n, 2), w.coords
    )
    assert w.values.dtype == np.float32 and w.coords.dtype == np.float32


def test_selection_from_the_browser_decodes_uint32():
    w = MapWidget(np.zeros((10, 2)) + np.arange(10)[:, None])
    w.set_state({"selection": np.array([7, 2, 2], "<u4").tobytes()})
    np.testing.assert_array_equal(w.selection, [2, 7])
    assert w.selection.dtype == np.uint32
    w.select([9, 0])
    assert w.selection.tolist() == [0, 9]


def test_bad_input_is_reported_clearly():
    xy = np.zeros((5, 2))
    xy[3] = np.nan
    with pytest.raises(
        traitlets.TraitError, match=r"coords: 1 row\(s\) are not finite \(first: \[3\]\)"
    ):
        MapWidget(xy)
    w = MapWidget(np.zeros((5, 2)))
    with pytest.raises(traitlets.TraitError, match="values: has 4 entries but there are 5 points"):
        w.values = np.arange(4)
    with pytest.raises(traitlets.TraitError, match="index 5 out of range for 5 points"):
        w.selection = [1, 5]
    with pytest.raises(traitlets.TraitError, match=r"expected shape \(n, 2\)"):
        w.coords = np.zeros((4, 3))
    with pytest.raises(traitlets.TraitError, match="background_extent"):
        w.background_extent = [0, 0, 1, 2]
    with pytest.raises(ValueError, match="grid must be a non-empty 2-D array"):
        w.set_background(np.zeros(4), [0, 1, 0, 1])


def test_categories_encode_labels_and_pick_the_narrowest_wire_dtype():
    w = MapWidget(np.zeros((6, 2)), categories=["garnet", None, "spinel", "garnet", "spinel", None])
    assert w.category_names == ["garnet", "spinel", "(none)"]
    assert w.categories.tolist() == [0, 2, 1, 0, 1, 2]
    assert w.categories_dtype == "uint8"
    assert bytes(w.get_state()["categories"]) == bytes([0, 2, 1, 0, 1, 2])
    many = MapWidget(np.zeros((300, 2)), categories=[f"c{i:03d}" for i in range(300)])
    assert many.categories_dtype == "uint16"
    assert np.frombuffer(bytes(many.get_state()["categories"]), "<u2").tolist() == list(range(300))
    with pytest.raises(ValueError, match=r"category codes must lie in \[0, 2\)"):
        w.set_categories([0, 1, 2, 0, 1, 0], names=["a", "b"])


def test_grid_is_stored_flat_with_shape_and_extent():
    w = MapWidget(np.zeros((3, 2)))
    g = np.arange(12, dtype=float).reshape(3, 4)
    w.set_background(g, [0, 4, -1, 2], label="ME", colormap="magma")
    assert w.background_shape == [3, 4] and w.background_extent == [0, 4, -1, 2]
    np.testing.assert_array_equal(w.background_values, g)
    assert w.get_state()["background"].nbytes == 12 * 4


# ----------------------------------------------------------------------------- tables
def test_from_dataframe_fills_colour_categories_tooltips_and_search():
    df = _df()
    xy = np.column_stack([np.arange(12.0), np.arange(12.0) ** 0.5])
    w = MapWidget.from_dataframe(xy, df, color="me", category="family", vmin=0.0, vmax=2.0)
    np.testing.assert_allclose(w.values, df["me"].to_numpy(np.float32))
    assert (w.vmin, w.vmax, w.color_label) == (0.0, 2.0, "me")
    assert w.color_columns == ["me", "li_fraction"]
    assert w.category_names == ["garnet", "layered", "olivine", "(none)"]
    assert set(w.tooltip_table) == {"id", "formula", "family", "me"}
    assert w.tooltip_table["family"][1] is None  # NaN -> null, JSON-safe
    assert w.search_columns == ["id", "formula"]
    # colour menu: choosing another column swaps the values and resets the range
    w.color = "li_fraction"
    np.testing.assert_allclose(w.values, df["li_fraction"].to_numpy(np.float32))
    assert w.vmin is None and w.color_label == "li_fraction"
    with pytest.raises(KeyError, match="column 'nope' not in the DataFrame"):
        MapWidget.from_dataframe(xy, df, color="nope")
    w2 = MapWidget.from_dataframe(("me", "li_fraction"), df)
    assert (w2.x_label, w2.y_label) == ("me", "li_fraction")
    np.testing.assert_allclose(w2.coords[:, 1], df["li_fraction"], rtol=1e-6)


def test_search_rule_exact_first_then_substring():
    w = MapWidget.from_dataframe(np.zeros((12, 2)), _df())
    assert w.search("MP-1").tolist() == [1]
    assert w.search("li2o").tolist() == [1, 5, 9]
    assert w.search("mp-1").tolist() == [1]
    assert w.search("FePO").tolist() == [2, 6, 10]
    assert w.search("   ").tolist() == []


def test_large_tables_are_served_lazily_by_custom_messages(monkeypatch):
    monkeypatch.setattr(map_module, "INLINE_TOOLTIP_LIMIT", 5)
    w = MapWidget.from_dataframe(np.zeros((12, 2)), _df(), tooltip=["id", "formula", "me"])
    assert w.tooltip_table is None
    sent = _sent(w, monkeypatch)
    w._on_custom_msg(w, {"type": "tooltip", "index": 6}, [])
    content, _ = sent[-1]
    assert content["type"] == "tooltip" and content["index"] == 6
    assert content["rows"] == [["id", "mp-6"], ["formula", "LiFePO4"], ["me", pytest.approx(0.7)]]
    w._on_custom_msg(w, {"type": "search", "query": "garnet"}, [])
    assert sent[-1][0] == {
        "type": "search",
        "query": "garnet",
        "count": 0,
    }  # family is not searched
    w._on_custom_msg(w, {"type": "search", "query": "Li7La3Zr2O12"}, [])
    assert sent[-1][0]["count"] == 3 and w.selection.tolist() == [3, 7, 11]


def test_png_round_trip_writes_the_file_and_resolves_the_future(tmp_path, monkeypatch):
    w = MapWidget(np.zeros((2, 2)))
    sent = _sent(w, monkeypatch)
    fut = w.to_png(tmp_path / "view.png")
    request = sent[-1][0]
    assert request["type"] == "export_png" and not fut.done()
    png = b"\x89PNG\r\n\x1a\nfake-bytes"
    w._on_custom_msg(w, {"type": "png", "request_id": request["request_id"]}, [memoryview(png)])
    assert fut.result(timeout=1) == tmp_path / "view.png"
    assert (tmp_path / "view.png").read_bytes() == png
    fut2 = w.to_png(tmp_path / "fail.png")
    w._on_custom_msg(
        w, {"type": "png", "request_id": sent[-1][0]["request_id"], "error": "no canvas"}, []
    )
    with pytest.raises(RuntimeError, match="no canvas"):
        fut2.result(timeout=1)


def test_saved_document_restores_the_same_widget():
    from materials_map.io.document import MapDocument

    w = MapWidget.from_dataframe(
        np.random.default_rng(2).normal(size=(12, 2)), _df(), color="me", category="family"
    )
    w.set_background(np.ones((2, 3)), [0, 1, 0, 1])
    w.hidden_categories = [1]
    w.selection = [4, 2]
    w2 = MapWidget.from_document(MapDocument.from_widget(w))
    for name in ("coords", "values", "categories", "selection", "background"):
        np.testing.assert_array_equal(getattr(w2, name), getattr(w, name), err_msg=name)
    assert w2.hidden_categories == [1] and w2.category_names == w.category_names
    assert w2.background_shape == [2, 3]


def test_from_result_draws_the_prediction_grid_underneath():
    from materials_map.pipeline import MapResult

    df = _df().rename(columns={"family": "structure_type"})
    coords = np.random.default_rng(3).normal(size=(12, 2))
    res = MapResult(
        dataset=SimpleNamespace(df=df),
        descriptors=None,
        model=None,
        coords=coords,
        grid=np.linspace(0, 1, 20).reshape(4, 5),
        extent=[-3, 3, -2, 2],
        target="me",
    )
    w = MapWidget.from_result(res)
    assert (w.x_label, w.y_label, w.color_label) == ("x_comp", "x_struct", "me")
    assert w.background_label == "predicted me" and w.background_extent == [-3, 3, -2, 2]
    assert "garnet" in w.category_names
    np.testing.assert_allclose(w.coords, coords.astype(np.float32))
