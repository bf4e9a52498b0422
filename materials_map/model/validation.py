"""Validating a superionic classifier the way the reference does (Digital Discovery 2025).

* **Metrics:** area under the precision-recall curve (AUC-PR, ``average_precision_score``)
  and Matthews correlation coefficient (MCC, at P = 0.5).
* **Controls** (after Hargreaves et al.): the same model trained on *shuffled* labels, and the
  *mean* prediction (the training rows' superionic fraction for every test row; its AUC-PR
  is the test set's superionic fraction and its MCC is 0).
* **Schemes:** stratified k-fold (interpolation), stratified k-fold grouped by chemical
  system (no chemical system in both train and test) and leave-one-cluster-out (LOCO, unseen
  chemistry) over clusters of compositions.

Clusters: the reference embeds compositions with the element mover's distance (ElMD), maps
them with UMAP and cuts with DBSCAN. We compute the same kind of distance exactly — the
earth mover's distance between two compositions laid out on a one-dimensional element scale
is the area between their cumulative distributions — on Pettifor's Mendeleev numbers (ElMD's
default scale is Glawe's *modified* Pettifor scale, which pymatgen does not ship), and cut
the distance matrix with average-linkage agglomerative clustering instead of UMAP + DBSCAN.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, matthews_corrcoef
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold


def composition_distance(formulas: Sequence[Any]) -> np.ndarray:
    """Pairwise earth mover's distance between compositions on Pettifor's Mendeleev scale
    (atomic fractions; distance in Mendeleev-number units), ``(n, n)``."""
    from pymatgen.core import Composition

    comps = [Composition(f) if not isinstance(f, Composition) else f for f in formulas]
    elements = sorted({e for c in comps for e in c.elements}, key=lambda e: e.mendeleev_no)
    where = {e: i for i, e in enumerate(elements)}
    frac = np.zeros((len(comps), len(elements)))
    for r, c in enumerate(comps):
        for e, v in c.fractional_composition.items():
            frac[r, where[e]] += v
    position = np.array([e.mendeleev_no for e in elements], dtype=float)
    cdf = np.cumsum(frac, axis=1)[:, :-1]
    gaps = np.diff(position)
    out = np.empty((len(comps), len(comps)))
    for start in range(0, len(comps), 256):
        out[start : start + 256] = np.abs(cdf[start : start + 256, None, :] - cdf[None]) @ gaps
    return out


def composition_clusters(formulas: Sequence[Any], n_clusters: int = 10) -> np.ndarray:
    """Cluster labels (0..n_clusters-1) of compositions, by average linkage on
    :func:`composition_distance`."""
    from sklearn.cluster import AgglomerativeClustering

    d = composition_distance(formulas)
    k = min(int(n_clusters), len(d))
    return AgglomerativeClustering(k, metric="precomputed", linkage="average").fit_predict(d)


def scores(y: Any, p: Any, threshold: float = 0.5) -> dict[str, float]:
    """AUC-PR and MCC of probabilities ``p`` for labels ``y`` (NaN AUC-PR for one class)."""
    y = np.asarray(y, dtype=bool)
    p = np.asarray(p, dtype=float)
    auc = float(average_precision_score(y, p)) if 0 < y.sum() < len(y) else float("nan")
    return {"auc_pr": auc, "mcc": float(matthews_corrcoef(y, p > threshold))}


def _take(X: Any, idx: np.ndarray) -> Any:
    return X[idx] if hasattr(X, "comp") else np.asarray(X)[idx]


def splits(
    y: Any, scheme: str, groups: Any = None, n_splits: int = 5, random_state: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(train, test), ...]`` row positions: ``"kfold"`` (stratified, shuffled),
    ``"group-kfold"`` (stratified, no value of ``groups`` on both sides, e.g. chemical
    systems: ``Composition(f).chemical_system``) or ``"loco"`` (one fold per value of ``groups``)."""
    y = np.asarray(y, dtype=bool)
    if scheme == "kfold":
        cv = StratifiedKFold(int(n_splits), shuffle=True, random_state=random_state)
        return list(cv.split(np.zeros(len(y)), y))
    if scheme not in ("group-kfold", "loco"):
        raise ValueError(f"scheme must be 'kfold', 'group-kfold' or 'loco', got {scheme!r}")
    if groups is None:
        raise ValueError(f"{scheme} needs groups (chemical systems or composition_clusters)")
    g = np.asarray(groups)
    if scheme == "group-kfold":
        cv = StratifiedGroupKFold(int(n_splits), shuffle=True, random_state=random_state)
        return list(cv.split(np.zeros(len(y)), y, g))
    return [(np.flatnonzero(g != k), np.flatnonzero(g == k)) for k in np.unique(g)]


