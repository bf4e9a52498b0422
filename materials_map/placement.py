"""Put your own materials on an existing map in one call: ``place(result, items)``.

``items`` (Structures, CIF / POSCAR / extxyz files, folders, zip archives, a MapDataset, a
DataFrame with a ``structure`` column) are each kept or refused with a reason; the kept ones are
featurized and given a structure type (in two forked processes when there are many), encoded
by the map's fitted model — no retraining, so the axes everyone shares stay put — and
described: the predicted target with the head ensemble's spread, P(superionic) with its
confidence and distance to training, and the k nearest known materials of the map. With
``label=True`` the guarded BVSE barriers follow in a background thread.
:func:`placed_result` appends placements to the map's :class:`MapResult`, which the widgets
and the ``.mmap`` / HTML writers draw like any other map (docs/explorer.md, "Your own
materials").
"""

from __future__ import annotations

import dataclasses
import io
import math
import os
import tempfile
import threading
import warnings
import zipfile
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._util import cache_dir, write_text_atomic
from ._util.deadline import TimeLimitExceeded, deadline
from ._util.outcome import report

#: ``source`` of placed rows on the combined map: their own marker group and legend entry
PLACED = "placed"
#: column of the BVSE barrier (``e_3d``, as the default map's target) with ``label=True``
LABEL = "migration_energy"
#: members read from one zip archive at most, and their total size after decompression
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_BYTES = 512 * 2**20
_POSCAR = (".vasp", ".poscar")
_XYZ = (".extxyz", ".xyz")
KINDS = ".cif (.gz/.bz2/.xz), POSCAR / CONTCAR / .vasp / .poscar, .extxyz / .xyz or .zip"


# ---------------------------------------------------------------------- reading the items
def _kind(name: str) -> str | None:
    from .datasets.loaders import CIF_SUFFIXES

    low = name.lower()
    if low.endswith(CIF_SUFFIXES):
        return "cif"
    if low.endswith(_POSCAR) or low.startswith(("poscar", "contcar")):
        return "poscar"
    return "extxyz" if low.endswith(_XYZ) else "zip" if low.endswith(".zip") else None


def _read_file(path: Path) -> list[tuple[str, Any]]:
    """``(id, Structure)`` of each structure in one file; ``ValueError`` with the reason."""
    from .datasets.cif_reading import TIME_LIMIT, read_bytes, read_cif
    from .datasets.loaders import _cif_id

    kind = _kind(path.name)
    if kind == "cif":
        with warnings.catch_warnings():  # pymatgen's notes on odd lines: the reason says it
            warnings.simplefilter("ignore")
            return [(_cif_id(path), e.structure) for e in read_cif(path)]
    if kind not in ("poscar", "extxyz"):
        raise ValueError(f"unknown file type: expected {KINDS}")
    data = read_bytes(path)[0]  # size limit, compression
    if b"\x00" in data:
        raise ValueError("binary content: NUL bytes, not a text file")
    text = data.decode("utf-8", errors="replace")
    try:
        with deadline(TIME_LIMIT, f"reading {path.name}"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kind == "poscar":
                from pymatgen.core import Structure

                return [(path.stem, Structure.from_str(text, fmt="poscar"))]
            from ase.io import read
            from pymatgen.io.ase import AseAtomsAdaptor

            frames = read(io.StringIO(text), format="extxyz", index=":")
    except TimeLimitExceeded as exc:
        raise ValueError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - the parser's own words become the reason
        raise ValueError(f"unreadable {kind}: {type(exc).__name__}: {exc}") from None
    out = []
    for k, atoms in enumerate(frames):
        if not atoms.pbc.all() or abs(atoms.cell.volume) < 1e-9:
            raise ValueError(f"no periodic cell: frame {k} has pbc={atoms.pbc.tolist()}")
        ident = path.stem if len(frames) == 1 else f"{path.stem}/{k}"
        out.append((ident, AseAtomsAdaptor.get_structure(atoms)))
    return out


def _files(item: Any, tmp: Path) -> list[tuple[str, Path | None, str]]:
    """``(item, path, "")`` of each file of a path item (itself, a folder's files, a zip's
    members extracted under ``tmp``), or ``(item, None, refusal reason)``."""
    p = Path(item)
    if p.is_dir():
        kids = sorted(c for c in p.iterdir() if c.is_file() and not c.name.startswith("."))
        return [x for c in kids for x in _files(c, tmp)]
    if not p.is_file() or _kind(p.name) != "zip":
        return [(str(item), p, "") if p.is_file() else (str(item), None, "file not found")]
    out = []
    try:
        with zipfile.ZipFile(p) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir() and not i.filename.startswith("__")]
            if len(infos) > MAX_ZIP_MEMBERS or sum(i.file_size for i in infos) > MAX_ZIP_BYTES:
                raise ValueError(
                    f"archive too large: over {MAX_ZIP_MEMBERS} files or {MAX_ZIP_BYTES >> 20} MiB"
                )
            for info in infos:
                # a folder each: equal names in two folders (or two zips) stay apart
                dest = Path(tempfile.mkdtemp(dir=tmp)) / Path(info.filename).name
                with zf.open(info) as src:  # a member lying about its size stops at the limit
                    dest.write_bytes(src.read(MAX_ZIP_BYTES + 1))
                out.append((f"{p.name}/{info.filename}", dest, ""))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, EOFError) as exc:
        return [(str(item), None, f"unreadable zip: {type(exc).__name__}: {exc}")]
    except ValueError as exc:
        return [(str(item), None, str(exc))]
    return out


