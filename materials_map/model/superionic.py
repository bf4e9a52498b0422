"""`SuperionicClassifier`: is a material a fast Li-ion conductor (σ > 10⁻⁴ S/cm)?

After the experimental-conductivity reference (Digital Discovery 2025): a classifier on
learned features that take disordered crystals as they are (by default CHGNet's pretrained
element embeddings pooled over the composition, read from our descriptors' atomic
fractions; or our occupancy-weighted descriptors), an ensemble whose spread is one
confidence measure and the whitened-PCA distance to the training set the other. What
differs from the reference (its AtomSets networks on MEGNet atom features after one
convolution) and how each choice validated is in ``docs/uncertainty.md``.

Each member is a random forest (or extra-trees forest) fitted on its own bootstrap resample
of the training rows; P(superionic) is the members' mean, its ensemble standard deviation
their spread. The trees are kept as plain arrays (see ``_forest.py``), so the classifier
saves and loads without pickle.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError

from ..features.descriptors import Descriptors
from . import _files
from ._forest import FlatForest
from .distance import TrainingDistance

SUPERIONIC_S_PER_CM = 1e-4
FORMAT = "materials-map/SuperionicClassifier"
FORMAT_VERSION = "1"
#: columns of :meth:`SuperionicClassifier.predict_confidence`
CONFIDENCE_COLUMNS = ("p_superionic", "p_superionic_std", "distance_to_training")


def superionic_labels(sigma: Any, threshold: float = SUPERIONIC_S_PER_CM) -> np.ndarray:
    """``sigma > threshold`` (S/cm) as a bool array; ``ValueError`` for NaN conductivities."""
    s = np.asarray(sigma, dtype=float).reshape(-1)
    bad = np.flatnonzero(~np.isfinite(s))
    if bad.size:
        raise ValueError(f"conductivity is not finite in rows {bad[:10].tolist()}")
    return s > threshold


FEATURES = ("embedding", "descriptors", "both")


def feature_matrix(X: Any, features: str = "embedding") -> tuple[np.ndarray, str]:
    """``(matrix, kind)`` of what the classifier accepts. From :class:`Descriptors` (or its
    rows ``X[idx]``): ``features="embedding"`` (CHGNet's element embeddings pooled over the
    composition, :func:`~materials_map.features.learned.embedding_features`),
    ``"descriptors"`` (our 1785 + 858 columns) or ``"both"``. An ``(n, d)`` array (e.g. map
    coordinates) is used as it is: kind ``"coordinates"`` when ``d == 2``, else ``"matrix"``."""
    if features not in FEATURES:
        raise ValueError(f"features must be one of {FEATURES}, got {features!r}")
    ids = getattr(X, "ids", None)
    if isinstance(X, Descriptors):
        from ..features.learned import embedding_features

        parts = [] if features == "embedding" else [X.comp, X.struct]
        F = np.hstack(parts + ([embedding_features(X)] if features != "descriptors" else []))
        kind = features
    else:
        F = np.asarray(X, dtype=float)
        if F.ndim != 2:
            raise ValueError(f"X must be Descriptors or an (n, d) array, got shape {F.shape}")
        kind = "coordinates" if F.shape[1] == 2 else "matrix"
    bad = np.flatnonzero(~np.isfinite(F).all(axis=1))
    if bad.size:
        names = [str(ids[i]) for i in bad[:5]] if ids is not None else bad[:5].tolist()
        raise ValueError(
            f"X holds NaN or infinite values in {bad.size} row(s), e.g. {names}; "
            "drop them (e.g. composition-only rows without a structural descriptor) first"
        )
    return F, kind


def _binary(y: Any, n: int) -> np.ndarray:
    a = np.asarray(y).reshape(-1)
    if a.shape != (n,):
        raise ValueError(f"y has {a.size} values but X has {n} rows")
    if a.dtype != bool:
        vals = pd.unique(pd.Series(a))
        if not set(np.asarray(vals, dtype=float).tolist()) <= {0.0, 1.0}:
            raise ValueError(
                "y must hold binary labels (True/False or 1/0); for conductivities use "
                "superionic_labels(sigma)"
            )
        a = a.astype(float) > 0.5
    if a.all() or not a.any():
        raise ValueError("y must contain both superionic and non-superionic rows")
    return a


class SuperionicClassifier(_files.SafetensorsFile, ClassifierMixin, BaseEstimator):
    """Superionic (σ > 10⁻⁴ S/cm) or not, with ensemble spread and distance to training.

    Parameters
    ----------
    features : from :class:`Descriptors`: ``"embedding"`` (CHGNet's learned element
        embeddings pooled over the composition; the default, best on unseen chemistry, see
        docs/uncertainty.md), ``"descriptors"`` (our descriptors) or ``"both"``. Arrays
        (e.g. map coordinates) are used as they are.
    n_members : forests in the ensemble, each on its own bootstrap resample.
    n_trees : trees per forest.
    trees : ``"random"`` (random forest) or ``"extra"`` (extremely randomised trees).
    max_features : features tried per split (scikit-learn meaning; ``"sqrt"`` default).
    min_samples_leaf : smallest leaf.
    class_weight : ``None`` or ``"balanced"``.
    distance_components : whitened principal components of the distance to training.
    threshold : probability above which :meth:`predict` says superionic.
    random_state : seed of the resamples and the trees.
    n_jobs : joblib workers for fitting each forest.

    Attributes (after fit)
    ----------------------
    classes_ : ``[False, True]``
    features_ : ``features``, or ``"coordinates"`` / ``"matrix"`` for an array ``X``
    n_features_in_ : feature columns
    forest_ : the flattened trees; ``distance_`` the :class:`TrainingDistance`
    train_ids_ : ids of the training rows (when ``X`` carried ids)
    positive_rate_ : fraction of superionic training rows (the mean-prediction control)
    """

    def __init__(
        self,
        features: str = "embedding",
        n_members: int = 10,
        n_trees: int = 50,
        trees: str = "random",
        max_features: Any = "sqrt",
        min_samples_leaf: int = 2,
        class_weight: str | None = "balanced",
        distance_components: int = 10,
        threshold: float = 0.5,
        random_state: int | None = 0,
        n_jobs: int = 1,
    ) -> None:
        self.features = features
        self.n_members = n_members
        self.n_trees = n_trees
        self.trees = trees
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.class_weight = class_weight
        self.distance_components = distance_components
        self.threshold = threshold
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _forest(self, seed: int) -> Any:
        from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier

        if self.trees not in ("random", "extra"):
            raise ValueError(f"trees must be 'random' or 'extra', got {self.trees!r}")
        cls = RandomForestClassifier if self.trees == "random" else ExtraTreesClassifier
        return cls(
            n_estimators=int(self.n_trees),
            max_features=self.max_features,
            min_samples_leaf=int(self.min_samples_leaf),
            class_weight=self.class_weight,
            random_state=seed,
            n_jobs=self.n_jobs,
        )

    def fit(self, X: Any, y: Any) -> SuperionicClassifier:
        """Fit on features ``X`` (see :func:`feature_matrix`) and binary labels ``y``."""
        F, kind = feature_matrix(X, self.features)
        labels = _binary(y, len(F))
        if int(self.n_members) < 1 or int(self.n_trees) < 1:
            raise ValueError("n_members and n_trees must be positive integers")
        seed = 0 if self.random_state is None else int(self.random_state)
        rng = np.random.default_rng(seed)
        members = []
        for _ in range(int(self.n_members)):
            while True:  # a resample needs both classes
                rows = rng.integers(0, len(F), len(F))
                if 0 < labels[rows].sum() < len(rows):
                    break
            forest = self._forest(int(rng.integers(0, 2**31 - 1))).fit(F[rows], labels[rows])
            members.append(forest.estimators_)
        self.classes_ = np.array([False, True])
        self.features_ = kind
        self.n_features_in_ = F.shape[1]
        self.forest_ = FlatForest.from_members(members, positive=1)
        self.distance_ = TrainingDistance(int(self.distance_components)).fit(F)
        ids = getattr(X, "ids", None)
        self.train_ids_ = (
            np.asarray(ids, dtype=str) if ids is not None else np.arange(len(F)).astype(str)
        )
        self.positive_rate_ = float(labels.mean())
        return self

    # ------------------------------------------------------------------ using
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "forest_")

    def _features(self, X: Any) -> np.ndarray:
        if not hasattr(self, "forest_"):
            raise NotFittedError(
                "this SuperionicClassifier is not fitted yet; call fit(X, y) or load(path)"
            )
        F, kind = feature_matrix(X, self.features)
        if F.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {F.shape[1]} feature columns ({kind}); the classifier was fitted on "
                f"{self.n_features_in_} ({self.features_})"
            )
        return F

    def predict_proba(self, X: Any) -> np.ndarray:
        """``(n, 2)``: columns P(not superionic), P(superionic) (the members' mean)."""
        p = self.forest_.member_proba(self._features(X)).mean(axis=0)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """True where P(superionic) is above ``threshold``."""
        return self.predict_proba(X)[:, 1] > float(self.threshold)

    def predict_confidence(self, X: Any) -> pd.DataFrame:
        """P(superionic), its ensemble standard deviation, the normalised distance to the
        training set and the id of the nearest training material, one row per row of ``X``."""
        F = self._features(X)
        members = self.forest_.member_proba(F)
        dist, nearest = self.distance_(F)
        return pd.DataFrame(
            {
                "p_superionic": members.mean(axis=0),
                "p_superionic_std": members.std(axis=0),
                "distance_to_training": dist,
                "nearest_training_id": self.train_ids_[nearest],
            }
        )

    # ------------------------------------------------------------------ persistence
    def to_bytes(self) -> bytes:
        """The fitted classifier as safetensors bytes (no pickle)."""
        if not hasattr(self, "forest_"):
            raise NotFittedError("this SuperionicClassifier is not fitted yet")
        arrays = {**self.forest_.to_arrays(), **self.distance_.to_arrays()}
        state = {
            "params": self.get_params(),
            "features_": self.features_,
            "n_features_in_": int(self.n_features_in_),
            "train_ids_": self.train_ids_.tolist(),
            "positive_rate_": self.positive_rate_,
        }
        return _files.pack(FORMAT, FORMAT_VERSION, arrays, state)

    @classmethod
    def from_bytes(cls, data: bytes, where: str = "<bytes>") -> SuperionicClassifier:
        """Inverse of :meth:`to_bytes`; ``ValueError`` for damaged or foreign data."""
        arrays, state = _files.unpack(FORMAT, FORMAT_VERSION, data, where)
        try:
            # format 1 files predate ``features`` and were all fitted on our descriptors
            clf = cls(**{"features": "descriptors", **state["params"]})
            clf.classes_ = np.array([False, True])
            clf.features_ = str(state["features_"])
            clf.n_features_in_ = int(state["n_features_in_"])
            clf.train_ids_ = np.asarray(state["train_ids_"], dtype=str)
            clf.positive_rate_ = float(state["positive_rate_"])
            clf.forest_ = FlatForest.from_arrays(arrays)
            clf.distance_ = TrainingDistance.from_arrays(arrays, int(clf.distance_components))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{where}: corrupted SuperionicClassifier file ({exc!r})") from None
        return clf
