"""The Explorer's Design panel in the kernel: target from a click or lasso, Propose, the map's
candidate layer, background verification, exports, and the layer in saved documents."""

from __future__ import annotations

import threading
import time
import zipfile

import numpy as np
import pytest


@pytest.fixture(scope="module")
def explorer(small_map):
    from materials_map.pipeline import MapResult, prediction_grid
    from materials_map.widgets.explorer import Explorer

    r = small_map
    grid, extent = prediction_grid(r.model, r.coords, n=32)
    full = MapResult(
        dataset=r.dataset,
        descriptors=r.descriptors,
        model=r.model,
        coords=r.coords,
        grid=grid,
        extent=extent,
        target=r.target,
    )
    ex = Explorer.from_result(full)
    ex.design._designer = None  # built by the panel on first use, as in a session
    return ex


@pytest.fixture(scope="module")
def proposed(explorer):
    ex = explorer
    xy = ex.coords[4] + np.array([0.05, 0.05])
    ex.map.clicked_coord = [float(v) for v in xy]  # what a click on empty map sends
    assert ex.design.target == {"at": (pytest.approx(xy[0]), pytest.approx(xy[1]))}
    ex.design.n.value = 6
    ex.design.budget.value = 40.0
    ex.design.propose_button.click()
    assert ex.design.candidates is not None, ex.design.status.value
    return ex


def test_propose_fills_the_table_and_the_map_layer(proposed):
    ex = proposed
    c = ex.design.candidates
    assert 1 <= len(c) <= 6
    np.testing.assert_allclose(ex.map.candidates, c.coords.astype(np.float32))
    assert len(ex.map.candidate_labels) == len(c)
    assert all(f in ex.design.table_html.value for f in c.df["formula"])
    assert "candidate(s) in" in ex.design.status.value


def test_picking_a_marker_shows_its_crystal(proposed):
    ex = proposed
    ex.map.focused_candidate = 0  # what a click on a candidate marker sends
    cid = ex.design.candidates.df["id"].iloc[0]
    assert ex.design.pick_menu.value == 0
    assert [p["id"] for p in ex.crystal.structures] == [cid]


def test_lasso_sets_a_region_target(proposed):
    ex = proposed
    ex.map.select([1, 2, 3, 9])
    assert "region" in ex.design.target
    np.testing.assert_array_equal(ex.design.target["region"], [1, 2, 3, 9])
    ex.map.select([])


def test_background_verification_updates_rows_as_they_come(proposed):
    ex = proposed
    # results are written under the panel's lock: holding it, the worker cannot finish, so
    # verify() must return while its thread still runs and before the row changes
    before = ex.design.candidates.df.iloc[0].copy()
    with ex.design._lock:
        t = ex.design.verify(rows=[0], relax=False)
        assert t is not threading.current_thread() and t.is_alive()
        assert ex.design.candidates.df.iloc[0].equals(before)
        assert "in the background" in ex.design.status.value
    assert ex.design.wait(timeout=300)
    assert not t.is_alive()
    row = ex.design.candidates.df.iloc[0]
    assert bool(row["verified"]), row["verify_reason"]
    assert row["me_source"] == "BVSE e_3d, unrelaxed"
    assert "verification finished" in ex.design.status.value


def test_exports_write_cifs_and_a_dataset(proposed, tmp_path):
    from materials_map.datasets import MapDataset

    ex = proposed
    ex.design.chosen.value = (0, 1) if len(ex.design.candidates) > 1 else (0,)
    z = ex.design.export_cifs(tmp_path / "chosen.zip")
    with zipfile.ZipFile(z) as zf:
        assert len(zf.namelist()) == len(ex.design.chosen.value)
    p = ex.design.export_dataset(tmp_path / "chosen.parquet")
    ds = MapDataset.from_parquet(p)
    assert len(ds) == len(ex.design.chosen.value) and (ds.df["source"] == "proposed").all()
    ex.design.chosen.value = ()


def test_saved_document_keeps_the_candidate_layer(proposed, tmp_path):
    from materials_map.io.document import MapDocument
    from materials_map.widgets.map import MapWidget

    ex = proposed
    path = tmp_path / "with-candidates.mmap"
    ex.save(path, structures=False)
    doc = MapDocument.load(path)
    w = MapWidget.from_document(doc)
    np.testing.assert_allclose(w.candidates, ex.map.candidates)
    assert w.candidate_labels == ex.map.candidate_labels
    rows = doc.metadata["candidates"]
    assert [r["id"] for r in rows] == ex.design.candidates.df["id"].tolist()


def test_buttons_report_errors_instead_of_raising(small_map):
    from materials_map.widgets.panels.design import DesignPanel

    p = DesignPanel(small_map)
    p.propose_button.click()  # no target yet
    assert "no target" in p.status.value
    p.verify_button.click()
    assert "nothing to verify" in p.status.value
    t0 = time.perf_counter()
    p.cif_button.click()
    assert "nothing to export" in p.status.value and time.perf_counter() - t0 < 5
