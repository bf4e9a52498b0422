"""MapModel.fit(sample_weight=...): repeat counts per epoch, and the map's real-row weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import FAST
from model_data import manifold_data

from materials_map.datasets.dataset import MapDataset
from materials_map.model.estimator import MapModel, repeated_rows
from materials_map.model.weights import REAL_WEIGHT, training_weights


def test_repeated_rows_counts_and_order():
    rows = np.array([4, 7, 9, 12])
    # whole weights: every row once, then those of weight >= 2, then >= 3
    out = repeated_rows(rows, np.array([1.0, 3.0, 0.0, 2.0]), seed=0)
    assert out.tolist() == [4, 7, 12, 7, 12, 7]
    assert repeated_rows(rows, np.ones(4), seed=5).tolist() == rows.tolist()
    # a fractional part is one more repeat with that probability, the same for a seed
    many = np.arange(4000)
    half = repeated_rows(many, np.full(4000, 1.5), seed=3)
    assert 5800 < len(half) < 6200
    assert np.array_equal(half, repeated_rows(many, np.full(4000, 1.5), seed=3))
    assert not np.array_equal(half, repeated_rows(many, np.full(4000, 1.5), seed=4))


def test_unit_weights_train_exactly_as_no_weights():
    X, y, _ = manifold_data(n=80, n_comp=20, n_struct=15, seed=2)
    a = MapModel(random_state=0, **{**FAST, "max_epochs": 15}).fit(X, y)
    b = MapModel(random_state=0, **{**FAST, "max_epochs": 15}).fit(X, y, sample_weight=np.ones(80))
    assert np.array_equal(a.transform(X), b.transform(X))
    pd.testing.assert_frame_equal(a.history_, b.history_)


def test_weighted_rows_are_reconstructed_better():
    # two independent bump heights per branch: one code cannot hold everything, so the
    # weights decide which rows the code serves best
    X, y, t = manifold_data(n=160, n_comp=30, n_struct=24, seed=4, extra=0.6)
    group = t[:, 1] < 0.3
    fit = dict(random_state=0, test_size=0.0, **{**FAST, "max_epochs": 40, "patience": 40})
    plain = MapModel(**fit).fit(X, y)
    weighted = MapModel(**fit).fit(X, y, sample_weight=np.where(group, 6.0, 1.0))

    def err(m, rows):
        r = m.reconstruct_scaled(X[rows])
        return float(np.mean((r["struct_out"] - r["struct_in"]) ** 2))

    rows = np.flatnonzero(group)
    assert err(weighted, rows) < 0.8 * err(plain, rows)


def test_bad_weights_are_refused():
    X, y, _ = manifold_data(n=40, n_comp=10, n_struct=9, seed=0)
    m = MapModel(random_state=0, **{**FAST, "max_epochs": 2})
    with pytest.raises(ValueError, match="39 values for 40 rows"):
        m.fit(X, y, sample_weight=np.ones(39))
    w = np.ones(40)
    w[7] = -1
    with pytest.raises(ValueError, match="row 7"):
        m.fit(X, y, sample_weight=w)
    w[7] = np.nan
    with pytest.raises(ValueError, match="row 7"):
        m.fit(X, y, sample_weight=w)
    with pytest.raises(ValueError, match="every training row has sample_weight 0"):
        m.fit(X, y, sample_weight=np.zeros(40))


def test_training_weights_only_for_mixed_sources():
    def ds(sources):
        return MapDataset(
            pd.DataFrame({"id": [str(i) for i in range(len(sources))], "source": sources})
        )

    assert training_weights(ds(["generated"] * 3)) is None
    assert training_weights(ds(["obelix"] * 3)) is None
    w = training_weights(ds(["generated", "obelix", "generated", "cif"]))
    assert w.tolist() == [1.0, REAL_WEIGHT, 1.0, REAL_WEIGHT]
