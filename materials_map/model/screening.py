"""Screening: rank materials by P(superionic), with the confidence of each prediction.

The default classifier ships with the package (``datasets/data/models/``), trained on the
OBELiX entries with a CIF (Therrien et al. 2025, CC-BY-4.0) by :func:`train_default`; any
fitted :class:`SuperionicClassifier` can be passed instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..features.descriptors import Descriptors
from .superionic import CONFIDENCE_COLUMNS, SuperionicClassifier, superionic_labels

#: the shipped classifier (descriptors of the default featurizers, all OBELiX CIF entries)
DEFAULT_CLASSIFIER = (
    Path(__file__).resolve().parents[1] / "datasets" / "data" / "models" / "superionic-obelix.msclf"
)
_LOADED: dict[Path, SuperionicClassifier] = {}


def default_classifier(path: str | os.PathLike | None = None) -> SuperionicClassifier | None:
    """The shipped classifier (read once per process), or ``None`` when the file is absent."""
    p = Path(path) if path is not None else DEFAULT_CLASSIFIER
    if p not in _LOADED:
        if not p.is_file():
            return None
        _LOADED[p] = SuperionicClassifier.load(p)
    return _LOADED[p]


def superionic_columns(
    descriptors: Descriptors, classifier: Any = "default", info: dict | None = None
) -> pd.DataFrame | None:
    """Per-row ``p_superionic``, ``p_superionic_std``, ``distance_to_training`` and
    ``nearest_training_id`` of ``descriptors`` (NaN rows for materials the classifier cannot
    read, e.g. without a structural descriptor when it needs one), or ``None`` (reason in
    ``info["superionic"]``) when no classifier fits."""
    info = info if info is not None else {}
    clf = (
        default_classifier()
        if isinstance(classifier, str) and classifier == "default"
        else classifier
    )
    if clf is None:
        info["superionic"] = "no classifier (the shipped file is missing)"
        return None
    ok = np.isfinite(descriptors.comp).all(axis=1)
    if clf.features_ != "embedding":  # our structural descriptor is needed too
        ok &= np.isfinite(descriptors.struct).all(axis=1)
    rows = np.flatnonzero(ok)
    try:
        conf = clf.predict_confidence(descriptors[rows]) if rows.size else pd.DataFrame()
    except ValueError as exc:  # not fitted on these descriptors (other columns, coordinates)
        info["superionic"] = str(exc)
        return None
    out = conf.reindex(columns=[*CONFIDENCE_COLUMNS, "nearest_training_id"]).set_axis(rows)
    out = out.reindex(range(len(descriptors))).astype(dict.fromkeys(CONFIDENCE_COLUMNS, float))
    info["superionic"] = "default classifier" if classifier == "default" else "given classifier"
    return out


def screen(
    dataset: Any,
    classifier: SuperionicClassifier | None = None,
    *,
    model: Any = None,
    n_jobs: int = 1,
    use_cache: bool = True,
    progress: bool = False,
) -> pd.DataFrame:
    """Rank materials by P(superionic) (σ > 10⁻⁴ S/cm), most promising first.

    Parameters
    ----------
    dataset : a MapDataset (unlabelled materials, designed candidates, ...), a DataFrame with
        ``structure``/``formula`` columns, a list of Structures or CIF paths, or already
        computed :class:`Descriptors`.
    classifier : a fitted :class:`SuperionicClassifier` (default: the shipped one).
    model : a fitted MapModel, needed when the classifier was fitted on map coordinates.
    n_jobs, use_cache, progress : for featurizing (cached in ``cache_dir("descriptors")``).

    Returns
    -------
    DataFrame, one row per material that could be featurized, sorted by ``p_superionic``:
    ``rank``, ``id``, ``formula`` (when known), ``p_superionic``, ``p_superionic_std``
    (ensemble spread), ``distance_to_training`` (1 = as far as a typical training material
    is from its neighbour), ``nearest_training_id`` and ``predicted_superionic``. Materials
    that could not be featurized are listed in ``.attrs["failures"]``.
    """
    clf = classifier if classifier is not None else default_classifier()
    if clf is None:
        raise FileNotFoundError(
            f"no classifier given and the shipped one is missing ({DEFAULT_CLASSIFIER}); "
            "fit a SuperionicClassifier and pass it"
        )
    X, frame = _descriptors(dataset, n_jobs, use_cache, progress)
    if clf.features_ == "coordinates":
        if model is None:
            raise ValueError(
                "this classifier works on map coordinates: pass the MapModel as model="
            )
        features: Any = model.transform(X)
    else:
        features = X
    conf = clf.predict_confidence(features)
    out = pd.concat([frame.reset_index(drop=True), conf], axis=1)
    out["predicted_superionic"] = out["p_superionic"] > float(clf.threshold)
    out = out.sort_values(
        ["p_superionic", "p_superionic_std"], ascending=[False, True], kind="stable"
    )
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out = out.reset_index(drop=True)
    out.attrs["failures"] = X.failures.copy()
    return out


def _descriptors(
    dataset: Any, n_jobs: int, use_cache: bool, progress: bool
) -> tuple[Descriptors, pd.DataFrame]:
    """Descriptors of the rows that can be screened, and their id/formula frame."""
    if isinstance(dataset, Descriptors):
        X = dataset
        frame = pd.DataFrame({"id": np.asarray(X.ids).astype(str)})
    else:
        from .._util import cache_dir
        from ..features.batch import featurize

        if isinstance(dataset, pd.DataFrame):
            from ..datasets import MapDataset

            dataset = MapDataset(dataset)
        X = featurize(
            dataset,
            n_jobs=n_jobs,
            cache=cache_dir("descriptors") if use_cache else None,
            progress=progress,
        )
        df = getattr(dataset, "df", None)
        if isinstance(df, pd.DataFrame):
            rows = df.set_index(df["id"].astype(str))
            keep = [c for c in ("formula", "source", "structure_type") if c in rows]
            frame = rows.loc[np.asarray(X.ids).astype(str), keep].reset_index()
            frame = frame.rename(columns={frame.columns[0]: "id"})
        else:
            frame = pd.DataFrame({"id": np.asarray(X.ids).astype(str)})
    ok = np.isfinite(X.comp).all(axis=1) & np.isfinite(X.struct).all(axis=1)
    if not ok.all():  # composition-only rows have no structural descriptor to classify
        bad = pd.DataFrame(
            {"id": np.asarray(X.ids)[~ok], "reason": "no structure (composition only)"}
        )
        X = X[np.flatnonzero(ok)]
        X.failures = pd.concat([X.failures, bad], ignore_index=True)
        frame = frame[ok].reset_index(drop=True)
    return X, frame


# ---------------------------------------------------------------------- training data
def obelix_training_set(
    path: str | os.PathLike,
    subset: str = "all",
    cache: str | os.PathLike | None = None,
    progress: bool = False,
) -> tuple[Any, Descriptors, np.ndarray]:
    """``(dataset rows, Descriptors, superionic labels)`` of OBELiX entries with a CIF.

    ``subset``: ``"all"`` (every entry with a CIF; all are Li compounds) or ``"li-o"`` (Li
    and O, other elements among the map paper's 25: ``datasets.obelix.paper_li_o``). Rows
    whose CIF cannot be featurized are dropped (they are in ``Descriptors.failures``).
    """
    from ..datasets.obelix import obelix, paper_li_o
    from ..features.batch import featurize

    if subset == "all":
        ds = obelix(path, progress=progress)
        ds = ds.subset(ds.df["structure"].notna().to_numpy())
    elif subset == "li-o":
        ds = paper_li_o(path, progress=progress)
    else:
        raise ValueError(f"subset must be 'all' or 'li-o', got {subset!r}")
    X = featurize(ds, cache=cache, progress=progress)
    pos = pd.Index(ds.df["id"].astype(str)).get_indexer(np.asarray(X.ids).astype(str))
    rows = ds.subset(pos)
    return rows, X, superionic_labels(rows.df["sigma"].to_numpy(dtype=float))


def train_default(
    obelix_path: str | os.PathLike,
    out: str | os.PathLike | None = DEFAULT_CLASSIFIER,
    cache: str | os.PathLike | None = None,
) -> SuperionicClassifier:
    """Fit the default classifier (default parameters, ``random_state=0``) on every OBELiX
    entry with a CIF and write it to ``out`` (the shipped file unless told otherwise)."""
    _, X, y = obelix_training_set(obelix_path, "all", cache=cache)
    clf = SuperionicClassifier(random_state=0).fit(X, y)
    if out is not None:
        clf.save(out)
        _LOADED.pop(Path(out), None)
    return clf
