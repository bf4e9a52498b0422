"""Studies of a fitted `MapModel`: parity data and the worst-reconstructed samples (paper
Fig. 3), a PCA baseline, and the held-out row of the W sweep table (paper Fig. 2; the sweep
itself is :func:`materials_map.w_sweep`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.metrics import mean_absolute_error, r2_score

from ._inputs import as_parts, as_target
from .autoencoder import reconstruction_error


@dataclass
class Diagnostics:
    """Parity data of one set of rows (scaled descriptors, target in original units).

    ``comp_in/comp_out`` and ``struct_in/struct_out`` are ``(n, d)`` scaled arrays (flatten
    them for the parity plots of Fig. 3a-b); ``me_true/me_pred`` are ``(n,)`` in original
    units, ``me_true`` NaN for unlabelled rows. ``losses`` holds the per-row Eq. 1-4 terms;
    ``scores`` the R² values and the target MAE.
    """

    rows: np.ndarray
    ids: np.ndarray
    comp_in: np.ndarray
    comp_out: np.ndarray
    struct_in: np.ndarray
    struct_out: np.ndarray
    me_true: np.ndarray
    me_pred: np.ndarray
    losses: pd.DataFrame
    scores: dict[str, float]

    def __repr__(self) -> str:
        s = self.scores
        return (
            f"Diagnostics({len(self.rows)} rows: R² comp {s['r2_comp']:.3f}, struct "
            f"{s['r2_struct']:.3f}, target {s['r2_me']:.3f} on {s['n_me']} labelled)"
        )

    def parity(self, kind: str) -> pd.DataFrame:
        """``true``/``pred`` columns for ``"comp"``, ``"struct"`` (flattened) or ``"me"`` (labelled rows)."""
        if kind in ("comp", "struct"):
            a, b = getattr(self, f"{kind}_in"), getattr(self, f"{kind}_out")
            return pd.DataFrame({"true": a.ravel(), "pred": b.ravel()})
        if kind == "me":
            m = ~np.isnan(self.me_true)
            return pd.DataFrame(
                {"id": self.ids[m], "true": self.me_true[m], "pred": self.me_pred[m]}
            )
        raise ValueError(f"kind must be 'comp', 'struct' or 'me', got {kind!r}")

    def worst(self, k: int = 3) -> pd.DataFrame:
        """The ``k`` rows with the largest total loss (paper Fig. 3d-f), worst first."""
        return self.losses.sort_values("all", ascending=False, kind="stable").head(k)


def _rows(model: Any, n: int, rows) -> np.ndarray:
    if isinstance(rows, str):
        options = {"test": model.test_index_, "train": model.train_index_, "all": np.arange(n)}
        if rows not in options:
            raise ValueError(f"rows must be 'test', 'train', 'all' or an index array, got {rows!r}")
        return np.asarray(options[rows], dtype=int)
    return np.asarray(rows, dtype=int)


def diagnostics(model: Any, X, y=None, rows="test") -> Diagnostics:
    """Parity data for composition, structure and target on ``rows`` of ``X`` (default: the
    rows ``fit`` held out), plus per-row losses for finding the worst reconstructions."""
    parts = as_parts(X)
    n = len(parts.comp)
    target = as_target(y, n)
    idx = _rows(model, n, rows)
    if idx.size == 0:
        raise ValueError(
            "no rows to diagnose (the model was fitted with test_size=0? pass rows='all')"
        )
    sub = (parts.comp[idx], parts.struct[idx])
    r = model.reconstruct_scaled(sub)
    me_true = target[idx]
    me_pred = model.predict(sub) if model.has_target_ else np.full(idx.size, np.nan)
    err_me = ((me_pred - me_true) / model.y_scale_) ** 2
    red = model.loss_reduction
    loss_comp = reconstruction_error(r["comp_in"], r["comp_out"], red)
    loss_struct = reconstruction_error(r["struct_in"], r["struct_out"], red)
    losses = pd.DataFrame(
        {
            "row": idx,
            "id": parts.ids[idx],
            "comp": loss_comp,
            "struct": loss_struct,
            "me": err_me,
            "all": loss_comp + loss_struct + float(model.w) * np.nan_to_num(err_me),
        }
    )
    labelled = ~np.isnan(me_true)
    scores = {
        "r2_comp": float(r2_score(r["comp_in"].ravel(), r["comp_out"].ravel())),
        "r2_struct": float(r2_score(r["struct_in"].ravel(), r["struct_out"].ravel())),
        "n_me": int(labelled.sum()),
        "r2_me": float("nan"),
        "mae_me": float("nan"),
    }
    if labelled.sum() >= 2 and model.has_target_:
        scores["r2_me"] = float(r2_score(me_true[labelled], me_pred[labelled]))
        scores["mae_me"] = float(mean_absolute_error(me_true[labelled], me_pred[labelled]))
    return Diagnostics(
        rows=idx,
        ids=parts.ids[idx],
        comp_in=r["comp_in"],
        comp_out=r["comp_out"],
        struct_in=r["struct_in"],
        struct_out=r["struct_out"],
        me_true=me_true,
        me_pred=me_pred,
        losses=losses,
        scores=scores,
    )


def held_out_scores(model: Any, X, y) -> dict[str, float]:
    """One row of the W-sweep table (:func:`materials_map.w_sweep`) for a fitted model: its W, the held-out losses of
    Eqs. 1-3 in scaled units, the held-out R² values and target MAE, and the epochs run."""
    parts = as_parts(X)
    target = as_target(y, len(parts.comp))
    te = model.test_index_
    held = model.losses((parts.comp[te], parts.struct[te]), target[te])
    d = diagnostics(model, X, target, rows="test")
    return {
        "w": float(model.w),
        "loss_comp": held["comp"],
        "loss_struct": held["struct"],
        "loss_me": held["me"],
        "r2_comp": d.scores["r2_comp"],
        "r2_struct": d.scores["r2_struct"],
        "r2_me": d.scores["r2_me"],
        "mae_me": d.scores["mae_me"],
        "epochs": model.n_epochs_,
    }


def pca_baseline(model: Any, X) -> dict[str, float]:
    """Reconstruction R² of PCA with one component per branch, fitted on the model's
    training rows and scored on its held-out rows, in the model's scaled units."""
    parts = as_parts(X)
    tr, te = model.train_index_, model.test_index_
    comp_s, struct_s = model.scaler_.transform(parts.comp, parts.struct)
    out = {}
    for name, a in (("comp", comp_s), ("struct", struct_s)):
        pca = PCA(n_components=1, svd_solver="full").fit(a[tr])
        rec = pca.inverse_transform(pca.transform(a[te]))
        out[name] = float(r2_score(a[te].ravel(), rec.ravel()))
    return out
