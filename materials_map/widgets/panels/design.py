"""The Design panel: propose candidate materials for a clicked coordinate or a lasso region.

Click empty map (or lasso a region), press **Propose**: :func:`materials_map.propose` runs
with the panel's settings and its candidates fill a sortable table; the Explorer draws them
on the map as their own layer. **Verify** relaxes and labels the chosen candidates in a
background thread (the notebook stays usable) and updates the table and the layer as each
result comes. The chosen candidates (all, when none are chosen) export as CIFs (a folder, or
a ``.zip``) and as a MapDataset (parquet).
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as ipw
import numpy as np
import pandas as pd

from ...design.candidates import SUMMARY_COLUMNS
from . import style


class DesignPanel:
    """Candidate design at a map coordinate or region, linked to an Explorer's map.

    Parameters
    ----------
    result : the :class:`~materials_map.MapResult` of the map
    designer : a :class:`~materials_map.design.Designer` to reuse (built on first use)

    Attributes
    ----------
    candidates : the current :class:`~materials_map.design.Candidates` (``None`` before the
        first proposal)
    target : ``{"at": (x, y)}`` or ``{"region": ...}``, what Propose will use
    widget : the ipywidgets container
    """

    def __init__(self, result: Any, designer: Any = None) -> None:
        from ...design.chemistry import DEFAULT_ELEMENTS

        self.result = result
        self._designer = designer
        self.target: dict[str, Any] | None = None
        self.candidates: Any = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._on_change: list[Callable[[Any], None]] = []
        self._on_pick: list[Callable[[int, Any], None]] = []

        self.where = style.note("Click empty map or lasso a region, then press Propose.")
        lay = ipw.Layout(width="150px")
        self.n = ipw.BoundedIntText(20, min=1, max=200, description="n", layout=lay)
        self.budget = ipw.BoundedFloatText(
            30.0, min=1.0, max=600.0, description="budget s", layout=lay
        )
        self.seed = ipw.IntText(0, description="seed", layout=lay)
        self.elements = ipw.Text(
            " ".join(DEFAULT_ELEMENTS), description="elements", layout=ipw.Layout(width="100%")
        )
        self.propose_button = ipw.Button(
            description="Propose", icon="flask", button_style="primary"
        )
        self.propose_button.add_class("mm-design-propose")
        self.sort_by = ipw.Dropdown(
            options=SUMMARY_COLUMNS, value="distance_nn", description="sort by"
        )
        self.ascending = ipw.ToggleButton(True, description="ascending", icon="sort-amount-asc")
        self.pick_menu = ipw.Dropdown(options=[("-", -1)], value=-1, description="pick")
        self.chosen = ipw.SelectMultiple(options=[], rows=5, description="chosen")
        self.verify_button = ipw.Button(description="Verify chosen", icon="check")
        self.stop_button = ipw.Button(description="Stop", icon="stop", disabled=True)
        self.cif_path = ipw.Text("candidates.zip", description="CIFs to")
        self.cif_button = ipw.Button(description="Export CIFs", icon="download")
        self.dataset_path = ipw.Text("candidates.parquet", description="dataset")
        self.dataset_button = ipw.Button(description="Export MapDataset", icon="download")
        self.status = style.note()
        self.table_html = ipw.HTML()
        self.table_html.add_class("mm-design-table")

        self.propose_button.on_click(lambda _: self._run(self.propose))
        self.verify_button.on_click(lambda _: self._run(self.verify))
        self.stop_button.on_click(lambda _: self._stop.set())
        self.cif_button.on_click(lambda _: self._run(lambda: self.export_cifs(self.cif_path.value)))
        self.dataset_button.on_click(
            lambda _: self._run(lambda: self.export_dataset(self.dataset_path.value))
        )
        self.sort_by.observe(lambda _: self._refresh(), names="value")
        self.ascending.observe(lambda _: self._refresh(), names="value")
        self.pick_menu.observe(self._on_pick_menu, names="value")
        row = ipw.Layout(flex_flow="row wrap")
        self.widget = ipw.VBox(
            [
                self.where,
                ipw.HBox([self.n, self.budget, self.seed, self.propose_button], layout=row),
                self.elements,
                ipw.HBox([self.sort_by, self.ascending, self.pick_menu], layout=row),
                ipw.Box([self.table_html], layout=ipw.Layout(max_height="360px", overflow="auto")),
                ipw.HBox(
                    [self.chosen, ipw.VBox([self.verify_button, self.stop_button])], layout=row
                ),
                ipw.HBox([self.cif_path, self.cif_button], layout=row),
                ipw.HBox([self.dataset_path, self.dataset_button], layout=row),
                self.status,
            ]
        )
        self._refresh()

    # ------------------------------------------------------------------ target
    def set_point(self, xy: Any) -> None:
        """Propose for the map coordinate ``xy`` (a click on empty map)."""
        x, y = (float(v) for v in np.asarray(xy, dtype=float).reshape(2))
        self.target = {"at": (x, y)}
        style.set_note(self.where, f"target: point ({x:.3f}, {y:.3f}) — press Propose")

    def set_region(self, region: Any) -> None:
        """Propose for a region: map point indices (a lasso selection) or polygon vertices."""
        r = np.asarray(region)
        if r.size == 0:
            return
        self.target = {"region": r}
        what = f"{len(r)} vertices" if r.dtype.kind == "f" else f"{r.size} selected materials"
        style.set_note(self.where, f"target: region of {what} — press Propose")

    # ------------------------------------------------------------------ actions
    @property
    def designer(self) -> Any:
        """The Designer of this map (built on first use)."""
        if self._designer is None:
            from ...design import Designer

            self._designer = Designer(self.result)
        return self._designer

    def propose(self) -> Any:
        """Run :func:`materials_map.propose` for the current target with the panel's settings."""
        if self.target is None:
            raise ValueError("no target: click empty map or lasso a region first")
        els = tuple(self.elements.value.replace(",", " ").split())
        self._status("proposing …")
        designer = self.designer
        if set(els) != set(designer.elements):
            from ...design import Designer

            designer = Designer(self.result, elements=els)
        c = designer.propose(
            **self.target,
            n=int(self.n.value),
            time_budget=float(self.budget.value),
            random_state=int(self.seed.value),
            progress=False,
        )
        with self._lock:
            self.candidates = c
        self._refresh()
        info = c.info
        self._status(
            f"{len(c)} candidate(s) in {info['total_seconds']:.1f} s "
            f"({info['built']} built, {info['rounds']} round(s); {info['stopped']})"
        )
        self._changed()
        return c

    def verify(self, rows: Any = None, background: bool = True, **options: Any) -> Any:
        """Relax and label candidates ``rows`` (default: the chosen ones, else the picked
        one). In the background (a thread) by default: returns the thread; the table and the
        map layer update as each result comes. ``options`` go to
        :func:`materials_map.design.verify`."""
        if self.candidates is None or not len(self.candidates):
            raise ValueError("nothing to verify: propose candidates first")
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError("a verification is already running (press Stop to end it)")
        if rows is None:
            rows = list(self.chosen.value) or (
                [self.pick_menu.value] if self.pick_menu.value >= 0 else []
            )
        rows = [int(r) for r in rows]
        if not rows:
            raise ValueError("choose candidates to verify (the 'chosen' list) or pick one")
        self._stop.clear()
        if not background:
            return self._verify(rows, options)
        self._thread = threading.Thread(target=self._verify, args=(rows, options), daemon=True)
        self.stop_button.disabled = False
        self._status(f"verifying {len(rows)} candidate(s) in the background …")
        self._thread.start()
        return self._thread

    def _verify(self, rows: list[int], options: dict) -> Any:
        from ...design import verify

        sub = self.candidates.subset(rows)
        done = []

        def one(pos: int, row: dict) -> None:
            with self._lock:
                df = self.candidates.df
                i = rows[pos]
                for k, v in row.items():
                    if k not in df:
                        df[k] = pd.Series([None] * len(df), dtype=object)
                    df.at[df.index[i], k] = v
            done.append(i)
            self._refresh()
            self._changed()
            self._status(
                f"verified {len(done)}/{len(rows)}: {row['formula']} → "
                f"{row['me_source'] if row['verified'] else row['verify_reason']}"
            )

        try:
            out = verify(sub, progress=False, callback=one, stop=self._stop, **options)
        except Exception as err:  # a thread must report, not die silently
            self._status(f"verification failed: {type(err).__name__}: {html.escape(str(err))}")
            raise
        finally:
            self.stop_button.disabled = True
        self._status(f"verification finished: {int(out.df['verified'].sum())}/{len(rows)} labelled")
        return out

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background verification; True when none is running any more."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def _rows(self) -> Any:
        chosen = list(self.chosen.value)
        return self.candidates if not chosen else self.candidates.subset(chosen)

    def export_cifs(self, path: str | Path) -> Path:
        """Write the chosen candidates (all when none are chosen) as CIFs: a folder, or a zip
        when ``path`` ends with ``.zip``."""
        if self.candidates is None:
            raise ValueError("nothing to export: propose candidates first")
        with self._lock:
            rows = self._rows()
        out = rows.to_cifs(path)
        self._status(f"wrote {len(rows)} CIF(s) to {html.escape(str(out))}")
        return out

    def export_dataset(self, path: str | Path) -> Path:
        """Write the chosen candidates (all when none are chosen) as a MapDataset parquet."""
        if self.candidates is None:
            raise ValueError("nothing to export: propose candidates first")
        with self._lock:
            rows = self._rows()
        out = rows.to_dataset().to_parquet(path)
        self._status(f"wrote a MapDataset of {len(rows)} candidate(s) to {html.escape(str(out))}")
        return out

    # ------------------------------------------------------------------ linking
    def on_change(self, callback: Callable[[Any], None]) -> None:
        """Call ``callback(candidates)`` after a proposal and after each verified candidate."""
        self._on_change.append(callback)

    def on_pick(self, callback: Callable[[int, Any], None]) -> None:
        """Call ``callback(position, row)`` when a candidate is picked (menu or map marker)."""
        self._on_pick.append(callback)

    def pick(self, position: int) -> None:
        """Pick candidate ``position`` (table row index); -1 clears."""
        position = int(position)
        if self.candidates is None or not -1 <= position < len(self.candidates):
            raise IndexError(f"no candidate {position}")
        if self.pick_menu.value != position:
            self.pick_menu.value = position  # calls back through _on_pick_menu
        elif position >= 0:
            self._picked(position)

    def _on_pick_menu(self, change: dict) -> None:
        if change["new"] is not None and change["new"] >= 0:
            self._picked(int(change["new"]))

    def _picked(self, position: int) -> None:
        row = self.candidates.df.iloc[position]
        for cb in self._on_pick:
            cb(position, row)

    def _changed(self) -> None:
        for cb in self._on_change:
            cb(self.candidates)

    def _run(self, action: Callable[[], Any]) -> None:
        try:
            action()
        except Exception as err:  # a button must say what went wrong
            self._status(f"<b>error</b>: {html.escape(str(err))}")

    def _status(self, text: str) -> None:
        style.set_note(self.status, text)

    # ------------------------------------------------------------------ table
    def frame(self) -> pd.DataFrame:
        """The table as shown (sorted), with ``#`` = candidate position."""
        if self.candidates is None:
            return pd.DataFrame(columns=["#", *SUMMARY_COLUMNS])
        with self._lock:
            df = self.candidates.df[[c for c in SUMMARY_COLUMNS if c in self.candidates.df]].copy()
        df.insert(0, "#", np.arange(len(df)))
        return df.sort_values(
            self.sort_by.value, ascending=self.ascending.value, kind="stable", na_position="last"
        ).reset_index(drop=True)

    def _refresh(self) -> None:
        df = self.frame()
        if not len(df):
            self.table_html.value = "<i style='color:#555'>no candidates yet</i>"
            return
        fmt = {c: (lambda v: f"{v:.3g}") for c in df.columns if df[c].dtype.kind == "f"}
        self.table_html.value = df.to_html(
            index=False, formatters=fmt, na_rep="–", border=0, classes="materials-map-table"
        )
        opts = [(f"{r['#']}: {r['formula']}", int(r["#"])) for _, r in df.iterrows()]
        if [o[1] for o in self.pick_menu.options[1:]] != [o[1] for o in opts]:
            with self.pick_menu.hold_trait_notifications():
                self.pick_menu.options = [("-", -1), *opts]
                self.pick_menu.value = -1
            self.chosen.options = opts