def evaluate(
    make: Callable[[], Any],
    X: Any,
    y: Any,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    random_state: int = 0,
    n_shuffles: int = 1,
) -> pd.DataFrame:
    """Model, shuffled-label and mean-prediction scores on every fold.

    ``make()`` returns a fresh unfitted classifier with ``predict_proba``. The shuffled-label
    control is trained ``n_shuffles`` times per fold on different permutations (one
    permutation of a small test set is a noisy control). Returns one row per fold, kind
    (``model``, ``shuffled``, ``mean``) and ``repeat`` with ``auc_pr``, ``mcc``, ``n_test``,
    ``n_pos`` — plus ``fold = "pooled"`` rows scoring all out-of-fold predictions together
    (defined even when a single cluster holds one class only).
    """
    y = np.asarray(y, dtype=bool)
    rng = np.random.default_rng(random_state)
    keys = [("model", 0), *(("shuffled", r) for r in range(max(1, int(n_shuffles)))), ("mean", 0)]
    rows, pooled = [], {k: np.full(len(y), np.nan) for k in keys}
    for f, (train, test) in enumerate(folds):
        if y[train].all() or not y[train].any():
            continue  # a training set of one class cannot train a classifier
        X_train, X_test = _take(X, train), _take(X, test)
        preds = {}
        for kind, r in keys:
            if kind == "model":
                p = make().fit(X_train, y[train]).predict_proba(X_test)[:, 1]
            elif kind == "shuffled":
                p = make().fit(X_train, rng.permutation(y[train])).predict_proba(X_test)[:, 1]
            else:
                p = np.full(len(test), y[train].mean())
            preds[(kind, r)] = p
        for (kind, r), p in preds.items():
            pooled[(kind, r)][test] = p
            rows.append(
                {
                    "fold": str(f),
                    "kind": kind,
                    "repeat": r,
                    **scores(y[test], p),
                    "n_test": len(test),
                    "n_pos": int(y[test].sum()),
                }
            )
    for (kind, r), p in pooled.items():
        ok = np.isfinite(p)
        rows.append(
            {
                "fold": "pooled",
                "kind": kind,
                "repeat": r,
                **scores(y[ok], p[ok]),
                "n_test": int(ok.sum()),
                "n_pos": int(y[ok].sum()),
            }
        )
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per kind: mean and standard deviation of AUC-PR and MCC over folds (and repeats of the
    shuffled control) where AUC-PR is defined (``n_folds`` counts those folds), and the
    pooled scores (averaged over repeats)."""
    folds = table[table["fold"] != "pooled"]
    pooled = table[table["fold"] == "pooled"].groupby("kind")[["auc_pr", "mcc"]].mean()
    out = {}
    for kind, g in folds.groupby("kind", sort=False):
        ok = g["auc_pr"].notna()
        out[kind] = {
            "auc_pr_mean": g.loc[ok, "auc_pr"].mean(),
            "auc_pr_std": g.loc[ok, "auc_pr"].std(ddof=0),
            "mcc_mean": g.loc[ok, "mcc"].mean(),
            "mcc_std": g.loc[ok, "mcc"].std(ddof=0),
            "n_folds": int(g.loc[ok, "fold"].nunique()),
            "auc_pr_pooled": pooled.loc[kind, "auc_pr"],
            "mcc_pooled": pooled.loc[kind, "mcc"],
        }
    return pd.DataFrame(out).T