def read_items(items: Any) -> tuple[pd.DataFrame, list[dict]]:
    """The structures of ``items``, each checked: a frame (``id``, ``item``, ``structure`` and
    any label columns of a given dataset) and the refused ones, ``{"id", "item", "error"}``
    like ``MapDataset.failures``. Ids are file names (without their suffix), a dataset's ids
    or a Structure's reduced formula, made unique with ``~2``, ``~3``, ..."""
    from pymatgen.core import Structure

    from .datasets import from_dataframe
    from .prototypes.classify import classify_problem

    if isinstance(items, pd.DataFrame):
        items = from_dataframe(items, source=PLACED)
    rows, failures = [], []
    df = getattr(items, "df", None)
    if isinstance(df, pd.DataFrame) and "structure" in df:
        failures += [dict(f) for f in getattr(items, "failures", [])]
        keep = [c for c in df if c not in ("source", "structure_type", "li_fraction", "o_fraction")]
        rows = [{**r, "item": f"row {k}"} for k, r in enumerate(df[keep].to_dict("records"))]
    else:
        seq = [items] if isinstance(items, (Structure, str, os.PathLike)) else list(items)
        with tempfile.TemporaryDirectory(prefix="materials-map-place-") as tmp:
            for k, obj in enumerate(seq):
                if isinstance(obj, Structure):
                    rows.append(
                        {
                            "id": obj.composition.reduced_formula,
                            "item": f"item {k}",
                            "structure": obj,
                        }
                    )
                    continue
                files = (
                    _files(obj, Path(tmp))
                    if isinstance(obj, (str, os.PathLike))
                    else [(f"item {k}", None, f"not a structure or path: a {type(obj).__name__}")]
                )
                for label, path, reason in files:
                    try:
                        if reason:
                            raise ValueError(reason)
                        rows += [
                            {"id": i, "item": label, "structure": s} for i, s in _read_file(path)
                        ]
                    except ValueError as exc:  # CifRefused is one
                        failures.append({"id": Path(label).name, "item": label, "error": str(exc)})
    good = []
    for r in rows:
        s = r.get("structure")
        reason = (  # the classifier's limits (physical cell, size)
            classify_problem(s)
            if isinstance(s, Structure)
            else "no structure: only structures can be placed"
        )
        if reason:
            failures.append({"id": str(r["id"]), "item": r["item"], "error": reason})
        else:
            good.append(r)
    frame = pd.DataFrame(good, columns=None if good else ["id", "item", "structure"])
    frame["id"] = _unique(frame["id"].astype(str))
    return frame, failures


