"""The W sweep of a map (paper Figs. 2 and 6): from shipped tables, or trained on request.

Training the four models of the paper's sweep (W = 0, 0.01, 0.1, 1) takes ~10 minutes on 2
cores. What the figures need from each model is small: its row of the held-out loss table
(:func:`~materials_map.model.studies.held_out_scores`) and the map coordinates of every
material. For the embedded datasets the package ships exactly that, one ``.npz`` per model,
named by the same :func:`~materials_map.pipeline.model_key` as the shipped and cached models
(dataset rows, target, parameters, version). :func:`w_sweep` uses such a table only when the
key matches; otherwise it loads the model (shipped or cached) or trains it, and with
``retrain=True`` it always trains. The tables are written by
``python -m dev_scripts.pretrain`` (docs/datasets.md).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._util import cache_dir, write_bytes_atomic
from .model.weights import training_weights
from .pipeline import SHIPPED_MODELS, dataset_fingerprint, model_key

#: shipped W-sweep tables, ``<model key>.npz``
SHIPPED_SWEEPS = Path(__file__).resolve().parent / "datasets" / "data" / "sweeps"
#: the W values of the paper's Fig. 2
PAPER_WS = (0.0, 0.01, 0.1, 1.0)
#: the shipped sweep of the default model: W = 0 to where, on our loss scale (reconstruction
#: errors summed over columns, ~100x the ME error), reconstruction pays for ME (docs/model.md)
SWEEP_WS = (0.0, 0.1, 1.0, 10.0, 100.0)


@dataclass
class WSweep:
    """The W sweep of one map.

    Attributes
    ----------
    table : one row per W (index ``w``): held-out ``loss_comp``, ``loss_struct``, ``loss_me``
        (scaled units, Eqs. 1-3), ``r2_comp``, ``r2_struct``, ``r2_me``, ``mae_me``, ``epochs``,
        and ``source`` (``shipped table``, ``cached table``, ``shipped model``,
        ``cached model``, ``the map's model`` or ``trained``)
    coords : ``{w: (n, 2) array}``, the map coordinates of the map's materials under each W
    models : the models loaded or trained by this call (none when every row came from a table)
    """

    table: pd.DataFrame
    coords: dict[float, np.ndarray]
    models: dict[float, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        sources = ", ".join(sorted(set(self.table["source"]))) if "source" in self.table else ""
        return f"WSweep(W = {', '.join(f'{w:g}' for w in self.table.index)}; from {sources})"

    def _repr_html_(self) -> str:
        return self.table._repr_html_()


def summarize(model: Any, X: Any, y: Any) -> tuple[dict[str, Any], np.ndarray]:
    """(row of the sweep table, map coordinates of every row of ``X``) of a fitted model."""
    from .model.studies import held_out_scores

    return held_out_scores(model, X, y), np.asarray(model.transform(X), dtype=np.float32)


def save_summary(
    path: str | Path, record: dict[str, Any], coords: np.ndarray, ids: Sequence[Any]
) -> Path:
    """Write a sweep table row and its coordinates (float32) as one ``.npz`` (no pickle)."""
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        record=np.array(json.dumps(record)),
        coords=np.asarray(coords, dtype=np.float32),
        ids=np.asarray(ids).astype(str),
    )
    return write_bytes_atomic(Path(path), buf.getvalue())


def load_summary(path: str | Path) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """(record, coords, ids) of a file written by :func:`save_summary`."""
    with np.load(path, allow_pickle=False) as z:
        return json.loads(str(z["record"])), z["coords"], z["ids"]


def w_sweep(
    result: Any,
    ws: Sequence[float] = SWEEP_WS,
    *,
    retrain: bool = False,
    use_cache: bool = True,
    progress: bool = True,
    **params: Any,
) -> WSweep:
    """The W sweep of a :class:`~materials_map.pipeline.MapResult` (paper Fig. 2 table, and
    the coordinates for Fig. 6).

    Each W is a clone of ``result.model`` with ``w`` (and ``params``) set, so it has the same
    seed and split. Its row comes from the first of: a shipped table, a cached table, the
    map's own model (same key), a shipped or cached model, training. ``retrain=True`` trains
    every W (about 2-3 minutes per model for the 847 ``li-o`` materials on 2 cores);
    ``use_cache`` reads and writes the user's cache (models and tables).
    """
    from sklearn.base import clone

    from .model.estimator import MapModel

    X, ds, target = result.descriptors, result.dataset, result.target
    y = pd.to_numeric(ds.df[target], errors="coerce").to_numpy(dtype=float)
    ids = np.asarray(X.ids).astype(str)
    cache = cache_dir() if use_cache else None
    data_key = dataset_fingerprint(ds)  # once: it fingerprints every structure
    map_key = model_key(ds, target, result.model, data_key=data_key)
    weights = training_weights(ds)  # the rows' weights, as build_map trains with them
    records, coords, models = [], {}, {}
    for w in ws:
        w = float(w)
        est = clone(result.model).set_params(w=w, progress=progress, **params)
        key = model_key(ds, target, est, data_key=data_key)
        found = None if retrain else _table(key, ids, cache)
        if found is None:
            model, source = None, "trained"
            if not retrain:
                model, source = _model(key, map_key, result.model, cache, MapModel)
            if model is None:
                model = est.fit(X, y, sample_weight=weights)
                if cache is not None:
                    model.save(cache / "models" / f"{key}.mmodel")
            record, xy = summarize(model, X, y)
            if cache is not None:
                save_summary(cache / "sweeps" / f"{key}.npz", record, xy, ids)
            models[w] = model
            found = (record, xy, source)
        record, xy, source = found
        records.append({**record, "w": w, "source": source})
        coords[w] = np.asarray(xy, dtype=float)
    return WSweep(pd.DataFrame(records).set_index("w"), coords, models)


def _places(shipped: Path, cache: Path | None, sub: str, what: str) -> list[tuple[Path, str]]:
    """Folders where a stored ``what`` is looked for, in order: shipped, then the cache."""
    places = [(shipped, f"shipped {what}")]
    if cache is not None:
        places.append((cache / sub, f"cached {what}"))
    return places


def _table(key: str, ids: np.ndarray, cache: Path | None) -> tuple | None:
    for folder, source in _places(SHIPPED_SWEEPS, cache, "sweeps", "table"):
        path = folder / f"{key}.npz"
        if path.is_file():
            record, xy, stored_ids = load_summary(path)
            if len(stored_ids) == len(ids) and (stored_ids == ids).all():
                return record, xy, source
    return None


def _model(key: str, map_key: str, map_model: Any, cache: Path | None, cls: Any) -> tuple:
    # only a fitted map model stands for its W (a clone with another seed is not fitted yet)
    if key == map_key and getattr(map_model, "train_index_", None) is not None:
        return map_model, "the map's model"
    for folder, source in _places(SHIPPED_MODELS, cache, "models", "model"):
        path = folder / f"{key}.mmodel"
        if path.is_file():
            return cls.load(path), source
    return None, "trained"
