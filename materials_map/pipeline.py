"""The whole job in one call: dataset → descriptors → MapModel → map (a :class:`MapResult`).

Descriptors and trained models are cached on disk (no pickle: descriptor cache entries are
npz/json, models are safetensors + JSON), keyed by content, parameters and version, so a
second ``build_map("li-o")`` only loads files.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._util import cache_dir, item_fingerprint
from ._version import __version__
from .model.grid import (  # noqa: F401 - public here too (mm.pipeline.prediction_grid)
    SUPPORT_BANDWIDTH,
    SUPPORT_LEVEL,
    grid_axes,
    prediction_grid,
    support_grid,
)
from .model.weights import training_weights

# Pretrained default models, shipped so that the first map of an embedded dataset needs no
# training; named by the same key as the cache, so any other data or parameters still train.
SHIPPED_MODELS = Path(__file__).resolve().parent / "datasets" / "data" / "models"


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
    grid_mean, grid_std : (ny, nx) float arrays on the same cells, the mean and predictive
        standard deviation of an ensemble of target heads that share the map's codes
        (:class:`~materials_map.model.ensemble.HeadEnsemble`; ``None`` without a target)
    grid_cycle : (ny, nx) decode -> re-encode distance of each cell's coordinate, in units of
        the codes' spread (:mod:`materials_map.model.plausibility`)
    grid_recon : (ny, nx) reconstruction error of the materials near each cell (NaN: none near)
    ensemble : the fitted HeadEnsemble behind ``grid_mean`` / ``grid_std`` (or ``None``)
    superionic : per-point DataFrame ``p_superionic``, ``p_superionic_std``,
        ``distance_to_training``, ``nearest_training_id`` (or ``None``; see
        :class:`~materials_map.SuperionicClassifier`)
    support : (ny, nx) float array in [0, 1] on the grid's cells, how much data backs the
        background there (:func:`support_grid`); a renderer multiplies the background's
        opacity by it, so the prediction fades where the map has no materials
    """

    dataset: Any
    descriptors: Any
    model: Any
    coords: np.ndarray
    grid: np.ndarray
    extent: list[float]
    target: str
    info: dict[str, Any] = field(default_factory=dict)
    support: np.ndarray | None = None
    grid_mean: np.ndarray | None = None
    grid_std: np.ndarray | None = None
    grid_cycle: np.ndarray | None = None
    grid_recon: np.ndarray | None = None
    ensemble: Any = None
    superionic: pd.DataFrame | None = None

    def __repr__(self) -> str:
        layers = [
            name
            for name, value in (
                ("background", self.grid),
                ("uncertainty", self.grid_std),
                ("plausibility", self.grid_cycle),
                ("superionic", self.superionic),
            )
            if value is not None
        ]
        return (
            f"MapResult({len(self.coords)} materials, target={self.target!r}, "
            f"model: {self.info.get('model', 'given')}, layers: {', '.join(layers) or 'none'})"
        )

    @property
    def table(self) -> pd.DataFrame:
        """Per-point table (Table 1 of the paper): the dataset's id, formula, family, target and
        Li / O fractions (then ``source``, ``log10_sigma``, ``relaxed`` and
        ``e_above_polymorph`` when the dataset has them: a colour of the map's menu each), then
        ``x_comp`` and ``x_struct``; row position = map point index."""
        df = self.dataset.df
        cols = [
            c
            for c in ("id", "formula", "structure_type", self.target, "li_fraction", "o_fraction")
            if c in df
        ]
        # real and generated materials on one map: the category, the measurement, the
        # relaxation and the polymorph energy (eV/atom above the formula's lowest relaxed one)
        extra = ("source", "log10_sigma", "relaxed", "e_above_polymorph")
        cols += [c for c in extra if c in df and c not in cols]
        out = df[cols].reset_index(drop=True).copy()
        out["x_comp"] = self.coords[:, 0]
        out["x_struct"] = self.coords[:, 1]
        if self.superionic is not None:  # P(superionic) and its confidence, per point
            for col in ("p_superionic", "p_superionic_std", "distance_to_training"):
                out[col] = self.superionic[col].to_numpy()
        return out


