"""W sweep (Fig. 2) and parity / worst-sample diagnostics (Fig. 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import FAST
from sklearn.metrics import r2_score

from materials_map.datasets import MapDataset
from materials_map.model import MapModel
from materials_map.model.studies import diagnostics
from materials_map.pipeline import MapResult
from materials_map.sweep import w_sweep


def test_diagnostics_parity_and_worst(data, fitted):
    X, y, _ = data
    d = diagnostics(fitted, X, y)
    te = fitted.test_index_
    assert np.array_equal(d.rows, te)
    assert d.parity("comp").shape == (len(te) * X.comp.shape[1], 2)
    assert d.parity("struct").shape == (len(te) * X.struct.shape[1], 2)
    me = d.parity("me")
    assert len(me) == len(te) and list(me["id"]) == list(X.ids[te])
    assert d.scores["r2_me"] == r2_score(me["true"], me["pred"])
    assert d.scores["mae_me"] == np.abs(me["true"] - me["pred"]).mean()
    assert d.scores["r2_comp"] == fitted.score_reconstruction(X[te])["comp"]
    worst = d.worst(3)
    assert len(worst) == 3 and worst["all"].is_monotonic_decreasing
    assert worst["all"].iloc[0] == d.losses["all"].max()
    # per-row losses average to the held-out losses of Eqs. 1-3
    held = fitted.losses(X[te], y[te])
    assert np.isclose(d.losses["comp"].mean(), held["comp"], rtol=1e-4)
    assert np.isclose(d.losses["me"].mean(), held["me"], rtol=1e-4)
    assert diagnostics(fitted, X, y, rows="all").rows.size == len(X)


def test_w_sweep_table(data):
    """The one W sweep (mm.w_sweep) of a map whose model is not fitted yet: trains each W."""
    X, y, _ = data
    ds = MapDataset(pd.DataFrame({"id": X.ids, "formula": "Li2O", "y": y}))
    result = MapResult(ds, X, MapModel.paper(random_state=0, **FAST), None, None, None, "y")
    table = w_sweep(result, ws=(0, 1), use_cache=False, progress=False).table
    assert set(table["source"]) == {"trained"}
    assert list(table.index) == [0.0, 1.0]
    assert {"loss_comp", "loss_struct", "loss_me", "r2_me", "epochs"} <= set(table.columns)
    # the trade-off of Fig. 2: with W = 0 the ME head is never trained; with W = 1 it is,
    # and the codes then serve the target at some cost to the reconstruction
    assert table.loc[1.0, "loss_me"] < 0.5 * table.loc[0.0, "loss_me"]
    assert table.loc[1.0, "r2_me"] > 0.5
    assert table.loc[1.0, "loss_comp"] + table.loc[1.0, "loss_struct"] > (
        table.loc[0.0, "loss_comp"] + table.loc[0.0, "loss_struct"]
    )