def _unique(ids: Iterable[str], taken: Iterable[str] = ()) -> list[str]:
    """``ids`` with repeats (among themselves or of ``taken``) suffixed ``~2``, ``~3``, ..."""
    seen, out = set(taken), []
    for i in ids:
        new, k = i, 1
        while new in seen:
            k += 1
            new = f"{i}~{k}"
        seen.add(new)
        out.append(new)
    return out


# ---------------------------------------------------------------------- descriptors + types
def _describe_chunk(args: tuple) -> tuple[Any, list, list]:
    """Descriptors and structure types of one chunk (run in a worker or in-process)."""
    from .datasets import MapDataset
    from .features.batch import featurize

    structures, ids, comp_f, struct_f, cache, time_limit = args
    with warnings.catch_warnings():  # the caller reports; a forked worker has no notebook
        warnings.simplefilter("ignore")
        X = featurize(
            structures, ids=ids, cache=cache, progress=False, composition=comp_f, structure=struct_f
        )
        ds = MapDataset(pd.DataFrame({"id": ids, "structure": structures}))
        ds.classify(progress=False, time_limit=time_limit)
    return X, list(ds.df["structure_type"]), ds.metadata["classify_failures"]


def _stack(parts: list[Any]) -> Any:
    """One Descriptors of several with the same columns (rows in order)."""
    from .features.descriptors import Descriptors

    first = parts[0]
    return Descriptors(
        comp=np.vstack([p.comp for p in parts]),
        struct=np.vstack([p.struct for p in parts]),
        columns=first.columns,
        blocks=first.blocks,
        ids=np.concatenate([p.ids for p in parts]),
        failures=pd.concat([p.failures for p in parts], ignore_index=True),
    )


def _describe(
    frame: pd.DataFrame, model: Any, n_jobs: int, progress: bool, use_cache: bool, time_limit: float
) -> tuple[Any, list, list]:
    """Descriptors (default featurizers, checked against the model), structure types and
    classification failures; chunks run in up to ``n_jobs`` forked processes."""
    import multiprocessing

    from tqdm.auto import tqdm

    from .design.encode import MapEncoder
    from .prototypes.classify import warm_up

    enc = MapEncoder(model)  # refuses a model fitted on other descriptors
    warm_up()  # once per process, before forking: workers inherit the reference frameworks
    n = len(frame)
    size = int(np.clip(math.ceil(n / max(4 * n_jobs, 1)), 4, 32))
    fixed = (enc.comp_f, enc.struct_f, cache_dir("descriptors") if use_cache else None)
    s, ids = list(frame["structure"]), list(frame["id"])
    chunks = [(s[a : a + size], ids[a : a + size], *fixed, time_limit) for a in range(0, n, size)]
    workers = min(n_jobs, len(chunks), os.cpu_count() or 1)
    fork = workers > 1 and "fork" in multiprocessing.get_all_start_methods()
    pool = multiprocessing.get_context("fork").Pool(workers) if fork else None  # no re-import
    out = []
    with (
        tqdm(total=n, desc="place", unit="material", disable=not progress) as bar,
        pool or nullcontext(),
    ):
        for res in (pool.imap if pool else map)(_describe_chunk, chunks):
            out.append(res)
            bar.update(len(res[1]))  # leaving the pool terminates its workers
    types = [t for _, ts, _ in out for t in ts]
    return _stack([x for x, _, _ in out]), types, [f for _, _, fs in out for f in fs]


