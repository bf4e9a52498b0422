"""MapModel(target_transform=...): a barrier is never predicted negative (issue 14)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FAST

from materials_map.model.estimator import MapModel
from materials_map.model.target import (
    resolve_target_transform,
    target_forward,
    target_inverse,
)


@pytest.mark.parametrize("kind", ["none", "softplus", "log"])
def test_forward_and_inverse_are_inverses(kind):
    y = np.array([0.1, 0.2, 0.5, 1.0, 3.0, 9.7, np.nan])  # above the log floor (0.097)
    t = target_forward(y, 9.7, kind)
    np.testing.assert_allclose(target_inverse(t, 9.7, kind)[:-1], y[:-1], rtol=1e-9)
    assert np.isnan(t[-1])
    if kind != "none":  # any head output maps to a positive barrier
        out = target_inverse(np.linspace(-50, 50, 101), 9.7, kind)
        assert (out > 0).all() and np.isfinite(out).all()


def test_softplus_spreads_low_barriers():
    # 0.2 -> 0.4 eV spans more of the learnt range than it would linearly (scale 9.7 eV)
    t = target_forward(np.array([0.2, 0.4]), 9.7, "softplus")
    assert t[1] - t[0] > 2 * (0.4 - 0.2) / 9.7


def test_auto_rule_and_refusals():
    assert resolve_target_transform("auto", np.array([0.1, 2.0])) == "softplus"
    assert resolve_target_transform("auto", np.array([-3.0, -5.0])) == "none"  # log10 sigma
    with pytest.raises(ValueError, match="non-negative"):
        resolve_target_transform("softplus", np.array([-1.0, 1.0]))
    with pytest.raises(ValueError, match="target_transform"):
        resolve_target_transform("sqrt", np.array([1.0]))


def test_softplus_model_never_predicts_negative(data, tmp_path):
    X, y, _ = data
    y = y - np.min(y) + 0.01  # a non-negative "barrier" down to 0.01
    m = MapModel(w=0.1, random_state=0, target_transform="auto", **FAST).fit(X, y)
    assert m.target_transform_ == "softplus"
    coords = m.transform(X)
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    span = hi - lo
    g = np.stack(
        np.meshgrid(*(np.linspace(lo[i] - 3 * span[i], hi[i] + 3 * span[i], 60) for i in (0, 1))),
        axis=-1,
    ).reshape(-1, 2)
    pred = m.predict_coords(g)
    assert (pred > 0).all()
    # it still learns the target: held-out rank correlation well above chance
    from scipy.stats import spearmanr

    te = m.test_index_
    assert spearmanr(m.predict((X.comp[te], X.struct[te])), y[te])[0] > 0.5
    again = MapModel.load(m.save(tmp_path / "m.mmodel"))
    assert again.target_transform_ == "softplus"
    np.testing.assert_allclose(again.predict_coords(g), pred, rtol=1e-6)
