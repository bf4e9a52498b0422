"""Regenerate every artefact shipped with an embedded dataset (maintainers, after a rebuild).

    python -m dev_scripts.pretrain li-o [--jobs 2] [--quiet] [--resume]

One command, run after ``python -m dev_scripts.generate li-o`` (or any change to the
featurizers, the model or the package version), writes under ``materials_map/datasets/data/``:

* ``descriptors/<name>.<featurize cache key>.npz`` — the descriptors of every row, float32,
  keyed like the featurize cache (``features/shipped.py``): the first map on a new machine
  needs no featurization;
* ``models/<model key>.mmodel`` — the default model (``build_map(name)`` defaults), and
  ``models/<ensemble key>.mensemble``, the head ensemble of its uncertainty layer when
  ``build_map`` fits one;
* ``sweeps/<model key>.npz`` — the W-sweep table row and map coordinates for each W of the
  paper (``sweep.py``): notebook 02 needs no training;
* ``shipped.json`` — the manifest: which files belong to which dataset, with their keys.

Files that the previous manifest listed for the dataset and that are not rewritten are
deleted. Everything is computed from scratch: the descriptors once into a fresh temporary
cache (packed into the shipped file), once more inside ``build_map(name, use_cache=False)``,
which trains the default model exactly as a user without the shipped files would (float64
descriptors); then the three other models of the sweep. About 15 minutes on 2 idle cores for
``li-o``. At the end the runtime paths (``build_map``, ``w_sweep``) run against an empty cache
and must find every artefact, or the command fails.

The shipped superionic classifier is fitted on OBELiX descriptors, some of which come from the
shipped ``li-o`` descriptor file: refit it afterwards with
``materials_map.model.screening.train_default(<OBELiX folder>)`` (its test checks it bit for bit).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from materials_map._util import write_text_atomic
from materials_map._version import __version__
from materials_map.datasets.registry import load
from materials_map.features.batch import featurize
from materials_map.features.shipped import SHIPPED_DESCRIPTORS, write_shipped
from materials_map.model.weights import training_weights
from materials_map.pipeline import (
    SHIPPED_MODELS,
    align,
    build_map,
    dataset_fingerprint,
    ensemble_key,
    map_result,
    model_key,
)
from materials_map.sweep import (
    SHIPPED_SWEEPS,
    SWEEP_WS,
    load_summary,
    save_summary,
    summarize,
    w_sweep,
)

DATA = SHIPPED_MODELS.parent
MANIFEST = DATA / "shipped.json"


def _log(progress: bool, *msg: Any) -> None:
    if progress:
        print("[pretrain]", *msg, flush=True)


def _pack_descriptors(name: str, cache_root: Path) -> tuple[Path, str, int]:
    """The fresh cache folder of one featurize run -> one shipped file (same keys)."""
    (folder,) = [d for d in cache_root.iterdir() if d.is_dir()]
    fps, rows = [], []
    for f in sorted(folder.glob("*.npz")):
        with np.load(f, allow_pickle=False) as z:
            rows.append((z["comp"], z["struct"], str(z["reason"])))
        fps.append(f.stem)
    key = folder.name
    return write_shipped(SHIPPED_DESCRIPTORS / f"{name}.{key}.npz", fps, rows), key, len(fps)


def pretrain(
    name: str = "li-o",
    n_jobs: int = 2,
    ws: Sequence[float] = SWEEP_WS,
    progress: bool = True,
    resume: bool = False,
) -> dict[str, Any]:
    """Regenerate the shipped descriptors, default model and W-sweep tables of the embedded
    dataset ``name``; returns its new manifest entry (also written to ``shipped.json``).

    ``resume``: keep the shipped default model (and its head ensemble) and the sweep tables
    whose keys are still current (an interrupted run, or a sweep that failed) and train only
    the rest; the descriptors are always recomputed.
    """
    ds = load(name)
    with tempfile.TemporaryDirectory(prefix="mm-pretrain-") as tmp:
        _log(progress, f"featurizing {len(ds.df)} materials of {name!r} from scratch")
        featurize(ds, n_jobs=n_jobs, cache=tmp, progress=progress, shipped=False)
        desc_path, desc_key, n_rows = _pack_descriptors(name, Path(tmp))
    _log(
        progress, f"wrote {desc_path.name} ({n_rows} rows, {desc_path.stat().st_size / 1e6:.1f} MB)"
    )
    # the default model exactly as build_map makes it, trained on descriptors computed afresh
    # (no cache, nothing shipped): float64, as a user without the package's files gets them
    runtime = _shipped_default(name) if resume else None
    if runtime is not None:
        _log(progress, "resume: the shipped default model is current; featurizing again (float64)")
        X = featurize(ds, n_jobs=n_jobs, progress=progress)  # no cache: computed, float64
        default, target = runtime.model, runtime.target
        rows = align(ds, X)
        ens = runtime.ensemble if runtime.info.get("ensemble") == "shipped" else None
        if ens is None and getattr(runtime, "ensemble", None) is not None:
            ens = map_result(rows, X, default, target, use_cache=False).ensemble
    else:
        _log(progress, "featurizing again without any cache and training the default model")
        result = build_map(name, n_jobs=n_jobs, use_cache=False, progress=progress)
        X, rows, target, default = result.descriptors, result.dataset, result.target, result.model
        ens = getattr(result, "ensemble", None)
    y = pd.to_numeric(rows.df[target], errors="coerce").to_numpy(dtype=float)
    key = model_key(rows, target, default)
    model_path = default.save(SHIPPED_MODELS / f"{key}.mmodel")
    _log(progress, f"wrote {model_path.name} (W = {default.w:g}, {default.n_epochs_} epochs)")
    # the head ensemble of the map's uncertainty layer, fitted by build_map on these codes: keyed
    # by the model's key and weights (pipeline.ensemble_key), so it is shipped beside the model
    ensemble = None
    if ens is not None:
        ens_key = ensemble_key(rows, target, default, ens, key)
        ens_path = ens.save(SHIPPED_MODELS / f"{ens_key}.mensemble")
        ensemble = {"file": _rel(ens_path), "key": ens_key}
        _log(progress, f"wrote {ens_path.name} (head ensemble of the uncertainty layer)")

    # the other W models of the sweep are independent: trained in parallel (n_jobs processes);
    # with resume, a W whose shipped table is current is kept
    def table(w: float) -> Path:
        return SHIPPED_SWEEPS / f"{model_key(rows, target, _clone(default, w))}.npz"

    others = [float(w) for w in ws if float(w) != float(default.w)]
    todo = [w for w in others if not (resume and table(w).is_file())]
    if todo:
        _log(progress, f"training the W = {', '.join(f'{w:g}' for w in todo)} models of the sweep")
    weight = training_weights(rows)
    fitted = dict(zip(todo, _fit_clones(default, todo, X, y, n_jobs, weight), strict=True))
    sweep = []
    for w in ws:
        w = float(w)
        if w in others and w not in fitted:  # resumed: the shipped table stays
            record, _, _ = load_summary(table(w))
            k, path = table(w).stem, table(w)
        else:
            model = fitted.get(w, default)
            k = model_key(rows, target, model)
            record, coords = summarize(model, X, y)
            path = save_summary(SHIPPED_SWEEPS / f"{k}.npz", record, coords, X.ids)
            _log(progress, f"wrote {path.name} (W = {w:g}, {record['epochs']} epochs)")
        sweep.append({"w": w, "key": k, "file": _rel(path), "epochs": record["epochs"]})

    # the runtime path on an empty cache reads the shipped float32 rows: how far do they move
    # the map coordinates from the float64 ones the model was trained on?
    with tempfile.TemporaryDirectory(prefix="mm-pretrain-check-") as tmp:
        X32 = featurize(ds, cache=tmp, progress=False)
        computed = len(list(Path(tmp).rglob("*.npz")))
    if computed:
        raise RuntimeError(f"{computed} item(s) of {name!r} are missing from {desc_path.name}")
    c64 = default.transform(X)
    c32 = default.transform(X32)
    span = float(np.ptp(c64, axis=0).max())
    shift = float(np.abs(c32 - c64).max()) / span

    entry = {
        "dataset": name,
        "dataset_fingerprint": dataset_fingerprint(rows),
        "target": target,
        "materials_map": __version__,
        "descriptors": {"file": _rel(desc_path), "featurize_key": desc_key, "rows": n_rows},
        "model": {"file": _rel(model_path), "key": key, "params": _params(default)},
        "ensemble": ensemble,
        "sweep": sweep,
        "float32_coordinate_shift": shift,
    }
    _write_manifest(name, entry)
    _log(progress, f"float32 descriptors move the map coordinates by {shift:.2e} of its span")
    _check_runtime(name, [s["w"] for s in sweep], progress)
    return entry


def _clone(model: Any, w: float) -> Any:
    """An unfitted clone of ``model`` with ``w`` set (same seed, hence the same split)."""
    from sklearn.base import clone

    return clone(model).set_params(w=float(w), progress=False)


def _fit_clone(model: Any, w: float, X: Any, y: np.ndarray, weight: Any = None) -> Any:
    return _clone(model, w).fit(X, y, sample_weight=weight)


def _fit_clones(
    model: Any, ws: list[float], X: Any, y: np.ndarray, n_jobs: int, weight: Any = None
) -> list[Any]:
    """``_fit_clone`` for each W, in up to ``n_jobs`` fresh processes of our own (spawned)."""
    if n_jobs <= 1 or len(ws) <= 1:
        return [_fit_clone(model, w, X, y, weight) for w in ws]
    ctx = multiprocessing.get_context("spawn")
    n = len(ws)
    with ProcessPoolExecutor(max_workers=min(n_jobs, n), mp_context=ctx) as pool:
        return list(pool.map(_fit_clone, [model] * n, ws, [X] * n, [y] * n, [weight] * n))


def _shipped_default(name: str) -> Any:
    """``build_map(name)`` on an empty cache when it loads the shipped default model (its key
    is current), else None."""
    old = os.environ.get("MATERIALS_MAP_CACHE")
    with tempfile.TemporaryDirectory(prefix="mm-pretrain-resume-") as tmp:
        os.environ["MATERIALS_MAP_CACHE"] = tmp
        try:
            result = build_map(name, progress=False)
        finally:
            if old is None:
                os.environ.pop("MATERIALS_MAP_CACHE", None)
            else:
                os.environ["MATERIALS_MAP_CACHE"] = old
    return result if "shipped" in result.info.get("model", "") else None


def _params(model: Any) -> dict[str, Any]:
    return json.loads(
        json.dumps({k: v for k, v in model.get_params().items() if k != "progress"}, default=str)
    )


def _rel(path: Path) -> str:
    return path.resolve().relative_to(DATA).as_posix()


def _write_manifest(name: str, entry: dict[str, Any]) -> None:
    """Record ``entry`` for ``name`` and delete the files its previous entry listed that the
    new one does not (a rebuilt dataset has new keys, so new file names)."""
    manifest = json.loads(MANIFEST.read_text()) if MANIFEST.is_file() else {}
    old = manifest.get(name)
    keep = set(_files(entry))
    for rel in _files(old) if old else []:
        if rel not in keep:
            (DATA / rel).unlink(missing_ok=True)
    manifest[name] = entry
    write_text_atomic(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def _files(entry: dict[str, Any]) -> list[str]:
    return [
        entry["descriptors"]["file"],
        entry["model"]["file"],
        *([entry["ensemble"]["file"]] if entry.get("ensemble") else []),
        *(s["file"] for s in entry["sweep"]),
    ]


def _check_runtime(name: str, ws: Sequence[float], progress: bool) -> None:
    """The user's path on a fresh cache must find every shipped artefact."""
    old = os.environ.get("MATERIALS_MAP_CACHE")
    with tempfile.TemporaryDirectory(prefix="mm-pretrain-check-") as tmp:
        os.environ["MATERIALS_MAP_CACHE"] = tmp
        try:
            result = build_map(name, progress=False)
            sweep = w_sweep(result, ws, progress=False)
            computed = list(Path(tmp).rglob("descriptors/*/*.npz"))
        finally:
            if old is None:
                os.environ.pop("MATERIALS_MAP_CACHE", None)
            else:
                os.environ["MATERIALS_MAP_CACHE"] = old
    problems = []
    if computed:
        problems.append(f"{len(computed)} item(s) were featurized instead of read from the package")
    if "shipped" not in result.info["model"]:
        problems.append(f"build_map did not load the shipped model ({result.info['model']})")
    if result.info.get("ensemble", "shipped") != "shipped":
        problems.append(
            f"build_map did not load the shipped head ensemble ({result.info['ensemble']})"
        )
    bad = sweep.table[sweep.table["source"] != "shipped table"]
    if len(bad):
        problems.append(f"W sweep rows not from shipped tables: {bad['source'].to_dict()}")
    if problems:
        raise RuntimeError("shipped artefacts not found by the runtime: " + "; ".join(problems))
    _log(progress, "check: build_map and w_sweep on an empty cache use only shipped artefacts")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m dev_scripts.pretrain NAME``."""
    ap = argparse.ArgumentParser(
        prog="python -m dev_scripts.pretrain", description=__doc__.splitlines()[0]
    )
    ap.add_argument("name", nargs="?", default="li-o", help="embedded dataset (default li-o)")
    ap.add_argument(
        "--jobs",
        type=int,
        default=2,
        help="worker processes: featurize, sweep trainings (default 2)",
    )
    ap.add_argument("--quiet", action="store_true", help="no progress output")
    ap.add_argument(
        "--resume",
        action="store_true",
        help="keep the shipped default model and sweep tables whose keys are current",
    )
    args = ap.parse_args(argv)
    entry = pretrain(args.name, n_jobs=args.jobs, progress=not args.quiet, resume=args.resume)
    print(json.dumps(entry, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
