"""A sortable table of the selected materials (paper Table 1) with CSV export."""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from pathlib import Path

import ipywidgets as ipw
import numpy as np
import pandas as pd

from ..._util.atomic import write_text_atomic
from . import style


def table_columns(table: pd.DataFrame, target: str | None) -> list[str]:
    """Table 1's columns that exist here: id, formula, family, target, x_comp, x_struct."""
    want = ["id", "formula", "structure_type", target, "x_comp", "x_struct"]
    return [c for c in dict.fromkeys(want) if c is not None and c in table]


class TablePanel:
    """Rows of the selection, sortable by any column, exportable as CSV.

    Parameters
    ----------
    table : per-point DataFrame (row position = map point index)
    target : name of the target column (shown as Table 1's ME column)
    max_rows : rows rendered in the notebook (the CSV always holds them all)

    Attributes
    ----------
    frame : the DataFrame currently shown (sorted), with a ``point`` column holding the map
        point index of each row
    """

    def __init__(self, table: pd.DataFrame, target: str | None = None, max_rows: int = 200) -> None:
        self.table = table
        self.columns = table_columns(table, target)
        self.max_rows = int(max_rows)
        self.indices = np.zeros(0, dtype=np.int64)
        self._focus_callbacks: list[Callable[[int], None]] = []
        self.sort_by = ipw.Dropdown(
            options=self.columns,
            value=self.columns[0] if self.columns else None,
            description="sort by",
            layout=ipw.Layout(width="220px"),
        )
        self.ascending = ipw.ToggleButton(
            value=True,
            description="ascending",
            icon="sort-amount-asc",
            layout=ipw.Layout(width="110px"),
        )
        self.focus = ipw.Dropdown(
            options=[("-", -1)], value=-1, description="focus", layout=ipw.Layout(width="280px")
        )
        self.csv_path = ipw.Text(
            value="selection.csv", description="CSV", layout=ipw.Layout(width="220px")
        )
        self.export_button = ipw.Button(
            description="export CSV", icon="download", layout=ipw.Layout(width="110px")
        )
        self.download = ipw.HTML()
        self.html = ipw.HTML()
        self.caption = style.note()
        self.sort_by.observe(lambda _: self._refresh(), names="value")
        self.ascending.observe(lambda _: self._refresh(), names="value")
        self.focus.observe(self._on_focus, names="value")
        self.export_button.on_click(lambda _: self.export_csv(self.csv_path.value))
        self.widget = ipw.VBox(
            [
                ipw.HBox(
                    [self.sort_by, self.ascending, self.focus],
                    layout=ipw.Layout(flex_flow="row wrap"),
                ),
                ipw.HBox(
                    [self.csv_path, self.export_button, self.download],
                    layout=ipw.Layout(flex_flow="row wrap"),
                ),
                self.caption,
                ipw.Box([self.html], layout=ipw.Layout(max_height="420px", overflow="auto")),
            ]
        )
        self.frame = self._frame()
        self._refresh()

    # -- data -------------------------------------------------------------------------
    def _frame(self) -> pd.DataFrame:
        sub = self.table.iloc[self.indices][self.columns].copy()
        sub.insert(0, "point", self.indices)
        if self.sort_by.value is not None and len(sub):
            sub = sub.sort_values(
                self.sort_by.value,
                ascending=self.ascending.value,
                kind="stable",
                na_position="last",
            )
        return sub.reset_index(drop=True)

    def show(self, idx) -> None:
        """Show the materials ``idx`` (map point indices)."""
        self.indices = np.unique(np.asarray(idx, dtype=np.int64))
        self._refresh()

    def on_focus(self, callback: Callable[[int], None]) -> None:
        """Call ``callback(point)`` when the user picks a row in the focus menu."""
        self._focus_callbacks.append(callback)

    def _on_focus(self, change) -> None:
        if change["new"] is not None and change["new"] >= 0:
            for cb in self._focus_callbacks:
                cb(int(change["new"]))

    def to_csv(self) -> str:
        """CSV text of the shown rows in the shown order (all of them, not only the rendered ones)."""
        return self.frame.to_csv(index=False)

    def export_csv(self, path: str | Path) -> Path:
        """Write the selection table to ``path`` (atomically) and offer it as a download link."""
        text = self.to_csv()
        out = write_text_atomic(path, text)
        b64 = base64.b64encode(text.encode()).decode("ascii")
        name = html.escape(Path(path).name)
        self.download.value = (
            f"<a download='{name}' href='data:text/csv;base64,{b64}'>download {name}</a>"
            f" <span style='color:#555;font-size:12px'>(saved to {html.escape(str(out))})</span>"
        )
        return out

    # -- drawing ----------------------------------------------------------------------
    def _refresh(self) -> None:
        self.frame = self._frame()
        n = len(self.frame)
        shown = self.frame.head(self.max_rows)
        fmt = {c: (lambda v: f"{v:.3f}") for c in shown.columns if shown[c].dtype.kind == "f"}
        self.html.value = (
            shown.to_html(
                index=False, formatters=fmt, na_rep="–", border=0, classes="materials-map-table"
            )
            if n
            else "<i style='color:#555'>no materials selected</i>"
        )
        more = f" (first {self.max_rows} shown; CSV has all)" if n > self.max_rows else ""
        style.set_note(self.caption, f"{n} selected material(s){more}")
        label = "formula" if "formula" in self.frame else ("id" if "id" in self.frame else None)
        opts = [("-", -1)] + [
            (f"{r['point']}: {r[label] if label else ''}", int(r["point"]))
            for _, r in shown.iterrows()
        ]
        with self.focus.hold_trait_notifications():
            self.focus.options = opts
            self.focus.value = -1
