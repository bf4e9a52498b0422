"""Decision-tree ensembles as plain arrays: fitted by scikit-learn, stored without pickle,
evaluated with numpy.

scikit-learn trees cannot be saved without pickle, so after fitting every tree is flattened
into node arrays (feature, threshold, children, leaf probability). Prediction walks all
trees at once in numpy, with scikit-learn's own rule (``float32(x) <= threshold`` goes
left), so a loaded model gives the same probabilities as the freshly fitted one, bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

_ROWS = 4096  # rows per block: (rows x trees) node indices stay a few MB


@dataclass
class FlatForest:
    """All trees of all members in one set of node arrays.

    ``roots[t]`` is the first node of tree ``t``, ``member[t]`` the member it belongs to;
    ``left``/``right`` hold global node indices (-1 at leaves); ``leaf_p`` the fraction of
    positive training weight in each node.
    """

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf_p: np.ndarray
    roots: np.ndarray
    member: np.ndarray

    @classmethod
    def from_members(cls, members: Sequence[Sequence[Any]], positive: int = 1) -> FlatForest:
        """Flatten fitted scikit-learn classification trees, grouped by member; ``positive``
        is the column of the positive class in each tree's ``value``."""
        parts: dict[str, list[np.ndarray]] = {k: [] for k in ("f", "t", "l", "r", "p")}
        roots, member, offset = [], [], 0
        for m, trees in enumerate(members):
            for tree in trees:
                tr = tree.tree_
                value = tr.value[:, 0, :]
                total = value.sum(axis=1)
                p = np.divide(value[:, positive], total, out=np.zeros(len(total)), where=total > 0)
                leaf = tr.children_left < 0
                parts["f"].append(np.where(leaf, -1, tr.feature).astype(np.int32))
                parts["t"].append(tr.threshold.astype(np.float64))
                parts["l"].append(np.where(leaf, -1, tr.children_left + offset).astype(np.int32))
                parts["r"].append(np.where(leaf, -1, tr.children_right + offset).astype(np.int32))
                parts["p"].append(p.astype(np.float64))
                roots.append(offset)
                member.append(m)
                offset += tr.node_count
        return cls(
            *(np.concatenate(parts[k]) for k in ("f", "t", "l", "r", "p")),
            roots=np.asarray(roots, dtype=np.int32),
            member=np.asarray(member, dtype=np.int32),
        )

    @property
    def n_members(self) -> int:
        return int(self.member.max()) + 1 if self.member.size else 0

    def tree_proba(self, X: np.ndarray) -> np.ndarray:
        """Positive-class probability of every tree, ``(n, n_trees)``."""
        x = np.asarray(X, dtype=np.float32)  # scikit-learn compares float32 inputs
        out = np.empty((len(x), len(self.roots)))
        for start in range(0, len(x), _ROWS):
            block = x[start : start + _ROWS]
            rows = np.arange(len(block))[:, None]
            node = np.broadcast_to(self.roots, (len(block), len(self.roots))).copy()
            while True:
                inner = self.left[node] >= 0
                if not inner.any():
                    break
                f = np.where(inner, self.feature[node], 0)
                go_left = block[rows, f].astype(np.float64) <= self.threshold[node]
                node = np.where(inner, np.where(go_left, self.left[node], self.right[node]), node)
            out[start : start + _ROWS] = self.leaf_p[node]
        return out

    def member_proba(self, X: np.ndarray) -> np.ndarray:
        """Each member's positive-class probability (mean of its trees), ``(n_members, n)``."""
        per_tree = self.tree_proba(X)
        counts = np.bincount(self.member, minlength=self.n_members)
        sums = np.zeros((self.n_members, len(per_tree)))
        np.add.at(sums, self.member, per_tree.T)
        return sums / counts[:, None]

    def to_arrays(self, prefix: str = "forest.") -> dict[str, np.ndarray]:
        """The node arrays by name, for a safetensors file."""
        names = ("feature", "threshold", "left", "right", "leaf_p", "roots", "member")
        return {prefix + k: getattr(self, k) for k in names}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str = "forest.") -> FlatForest:
        """Inverse of :meth:`to_arrays`; ``KeyError`` when one is missing."""
        names = ("feature", "threshold", "left", "right", "leaf_p", "roots", "member")
        return cls(**{k: arrays[prefix + k] for k in names})
