"""Degenerate data: 1, 2 and 3 materials, all targets NaN, a constant target, duplicate ids, a
single family. Each call works or says exactly why not."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from faults import small_obelix

import materials_map as mm
from materials_map.datasets import MapDataset, from_structures
from materials_map.pipeline import build_map

FAST = {"max_epochs": 4, "patience": 2, "progress": False, "random_state": 0}


@pytest.fixture(scope="module")
def structures():
    return small_obelix(4, max_sites=40)


@pytest.fixture(scope="module")
def X(structures):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mm.featurize(structures, progress=False)


def test_fit_on_one_two_and_three_materials(X):
    with pytest.raises(ValueError, match=r"too few rows \(1\) to train"):
        mm.MapModel(**FAST).fit(X[[0]], [0.3])
    two = mm.MapModel(**FAST).fit(X[[0, 1]], [0.3, 0.5])
    assert len(two.test_index_) == 0 and two.transform(X[[0, 1]]).shape == (2, 2)
    three = mm.MapModel(**FAST).fit(X[[0, 1, 2]], [0.3, 0.5, 0.4])
    assert len(three.test_index_) == 1 and np.isfinite(three.predict(X[[0, 1, 2]])).all()


def test_all_nan_constant_target_and_duplicate_ids(X):
    m = mm.MapModel(**FAST).fit(X, [np.nan] * len(X))
    assert not m.has_target_ and np.isfinite(m.transform(X)).all()
    with pytest.raises(ValueError, match="fitted without target values"):
        m.predict_coords([[0.0, 0.0]])
    c = mm.MapModel(**FAST).fit(X, [0.42] * len(X))
    assert c.y_scale_ == pytest.approx(0.42) and np.isfinite(c.predict(X)).all()
    z = mm.MapModel(**FAST).fit(X, [0.0] * len(X))  # a constant zero: scale 1, not 0
    assert z.y_scale_ == 1.0 and np.isfinite(z.predict(X)).all()
    dup = pd.DataFrame({"id": ["a", "a"], "structure": [None, None]})
    with pytest.raises(ValueError, match=r"ids must be unique; duplicated: \['a'\]"):
        MapDataset(dup)


def _ds(structures, y, ids=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return from_structures(structures, ids=ids, target="y", y=y)


def test_build_map_on_tiny_and_degenerate_datasets(structures, monkeypatch, tmp_path):
    monkeypatch.setenv("MATERIALS_MAP_CACHE", str(tmp_path))
    opts = {"model": None, "use_cache": False, "progress": False}
    with pytest.raises(ValueError, match="at least 2 materials"):
        build_map(_ds(structures[:1], [0.3]), **opts)
    for n in (2, 3):
        r = build_map(
            _ds(structures[:n], [0.3, 0.5, 0.4][:n]), **{**opts, "model": mm.MapModel(**FAST)}
        )
        assert r.coords.shape == (n, 2) and np.isfinite(r.coords).all()
        assert r.grid is not None and np.isfinite(r.grid).all()
    nan = build_map(_ds(structures, [np.nan] * 4), **{**opts, "model": mm.MapModel(**FAST)})
    assert nan.grid is None and nan.coords.shape == (4, 2)  # a map without a background
    const = build_map(_ds(structures, [0.4] * 4), **{**opts, "model": mm.MapModel(**FAST)})
    assert np.isfinite(const.grid).all()
    # a single family: every row the same structure type
    one = _ds(structures, [0.3, 0.5, 0.4, 0.6])
    one.df["structure_type"] = "olivine"
    fam = build_map(one, **{**opts, "model": mm.MapModel(**FAST)})
    assert set(fam.table["structure_type"]) == {"olivine"}
    # duplicate ids: the loader keeps the first and says why it refused the second
    with pytest.warns(UserWarning, match="1 duplicate id"):
        dup = from_structures(structures[:3], ids=["a", "b", "a"], target="y", y=[0.1, 0.2, 0.3])
    assert list(dup.df["id"]) == ["a", "b"]
    assert dup.failures[0]["error"] == "duplicate id: 'a' is already used by item 0"


def test_explore_on_three_materials(structures, monkeypatch, tmp_path):
    pytest.importorskip("ipywidgets")
    from materials_map.widgets.explorer import Explorer

    monkeypatch.setenv("MATERIALS_MAP_CACHE", str(tmp_path))
    r = build_map(
        _ds(structures[:3], [0.3, 0.5, 0.4]),
        model=mm.MapModel(**FAST),
        use_cache=False,
        progress=False,
    )
    ex = Explorer.from_result(r)
    assert len(ex.table) == 3