def _weights_digest(model: Any) -> str | None:
    """Content hash of a fitted MapModel's weights (None for other objects)."""
    net = getattr(model, "net_", None)
    if net is None:
        return None
    h = hashlib.sha256(repr(getattr(model, "y_scale_", None)).encode())
    for name, t in sorted(net.state_dict().items()):
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def ensemble_key(
    dataset: Any, target: str, model: Any, ensemble: Any, key: str | None = None
) -> str | None:
    """Cache key of the head ensemble of a map: the model's key (:func:`model_key`, or
    ``key`` when already known), then a hash of the ensemble's parameters and the model's
    weights (None when they cannot be hashed)."""
    digest = _weights_digest(model)
    if digest is None:
        return None
    key = key or model_key(dataset, target, model)
    blob = json.dumps(
        {"params": ensemble.get_params(), "weights": digest}, sort_keys=True, default=str
    )
    return f"{key}-{hashlib.sha256(blob.encode()).hexdigest()[:12]}"


def _head_ensemble(result: MapResult, y: np.ndarray, spec: Any, use_cache: bool) -> tuple[Any, str]:
    """(fitted HeadEnsemble, where it came from): given, shipped, cached or fitted now."""
    from .model.ensemble import HeadEnsemble

    if isinstance(spec, HeadEnsemble) and hasattr(spec, "weights_"):
        return spec, "given"
    model = result.model
    est = (
        spec
        if isinstance(spec, HeadEnsemble)
        else HeadEnsemble(random_state=getattr(model, "random_state_", 0))
    )
    known = result.info.get("model_key")
    key = ensemble_key(result.dataset, result.target, model, est, known) if use_cache else None
    if key is not None:
        # folders made lazily: a shipped hit must not create the cache folder
        for where, folder in (
            ("shipped", lambda: SHIPPED_MODELS),
            ("loaded from cache", lambda: cache_dir("models")),
        ):
            path = folder() / f"{key}.mensemble"
            if path.is_file():
                try:
                    return HeadEnsemble.load(path), where
                except ValueError:  # damaged file: try the next place, else fit (and cache)
                    pass
    train = np.asarray(getattr(model, "train_index_", np.arange(len(y))), dtype=int)
    est.fit(result.coords[train], y[train])
    if key is not None:
        est.save(cache_dir("models") / f"{key}.mensemble")
    return est, "trained"


def map_layers(
    result: MapResult,
    uncertainty: bool | Any = True,
    classifier: Any = "default",
    use_cache: bool = True,
) -> MapResult:
    """Add the uncertainty, plausibility and superionic layers to ``result`` (in place).

    ``uncertainty``: ``True`` fits (or loads the shipped / cached) head ensemble on the codes
    of the model's training rows, an unfitted :class:`HeadEnsemble` is fitted instead, a
    fitted one is used as it is, ``False`` skips; the calibration on the rows the model held
    out goes to ``result.info["calibration"]``. ``classifier``: ``"default"`` (the shipped
    :class:`SuperionicClassifier`, when it fits these descriptors), a fitted classifier, or
    ``None``. Returns ``result``.
    """
    from .model.plausibility import plausibility_layers

    if result.grid is not None and result.extent is not None:
        xs, ys = grid_axes(result.extent, result.grid.shape)
        layers = plausibility_layers(result.model, result.descriptors, xs, ys)
        result.grid_cycle = layers["cycle"].astype(np.float32)
        result.grid_recon = layers["reconstruction"].astype(np.float32)
        df = result.dataset.df
        y = (
            pd.to_numeric(df[result.target], errors="coerce").to_numpy(dtype=float)
            if result.target in df
            else np.full(len(df), np.nan)
        )
        # the ensemble learns from the model's training rows: it needs 3 labelled among them
        train = np.asarray(getattr(result.model, "train_index_", np.arange(len(y))), dtype=int)
        if (
            uncertainty is not False
            and uncertainty is not None
            and np.isfinite(y[train]).sum() >= 3
        ):
            ens, source = _head_ensemble(result, y, uncertainty, use_cache)
            gx, gy = np.meshgrid(xs, ys)
            mean, std = ens.predict(np.column_stack([gx.ravel(), gy.ravel()]), return_std=True)
            result.grid_mean = mean.reshape(result.grid.shape).astype(np.float32)
            result.grid_std = std.reshape(result.grid.shape).astype(np.float32)
            result.ensemble = ens
            result.info["ensemble"] = source
            test = np.asarray(getattr(result.model, "test_index_", []), dtype=int)
            if test.size and np.isfinite(y[test]).any():
                result.info["calibration"] = ens.calibration(result.coords[test], y[test])
    if classifier is not None:
        from .model.screening import superionic_columns

        result.superionic = superionic_columns(result.descriptors, classifier, result.info)
    return result


