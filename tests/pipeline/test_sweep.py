"""`w_sweep`: the W sweep of a map from shipped tables, cached tables, models, or training.

The li-o tables shipped with the package must agree with the shipped default model (the W = 0.1
row is recomputed here from that model); on other data the sweep trains real models (a small
network on real li-o rows) and caches what it trained, keyed like the models.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from materials_map import datasets
from materials_map.features.batch import featurize
from materials_map.model.estimator import MapModel
from materials_map.model.studies import held_out_scores
from materials_map.pipeline import build_map, map_result
from materials_map.sweep import SWEEP_WS, w_sweep

SMALL = dict(
    hidden_comp=(16,),
    hidden_struct=(16,),
    hidden_me=(8,),
    learning_rate=5e-3,
    patience=5,
    max_epochs=25,
    n_threads=1,
    progress=False,
)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MATERIALS_MAP_CACHE", str(tmp_path))
    return tmp_path


def test_li_o_sweep_comes_from_the_shipped_tables(cache):
    result = build_map("li-o", progress=False)
    sweep = w_sweep(result)
    assert list(sweep.table.index) == list(SWEEP_WS)
    assert set(sweep.table["source"]) == {"shipped table"}
    assert sweep.models == {} and not (cache / "models").exists()  # nothing trained or loaded
    # the W = 1 row is the shipped default model's (float32 descriptors here, float64 there)
    y = result.table[result.target].to_numpy(float)
    now = held_out_scores(result.model, result.descriptors, y)
    row = sweep.table.loc[1.0]
    for col in ("loss_comp", "loss_struct", "loss_me", "r2_comp", "r2_struct", "r2_me"):
        assert row[col] == pytest.approx(now[col], rel=1e-4, abs=1e-6), col
    assert row["epochs"] == result.model.n_epochs_
    span = np.ptp(result.coords, axis=0).max()
    assert np.abs(sweep.coords[1.0] - result.coords).max() < 1e-5 * span
    # W trades reconstruction for the target (paper Fig. 2): W = 1 predicts ME better than W = 0
    assert sweep.table.loc[1.0, "loss_me"] < sweep.table.loc[0.0, "loss_me"]
    # W = 0 is another map: its coordinates are not the W = 1 ones
    assert sweep.coords[0.0].shape == result.coords.shape
    assert np.abs(sweep.coords[0.0] - result.coords).max() > 0.05 * span


def test_other_data_trains_caches_and_retrains_on_request(cache):
    torch.set_num_threads(1)
    li_o = datasets.load("li-o")
    ds = li_o.subset(list(range(0, len(li_o.df), 12)))
    X = featurize(ds, cache=cache / "descriptors", progress=False)
    y = pd.to_numeric(ds.df[ds.target]).to_numpy(float)
    result = map_result(ds, X, MapModel(w=0.1, random_state=0, **SMALL).fit(X, y))

    first = w_sweep(result, ws=(0, 0.1), progress=False)
    assert first.table["source"].to_dict() == {0.0: "trained", 0.1: "the map's model"}
    trained = first.models[0.0]
    assert trained.w == 0 and trained is not result.model
    # a clone: same seed, so the same split, and the rest of the parameters unchanged
    np.testing.assert_array_equal(trained.test_index_, result.model.test_index_)
    assert trained.get_params()["hidden_comp"] == (16,)
    np.testing.assert_allclose(first.coords[0.0], trained.transform(X), rtol=1e-6, atol=1e-6)
    assert (cache / "models").is_dir() and len(list((cache / "sweeps").glob("*.npz"))) == 2

    again = w_sweep(result, ws=(0, 0.1), progress=False)
    assert set(again.table["source"]) == {"cached table"} and again.models == {}
    cols = ["loss_comp", "loss_struct", "loss_me", "epochs"]
    pd.testing.assert_frame_equal(again.table[cols], first.table[cols])
    np.testing.assert_allclose(again.coords[0.0], first.coords[0.0], rtol=1e-6)

    fresh = w_sweep(result, ws=(0.1,), retrain=True, progress=False)
    assert fresh.table["source"].tolist() == ["trained"]
    assert fresh.models[0.1] is not result.model
    # other parameters are another key: trained, not read from the tables above
    other = w_sweep(result, ws=(0,), progress=False, max_epochs=10)
    assert other.table["source"].tolist() == ["trained"]
    assert other.models[0.0].n_epochs_ <= 10


def test_an_unfitted_map_model_does_not_stand_for_its_w():
    """A clone of the map's model with another seed has the map's key for its W but is not
    fitted: the sweep must train it, not take it as "the map's model"."""
    from materials_map.model.estimator import MapModel
    from materials_map.sweep import _model

    unfitted = MapModel(random_state=1)
    assert _model("not-a-shipped-key", "not-a-shipped-key", unfitted, None, MapModel) == (
        None,
        "trained",
    )
