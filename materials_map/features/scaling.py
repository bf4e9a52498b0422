"""`DescriptorScaler`: the paper's per-group max scaling, invertible and JSON-serialisable.

The paper divides each descriptor group (compositional, RDF, ADF, Voronoi) by its own
maximum so that every group spans [0, 1]. Fit it on the training rows only.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .descriptors import Block, Descriptors


class DescriptorScaler(TransformerMixin, BaseEstimator):
    """Divide every column by the maximum |value| of its group (``Block.group``).

    ``fit``/``transform``/``inverse_transform`` take :class:`Descriptors` (returned
    scaled/unscaled, same blocks) or plain arrays with ``branch="comp"``, ``"struct"`` or
    ``"both"`` (comp columns then struct columns); with ``branch=None`` the branch is
    inferred from the array width. NaN entries are ignored when fitting and kept as NaN.
    A group whose maximum is 0 (or that has only NaN) is left unscaled.

    Parameters
    ----------
    blocks : the column blocks; needed only to fit on arrays (taken from the
        Descriptors otherwise).
    """

    def __init__(self, blocks: list[Block] | None = None):
        self.blocks = blocks

    # -- helpers ------------------------------------------------------------------------------
    def _widths(self, blocks: list[Block]) -> dict[str, int]:
        return {
            br: max((b.stop for b in blocks if b.branch == br), default=0)
            for br in ("comp", "struct")
        }

    def _column_scale(self, branch: str) -> np.ndarray:
        blocks = self.blocks_
        scale = np.ones(self._widths(blocks)[branch])
        for b in blocks:
            if b.branch == branch:
                scale[b.slice] = self.maxima_[b.group]
        return scale

    def _branch_of(self, X: np.ndarray, branch: str | None) -> str:
        if branch is not None:
            if branch not in ("comp", "struct", "both"):
                raise ValueError(f"branch must be 'comp', 'struct' or 'both', not {branch!r}")
            return branch
        w = self._widths(self.blocks_)
        width = X.shape[1]
        matches = [
            br
            for br, n in (
                ("comp", w["comp"]),
                ("struct", w["struct"]),
                ("both", w["comp"] + w["struct"]),
            )
            if n == width
        ]
        if len(matches) != 1:
            raise ValueError(
                f"cannot tell the branch of an array with {width} columns; pass branch="
            )
        return matches[0]

    def _scale(self, branch: str) -> np.ndarray:
        if branch == "both":
            return np.concatenate([self._column_scale("comp"), self._column_scale("struct")])
        return self._column_scale(branch)

    # -- sklearn API ------------------------------------------------------------------------------
    def fit(
        self, X: Descriptors | np.ndarray, y: Any = None, branch: str | None = None
    ) -> DescriptorScaler:
        """Learn each group's maximum |value| from the (training) rows of ``X``."""
        if isinstance(X, Descriptors):
            return self._fit({"comp": X.comp, "struct": X.struct}, list(X.blocks))
        if self.blocks is None:
            raise ValueError("fitting on an array needs DescriptorScaler(blocks=...)")
        blocks = list(self.blocks)
        X = np.asarray(X, dtype=float)
        self.blocks_ = blocks
        br = self._branch_of(X, branch)
        nc = self._widths(blocks)["comp"]
        return self._fit(
            {"comp": X[:, :nc], "struct": X[:, nc:]} if br == "both" else {br: X}, blocks
        )

    def fit_branches(
        self, comp: np.ndarray, struct: np.ndarray, blocks: list[Block]
    ) -> DescriptorScaler:
        """Fit on the two branch arrays directly (what :class:`~materials_map.MapModel` holds)."""
        self.blocks = list(blocks)
        return self._fit(
            {"comp": np.asarray(comp, float), "struct": np.asarray(struct, float)}, list(blocks)
        )

    def _fit(self, arrays: dict[str, np.ndarray], blocks: list[Block]) -> DescriptorScaler:
        maxima: dict[str, float] = {}
        for b in blocks:
            if b.branch not in arrays:
                continue
            col = np.abs(arrays[b.branch][:, b.slice])
            m = float(np.nanmax(col)) if col.size and not np.isnan(col).all() else 0.0
            maxima[b.group] = max(maxima.get(b.group, 0.0), m)
        self.blocks_ = blocks
        self.maxima_ = {k: (v if v > 0 else 1.0) for k, v in maxima.items()}
        for b in blocks:  # families absent from an array fit stay unscaled
            self.maxima_.setdefault(b.group, 1.0)
        return self

    def transform(
        self, X: Descriptors | np.ndarray, branch: str | None = None
    ) -> Descriptors | np.ndarray:
        """Divide by the fitted group maxima."""
        return self._apply(X, branch, inverse=False)

    def inverse_transform(
        self, X: Descriptors | np.ndarray, branch: str | None = None
    ) -> Descriptors | np.ndarray:
        """Multiply back by the fitted group maxima."""
        return self._apply(X, branch, inverse=True)

    def _apply(self, X: Descriptors | np.ndarray, branch: str | None, inverse: bool) -> Any:
        if not hasattr(self, "maxima_"):
            raise RuntimeError("DescriptorScaler is not fitted yet; call fit() first")
        if isinstance(X, Descriptors):
            c, s = self._scale("comp"), self._scale("struct")
            if X.comp.shape[1] != len(c) or X.struct.shape[1] != len(s):
                raise ValueError("Descriptors do not have the blocks this scaler was fitted on")
            return Descriptors(
                comp=X.comp * c if inverse else X.comp / c,
                struct=X.struct * s if inverse else X.struct / s,
                columns=X.columns,
                blocks=X.blocks,
                ids=X.ids,
                failures=X.failures,
            )
        X = np.asarray(X, dtype=float)
        one = X.ndim == 1
        X2 = X[None, :] if one else X
        scale = self._scale(self._branch_of(X2, branch))
        out = X2 * scale if inverse else X2 / scale
        return out[0] if one else out

    # -- persistence --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form: ``{"maxima": {group: max}, "blocks": [...]}``."""
        if not hasattr(self, "maxima_"):
            raise RuntimeError("DescriptorScaler is not fitted yet; call fit() first")
        return {
            "kind": "DescriptorScaler",
            "version": 1,
            "maxima": {k: float(v) for k, v in self.maxima_.items()},
            "blocks": [asdict(b) for b in self.blocks_],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DescriptorScaler:
        """Rebuild a fitted scaler from :meth:`to_dict` output."""
        if d.get("kind") != "DescriptorScaler":
            raise ValueError("not a DescriptorScaler dict")
        blocks = [Block(**b) for b in d["blocks"]]
        obj = cls(blocks=blocks)
        obj.blocks_ = blocks
        obj.maxima_ = {k: float(v) for k, v in d["maxima"].items()}
        return obj
