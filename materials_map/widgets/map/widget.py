"""`MapWidget`: the interactive materials map (anywidget; WebGL points via regl-scatterplot).

Arrays travel between Python and the browser as raw little-endian binary buffers (float32
coordinates and values, uint8/uint16 category codes, uint32 selections), never as JSON lists:
12 bytes per point for coordinates plus one colour value.

The synced traits (Python name = front-end name, type, meaning) are listed in
``docs/widget.md`` ("Synced traits"); custom messages: hover rows for large data
(``tooltip``), search without an inline table (``search``) and PNG export (``export_png`` /
``png``); they degrade gracefully without a kernel.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import pandas as pd
import traitlets

from .checks import TraitChecks
from .colormaps import CATEGORICAL, CONTINUOUS
from .markers import MarkerTraits
from .png import PngExport
from .table import PointTable
from .wire import Buffer, buffer_trait, categories_from_bytes, categories_to_bytes, decode_array

STATIC = Path(__file__).resolve().parents[2] / "static"
_MISSING_CATEGORY = "(none)"


# ----------------------------------------------------------------------------- the widget
class MapWidget(TraitChecks, MarkerTraits, PointTable, PngExport, anywidget.AnyWidget):
    """Interactive 2-D materials map: WebGL points, background grid, box/lasso brushing.

    Build one from arrays (``MapWidget(coords, values=..., categories=...)``), from any 2-D
    embedding plus a DataFrame (:meth:`from_dataframe`) or from a pipeline result
    (:meth:`from_result`). Brushing in the browser updates :attr:`selection` (observe it with
    ``w.observe(cb, "selection")``); assigning :attr:`selection` highlights points. The full
    trait table is in the module docstring.
    """

    _esm = STATIC / "widget.js"

    coords = buffer_trait("float32", columns=2, allow_none=False)
    values = buffer_trait("float32")
    color = traitlets.Unicode("").tag(sync=True)
    color_columns = traitlets.List(traitlets.Unicode()).tag(sync=True)
    color_label = traitlets.Unicode("").tag(sync=True)
    colormap = traitlets.Enum(CONTINUOUS, default_value="viridis").tag(sync=True)
    vmin = traitlets.Float(None, allow_none=True).tag(sync=True)
    vmax = traitlets.Float(None, allow_none=True).tag(sync=True)
    color_by = traitlets.Enum(("value", "category"), default_value="value").tag(sync=True)
    categories = Buffer("uint16").tag(
        sync=True, to_json=categories_to_bytes, from_json=categories_from_bytes
    )
    categories_dtype = traitlets.Enum(("uint8", "uint16"), default_value="uint16").tag(sync=True)
    category_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    category_label = traitlets.Unicode("").tag(sync=True)
    category_palette = traitlets.Enum(("auto", *CATEGORICAL), default_value="auto").tag(sync=True)
    hidden_categories = traitlets.List(traitlets.Int()).tag(sync=True)
    show_category_labels = traitlets.Bool(True).tag(sync=True)
    selection = buffer_trait("uint32", allow_none=False)
    focused = traitlets.Int(-1).tag(sync=True)
    clicked_coord = traitlets.List(traitlets.Float()).tag(sync=True)
    view = traitlets.List(traitlets.Float()).tag(sync=True)
    background = buffer_trait("float32")
    background_shape = traitlets.List(traitlets.Int()).tag(sync=True)
    background_extent = traitlets.List(traitlets.Float()).tag(sync=True)
    background_colormap = traitlets.Enum(CONTINUOUS, default_value="viridis").tag(sync=True)
    background_vmin = traitlets.Float(None, allow_none=True).tag(sync=True)
    background_vmax = traitlets.Float(None, allow_none=True).tag(sync=True)
    background_label = traitlets.Unicode("").tag(sync=True)
    background_opacity = traitlets.Float(1.0, min=0.0, max=1.0).tag(sync=True)
    show_background = traitlets.Bool(True).tag(sync=True)
    background_std = buffer_trait("float32")
    background_std_colormap = traitlets.Enum(CONTINUOUS, default_value="magma").tag(sync=True)
    background_std_label = traitlets.Unicode("").tag(sync=True)
    background_mode = traitlets.Enum(("mean", "spread", "faded"), default_value="mean").tag(
        sync=True
    )
    background_support = buffer_trait("float32")
    show_density = traitlets.Bool(False).tag(sync=True)
    density_opacity = traitlets.Bool(False).tag(sync=True)
    point_size = traitlets.Float(5.0, min=0.5).tag(sync=True)
    opacity = traitlets.Float(0.9, min=0.01, max=1.0).tag(sync=True)
    mode = traitlets.Enum(("pan", "box", "lasso"), default_value="pan").tag(sync=True)
    tooltip_table = traitlets.Dict(None, allow_none=True).tag(sync=True)
    search_columns = traitlets.List(traitlets.Unicode()).tag(sync=True)
    x_label = traitlets.Unicode("x").tag(sync=True)
    y_label = traitlets.Unicode("y").tag(sync=True)
    title = traitlets.Unicode("Materials map").tag(sync=True)
    height = traitlets.Int(480, min=120).tag(sync=True)
    candidates = buffer_trait("float32", columns=2)
    candidate_labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    show_candidates = traitlets.Bool(True).tag(sync=True)
    focused_candidate = traitlets.Int(-1).tag(sync=True)
    #: ``handler(content, buffers)`` of files dropped on the map (an Explorer sets it)
    drop_handler: Any = None

    def __init__(
        self,
        coords: Any = None,
        values: Any = None,
        categories: Any = None,
        *,
        table: pd.DataFrame | None = None,
        tooltip: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        # raw category bytes (from a saved map document) are decoded with their wire dtype
        cat_dtype = kwargs.pop("categories_dtype", "uint16")
        if isinstance(categories, (bytes, bytearray, memoryview)):
            categories = decode_array(categories, cat_dtype)
        hidden = kwargs.pop("hidden_categories", None)
        coords = kwargs.pop("coords", coords)
        # coords first: the other per-point traits are checked against its length
        super().__init__(**({"coords": coords} if coords is not None else {}), **kwargs)
        self._table: pd.DataFrame | None = None
        self._png_requests: dict[str, tuple[Path, concurrent.futures.Future]] = {}
        if values is not None:
            self.values = values
        if categories is not None:
            self.set_categories(
                categories, names=kwargs.get("category_names"), label=kwargs.get("category_label")
            )
        if hidden is not None:
            self.hidden_categories = hidden
        if table is not None:
            self.set_table(table, tooltip=tooltip)
        self.on_msg(self._on_custom_msg)
        self.observe(self._on_color_column, "color")

    # ------------------------------------------------------------------ setters
    def set_categories(
        self, categories: Any, names: Sequence[str] | None = None, label: str | None = None
    ) -> None:
        """Set per-point categories from labels (strings, pandas categorical) or integer codes.

        Labels are encoded to codes (missing values become a ``"(none)"`` category); integer
        codes need ``names``. Codes travel as uint8 when there are at most 256 categories.
        """
        cats = pd.Series(
            np.asarray(categories) if not isinstance(categories, pd.Series) else categories
        )
        if names is not None and pd.api.types.is_integer_dtype(cats):
            codes = cats.to_numpy(np.int64)
            names = [str(n) for n in names]
        else:
            cat = pd.Categorical(cats)
            codes = np.asarray(cat.codes, dtype=np.int64)
            names = [str(c) for c in cat.categories]
            if (codes < 0).any():
                codes = np.where(codes < 0, len(names), codes)
                names = [*names, _MISSING_CATEGORY]
        if codes.size and (codes.min() < 0 or codes.max() >= len(names)):
            raise ValueError(
                f"category codes must lie in [0, {len(names)}), got [{codes.min()}, {codes.max()}]"
            )
        if len(names) > 65535:
            raise ValueError(f"too many categories ({len(names)}); at most 65535 are supported")
        dtype = "uint8" if len(names) <= 256 else "uint16"
        with self.hold_sync():
            self.categories_dtype = dtype
            self.category_names = list(names)
            self.categories = codes.astype(np.uint16)
            self.hidden_categories = []
            if label is not None:
                self.category_label = label

    def set_background(
        self,
        grid: Any,
        extent: Sequence[float],
        *,
        label: str | None = None,
        colormap: str | None = None,
        vmin: float | None = None,
        vmax: float | None = None,
        std: Any = None,
        std_label: str | None = None,
        support: Any = None,
    ) -> None:
        """Draw a background grid (e.g. predicted migration energy) under the points.

        ``grid[j, i]`` is the value at the centre of cell (i, j): i runs along x, j along y
        (row 0 at the bottom, like ``imshow(origin="lower")``); ``extent = [x0, x1, y0, y1]``
        are the outer cell edges in data coordinates. NaN cells stay transparent.
        ``std`` (same shape) is the grid's standard deviation, drawn when
        :attr:`background_mode` is ``"spread"`` or used to fade the grid (``"faded"``); a new
        grid without one clears the old one. ``support`` (same shape, values in [0, 1], e.g.
        ``MapResult.support``) multiplies each cell's opacity in every mode, so the layer fades
        where the map has no data (docs/widget.md, "Where the background fades"); a new grid
        without one is drawn opaque.
        """
        g = np.asarray(grid, dtype=np.float32)
        if g.ndim != 2 or min(g.shape) < 1:
            raise ValueError(f"grid must be a non-empty 2-D array, got shape {g.shape}")
        sd = None if std is None else np.asarray(std, dtype=np.float32)
        if sd is not None and sd.shape != g.shape:
            raise ValueError(f"std has shape {sd.shape} but the grid has shape {g.shape}")
        sup = None if support is None else np.asarray(support, dtype=np.float32)
        if sup is not None:
            if sup.shape != g.shape:
                raise ValueError(f"support has shape {sup.shape} but the grid has shape {g.shape}")
            if not (np.isfinite(sup).all() and sup.min() >= 0.0 and sup.max() <= 1.0):
                raise ValueError("support must hold finite values in [0, 1] (opacity per cell)")
        with self.hold_sync():
            self.background_extent = [float(v) for v in extent]
            self.background_shape = [int(g.shape[0]), int(g.shape[1])]
            self.background = g.reshape(-1)
            self.background_std = None if sd is None else sd.reshape(-1)
            self.background_support = None if sup is None else sup.reshape(-1)
            if std_label is not None:
                self.background_std_label = std_label
            if label is not None:
                self.background_label = label
            if colormap is not None:
                self.background_colormap = colormap
            self.background_vmin = vmin
            self.background_vmax = vmax

    @property
    def background_values(self) -> np.ndarray | None:
        """The background grid as a (ny, nx) array, or None."""
        if self.background is None or len(self.background_shape) != 2:
            return None
        return self.background.reshape(self.background_shape)

    # ------------------------------------------------------------------ selection helpers
    def set_candidates(self, coords: Any, labels: Sequence[str] | None = None) -> None:
        """Draw proposed candidates (``(m, 2)`` map coordinates) as their own layer, with one
        hover label per row; an empty array clears the layer."""
        c = np.asarray(coords, dtype=np.float32).reshape(-1, 2)
        if not np.isfinite(c).all():
            raise traitlets.TraitError("candidates: coordinates must be finite")
        labels = [str(x) for x in (labels or [])]
        if labels and len(labels) != len(c):
            raise traitlets.TraitError(
                f"candidate_labels: {len(labels)} labels for {len(c)} candidates"
            )
        with self.hold_sync():
            self.focused_candidate = -1
            self.candidates = c if len(c) else None
            self.candidate_labels = labels

    def select(self, indices: Any) -> None:
        """Select points by index (replaces the current selection)."""
        self.selection = np.asarray(indices, dtype=np.int64).astype(np.uint32)

    # ------------------------------------------------------------------ custom messages
    def _on_custom_msg(self, widget: Any, content: Any, buffers: list) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "tooltip":
            self._answer_tooltip(int(content.get("index", -1)))
        elif kind == "search":
            q = str(content.get("query", ""))
            hits = self.search(q)
            self.selection = hits
            self.send({"type": "search", "query": q, "count": int(hits.size)})
        elif kind == "png":
            self._receive_png(content, buffers)
        elif kind == "drop":  # files dropped on the map (js/src/map/drop.ts)
            if self.drop_handler is not None:
                self.drop_handler(content, buffers)
            else:
                reason = "this map cannot place materials: drop them on an Explorer's map"
                files = [
                    {"name": str(f.get("name")), "reason": reason} for f in content.get("files", [])
                ]
                self.send({"type": "drop", "request": content.get("request"), "refused": files})

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_dataframe(
        cls,
        coords: Any,
        df: pd.DataFrame,
        color: str | None = None,
        category: str | None = None,
        tooltip: Sequence[str] | None = None,
        marker: str | None = None,
        **kwargs: Any,
    ) -> MapWidget:
        """A map of any 2-D embedding with a DataFrame of per-point information.

        ``coords``: (n, 2) array, or a pair of column names of ``df``. ``color``: numeric
        column for the colour (others are offered in the colour menu). ``category``: column
        shown as a toggleable legend (e.g. structure type). ``tooltip``: columns shown on
        hover (default: id/formula-like columns, ``color`` and ``category``). ``marker``:
        column whose groups (at most four, e.g. ``source``) get their own outline shape and
        a second toggleable legend (:meth:`set_markers`).
        """
        df = df.reset_index(drop=True)
        if (
            isinstance(coords, (list, tuple))
            and len(coords) == 2
            and all(isinstance(c, str) for c in coords)
        ):
            kwargs.setdefault("x_label", coords[0])
            kwargs.setdefault("y_label", coords[1])
            coords = df[list(coords)].to_numpy(np.float64)
        xy = np.asarray(coords, dtype=np.float64)
        if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) != len(df):
            raise ValueError(
                f"coords must have shape ({len(df)}, 2) to match the DataFrame, got {xy.shape}"
            )
        for name in (color, category, marker):
            if name is not None and name not in df:
                raise KeyError(
                    f"column {name!r} not in the DataFrame (columns: {list(df.columns)})"
                )
        if tooltip is None:
            tooltip = [
                c for c in df.columns if any(k in str(c).lower() for k in ("id", "formula", "name"))
            ]
            tooltip += [c for c in (category, marker, color) if c is not None and c not in tooltip]
            tooltip = tooltip or list(df.columns[:6])
        w = cls(xy, **kwargs)
        w.set_table(df, tooltip=tooltip)
        if category is not None:
            w.set_categories(df[category], label=category)
        if marker is not None:
            w.set_markers(df[marker], label=marker)
        if color is not None:
            w.color = color  # observer fills values / label
        elif category is not None:
            w.color_by = "category"
        return w

    @classmethod
    def from_result(cls, result: Any, **kwargs: Any) -> MapWidget:
        """The map of a :class:`~materials_map.MapResult`, prediction grid underneath.

        Points are coloured by the target and grouped by structure type by default;
        ``kwargs`` go to :meth:`from_dataframe` (a ``color``, ``category`` or ``tooltip``
        column of the dataset that the result's table lacks is taken from the dataset).
        """
        df = result.table
        target = getattr(result, "target", None)
        data = result.dataset.df.reset_index(drop=True)
        wanted = [kwargs.get("color"), kwargs.get("category"), *(kwargs.get("tooltip") or [])]
        for col in wanted:
            if isinstance(col, str) and col not in df and col in data:
                df[col] = data[col].to_numpy()
        opts: dict[str, Any] = {
            "color": target if target in df else None,
            "category": "structure_type" if "structure_type" in df else None,
            "x_label": "x_comp",
            "y_label": "x_struct",
        }
        # real (measured) and generated materials on one map: told apart by outline shape
        if "source" in df and df["source"].nunique(dropna=False) > 1:
            opts["marker"] = "source"
        opts.update(kwargs)
        w = cls.from_dataframe(result.coords, df, **opts)
        grid = getattr(result, "grid", None)
        if grid is not None:
            w.set_background(
                grid,
                result.extent,
                label=f"predicted {target}" if target else "prediction",
                colormap=w.colormap,
                std=getattr(result, "grid_std", None),  # the head ensemble's sigma
                std_label=f"σ of predicted {target}" if target else "σ of the prediction",
                support=getattr(result, "support", None),  # fades where there are no materials
            )
        return w

    @classmethod
    def from_document(cls, document: Any) -> MapWidget:
        """A live map showing a saved :class:`~materials_map.MapDocument` (its traits and,
        when it has one, its per-point table for hover rows and search)."""
        known = set(cls.class_trait_names(sync=True))
        w = cls(**{k: v for k, v in document.traits.items() if k in known})
        if document.table is not None and len(document.table) == len(w.coords):
            w._table = document.table.reset_index(drop=True)
            w._tooltip_cols = [str(c) for c in document.table.columns]
        return w
