"""The map's per-point table: hover rows (inline for small maps, served by the kernel for
large ones), the search box, and the colour menu's numeric columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

#: above this many points hover rows are fetched lazily from the kernel instead of inlined
INLINE_TOOLTIP_LIMIT = 20_000


class PointTable:
    """Mixin of :class:`~materials_map.widgets.map.MapWidget`: the attached table."""

    _table: pd.DataFrame | None
    _tooltip_cols: list[str]

    def set_table(
        self,
        table: pd.DataFrame,
        tooltip: Sequence[str] | None = None,
        search: Sequence[str] | None = None,
    ) -> None:
        """Attach a per-point table (rows aligned with ``coords``) for hover rows and search.

        Small tables (<= ``INLINE_TOOLTIP_LIMIT`` rows) are sent inline so hovering works
        without a kernel (saved maps, HTML export); larger ones are served lazily by the kernel.
        """
        if len(table) != len(self.coords):
            raise ValueError(f"table has {len(table)} rows but there are {len(self.coords)} points")
        table = table.reset_index(drop=True)
        cols = list(tooltip) if tooltip is not None else [str(c) for c in table.columns]
        missing = [c for c in cols if c not in table.columns]
        if missing:
            raise KeyError(f"tooltip columns not in the table: {missing}")
        if search is None:
            search = [
                c for c in cols if any(k in str(c).lower() for k in ("id", "formula", "name"))
            ] or [c for c in cols if table[c].dtype == object]
        self._table = table
        self._tooltip_cols = cols
        with self.hold_sync():
            self.search_columns = [str(c) for c in search]
            self.color_columns = [
                str(c)
                for c in table.columns
                if pd.api.types.is_numeric_dtype(table[c])
                and not pd.api.types.is_bool_dtype(table[c])
            ]
            if len(table) <= INLINE_TOOLTIP_LIMIT:
                self.tooltip_table = {
                    str(c): [json_cell(v) for v in table[c].tolist()] for c in cols
                }
            else:
                self.tooltip_table = None

    @property
    def table(self) -> pd.DataFrame | None:
        """The per-point table given to :meth:`set_table` / :meth:`from_dataframe`, if any."""
        return self._table

    def _on_color_column(self, change: dict) -> None:
        col = change["new"]
        if self._table is None or not col or col not in self._table:
            return
        with self.hold_sync():
            self.values = pd.to_numeric(self._table[col], errors="coerce").to_numpy(np.float32)
            self.color_label = col
            if change["old"]:  # a new column keeps nothing of the old colour range
                self.vmin = None
                self.vmax = None
            self.color_by = "value"

    @property
    def selected_table(self) -> pd.DataFrame | None:
        """Rows of the attached table that are currently selected."""
        return None if self._table is None else self._table.iloc[self.selection]

    def search(self, query: str) -> np.ndarray:
        """Indices matching ``query`` in the search columns (same rule as the search box).

        Exact case-insensitive matches win; if there are none, substring matches are returned.
        """
        if self._table is None:
            return np.zeros(0, np.uint32)
        q = query.strip().lower()
        cols = self.search_columns or list(self._table.columns)
        text = [self._table[c].astype(str).str.lower() for c in cols if c in self._table]
        if not q or not text:
            return np.zeros(0, np.uint32)
        valid = [self._table[c].notna().to_numpy() for c in cols if c in self._table]
        exact = np.logical_or.reduce(
            [(t == q).to_numpy() & v for t, v in zip(text, valid, strict=True)]
        )
        if exact.any():
            return np.flatnonzero(exact).astype(np.uint32)
        part = np.logical_or.reduce(
            [
                t.str.contains(q, regex=False).to_numpy() & v
                for t, v in zip(text, valid, strict=True)
            ]
        )
        return np.flatnonzero(part).astype(np.uint32)

    def _answer_tooltip(self, index: int) -> None:
        rows: list[list[Any]] = []
        if self._table is not None and 0 <= index < len(self._table):
            row = self._table.iloc[index]
            rows = [[str(c), json_cell(row[c])] for c in self._tooltip_cols]
        self.send({"type": "tooltip", "index": index, "rows": rows})


def json_cell(v: Any) -> Any:
    """A JSON-safe table cell (NaN -> None, numpy scalars -> Python)."""
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    if v is pd.NaT:
        return None
    return str(v)
