"""Checks of the map's array and extent traits as they are set: clear errors naming the trait
(non-finite coordinates, lengths that do not match the points, out-of-range selections, bad
extents); a mixin of :class:`~materials_map.widgets.map.widget.MapWidget`."""

from __future__ import annotations

from typing import Any

import numpy as np
import traitlets


class TraitChecks(traitlets.HasTraits):
    """Validators of ``coords``, ``values``, ``categories``, ``selection``,
    ``background_extent`` and ``view`` (the traits themselves live on the widget)."""

    @traitlets.validate("coords")
    def _valid_coords(self, proposal: Any) -> np.ndarray:
        c = proposal["value"]
        bad = np.flatnonzero(~np.isfinite(c).all(axis=1))
        if bad.size:
            raise traitlets.TraitError(
                f"coords: {bad.size} row(s) are not finite (first: {bad[:5].tolist()}); "
                "drop or impute them before drawing the map"
            )
        return c

    def _check_length(self, name: str, arr: np.ndarray | None) -> None:
        if arr is not None and len(arr) != len(self.coords):
            raise traitlets.TraitError(
                f"{name}: has {len(arr)} entries but there are {len(self.coords)} points"
            )

    @traitlets.validate("values")
    def _valid_values(self, proposal: Any) -> np.ndarray | None:
        v = proposal["value"]
        if v is not None:
            v = v.reshape(-1)
            self._check_length("values", v)
        return v

    @traitlets.validate("categories")
    def _valid_categories(self, proposal: Any) -> np.ndarray | None:
        c = proposal["value"]
        if c is not None:
            c = c.reshape(-1)
            self._check_length("categories", c)
        return c

    @traitlets.validate("selection")
    def _valid_selection(self, proposal: Any) -> np.ndarray:
        s = proposal["value"].reshape(-1).astype(np.uint32, copy=False)
        # browser selections arrive sorted and unique: check in O(n) instead of np.unique
        if s.size > 1 and not bool((s[1:] > s[:-1]).all()):
            s = np.sort(s)
            s = s[np.concatenate(([True], s[1:] != s[:-1]))]
        n = len(self.coords)
        if s.size and s[-1] >= n:
            raise traitlets.TraitError(f"selection: index {int(s[-1])} out of range for {n} points")
        return s

    @traitlets.validate("background_extent", "view")
    def _valid_extent(self, proposal: Any) -> list[float]:
        e = [float(v) for v in proposal["value"]]
        if e and (len(e) != 4 or not all(np.isfinite(e)) or e[0] == e[1] or e[2] == e[3]):
            raise traitlets.TraitError(
                f"{proposal['trait'].name}: expected [x0, x1, y0, y1] with x0 != x1, y0 != y1, got {e}"
            )
        return e