# ---------------------------------------------------------------------- the placement
def neighbours(base: Any, coords: np.ndarray, k: int) -> pd.DataFrame:
    """The ``k`` known materials of ``base`` nearest to each coordinate, long form: ``row``
    (position in ``coords``), ``rank``, ``index`` (base point), ``id``, ``formula``,
    ``distance`` (in units of the map's axis spans: each axis divided by its known range),
    the target and the measured conductivity ``sigma`` (S/cm, NaN where not measured)."""
    known = np.asarray(base.coords, float)
    span = np.ptp(known, axis=0)
    span = np.where(span > 0, span, 1.0)
    d = np.sqrt((((coords[:, None, :] - known[None, :, :]) / span) ** 2).sum(axis=2))
    k = min(int(k), len(known))
    idx = np.argsort(d, axis=1, kind="stable")[:, :k]
    df = base.dataset.df

    def column(name: str) -> np.ndarray:  # NaN where missing
        values = df.get(name, pd.Series(np.nan, df.index))
        return pd.to_numeric(values, errors="coerce").to_numpy(float)

    sigma, target = 10.0 ** column("log10_sigma"), column(base.target)
    flat = idx.ravel()
    return pd.DataFrame(
        {
            "row": np.repeat(np.arange(len(coords)), k),
            "rank": np.tile(np.arange(1, k + 1), len(coords)),
            "index": flat,
            "id": df["id"].to_numpy()[flat],
            "formula": df["formula"].to_numpy()[flat],
            "distance": np.take_along_axis(d, idx, axis=1).ravel(),
            base.target: target[flat],
            "sigma": sigma[flat],
        }
    )


