"""Li migration-energy labels: BVSE percolation barriers from ``bvlain``, guarded.

The paper labels each compound with a bond-valence force-field migration energy. ``bvlain``
(PyPI, MIT) computes the bond-valence site energy (BVSE) of a Li+ probe on a grid and the
lowest energy at which the low-energy region percolates in 1, 2 and 3 dimensions:
``E_1D <= E_2D <= E_3D`` (eV). Here every structure is

1. refused early when it holds no Li or has partially occupied sites;
2. converted to one cell convention (spglib's standard primitive cell);
3. given integer oxidation states (bond valence, then composition guesses) and refused when an
   anion has no Li+ BVSE parameters;
4. refused when the grid would exceed the memory limit, then run in a subprocess with an
   address-space limit and a wall-clock time limit.

A refused or failed structure gets NaN barriers and a recorded ``reason``; never a number.
A barrier of ``inf`` is bvlain's honest answer "no percolating path below ``encut`` eV".
"""

from __future__ import annotations

import math
import queue
import threading
import warnings
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

import numpy as np
import pandas as pd
from pymatgen.core import Structure

from .._util.extras import need
from .._util.outcome import report
from .._util.validate import structure_problem
from .._util.worker import parse_memory, run_chunk
from .cache import LabelCache, label_key
from .guards import quick_refusal
from .runner import LabelWorker

COLUMNS = ["e_1d", "e_2d", "e_3d", "reason"]
DEFAULT_TIME_LIMIT = 300.0
DEFAULT_MEMORY_LIMIT = 4 * 2**30


def _skipped(reason: str) -> dict:
    return {"e_1d": np.nan, "e_2d": np.nan, "e_3d": np.nan, "reason": reason}


def _record_row(rec: dict) -> dict:
    """A result row: three barriers and ``reason == ""``, or NaN barriers and a non-empty
    reason; never a row without a barrier and without a reason."""
    if rec.get("kind") == "ok":
        try:
            e = [float(rec[k]) for k in ("e_1d", "e_2d", "e_3d")]
        except (KeyError, TypeError, ValueError) as exc:
            return _skipped(f"invalid label record: {type(exc).__name__}: {exc}")
        missing = [f"E_{d}D" for d, v in zip((1, 2, 3), e, strict=True) if math.isnan(v)]
        if missing:
            return _skipped(f"no barrier: the percolation search gave NaN for {', '.join(missing)}")
        return {"e_1d": e[0], "e_2d": e[1], "e_3d": e[2], "reason": ""}
    reason = str(rec.get("reason") or "").strip()
    return _skipped(reason or f"not labelled: no reason given (record kind {rec.get('kind')!r})")


def _refusal(s: Any) -> str | None:
    """Why ``s`` is not labelled at all, checked before any work: not a physical crystal
    (the shared validation step), then the BVSE guards (Li present, ordered, ...)."""
    if isinstance(s, Structure):
        problem = structure_problem(s)
        if problem:
            return problem
    return quick_refusal(s)


