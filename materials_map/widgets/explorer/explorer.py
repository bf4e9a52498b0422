"""`Explorer`: the materials map with its linked panels, and the one-liner :func:`explore`.

The map (a :class:`~materials_map.MapWidget` over the predicted-target background) sits on
the left, tabbed bqplot panels on the right (they wrap below the map in a narrow notebook).
Everything is linked through three traits of the map:

* ``selection`` (lasso / box on the map, a brush in a Li/O plot, a family's "select",
  the search box) → Li/O highlights, the table, the composition distribution;
* ``focused`` (a clicked point, or a row picked in the table) → the descriptor
  reconstruction and the crystal viewer (:class:`~materials_map.widgets.crystal.CrystalWidget`,
  WebGL, with the Li pathway layer); a selection of two or more fills its grid of up to
  nine crystals, and a click on one focuses it;
* ``clicked_coord`` (a click on empty map) → the decoded descriptor beside its nearest
  materials and the composition of that neighbourhood.

The Design tab (:class:`~materials_map.widgets.panels.design.DesignPanel`) takes the last
click or lasso as its target; its candidates are drawn on the map as their own layer
(``candidates`` traits), and a picked candidate goes to the crystal viewer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as ipw
import numpy as np
import pandas as pd

from ...model.neighbourhood import nearest
from ..crystal import CrystalWidget
from ..panels import (
    CompositionPanel,
    DiagnosticsPanel,
    FamilyPanel,
    RatioPanel,
    ReconstructionPanel,
    TablePanel,
)
from ..panels.design import DesignPanel
from .document import status_html
from .placing import add_to_explorer, connect_drops

#: per-point P(superionic) and its confidence (MapResult.superionic), shown on hover
SUPERIONIC_COLUMNS = ("p_superionic", "p_superionic_std", "distance_to_training")
#: (attribute, tab title); titles short enough not to be truncated beside the map
TABS = (
    ("ratios", "Li/O"),
    ("reconstruction", "Decode"),
    ("composition", "Elements"),
    ("families", "Families"),
    ("table_panel", "Table"),
    ("crystal", "Crystal"),
    ("design", "Design"),
    ("diagnostics", "Model"),
)


class Explorer:
    """A materials map linked to Li/O, reconstruction, composition, family, table, structure
    and model panels.

    Parameters
    ----------
    result : a finished :class:`~materials_map.MapResult` (``mm.build_map(...)``, or
        ``mm.map_result(dataset, descriptors, model)`` for parts you have); the Explorer fits
        nothing, it shows the result's layers
    n_neighbours : materials counted as the neighbourhood of a clicked coordinate (Fig. 8)
    n_decode_neighbours : nearest materials drawn beside a decoded coordinate
    map_options : extra keyword arguments for :meth:`MapWidget.from_result`

    Attributes
    ----------
    map : the MapWidget
    result : the :class:`~materials_map.pipeline.MapResult` behind the view
    table : per-point DataFrame (row position = map point index)
    ratios, reconstruction, composition, families, table_panel, diagnostics :
        the panels (see :mod:`materials_map.widgets.panels`)
    crystal : the :class:`~materials_map.widgets.crystal.CrystalWidget` (focused crystal,
        grid of the selection, Li pathways)
    widget : the ipywidgets container (display the Explorer itself, or embed this)

    Examples
    --------
    >>> ex = Explorer(mm.build_map("li-o"))  # doctest: +SKIP
    >>> ex.map.select([0, 3, 7])             # doctest: +SKIP  (panels follow)
    >>> ex.table_panel.frame                 # doctest: +SKIP  (Table 1 of the selection)
    >>> ex.save("li-o.mmap")                 # doctest: +SKIP
    """

    def __init__(
        self,
        result: Any,
        descriptors: Any = None,
        model: Any = None,
        *,
        target: str | None = None,
        n_neighbours: int = 25,
        n_decode_neighbours: int = 3,
        map_options: dict[str, Any] | None = None,
    ) -> None:
        if descriptors is not None or model is not None:  # the 0.1 form (README, notebooks)
            import warnings

            from ...pipeline import map_result

            warnings.warn(
                "Explorer(dataset, descriptors, model) is deprecated: use "
                "Explorer(mm.map_result(dataset, descriptors, model))",
                DeprecationWarning,
                stacklevel=2,
            )
            result = map_result(result, descriptors, model, target)
        self._build(result, n_neighbours, n_decode_neighbours, map_options)

    @classmethod
    def from_result(cls, result: Any, **options: Any) -> Explorer:
        """``Explorer(result, **options)``, named like ``MapWidget.from_result``."""
        return cls(result, **options)

    # ------------------------------------------------------------------ construction
    def _build(
        self, result: Any, n_neighbours: int, n_decode: int, map_options: dict[str, Any] | None
    ) -> None:
        from ..map import MapWidget

        self.result = r = result
        self.n_neighbours = int(n_neighbours)
        self.model, self.descriptors, self.coords = (
            r.model,
            r.descriptors,
            np.asarray(r.coords, float),
        )
        self.target = r.target
        self.table = r.table
        structures = list(r.dataset.df["structure"]) if "structure" in r.dataset.df else None
        # real and generated materials on one map: a second legend row (marker shapes by
        # source) under the plot, so the map grows by that row instead of the plot shrinking
        mixed = "source" in self.table and self.table["source"].nunique() > 1
        shown = ("id", "formula", "structure_type", self.target)
        shown += ("source", "log10_sigma") if mixed else ()
        opts = {
            "tooltip": [c for c in (*shown, *SUPERIONIC_COLUMNS) if c in self.table],
            "height": 520 + (28 if mixed else 0),
            "title": "Materials map",
            **(map_options or {}),
        }
        self._map_options = opts
        self.map = MapWidget.from_result(r, **opts)
        self.table = self.map.table  # the table the map shows (with any extra columns it asked for)

        self.structures = structures
        self._point_panels(n_decode)
        self.crystal = CrystalWidget(height=420)
        self.crystal.on_pick(lambda i, _: self.focus_material(i) if i >= 0 else None)
        self.diagnostics = DiagnosticsPanel(r)
        self.design = DesignPanel(r)

        self.tabs = ipw.Tab(
            children=[getattr(self, a).widget for a, _ in TABS],
            layout=ipw.Layout(flex="2 1 440px", min_width="360px"),
        )
        self.tabs.titles = tuple(t for _, t in TABS)
        self.tabs.observe(self._on_tab, names="selected_index")
        self.status = ipw.HTML()
        # the map takes the cell's width: a row of its own below 1080 px (panels wrap under
        # it), else 3/5 of the extra width beside the panels
        self.map.layout = ipw.Layout(flex="3 1 640px", min_width="360px")
        body = ipw.Box(
            [self.map, self.tabs],
            layout=ipw.Layout(
                display="flex", flex_flow="row wrap", align_items="flex-start", width="100%"
            ),
        )
        self.widget = ipw.VBox([self.status, body], layout=ipw.Layout(width="100%"))
        self.widget.add_class("materials-map-explorer")

        self._from_brush = False
        self.clicked: np.ndarray | None = None
        self.map.observe(self._on_selection, names="selection")
        self.map.observe(self._on_focused, names="focused")
        self.map.observe(self._on_clicked, names="clicked_coord")
        self.map.observe(self._on_candidate_marker, names="focused_candidate")
        self.design.on_change(self._show_candidates)
        self.design.on_pick(self._show_candidate)
        self._sync_selection(self.selection)
        self._update_status()
        connect_drops(self)

    def _point_panels(self, n_decode: int) -> None:
        """(Re)build the panels that hold per-point data, linked to the map."""
        self.ratios = RatioPanel(self.table)
        self.reconstruction = ReconstructionPanel(
            self.model, self.descriptors, self.coords, self.table, n_neighbours=int(n_decode)
        )
        self.composition = CompositionPanel(self.table, self.structures)
        self.families = FamilyPanel(self.map)
        self.table_panel = TablePanel(self.table, self.target)
        self.ratios.on_brush(self._on_brush)
        self.table_panel.on_focus(self.focus_material)

    # ------------------------------------------------------------------ state
    @property
    def selection(self) -> np.ndarray:
        """Selected map point indices (sorted); assign to select."""
        return np.asarray(self.map.selection, dtype=np.int64)

    @selection.setter
    def selection(self, idx: Any) -> None:
        self.map.select(idx)

    @property
    def focused(self) -> int:
        """Index of the focused material (-1: none)."""
        return int(self.map.focused)

    def focus_material(self, i: int) -> None:
        """Focus material ``i``: fills the reconstruction and structure panels."""
        if not -1 <= int(i) < len(self.coords):
            raise IndexError(f"material index {i} out of range (0..{len(self.coords) - 1})")
        if self.map.focused == int(i) and i >= 0:
            self._show_focus(int(i))  # re-show even when unchanged (e.g. after a decode)
        self.map.focused = int(i)

    def decode(self, xy: Any) -> Any:
        """Decode the map coordinate ``xy`` as a click on empty map would (returns the decoded
        :class:`~materials_map.Descriptors` in original units)."""
        self.map.clicked_coord = [float(v) for v in np.asarray(xy, float).reshape(2)]
        return self.reconstruction.state["decoded"]

    def neighbourhood(self, xy: Any, k: int | None = None) -> np.ndarray:
        """Indices of the ``k`` (default ``n_neighbours``) materials nearest to ``xy`` on the map."""
        return nearest(
            self.coords, np.asarray(xy, float).reshape(2), self.n_neighbours if k is None else k
        )[0]

    @property
    def selected_table(self) -> pd.DataFrame:
        """Table 1 columns of the selected materials, as shown (sorted) in the table panel."""
        return self.table_panel.frame

    # ------------------------------------------------------------------ linking
    def _on_selection(self, change: dict) -> None:
        idx = np.asarray(change["new"], dtype=np.int64)
        if idx.size:
            self.design.set_region(idx)
        self._sync_selection(idx)

    def _sync_selection(self, idx: np.ndarray) -> None:
        self.ratios.highlight(idx, from_brush=self._from_brush)
        self.table_panel.show(idx)
        self._show_crystals(idx)
        if idx.size or self.composition.source == "selection":
            self.composition.show(idx, "selection")
        self._update_status()

    def _on_brush(self, idx: np.ndarray, plot: int) -> None:
        self._from_brush = True
        try:
            self.map.select(idx)
        finally:
            self._from_brush = False

    def _on_focused(self, change: dict) -> None:
        i = int(change["new"])
        if i >= 0:
            self._show_focus(i)
        self._update_status()

    def _show_focus(self, i: int) -> None:
        self.reconstruction.show_material(i)
        s = self._structure(i)
        if s is None:
            self.crystal.clear()
        else:
            self.crystal.show(s, id=self._id(i), title=self._title(i), index=i)

    def _structure(self, i: int) -> Any:
        s = self.structures[i] if self.structures is not None else None
        return s if hasattr(s, "lattice") else None

    def _id(self, i: int) -> str:
        return str(self.table["id"].iloc[i]) if "id" in self.table else str(i)

    def _title(self, i: int) -> str:
        formula = self.table["formula"].iloc[i] if "formula" in self.table else ""
        return f"{self._id(i)} {formula}".strip()

    def _show_crystals(self, idx: np.ndarray) -> None:
        """A selection of two or more fills the crystal grid (the first nine with a structure)."""
        if idx.size < 2:
            return
        with_structure = [int(i) for i in idx if self._structure(int(i)) is not None][:9]
        if with_structure:
            self.crystal.show_grid(
                [self._structure(i) for i in with_structure],
                ids=[self._id(i) for i in with_structure],
                indices=with_structure,
            )

    def compare(self, i: int, j: int) -> None:
        """Show the crystals of materials ``i`` and ``j`` side by side."""
        a, b = self._structure(i), self._structure(j)
        if a is None or b is None:
            raise ValueError(f"material {i if a is None else j} has no crystal structure")
        self.crystal.compare(a, b, ids=(self._id(i), self._id(j)), indices=(i, j))

    def _on_clicked(self, change: dict) -> None:
        xy = change["new"]
        if not xy or len(xy) != 2:
            return
        self.clicked = np.asarray(xy, dtype=float)
        self.design.set_point(self.clicked)
        self.reconstruction.show_coord(self.clicked)
        self.composition.show(
            self.neighbourhood(self.clicked),
            f"{self.n_neighbours} materials nearest to ({xy[0]:.2f}, {xy[1]:.2f})",
        )
        self._update_status()

    def _show_candidates(self, candidates: Any) -> None:
        """Draw the Design panel's candidates on the map (their own layer)."""
        df = candidates.df
        labels = [
            f"{f} ({m}, {d:.2g} nn)"
            for f, m, d in zip(df["formula"], df["method"], df["distance_nn"], strict=True)
        ]
        self.map.set_candidates(candidates.coords, labels)

    def _show_candidate(self, position: int, row: Any) -> None:
        """A picked candidate: ring on the map, crystal in the viewer."""
        self.map.focused_candidate = int(position)
        self.crystal.show(row["structure"], id=row["id"], title=f"{row['id']} {row['formula']}")

    def _on_candidate_marker(self, change: dict) -> None:
        i = int(change["new"])
        # a pick from the menu sets the marker too: it is already shown, not twice
        if self.design.pick_menu.value == i:
            return
        if i >= 0 and self.design.candidates is not None and i < len(self.design.candidates):
            self.design.pick(i)

    def _on_tab(self, change: dict) -> None:
        if TABS[change["new"]][0] == "diagnostics" and self.diagnostics.diagnostics is None:
            self.diagnostics.compute()

    def _update_status(self) -> None:
        self.status.value = status_html(self)

    def add(self, items: Any, **kwargs: Any) -> Any:
        """Place ``items`` (Structures, CIF / POSCAR / extxyz files, folders, zips, a MapDataset
        or DataFrame) on this map with :func:`materials_map.placement.place` (``kwargs`` go there)
        and draw them as their own layer; returns the :class:`~materials_map.placement.Placement`."""
        return add_to_explorer(self, items, **kwargs)

    # ------------------------------------------------------------------ output
    def save(
        self,
        path: str | Path | None = None,
        metadata: dict[str, Any] | None = None,
        structures: bool = True,
    ) -> Any:
        """The current map as a :class:`~materials_map.MapDocument`, written to ``path`` if given.

        With ``structures`` the document carries every material's crystal (compact JSON,
        ~30 bytes per site) and the Li pathway volumes computed in this session, so the
        ``.mmap`` viewer and the HTML export show them without a kernel.
        """
        from .document import explorer_document

        doc = explorer_document(self, metadata or {}, structures)
        if path is not None:
            doc.save(path)
        return doc

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return (
            f"Explorer({len(self.coords)} materials, target={self.target!r}, "
            f"{self.selection.size} selected, focused={self.focused})"
        )


def explore(
    dataset: Any = "li-o",
    *,
    target: str | None = None,
    w: float = 1.0,
    model: Any = None,
    n_jobs: int = 1,
    use_cache: bool = True,
    progress: bool = True,
    **kwargs: Any,
) -> Explorer:
    """Featurize ``dataset``, train (or load the cached) MapModel and return its Explorer.

    ``dataset`` is an embedded dataset name (``"li-o"``) or a MapDataset; the other arguments
    go to :func:`materials_map.pipeline.build_map` (``kwargs`` to :class:`Explorer`).
    """
    from ...pipeline import build_map

    result = build_map(
        dataset,
        target=target,
        model=model,
        w=w,
        n_jobs=n_jobs,
        use_cache=use_cache,
        progress=progress,
    )
    return Explorer.from_result(result, **kwargs)
