"""The whole job in one call: dataset → descriptors → MapModel → map (a :class:`MapResult`).

Descriptors and trained models are cached on disk (no pickle: descriptor cache entries are
npz/json, models are safetensors + JSON), keyed by content, parameters and version, so a
second ``build_map("li-o")`` only loads files.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._version import __version__

# Pretrained default models, shipped so that the first map of an embedded dataset needs no
# training; named by the same key as the cache, so any other data or parameters still train.
SHIPPED_MODELS = Path(__file__).resolve().parent / "datasets" / "data" / "models"


def cache_dir() -> Path:
    """Where materials-map keeps its caches (``$MATERIALS_MAP_CACHE`` or ``~/.cache/materials-map``)."""
    env = os.environ.get("MATERIALS_MAP_CACHE")
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "materials-map"
    base.mkdir(parents=True, exist_ok=True)
    return base


@dataclass
class MapResult:
    """Everything a map view needs: the data, its descriptors, the model and the map itself.

    Attributes
    ----------
    dataset : the MapDataset (rows aligned with ``coords``; failed featurizations removed)
    descriptors : the Descriptors of those rows
    model : the fitted MapModel
    coords : (n, 2) float array, columns x_comp and x_struct
    grid : (ny, nx) float array, the model's prediction on a regular grid over the map
    extent : [x0, x1, y0, y1], the data coordinates the grid covers (cell edges)
    target : name of the target column the model learnt
    """

    dataset: Any
    descriptors: Any
    model: Any
    coords: np.ndarray
    grid: np.ndarray
    extent: list[float]
    target: str
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        """Per-point table (Table 1 of the paper): id, formula, family, target, x_comp, x_struct."""
        df = self.dataset.df
        cols = [c for c in ("id", "formula", "structure_type", self.target, "li_fraction", "o_fraction") if c in df]
        out = df[cols].reset_index(drop=True).copy()
        out["x_comp"] = self.coords[:, 0]
        out["x_struct"] = self.coords[:, 1]
        return out

    def to_widget(self, **kwargs: Any) -> Any:
        """A :class:`~materials_map.MapWidget` of this map, with the prediction grid underneath."""
        from .widgets.map import MapWidget

        return MapWidget.from_result(self, **kwargs)


def prediction_grid(model: Any, coords: np.ndarray, n: int = 128, pad: float = 0.08) -> tuple[np.ndarray, list[float]]:
    """The model's target prediction on an ``n × n`` grid covering ``coords`` plus a margin.

    Returns ``(grid, extent)`` with ``grid[j, i]`` the value at the centre of cell (i, j) and
    ``extent = [x0, x1, y0, y1]`` the outer cell edges, so a renderer can align the image with
    the data exactly.
    """
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - pad * span, hi + pad * span
    xs = lo[0] + (np.arange(n) + 0.5) * (hi[0] - lo[0]) / n
    ys = lo[1] + (np.arange(n) + 0.5) * (hi[1] - lo[1]) / n
    gx, gy = np.meshgrid(xs, ys)
    values = model.predict_coords(np.column_stack([gx.ravel(), gy.ravel()]))
    return np.asarray(values, dtype=np.float32).reshape(n, n), [float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])]


def _model_key(dataset_id: str, target: str, params: dict[str, Any]) -> str:
    blob = json.dumps({"v": __version__, "data": dataset_id, "target": target, "params": params},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def model_key(dataset: Any, target: str, estimator: Any) -> str:
    """Cache key of a model: the dataset rows, the target, the parameters and the version."""
    # verbose only changes what is printed, not the model
    params = {k: v for k, v in estimator.get_params().items() if k != "verbose"}
    return _model_key(_dataset_fingerprint(dataset), target, params)


def pretrain(dataset: str = "li-o", progress: bool = True) -> Path:
    """Train the default model of an embedded dataset and store it in the package.

    For maintainers, after ``materials-map datasets build``: later ``build_map(dataset)`` and
    ``explore(dataset)`` calls with default parameters load this file instead of training.
    """
    result = build_map(dataset, use_cache=False, progress=progress)
    return result.model.save(SHIPPED_MODELS / f"{model_key(result.dataset, result.target, result.model)}.mmodel")


def _dataset_fingerprint(ds: Any) -> str:
    h = hashlib.sha256()
    for i in ds.df["id"].astype(str):
        h.update(i.encode())
    h.update(json.dumps(getattr(ds, "metadata", {}) or {}, sort_keys=True, default=str).encode())
    return h.hexdigest()[:20]


def build_map(
    dataset: Any = "li-o",
    *,
    target: str | None = None,
    model: Any = None,
    w: float = 0.1,
    random_state: int = 0,
    n_jobs: int = 1,
    use_cache: bool = True,
    progress: bool = True,
    grid_size: int = 128,
) -> MapResult:
    """Featurize a dataset, train (or load a cached) MapModel and compute the map.

    Parameters
    ----------
    dataset : an embedded dataset name (``"li-o"``) or a MapDataset.
    target : label column to learn (default: the dataset's documented target).
    model : an unfitted MapModel to use instead of ``MapModel(w=w, random_state=random_state)``.
    use_cache : reuse cached descriptors and models (in :func:`cache_dir`).
    """
    from . import datasets
    from .featurize.batch import featurize
    from .model.estimator import MapModel

    ds = datasets.load(dataset) if isinstance(dataset, str) else dataset
    target = target or getattr(ds, "target", None) or "migration_energy"
    if target not in ds.df:
        raise KeyError(f"target column {target!r} not in the dataset (columns: {list(ds.df.columns)})")
    cache = cache_dir() if use_cache else None
    X = featurize(ds, n_jobs=n_jobs, cache=None if cache is None else cache / "descriptors", progress=progress)
    keep = pd.Index(ds.df["id"].astype(str)).get_indexer(pd.Index(np.asarray(X.ids).astype(str)))
    ds_rows = ds.subset(keep) if hasattr(ds, "subset") else ds
    y = pd.to_numeric(ds_rows.df[target], errors="coerce").to_numpy(dtype=float)

    est = model if model is not None else MapModel(w=w, random_state=random_state, verbose=progress)
    key = model_key(ds_rows, target, est)
    shipped = SHIPPED_MODELS / f"{key}.mmodel"
    path = None if cache is None else cache / "models" / f"{key}.mmodel"
    if use_cache and shipped.is_file():
        est = MapModel.load(shipped)
        info = {"model": "pretrained, shipped with materials-map", "model_path": str(shipped)}
    elif path is not None and path.exists():
        est = MapModel.load(path)
        info = {"model": "loaded from cache", "model_path": str(path)}
    else:
        est.fit(X, y)
        info = {"model": "trained"}
        if path is not None:
            est.save(path)
            info["model_path"] = str(path)
    coords = est.transform(X)
    grid, extent = prediction_grid(est, coords, n=grid_size)
    return MapResult(ds_rows, X, est, coords, grid, extent, target, info)
