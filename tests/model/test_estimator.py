"""MapModel: shapes, blocks, determinism, scaling, reconstruction quality, errors."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FAST
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from materials_map.features.descriptors import Descriptors
from materials_map.model.estimator import MapModel
from materials_map.model.studies import pca_baseline


def test_shapes_split_and_blocks(data, fitted):
    X, y, _ = data
    n = len(X)
    coords = fitted.transform(X)
    assert coords.shape == (n, 2) and np.isfinite(coords).all()
    # 80/20 split: disjoint, complete, sorted
    assert len(fitted.test_index_) == round(0.2 * n)
    assert np.intersect1d(fitted.test_index_, fitted.train_index_).size == 0
    assert np.array_equal(np.sort(np.r_[fitted.test_index_, fitted.train_index_]), np.arange(n))
    dec = fitted.inverse_transform(coords[:5])
    assert isinstance(dec, Descriptors)
    assert dec.comp.shape == (5, X.comp.shape[1]) and dec.struct.shape == (5, X.struct.shape[1])
    assert [b.name for b in dec.blocks] == ["comp", "rdf", "adf", "voronoi"]
    assert dec.columns == X.columns
    assert fitted.predict(X).shape == (n,)
    assert fitted.predict_coords([0.0, 0.0]).shape == (1,)  # a single coordinate pair is accepted
    hist = fitted.history_
    assert {"train_all", "val_all", "val_comp", "val_struct", "val_me"} <= set(hist.columns)
    assert len(hist) == fitted.n_epochs_ and 1 <= fitted.best_epoch_ <= fitted.n_epochs_
    # early stopping: stopped `patience` epochs after the best one, or hit the cap
    assert fitted.n_epochs_ == min(fitted.best_epoch_ + FAST["patience"], FAST["max_epochs"])
    # the kept weights are those of the best epoch
    te = fitted.test_index_
    held = fitted.losses(X[te], y[te])
    assert held["all"] == pytest.approx(hist["val_all"].min(), rel=1e-4)


def test_same_seed_same_coordinates_other_seed_differs(data, fitted):
    X, y, _ = data
    again = MapModel(w=0.01, random_state=0, **FAST).fit(X, y)
    assert np.array_equal(again.transform(X), fitted.transform(X))
    assert np.array_equal(again.test_index_, fitted.test_index_)
    other = MapModel(w=0.01, random_state=1, **FAST).fit(X, y)
    assert not np.array_equal(other.test_index_, fitted.test_index_)
    assert not np.allclose(other.transform(X), fitted.transform(X))


def test_reconstruction_beats_pca_and_mean(data, fitted):
    """Each branch lies on a curved 1-D manifold: a 1-unit autoencoder follows it, one
    principal component cannot, and the mean predictor scores R² = 0."""
    X, _, _ = data
    te = fitted.test_index_
    r2 = fitted.score_reconstruction(X[te])
    pca = pca_baseline(fitted, X)
    assert r2["comp"] > 0.9 and r2["struct"] > 0.9
    assert r2["comp"] > pca["comp"] + 0.1 and r2["struct"] > pca["struct"] + 0.1


def test_inverse_transform_of_transform_is_close(data, fitted):
    X, _, _ = data
    dec = fitted.inverse_transform(fitted.transform(X))
    for branch in ("comp", "struct"):
        a, b = getattr(X, branch), getattr(dec, branch)
        for blk in X.blocks_of(branch):
            # block by block (families differ 800x in size): the decoded descriptors are
            # much closer to the input than the block's mean profile is
            a_blk, b_blk = a[:, blk.slice], b[:, blk.slice]
            err = np.abs(a_blk - b_blk).mean()
            err_mean = np.abs(a_blk - a_blk.mean(axis=0)).mean()
            assert err < 0.35 * err_mean, (blk.name, err, err_mean)


def test_coordinates_track_the_hidden_variables(data, fitted):
    """x_comp is a monotone function of the hidden compositional number, x_struct of the
    structural one (|Spearman| close to 1), and not of the other."""
    from scipy.stats import spearmanr

    X, _, t = data
    c = fitted.transform(X)
    assert abs(spearmanr(c[:, 0], t[:, 0]).statistic) > 0.95
    assert abs(spearmanr(c[:, 1], t[:, 1]).statistic) > 0.95
    assert abs(spearmanr(c[:, 0], t[:, 1]).statistic) < 0.4


def test_per_group_scaling_travels_with_model(data, fitted):
    X, _, _ = data
    tr = fitted.train_index_
    maxima = fitted.scaler_.scaler.maxima_
    for blk in X.blocks:
        arr = getattr(X, blk.branch)[tr]
        expect = max(np.abs(arr[:, b.slice]).max() for b in X.blocks if b.group == blk.group)
        assert maxima[blk.group] == pytest.approx(expect)
    r = fitted.reconstruct_scaled(X[tr])
    assert r["comp_in"].max() == pytest.approx(1.0) and r["struct_in"].max() == pytest.approx(1.0)


def test_target_scale_is_internal(data, fitted):
    """y is max-scaled inside the model: y*1000 gives the same map and 1000x predictions."""
    X, y, _ = data
    big = MapModel(w=0.01, random_state=0, **FAST).fit(X, y * 1000.0)
    assert big.y_scale_ == pytest.approx(1000.0 * fitted.y_scale_)
    assert np.allclose(big.transform(X), fitted.transform(X), atol=1e-5)
    assert np.allclose(big.predict(X), 1000.0 * fitted.predict(X), rtol=1e-4)


def test_tuple_input_is_one_group_per_branch(data):
    X, y, _ = data
    plain = (X.comp, X.struct * 0.5)
    m = MapModel(random_state=0, **FAST).fit(plain, y)
    assert set(m.scaler_.scaler.maxima_) == {"comp", "struct"}
    dec = m.inverse_transform(m.transform(plain))
    assert [b.name for b in dec.blocks] == ["comp", "struct"]
    assert dec.struct.shape == X.struct.shape
    assert m.score_reconstruction(plain)["struct"] > 0.8


def test_sklearn_params_and_clone(fitted):
    p = fitted.get_params()
    assert p["w"] == 0.01 and p["batch_size"] == 16 and p["learning_rate"] == 5e-3
    c = clone(fitted)
    assert not hasattr(c, "net_") and c.get_params() == p
    c.set_params(w=1.0, hidden_comp=(8,))
    assert c.w == 1.0 and c.hidden_comp == (8,) and fitted.w == 0.01
    paper = MapModel.paper().get_params()  # the paper's training settings
    assert (paper["batch_size"], paper["learning_rate"], paper["weight_decay"]) == (16, 1e-3, 1e-6)
    assert (paper["patience"], paper["test_size"], paper["w"]) == (80, 0.2, 0.1)
    assert paper["neighbour_weight"] == 0 and paper["encoder_input"] == "scaled"
    default = MapModel().get_params()  # beyond the paper: docs/model.md, "Map quality"
    assert (default["batch_size"], default["learning_rate"], default["test_size"]) == (
        16,
        1e-3,
        0.2,
    )
    assert (default["w"], default["neighbour_weight"], default["encoder_input"]) == (
        1.0,
        1.0,
        "column",
    )


def test_errors_are_clear(data, fitted):
    X, y, _ = data
    with pytest.raises(NotFittedError):
        MapModel().transform(X)
    bad = X.comp.copy()
    bad[7, 3] = np.nan
    with pytest.raises(ValueError, match=r"rows \[7\]"):
        MapModel(**FAST).fit((bad, X.struct), y)
    with pytest.raises(ValueError, match="columns"):
        fitted.transform((X.comp[:, :-1], X.struct))
    with pytest.raises(ValueError, match="119 values but X has 120 rows"):
        MapModel(**FAST).fit(X, y[:-1])
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        fitted.predict_coords(np.zeros((3, 3)))
    with pytest.raises(TypeError, match="Descriptors"):
        fitted.transform(X.comp)
    with pytest.raises(ValueError, match="CUDA is not available|device"):
        MapModel(
            device="cuda:7" if not __import__("torch").cuda.is_available() else "tpu", **FAST
        ).fit(X, y)
