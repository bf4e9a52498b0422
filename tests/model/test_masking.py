"""Rows without a label train the reconstruction only."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import FAST

from materials_map.model.autoencoder import MapNet, map_losses
from materials_map.model.estimator import MapModel
from materials_map.model.studies import diagnostics


def test_losses_follow_eqs_1_to_4():
    g = torch.Generator().manual_seed(0)
    c, s = torch.rand(5, 7, generator=g), torch.rand(5, 4, generator=g)
    co, so = torch.rand(5, 7, generator=g), torch.rand(5, 4, generator=g)
    y = torch.tensor([0.5, float("nan"), 0.2, float("nan"), 0.9])
    me = torch.tensor([0.4, 123.0, 0.1, -50.0, 1.0])
    L = map_losses(c, s, y, co, so, me, w=0.1)  # MSE over samples and columns
    assert float(L["comp"]) == pytest.approx(float(((co - c) ** 2).mean()), rel=1e-6)
    assert float(L["struct"]) == pytest.approx(float(((so - s) ** 2).mean()), rel=1e-6)
    # Eq. 1/2 read literally: sum over descriptor columns, mean over samples
    Ls = map_losses(c, s, y, co, so, me, w=0.1, reduction="sum")
    assert float(Ls["comp"]) == pytest.approx(float(((co - c) ** 2).sum() / 5), rel=1e-6)
    assert float(Ls["struct"]) == pytest.approx(float(((so - s) ** 2).sum() / 5), rel=1e-6)
    assert float(Ls["me"]) == float(L["me"])
    # Eq. 3 over the three labelled rows only; the wild predictions on NaN rows are ignored
    assert float(L["me"]) == pytest.approx((0.1**2 + 0.1**2 + 0.1**2) / 3, rel=1e-5)
    assert int(L["n_me"]) == 3
    assert float(L["all"]) == pytest.approx(
        float(L["comp"] + L["struct"] + 0.1 * L["me"]), rel=1e-6
    )
    # no labelled row: ME term is exactly zero, not NaN
    L0 = map_losses(c, s, torch.full((5,), float("nan")), co, so, me, w=0.1)
    assert float(L0["me"]) == 0.0 and torch.isfinite(L0["all"])


def test_unlabelled_rows_get_no_target_gradient():
    torch.manual_seed(0)
    net = MapNet(6, 5, (8,), (8,), (4,), "tanh")
    c, s = torch.rand(4, 6), torch.rand(4, 5)
    y = torch.tensor([0.3, float("nan"), float("nan"), 0.7])
    coords = net.encode(c, s).detach().requires_grad_(True)
    me = net.predict_me(coords)
    map_losses(c, s, y, c, s, me, w=1.0)["me"].backward()
    grad = coords.grad.abs().sum(dim=1)
    assert grad[0] > 0 and grad[3] > 0
    assert grad[1] == 0 and grad[2] == 0


def test_no_labels_equals_zero_weight(data):
    """Without labels (y=None, or all NaN) the map is exactly the W = 0 map: the ME head
    then has no influence on the codes."""
    X, y, _ = data
    a = MapModel(w=0.1, random_state=0, **FAST).fit(X, None)
    b = MapModel(w=0.1, random_state=0, **FAST).fit(X, np.full(len(y), np.nan))
    c = MapModel(w=0.0, random_state=0, **FAST).fit(X, y)
    assert np.array_equal(a.transform(X), b.transform(X))
    assert np.array_equal(a.transform(X), c.transform(X))
    with pytest.raises(ValueError, match="without target"):
        a.predict(X)
    assert np.isnan(a.history_["val_me"]).all()


def test_partly_labelled_data_trains(data):
    """With 60 % of the labels removed the model still learns the target on the labelled
    held-out rows and reconstructs every row."""
    X, y, _ = data
    rng = np.random.default_rng(3)
    y_part = y.copy()
    y_part[rng.random(len(y)) < 0.6] = np.nan
    m = MapModel(w=0.01, random_state=0, **FAST).fit(X, y_part)
    d = diagnostics(m, X, y_part, rows="test")
    assert 0 < d.scores["n_me"] < len(m.test_index_)
    assert d.scores["r2_me"] > 0.5
    assert d.scores["r2_comp"] > 0.85 and d.scores["r2_struct"] > 0.85
    # the unlabelled rows really were unlabelled for training: their true y is still predicted
    hidden = np.isnan(y_part)
    resid = m.predict(X)[hidden] - y[hidden]
    assert np.mean(resid**2) < 0.5 * np.var(y[hidden])