def migration_energy(
    structures: Iterable[Structure] | pd.Series,
    resolution: float = 0.2,
    n_jobs: int = 1,
    client: Any = None,
    cache: str | None = None,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    memory_limit: int | str | None = DEFAULT_MEMORY_LIMIT,
    encut: float = 10.0,
    chunk_size: int = 8,
    progress: bool = True,
) -> pd.DataFrame:
    """BVSE Li percolation barriers for each structure, guarded, in input order.

    Parameters
    ----------
    structures : pymatgen Structures (a list, or a pandas Series whose index is kept).
    resolution : BVSE grid spacing in Å (bvlain default 0.2; cost grows as 1/resolution³).
    n_jobs : number of worker subprocesses on this machine.
    client : a ``dask.distributed.Client``; when given, chunks of ``chunk_size`` structures
        are labelled on its workers (each chunk in its own guarded subprocess) and ``n_jobs``
        is ignored.
    cache : folder of a resumable label cache; labels found there are not recomputed and new
        ones are written as soon as they are known, so an interrupted run resumes.
    time_limit : seconds allowed per structure; the subprocess is killed past it.
    memory_limit : address-space limit of each subprocess (bytes or text such as ``"4 GiB"``);
        cells whose estimated grid memory exceeds it are refused up front.
    encut : energy window of bvlain's percolation search (eV); no path below it -> ``inf``.
    progress : show a tqdm progress bar.

    Returns
    -------
    DataFrame with one row per input and columns ``e_1d``, ``e_2d``, ``e_3d`` (eV, NaN when
    skipped) and ``reason`` (empty string when labelled).
    """
    index = structures.index if isinstance(structures, pd.Series) else None
    items: Sequence = list(structures.values if isinstance(structures, pd.Series) else structures)
    if index is None:
        index = pd.RangeIndex(len(items))
    mem = parse_memory(memory_limit)
    if resolution <= 0 or not math.isfinite(resolution):
        raise ValueError(f"resolution must be a positive number of Å, got {resolution!r}")
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be >= 1, got {n_jobs}")
    store = LabelCache(cache) if cache is not None else None

    rows: list[dict | None] = [None] * len(items)
    todo: list[int] = []
    keys: dict[int, str] = {}
    for i, s in enumerate(items):
        reason = _refusal(s)
        if reason:
            rows[i] = _skipped(reason)
            continue
        if store is not None:
            keys[i] = label_key(s, resolution, encut)
            rec = store.get(keys[i], time_limit, mem)
            if rec is not None:
                rows[i] = _record_row(rec)
                continue
        todo.append(i)

    cache_errors: list[str] = []

    def done(i: int, rec: dict) -> None:
        rows[i] = _record_row(rec)
        if store is not None and rec.get("kind") != "crash":
            rec = {k: v for k, v in rec.items() if k != "seconds"}
            rec.update(time_limit=time_limit, memory_limit=mem)
            try:
                store.put(keys[i], rec)
            except OSError as exc:  # a full disk loses the cache entry, not the label
                cache_errors.append(f"{type(exc).__name__}: {exc}")

    bar = _progress(len(todo), progress)
    if client is not None:
        _run_dask(client, items, todo, done, bar, resolution, encut, time_limit, mem, chunk_size)
    else:
        _run_local(items, todo, done, bar, resolution, encut, time_limit, mem, n_jobs)
    bar.close()
    if cache_errors:
        warnings.warn(
            f"{len(cache_errors)} label(s) could not be written to the cache {cache} "
            f"(first: {cache_errors[0]}); they are in the result but will be recomputed",
            stacklevel=2,
        )
    rows = [r if r is not None else _skipped("not labelled: lost by the runner") for r in rows]
    report("migration_energy", "structures", len(rows), [r["reason"] for r in rows if r["reason"]])
    return pd.DataFrame(rows, index=index, columns=COLUMNS)


def _guarded(fn, *args) -> dict:
    """``fn(*args)``; an exception in the parent-side runner becomes a recorded failure."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - one structure never stops the batch
        return {"reason": f"labelling failed: {type(exc).__name__}: {exc}", "kind": "crash"}


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(
        total=total, desc="BVSE labels", unit="structure", disable=not enabled or total == 0
    )


def _run_local(items, todo, done, bar, resolution, encut, time_limit, mem, n_jobs) -> None:
    pool: queue.Queue[LabelWorker] = queue.Queue()
    workers = [LabelWorker(time_limit, mem) for _ in range(min(n_jobs, max(len(todo), 1)))]
    for w in workers:
        pool.put(w)
    lock = threading.Lock()

    def one(i: int) -> tuple[int, dict]:
        w = pool.get()
        try:
            return i, _guarded(lambda: w.label(items[i].as_dict(), resolution, encut))
        finally:
            pool.put(w)

    try:
        if len(workers) == 1:
            for i in todo:
                done(*one(i))
                bar.update()
            return
        with ThreadPoolExecutor(len(workers)) as ex:
            for fut in as_completed([ex.submit(one, i) for i in todo]):
                with lock:
                    done(*fut.result())
                    bar.update()
    finally:
        for w in workers:
            w.close()


def _run_dask(client, items, todo, done, bar, resolution, encut, time_limit, mem, chunk_size):
    need("distributed", "dask", "migration_energy(client=...)")
    from distributed import as_completed as dask_completed

    chunks = [todo[k : k + chunk_size] for k in range(0, len(todo), chunk_size)]
    futures = {}
    for chunk in chunks:
        payload = [items[i].as_dict() for i in chunk]
        args = (LabelWorker, "label", payload, (resolution, encut), time_limit, mem)
        fut = client.submit(run_chunk, *args, pure=False)
        futures[fut] = chunk
    for fut in dask_completed(list(futures)):
        try:
            recs = fut.result()
        except Exception as exc:  # noqa: BLE001 - a lost dask worker loses its chunk only
            recs = [{"reason": f"dask task failed: {type(exc).__name__}: {exc}", "kind": "crash"}]
            recs *= len(futures[fut])
        for i, rec in zip(futures[fut], recs, strict=True):
            done(i, rec)
            bar.update()