@dataclasses.dataclass(repr=False)
class Placement:
    """What :func:`place` found: one ``table`` row per placed material, the refused items.

    Attributes
    ----------
    table : ``id``, ``formula``, ``structure_type``, ``x_comp``, ``x_struct``,
        ``predicted_<target>`` (the map's background there) and ``predicted_<target>_std``
        (the head ensemble's spread), ``p_superionic``, ``p_superionic_std``,
        ``distance_to_training``, the nearest known material (``nearest_id``,
        ``nearest_formula``, ``nearest_distance``) and all ``k`` as lists (``neighbour_ids``,
        ``neighbour_formulas``, ``neighbour_distances``, ``neighbour_<target>``,
        ``neighbour_sigma``); with ``label=True`` ``migration_energy`` (BVSE ``e_3d``) and
        ``label_reason`` fill in as the labels arrive
    failures : refused items, ``{"id", "item", "error"}`` (as ``MapDataset.failures``)
    neighbours : the k nearest known materials in long form (:func:`neighbours`)
    dataset, descriptors : the placed rows (row i = table row i)
    base : the MapResult placed on
    """

    table: pd.DataFrame
    failures: list[dict]
    neighbours: pd.DataFrame
    dataset: Any
    descriptors: Any
    base: Any
    info: dict = dataclasses.field(default_factory=dict)
    _labels: Any = dataclasses.field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        return f"Placement({len(self)} placed, {len(self.failures)} refused)"

    @property
    def coords(self) -> np.ndarray:
        """(n, 2) map coordinates of the placed materials."""
        return self.table[["x_comp", "x_struct"]].to_numpy(float)

    def on_label(self, callback: Callable[[int, float, str], None]) -> None:
        """Call ``callback(row, value, reason)`` for each BVSE label (``label=True``): at once
        for those already in, from the labelling thread as the others arrive."""
        if self._labels is not None:
            with self._labels.lock:  # each label reaches each callback exactly once
                self._labels.callbacks.append(callback)
                past = list(self._labels.done)
            for args in past:
                callback(*args)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the background labels (``label=True``); True when all have arrived."""
        if self._labels is None:
            return True
        self._labels.thread.join(timeout)
        return not self._labels.thread.is_alive()

    def to_csv(self, path: str | os.PathLike) -> Path:
        """Write the table (list columns joined with ``"; "``) to ``path`` atomically."""
        flat = self.table.copy()
        for c in flat:
            if flat[c].map(lambda v: isinstance(v, list)).any():
                flat[c] = flat[c].map(lambda v: "; ".join(map(str, v)))
        return write_text_atomic(path, flat.to_csv(index=False))


class _Labels:
    """Guarded BVSE barriers of the placed structures, one at a time, in a daemon thread."""

    def __init__(self, placement: Placement, time_limit: float) -> None:
        self.callbacks: list[Callable[[int, float, str], None]] = []
        self.done: list[tuple[int, float, str]] = []
        self.lock = threading.Lock()
        self.placement, self.time_limit = placement, time_limit
        self.thread = threading.Thread(target=self._run, name="materials-map-labels", daemon=True)

    def _run(self) -> None:
        from .labels import migration_energy

        p = self.placement
        for pos, s in enumerate(p.dataset.df["structure"]):
            try:
                row = migration_energy(
                    [s], time_limit=self.time_limit, progress=False, cache=str(cache_dir("labels"))
                ).iloc[0]
                value, reason = float(row["e_3d"]), str(row["reason"])
            except Exception as exc:  # noqa: BLE001 - one label never stops the others
                value, reason = math.nan, f"labelling failed: {type(exc).__name__}: {exc}"
            if math.isinf(value):
                value, reason = math.nan, "no 3D Li percolation path below the energy window"
            with self.lock:
                p.table.loc[pos, [LABEL, "label_reason"]] = [value, reason]
                self.done.append((pos, value, reason))
                callbacks = list(self.callbacks)
            for cb in callbacks:
                cb(pos, value, reason)


def place(
    result: Any,
    items: Any,
    *,
    k: int = 5,
    label: bool = False,
    n_jobs: int = 2,
    progress: bool | None = None,
    use_cache: bool = True,
    time_limit: float = 60.0,
    label_time_limit: float = 300.0,
) -> Placement:
    """Place ``items`` on the map of ``result`` (a :class:`~materials_map.MapResult`).

    Parameters
    ----------
    items : pymatgen Structures, paths of CIF / POSCAR / extxyz files, folders, zip archives
        (alone or in a list), a MapDataset, or a DataFrame with a ``structure`` column.
    k : known materials listed as the nearest ones on the map.
    label : compute BVSE barriers (``labels.migration_energy``: guarded subprocesses) in a
        background thread; the table's ``migration_energy`` fills in as they arrive
        (:meth:`Placement.on_label`, :meth:`Placement.wait`).
    n_jobs : processes that featurize and classify (forked, where the OS can fork).
    progress : a progress bar (default: from 20 items on).
    use_cache : reuse and fill the descriptor cache (``cache_dir("descriptors")``, whose
        shipped layer the default map was built from: a material of the map placed again
        gets exactly its descriptors, hence its point).
    time_limit : seconds allowed to read or classify one structure.

    Nothing is retrained: the model, ensemble and classifier of ``result`` are only applied.
    Every item is placed or listed in ``failures`` with its reason; one summary line (a
    warning when anything was refused) ends the call.
    """
    from .model.screening import superionic_columns

    frame, failures = read_items(items)
    target = result.target
    if progress is None:
        progress = len(frame) >= 20
    X, type_failures, coords = None, [], np.zeros((0, 2))
    if len(frame):
        X, frame["structure_type"], type_failures = _describe(
            frame, result.model, n_jobs, progress, use_cache, time_limit
        )
        bad = dict(zip(X.failures["id"], X.failures["reason"], strict=True))
        failures += [
            {"id": i, "item": it, "error": f"not featurized: {bad[i]}"}
            for i, it in zip(frame["id"], frame["item"], strict=True)
            if i in bad
        ]
        frame = frame[~frame["id"].isin(bad)].reset_index(drop=True)
        coords = result.model.transform(X) if len(X) else coords
        ok = np.isfinite(coords).all(axis=1)
        failures += [
            {"id": i, "item": it, "error": "not encoded: the descriptors gave no finite point"}
            for i, it in zip(frame["id"][~ok], frame["item"][~ok], strict=True)
        ]
        frame, X, coords = frame[ok].reset_index(drop=True), X[np.flatnonzero(ok)], coords[ok]
    from .datasets import MapDataset

    ds = MapDataset(frame.drop(columns=["item"]).assign(source=PLACED), metadata={})
    table = ds.df[["id", "formula", "structure_type"]].copy()
    table["x_comp"], table["x_struct"] = coords[:, 0], coords[:, 1]
    pred = f"predicted_{target}"
    table[pred] = table[pred + "_std"] = np.nan
    if len(coords) and getattr(result.model, "has_target_", False):
        table[pred] = result.model.predict_coords(coords)
    if len(coords) and result.ensemble is not None:
        table[pred + "_std"] = result.ensemble.predict(coords, return_std=True)[1]
    sup = None
    if X is not None and len(X) and result.superionic is not None:
        sup = superionic_columns(X, "default")
    for col in ("p_superionic", "p_superionic_std", "distance_to_training"):
        table[col] = np.nan if sup is None else sup[col].to_numpy(float)
    near = neighbours(result, coords, k)
    first = near[near["rank"] == 1].set_index("row")
    for col in ("id", "formula", "distance"):
        table[f"nearest_{col}"] = first[col].reindex(range(len(table))).to_numpy()
    for col in ("id", "formula", "distance", target, "sigma"):
        lists = near.groupby("row")[col].agg(list)
        name = f"{col}s" if col in ("id", "formula", "distance") else col
        table[f"neighbour_{name}"] = [lists.get(i, []) for i in range(len(table))]
    if label:
        table[LABEL], table["label_reason"] = np.nan, "pending"
    near = near.assign(placed_id=table["id"].to_numpy()[near["row"]] if len(table) else [])
    info = {"classify_failures": type_failures}
    info["summary"] = report(
        "place",
        "items",
        len(table) + len(failures),
        [f["error"] for f in failures],
        "see .failures",
    )
    out = Placement(table, failures, near, ds, X, result, info)
    if label and len(table):
        out._labels = _Labels(out, label_time_limit)
        out._labels.thread.start()
    return out


def placed_result(base: Any, placements: Iterable[Placement]) -> Any:
    """``base`` with the rows of ``placements`` appended (``source = "placed"``; ids that the
    map already has get ``~2``, ...): the same grids, model and layers, the base points
    unchanged. Every row gets ``predicted_<target>`` and its ``_std``; placed rows the
    ``nearest`` known material."""
    parts = [p for p in placements if len(p)]
    target = base.target
    pred = f"predicted_{target}"
    known = base.dataset.df.copy()
    known[pred] = known[pred + "_std"] = np.nan
    if getattr(base.model, "has_target_", False):
        known[pred] = base.model.predict_coords(base.coords)
    if base.ensemble is not None:
        known[pred + "_std"] = base.ensemble.predict(base.coords, return_std=True)[1]
    rows = []
    for p in parts:
        df = p.dataset.df.copy()
        t = p.table
        df[pred], df[pred + "_std"] = t[pred].to_numpy(), t[pred + "_std"].to_numpy()
        df["nearest"] = [
            f"{i} ({f}, {d:.3g})"
            for i, f, d in zip(
                t["nearest_id"], t["nearest_formula"], t["nearest_distance"], strict=True
            )
        ]
        df["structure_type"] = t["structure_type"].to_numpy()
        if LABEL in t:
            df[LABEL] = t[LABEL].to_numpy()
        rows.append(df)
    if not rows:
        return base
    new = pd.concat(rows, ignore_index=True)
    new["id"] = _unique(new["id"], taken=known["id"])
    from .datasets import MapDataset

    ds = MapDataset(pd.concat([known, new], ignore_index=True), metadata=base.dataset.metadata)
    sup = base.superionic
    if sup is not None:
        cols = list(sup.columns)
        sup = pd.concat([sup, *[p.table.reindex(columns=cols) for p in parts]], ignore_index=True)
    return dataclasses.replace(
        base,
        dataset=ds,
        descriptors=_stack([base.descriptors, *[p.descriptors for p in parts]]),
        coords=np.vstack([base.coords, *[p.coords for p in parts]]),
        superionic=sup,
        info={**base.info, "placed": int(len(new))},
    )
