"""Your own materials on a live Explorer map: ``Explorer.add`` and files dropped on the map.

Placed materials are appended to the map's points (:func:`materials_map.placement.placed_result`),
so they hover, select, show in the panels and the crystal viewer, and go into saved ``.mmap``
documents and HTML pages like every other point; their ``source`` (``"placed"``) gives them
a marker shape of their own after the map's groups, with a legend entry that hides them.
Files dropped on the map arrive as one custom message with a binary buffer per file
(js/src/map/drop.ts); the answer names each refused file with its reason.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...placement import LABEL, PLACED, place, placed_result
from ..map import MapWidget

#: point traits copied from a freshly built map onto the live one (coords first)
_POINT_TRAITS = (
    "coords",
    "categories_dtype",
    "category_names",
    "category_label",
    "categories",
    "marker_names",
    "marker_label",
    "markers",
    "tooltip_table",
    "search_columns",
    "color_columns",
)


def placed_widget(result: Any, **options: Any) -> MapWidget:
    """``MapWidget.from_result`` where the placed rows take the marker shape after the map's
    own groups (so the map's points keep theirs)."""
    w = MapWidget.from_result(result, **options)
    source = w.table["source"].astype(str) if "source" in w.table else pd.Series([], dtype=str)
    if (source == PLACED).any():
        names = [*sorted(set(source) - {PLACED}), PLACED]
        with w.hold_sync():
            w.marker_names, w.marker_label = names, "source"
            w.markers = source.map(names.index).to_numpy(np.uint8)
    return w


def add_to_explorer(ex: Any, items: Any, **kwargs: Any) -> Any:
    """``Explorer.add``: place ``items`` on the map the Explorer was built from and redraw."""
    ex.__dict__.setdefault("_placements", [])
    base = ex.__dict__.setdefault("_placed_on", ex.result)
    placement = place(base, items, **kwargs)
    if not len(placement):
        return placement
    ex._placements.append(placement)
    start = len(ex.coords)
    _redraw(ex, placed_result(base, ex._placements))
    placement.on_label(lambda row, value, reason: _labelled(ex, start + row, value))
    ex.map.select(np.arange(start, len(ex.coords)))  # the table and crystal grid show them
    return placement


def _redraw(ex: Any, result: Any) -> None:
    """Show ``result`` (the map's points plus placed rows) in the live map and panels."""
    from .explorer import TABS

    pred = f"predicted_{result.target}"
    opts = dict(ex._map_options)
    extra = [c for c in (pred, f"{pred}_std", "nearest") if c not in opts.get("tooltip", [])]
    opts["tooltip"] = [*opts.get("tooltip", []), *extra]
    fresh = placed_widget(result, **opts)
    m = ex.map
    hidden = _names(m.category_names, m.hidden_categories), _names(m.marker_names, m.hidden_markers)
    with m.hold_sync():
        m.values = m.categories = m.markers = None  # per-point traits follow the new coords
        for name in _POINT_TRAITS:
            setattr(m, name, getattr(fresh, name))
        m._table, m._tooltip_cols = fresh.table, fresh._tooltip_cols
        col = m.color if m.color in fresh.table else fresh.color  # the colour chosen stays
        m.values = (
            pd.to_numeric(fresh.table[col], errors="coerce").to_numpy(np.float32)
            if col in fresh.table
            else fresh.values
        )
        m.hidden_categories = [k for k, n in enumerate(m.category_names) if n in hidden[0]]
        m.hidden_markers = [k for k, n in enumerate(m.marker_names) if n in hidden[1]]
    fresh.close()  # only its traits were wanted: no second widget model in the page
    ex.result, ex.descriptors = result, result.descriptors
    ex.coords, ex.table = np.asarray(result.coords, float), m.table
    ex.structures = list(result.dataset.df["structure"])
    ex._point_panels(ex.reconstruction.n_neighbours)
    ex.tabs.children = [getattr(ex, a).widget for a, _ in TABS]
    ex._update_status()


def _names(names: list[str], codes: list[int]) -> set[str]:
    return {names[c] for c in codes if c < len(names)}


def _labelled(ex: Any, point: int, value: float) -> None:
    """A BVSE label arrived (background thread): into the table, hover rows and colours."""
    m = ex.map
    if LABEL not in m.table or point >= len(m.table):  # a map of another target
        return
    m.table.loc[point, LABEL] = value
    with m.hold_sync():
        m.set_table(m.table, tooltip=m._tooltip_cols, search=m.search_columns)
        if m.color == LABEL:
            m.values = pd.to_numeric(m.table[LABEL], errors="coerce").to_numpy(np.float32)


# ---------------------------------------------------------------------- drag and drop
def connect_drops(ex: Any) -> None:
    """Let files dropped on the Explorer's map be placed on it."""
    ex.map.drop_handler = lambda content, buffers: receive_drop(ex, content, buffers)


def receive_drop(ex: Any, content: dict, buffers: list) -> dict:
    """Place dropped files (``content["files"]``: names, one buffer each) and answer with the
    placed ids and each refused file's name and reason; never raises."""
    names = [Path(str(f.get("name", ""))).name for f in content.get("files", [])]
    added: list[str] = []
    refused: list[dict[str, str]] = []
    try:
        if len(buffers) != len(names):
            raise ValueError(f"{len(names)} file names but {len(buffers)} buffers")
        with tempfile.TemporaryDirectory(prefix="materials-map-drop-") as tmp:
            paths = []
            for k, (name, buf) in enumerate(zip(names, buffers, strict=True)):
                if not name:
                    refused.append({"name": f"file {k}", "reason": "no file name"})
                    continue
                path = Path(tmp) / str(k) / name  # a folder each: two drops of one name
                path.parent.mkdir()
                path.write_bytes(bytes(buf))
                paths.append(path)
            with warnings.catch_warnings():  # the answer carries every reason, file by file
                warnings.simplefilter("ignore")
                placement = ex.add(paths, progress=False) if paths else None
        if placement is not None:
            added = [str(i) for i in placement.table["id"]]
            # a dropped file's item is <tmp>/<k>/<name>; a zip member's <zip name>/<member>
            refused += [
                {"name": _dropped_name(str(f["item"]), tmp), "reason": str(f["error"])}
                for f in placement.failures
            ]
    except Exception as exc:  # noqa: BLE001 - the map must answer and keep working
        refused = [
            {"name": n, "reason": f"placing failed: {type(exc).__name__}: {exc}"} for n in names
        ]
    answer = {"type": "drop", "request": content.get("request"), "added": added, "refused": refused}
    ex.map.send(answer)
    return answer


def _dropped_name(item: str, tmp: str) -> str:
    return item[len(tmp) :].lstrip("/").split("/", 1)[-1] if item.startswith(tmp) else item