def _model_key(dataset_id: str, target: str, params: dict[str, Any]) -> str:
    blob = json.dumps(
        {"v": __version__, "data": dataset_id, "target": target, "params": params},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def model_key(dataset: Any, target: str, estimator: Any, *, data_key: str | None = None) -> str:
    """Cache key of a model: the dataset rows, the target, the parameters, the rows' training
    weights (:func:`training_weights`) and the version (``data_key``: the rows'
    :func:`dataset_fingerprint` when already computed)."""
    # progress only changes what is printed, not the model
    params = {k: v for k, v in estimator.get_params().items() if k != "progress"}
    # settings added after models were shipped, at the value that trains as before
    if not params.get("neighbour_weight", 1):
        params = {k: v for k, v in params.items() if k not in ("neighbour_weight", "perplexity")}
    if params.get("encoder_input") == "scaled":
        del params["encoder_input"]
    weights = training_weights(dataset)
    if weights is not None:
        params["sample_weight"] = hashlib.sha256(weights.tobytes()).hexdigest()[:16]
    return _model_key(data_key or dataset_fingerprint(dataset), target, params)


def dataset_fingerprint(ds: Any, fingerprints: Any = None) -> str:
    """Content key of a dataset's rows: ids, the fingerprint of each row's structure (or
    formula) and the metadata, hashed in row order (``fingerprints``: the rows' item
    fingerprints where already computed, ``None`` entries are computed)."""
    h = hashlib.sha256()
    df = ds.df
    items = df["structure"] if "structure" in df else [None] * len(df)
    formulas = df["formula"] if "formula" in df else [None] * len(df)
    known = fingerprints if fingerprints is not None else [None] * len(df)
    for i, s, f, fp in zip(df["id"].astype(str), items, formulas, known, strict=True):
        h.update(i.encode())
        h.update((fp or item_fingerprint(s if s is not None else f)).encode())
    h.update(json.dumps(getattr(ds, "metadata", {}) or {}, sort_keys=True, default=str).encode())
    return h.hexdigest()[:20]


def align(dataset: Any, descriptors: Any) -> Any:
    """The dataset rows in the order of ``descriptors.ids`` (featurization drops failures).

    Raises ``ValueError`` naming descriptor ids that the dataset does not have.
    """
    ids = pd.Index(dataset.df["id"].astype(str))
    want = pd.Index(np.asarray(descriptors.ids).astype(str))
    pos = ids.get_indexer(want)
    if (pos < 0).any():
        missing = list(want[pos < 0][:5])
        raise ValueError(
            f"{int((pos < 0).sum())} descriptor row(s) have ids not in the dataset, e.g. {missing}"
        )
    if len(pos) == len(ids) and (pos == np.arange(len(ids))).all():
        return dataset
    return dataset.subset(pos)


def as_dataset(dataset: Any) -> Any:
    """A MapDataset: MapDatasets pass through, DataFrames are wrapped (ids added if missing)."""
    from .datasets import MapDataset

    if isinstance(dataset, pd.DataFrame):
        return MapDataset(dataset)
    if isinstance(getattr(dataset, "df", None), pd.DataFrame):
        return dataset
    raise TypeError(f"expected a MapDataset or a pandas DataFrame, got {type(dataset).__name__}")


def map_result(
    dataset: Any,
    descriptors: Any,
    model: Any,
    target: str | None = None,
    grid_size: int = 128,
    info: dict[str, Any] | None = None,
    *,
    uncertainty: bool | Any = True,
    classifier: Any = "default",
    use_cache: bool = True,
) -> MapResult:
    """A :class:`MapResult` from already computed parts: the dataset rows aligned with the
    descriptors, their coordinates and (when the model has a target head) the prediction grid,
    with the layers of :func:`map_layers` (``uncertainty``, ``classifier``, ``use_cache`` go
    there)."""
    ds = align(as_dataset(dataset), descriptors)
    target = target or getattr(ds, "target", None) or "migration_energy"
    coords = model.transform(descriptors)
    support = None
    if getattr(model, "has_target_", True):
        grid, extent = prediction_grid(model, coords, n=grid_size)
        support = support_grid(coords, extent, grid.shape)
    else:  # a pure autoencoder has no prediction head worth drawing
        grid, extent = None, None
    result = MapResult(
        ds,
        descriptors,
        model,
        coords,
        grid,
        extent,
        target,
        dict(info or {"model": "given"}),
        support,
    )
    return map_layers(result, uncertainty, classifier, use_cache)


def build_map(
    dataset: Any = "li-o",
    *,
    target: str | None = None,
    model: Any = None,
    w: float = 1.0,
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
    from .features.batch import featurize
    from .model.estimator import MapModel

    ds = datasets.load(dataset) if isinstance(dataset, str) else dataset
    target = target or getattr(ds, "target", None) or "migration_energy"
    if target not in ds.df:
        raise KeyError(
            f"target column {target!r} not in the dataset (columns: {list(ds.df.columns)})"
        )
    cache = cache_dir() if use_cache else None
    # each structure's fingerprint once, for the descriptor cache and the model key alike
    structures = list(ds.df["structure"]) if "structure" in ds.df else [None] * len(ds.df)
    fps = [None if s is None else item_fingerprint(s) for s in structures] if use_cache else None
    X = featurize(
        ds,
        n_jobs=n_jobs,
        cache=None if cache is None else cache / "descriptors",
        progress=progress,
        fingerprints=fps,
    )
    if len(X) < 2:  # a map needs two points; say which materials were lost and why
        f = X.failures
        lost = "; ".join(f"{i}: {r}" for i, r in zip(f["id"], f["reason"], strict=True))
        raise ValueError(
            f"build_map needs at least 2 materials with descriptors; {len(X)} of {len(ds)} "
            f"could be featurized" + (f" ({lost[:500]})" if lost else "")
        )
    ds_rows = align(ds, X)
    y = pd.to_numeric(ds_rows.df[target], errors="coerce").to_numpy(dtype=float)

    # "auto": a non-negative target (a barrier) is learnt through a softplus, so the
    # background never predicts a negative barrier (docs/datasets.md, "The default map")
    est = (
        model
        if model is not None
        else MapModel(w=w, random_state=random_state, target_transform="auto", progress=progress)
    )
    row_fps = None
    if fps is not None:
        pos = pd.Index(ds.df["id"].astype(str)).get_indexer(ds_rows.df["id"].astype(str))
        row_fps = [fps[p] for p in pos]
    key = model_key(ds_rows, target, est, data_key=dataset_fingerprint(ds_rows, row_fps))
    shipped = SHIPPED_MODELS / f"{key}.mmodel"
    path = None if cache is None else cache / "models" / f"{key}.mmodel"
    if use_cache and shipped.is_file():
        est = MapModel.load(shipped)
        info = {"model": "pretrained, shipped with materials-map", "model_path": str(shipped)}
    elif path is not None and path.exists():
        est = MapModel.load(path)
        info = {"model": "loaded from cache", "model_path": str(path)}
    else:
        est.fit(X, y, sample_weight=training_weights(ds_rows))
        info = {"model": "trained"}
        if path is not None:
            est.save(path)
            info["model_path"] = str(path)
    info["model_key"] = key  # the head ensemble is cached under the same key
    return map_result(ds_rows, X, est, target, grid_size=grid_size, info=info, use_cache=use_cache)
