"""Distance to the training set, a confidence measure that needs no labels.

As in the experimental-conductivity reference (Digital Discovery 2025, after its ref. on
applicability domains): features are standardised, projected on the leading principal
components of the training rows and divided by each component's standard deviation
(whitened), and the distance of a query is the Euclidean distance to its nearest training
row in that space. We also divide by the median nearest-neighbour distance *among* the
training rows (each to its nearest other row), so ``1`` reads "as far from the training set
as a typical training material is from its neighbour" whatever the feature set.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_BLOCK = 2048


def _nearest(
    q: np.ndarray, t: np.ndarray, exclude_self: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(distance, index) of the nearest row of ``t`` for each row of ``q``."""
    dist = np.empty(len(q))
    idx = np.empty(len(q), dtype=np.int64)
    t2 = (t**2).sum(axis=1)
    for start in range(0, len(q), _BLOCK):
        block = q[start : start + _BLOCK]
        d2 = (block**2).sum(axis=1)[:, None] + t2[None, :] - 2.0 * block @ t.T
        if exclude_self:
            d2[np.arange(len(block)), np.arange(start, start + len(block))] = np.inf
        j = np.argmin(d2, axis=1)
        idx[start : start + _BLOCK] = j
        dist[start : start + _BLOCK] = np.sqrt(np.maximum(d2[np.arange(len(block)), j], 0.0))
    return dist, idx


class TrainingDistance:
    """Whitened-PCA nearest-neighbour distance to the training rows.

    Parameters
    ----------
    n_components : principal components kept (at most rows - 1 and columns).

    Attributes (after fit)
    ----------------------
    mean_, scale_ : the standardisation of the features
    components_ : (k, d) principal axes; ``sd_`` their standard deviations
    train_ : (n, k) training rows in the whitened space
    norm_ : median nearest-other-row distance among the training rows
    """

    def __init__(self, n_components: int = 10) -> None:
        self.n_components = n_components

    def fit(self, F: Any) -> TrainingDistance:
        """Learn the space and remember the training rows ``F`` (n, d)."""
        F = np.asarray(F, dtype=float)
        if len(F) < 2:
            raise ValueError(f"distance to training needs at least 2 training rows, got {len(F)}")
        self.mean_ = F.mean(axis=0)
        sd = F.std(axis=0)
        self.scale_ = np.where(sd > 0, sd, 1.0)
        Z = (F - self.mean_) / self.scale_
        k = max(1, min(int(self.n_components), len(F) - 1, F.shape[1]))
        _, s, vt = np.linalg.svd(Z, full_matrices=False)
        sd_pc = s[:k] / np.sqrt(len(F))
        keep = sd_pc > 1e-12 * max(sd_pc[0], 1e-300)
        self.components_ = vt[:k][keep]
        self.sd_ = sd_pc[keep]
        self.train_ = self._embed(F)
        d, _ = _nearest(self.train_, self.train_, exclude_self=True)
        med = float(np.median(d))
        self.norm_ = med if med > 0 else 1.0
        return self

    def _embed(self, F: np.ndarray) -> np.ndarray:
        return ((F - self.mean_) / self.scale_) @ self.components_.T / self.sd_

    def __call__(self, F: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(distance, nearest training row)`` for each row of ``F``; distances in units of
        the median training nearest-neighbour distance."""
        d, j = _nearest(self._embed(np.asarray(F, dtype=float)), self.train_)
        return d / self.norm_, j

    def to_arrays(self, prefix: str = "distance.") -> dict[str, np.ndarray]:
        """The fitted state as named arrays (``norm_`` as a one-element array)."""
        return {
            prefix + "mean": self.mean_,
            prefix + "scale": self.scale_,
            prefix + "components": self.components_,
            prefix + "sd": self.sd_,
            prefix + "train": self.train_,
            prefix + "norm": np.array([self.norm_]),
        }

    @classmethod
    def from_arrays(
        cls, arrays: dict[str, np.ndarray], n_components: int, prefix: str = "distance."
    ) -> TrainingDistance:
        """Inverse of :meth:`to_arrays`."""
        td = cls(n_components)
        td.mean_ = arrays[prefix + "mean"]
        td.scale_ = arrays[prefix + "scale"]
        td.components_ = arrays[prefix + "components"]
        td.sd_ = arrays[prefix + "sd"]
        td.train_ = arrays[prefix + "train"]
        td.norm_ = float(arrays[prefix + "norm"][0])
        return td
