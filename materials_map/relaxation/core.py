"""Relax structures (positions and cell) with CHGNet, guarded, cached and resumable.

``relax(structures)`` returns one record per input, in input order: the relaxed structure,
whether FIRE converged below ``fmax`` within ``steps``, the number of steps, the CHGNet energy
per atom, the relative volume change and the structure type before and after relaxation.
A structure is *flagged* (kept, never dropped) when it did not converge, changed family, or
changed volume by more than ``volume_bound``; a structure that could not be relaxed at all
gets a ``reason`` and NaN numbers, like a refused label.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from importlib.metadata import version
from typing import Any

import numpy as np
import pandas as pd
from pymatgen.core import Lattice, Structure

from .._util import structure_fingerprint
from .._util.extras import need
from .._util.worker import parse_memory, run_chunk
from ._worker import MODEL_NAME
from .cache import RelaxCache
from .runner import RelaxWorker

# bump when the relaxation recipe changes (optimizer, filter, recorded fields)
RELAX_VERSION = 1
# |V_relaxed / V_input - 1| above this flags a candidate: the generator's bond-valence volume
# was then far from the potential's minimum, so the unrelaxed geometry was not a fair guess
# (docs/relax.md gives the measured distribution behind the number)
VOLUME_BOUND = 0.15
DEFAULT_TIME_LIMIT = 600.0
NOT_CACHED = "not relaxed (no cached record)"
NOT_REACHED = "not relaxed (time budget exhausted)"
DEFAULT_MEMORY_LIMIT = 6 * 2**30

COLUMNS = [
    "structure",
    "converged",
    "steps",
    "energy_per_atom",
    "volume_change",
    "structure_type_initial",
    "structure_type_relaxed",
    "flag",
    "reason",
]


def relax_key(structure: Structure, fmax: float, steps: int) -> str:
    """Cache key of one relaxation: structure + parameters + recipe, model and chgnet versions."""
    text = json.dumps(
        {
            "s": structure_fingerprint(structure),
            "fmax": round(float(fmax), 6),
            "steps": int(steps),
            "recipe": RELAX_VERSION,
            "model": MODEL_NAME,
            "chgnet": version("chgnet"),
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def flag_reason(rec: dict, volume_bound: float = VOLUME_BOUND) -> str:
    """Why a successful relaxation is not trusted for the default map ('' when it is)."""
    out = []
    if rec.get("runaway"):
        out.append(f"volume runaway (stopped after {rec['steps']} steps)")
    elif not rec["converged"]:
        out.append(f"not converged in {rec['steps']} steps")
    if rec["structure_type_relaxed"] != rec["structure_type_initial"]:
        out.append(
            f"family changed ({rec['structure_type_initial']} -> {rec['structure_type_relaxed']})"
        )
    if abs(rec["volume_change"]) > volume_bound:
        out.append(f"volume changed by {100 * rec['volume_change']:+.0f} %")
    return "; ".join(out)


def record_row(rec: dict, structure: Structure, volume_bound: float = VOLUME_BOUND) -> dict:
    """One output row from a worker/cache record and the input structure."""
    if rec.get("kind") != "ok":
        return {
            "structure": None,
            "converged": False,
            "steps": -1,
            "energy_per_atom": np.nan,
            "volume_change": np.nan,
            "structure_type_initial": None,
            "structure_type_relaxed": None,
            "flag": "not relaxed",
            "reason": rec["reason"],
        }
    final = Structure(
        Lattice(rec["lattice"]),
        [site.species for site in structure],
        rec["frac_coords"],
        site_properties=structure.site_properties or None,
    )
    return {
        "structure": final,
        "converged": bool(rec["converged"]),
        "steps": int(rec["steps"]),
        "energy_per_atom": float(rec["energy_per_atom"]),
        "volume_change": float(rec["volume_change"]),
        "structure_type_initial": rec["structure_type_initial"],
        "structure_type_relaxed": rec["structure_type_relaxed"],
        "flag": flag_reason(rec, volume_bound),
        "reason": "",
    }


def relax(
    structures: Iterable[Structure] | pd.Series,
    fmax: float = 0.1,
    steps: int = 500,
    n_jobs: int = 1,
    client: Any = None,
    cache: str | None = None,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    memory_limit: int | str | None = DEFAULT_MEMORY_LIMIT,
    volume_bound: float = VOLUME_BOUND,
    chunk_size: int = 4,
    progress: bool = True,
    records: dict[str, dict] | None = None,
    compute: bool = True,
    budget_s: float | None = None,
    callback: Callable[[int, dict], None] | None = None,
) -> pd.DataFrame:
    """Relax positions and cell of each structure with CHGNet 0.3.0, in input order.

    Parameters
    ----------
    structures : ordered pymatgen Structures (a list, or a Series whose index is kept).
    fmax : force threshold of FIRE in eV/Å (cell stress included via FrechetCellFilter).
    steps : at most this many optimizer steps; past it the record says ``converged=False``.
    n_jobs : number of worker subprocesses (one torch thread each).
    client : a ``dask.distributed.Client``; chunks of ``chunk_size`` go to its workers.
    cache : folder of a resumable cache (one JSON record per structure and parameters).
    time_limit, memory_limit : per-structure wall-clock limit (s) and address-space limit of
        each worker (bytes or text such as ``"6 GiB"``).
    volume_bound : |relative volume change| above which a relaxation is flagged.
    progress : show a tqdm progress bar.
    records : an extra in-memory record store (key -> record) read before ``cache`` and
        updated with every new result (the build keeps a compact committed copy of it).
    compute : ``False`` answers from ``records``/``cache`` only; a structure without a record
        gets the reason :data:`NOT_CACHED`.
    budget_s : start no new relaxation after this many seconds; the rest get the reason
        :data:`NOT_REACHED` (a resumable cache picks them up next time).
    callback : called as ``callback(position, record)`` after every new record (the build
        uses it to save its record file as it goes).

    Returns
    -------
    DataFrame with columns ``structure`` (relaxed, ``None`` when it failed), ``converged``,
    ``steps``, ``energy_per_atom`` (eV/atom, CHGNet), ``volume_change`` (V/V0 - 1),
    ``structure_type_initial``, ``structure_type_relaxed``, ``flag`` ('' when trusted) and
    ``reason`` ('' when relaxed).
    """
    index = structures.index if isinstance(structures, pd.Series) else None
    items: Sequence = list(structures.values if isinstance(structures, pd.Series) else structures)
    if index is None:
        index = pd.RangeIndex(len(items))
    if not fmax > 0:
        raise ValueError(f"fmax must be a positive force in eV/Å, got {fmax!r}")
    if int(steps) < 1:
        raise ValueError(f"steps must be >= 1, got {steps!r}")
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be >= 1, got {n_jobs}")
    if compute:
        need("chgnet", "relax", "relax()")
    mem = parse_memory(memory_limit)
    store = RelaxCache(cache) if cache is not None else None

    rows: list[dict | None] = [None] * len(items)
    keys: dict[int, str] = {}
    todo: list[int] = []
    for i, s in enumerate(items):
        if not isinstance(s, Structure):
            rows[i] = record_row(
                {"kind": "refused", "reason": f"not a pymatgen Structure ({type(s).__name__})"}, s
            )
            continue
        if not s.is_ordered:
            rows[i] = record_row(
                {
                    "kind": "refused",
                    "reason": "disordered structure: CHGNet needs one species per site",
                },
                s,
            )
            continue
        keys[i] = relax_key(s, fmax, steps)
        rec = (records or {}).get(keys[i])
        if rec is None and store is not None:
            rec = store.get(keys[i], time_limit, mem)
        if rec is not None:
            rows[i] = record_row(rec, s, volume_bound)
            continue
        if not compute:
            rows[i] = record_row({"kind": "pending", "reason": NOT_CACHED}, s)
            continue
        todo.append(i)

    def done(i: int, rec: dict) -> None:
        rows[i] = record_row(rec, items[i], volume_bound)
        rec = {k: v for k, v in rec.items() if k != "seconds"}
        rec.update(time_limit=time_limit, memory_limit=mem)
        if records is not None:
            records[keys[i]] = rec
        if store is not None:
            store.put(keys[i], rec)
        if callback is not None:
            callback(i, rec)

    deadline = None if budget_s is None else time.monotonic() + float(budget_s)

    def go(i: int) -> bool:
        return deadline is None or time.monotonic() < deadline

    from tqdm.auto import tqdm

    bar = tqdm(
        total=len(todo), desc="CHGNet relax", unit="structure", disable=not progress or not todo
    )
    try:
        if client is not None:
            _run_dask(client, items, todo, done, bar, fmax, steps, time_limit, mem, chunk_size)
        else:
            _run_local(items, todo, done, bar, fmax, steps, time_limit, mem, n_jobs, go)
    finally:
        bar.close()
    for i in todo:
        if rows[i] is None:
            rows[i] = record_row({"kind": "pending", "reason": NOT_REACHED}, items[i])
    return pd.DataFrame(rows, index=index, columns=COLUMNS)


def _run_local(items, todo, done, bar, fmax, steps, time_limit, mem, n_jobs, go) -> None:
    from concurrent.futures import ThreadPoolExecutor, as_completed

    n = min(n_jobs, max(len(todo), 1))
    if n == 1:
        with RelaxWorker(time_limit, mem) as w:
            for i in todo:
                if not go(i):
                    return
                done(i, w.relax(items[i].as_dict(), fmax, steps))
                bar.update()
        return
    # one worker per thread, each thread walks its own stride of the work list
    parts = [todo[k::n] for k in range(n)]

    import threading

    lock = threading.Lock()

    def walk_and_report(part: list[int]) -> None:
        with RelaxWorker(time_limit, mem) as w:
            for i in part:
                if not go(i):
                    return
                rec = w.relax(items[i].as_dict(), fmax, steps)
                with lock:
                    done(i, rec)
                    bar.update()

    with ThreadPoolExecutor(n) as ex:
        for fut in as_completed([ex.submit(walk_and_report, p) for p in parts]):
            fut.result()


def _run_dask(client, items, todo, done, bar, fmax, steps, time_limit, mem, chunk_size) -> None:
    need("distributed", "dask", "relax(client=...)")
    from distributed import as_completed as dask_completed

    futures = {}
    for k in range(0, len(todo), chunk_size):
        chunk = todo[k : k + chunk_size]
        payload = [items[i].as_dict() for i in chunk]
        args = (RelaxWorker, "relax", payload, (fmax, steps), time_limit, mem)
        futures[client.submit(run_chunk, *args, pure=False)] = chunk
    for fut in dask_completed(list(futures)):
        for i, rec in zip(futures[fut], fut.result(), strict=True):
            done(i, rec)
            bar.update()
