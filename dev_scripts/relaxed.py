"""The relaxation step of the ``li-o`` build: a planned subset, a compact committed record file.

Relaxing all ~850 generated candidates with CHGNet costs about 7 CPU-hours on the 2-core build
machine (docs/relax.md), so the build relaxes them in a fixed *plan* order — families taken in
turn, smallest cells first, cells of at most ``MAX_ATOMS`` atoms — and keeps every finished
record in a small gzip'd JSON file committed with the package (``RECORDS``). A build reads that
file first, relaxes what is still missing within its time budget and writes the file back
atomically after every few structures, so an interrupted build continues where it stopped and
a rebuild with a complete file relaxes nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from materials_map._util import write_bytes_atomic
from materials_map.relaxation import relax
from materials_map.relaxation.core import NOT_CACHED, VOLUME_BOUND

RECORDS = Path(__file__).with_name("data") / "relax-li-o.json.gz"
# first pass: loose force threshold, capped steps (the "looser first pass")
FMAX = 0.2
STEPS = 200
MAX_ATOMS = 40
TIME_LIMIT = 400.0  # s per candidate on the busy 2-core build machine
DECIMALS = 6  # coordinates and lattice kept to 1e-6 in the committed file


def relax_plan(df: pd.DataFrame, max_atoms: int = MAX_ATOMS) -> list[int]:
    """Row positions to relax, in order: families in turn (round robin), inside a family the
    smallest cells first (ties by id hash), only cells of at most ``max_atoms`` atoms."""
    sizes = df["structure"].map(len).to_numpy()
    queues: dict[str, list[int]] = {}
    for pos in np.argsort(df["structure_type"].to_numpy(), kind="stable"):
        if sizes[pos] <= max_atoms:
            queues.setdefault(df["structure_type"].iat[pos], []).append(int(pos))
    for q in queues.values():
        q.sort(key=lambda p: (sizes[p], hashlib.sha256(df["id"].iat[p].encode()).hexdigest()))
    order: list[int] = []
    fams = sorted(queues)
    while any(queues[f] for f in fams):
        for f in fams:
            if queues[f]:
                order.append(queues[f].pop(0))
    return order


def load_records(path: str | os.PathLike = RECORDS) -> dict[str, dict]:
    """Records of the committed file (relax key -> record); empty when there is none."""
    try:
        return json.loads(gzip.decompress(Path(path).read_bytes()))
    except FileNotFoundError:
        return {}


def _compact(rec: dict) -> dict:
    out = dict(rec)
    for k in ("lattice", "frac_coords"):
        if k in out:
            out[k] = np.round(np.asarray(out[k], dtype=float), DECIMALS).tolist()
    for k in ("energy_per_atom", "initial_energy_per_atom", "volume_change"):
        if k in out:
            out[k] = round(float(out[k]), DECIMALS)
    return out


def save_records(records: dict[str, dict], path: str | os.PathLike = RECORDS) -> None:
    """Write the records atomically, sorted and gzip'd without a timestamp (reproducible)."""
    text = json.dumps({k: _compact(records[k]) for k in sorted(records)}, sort_keys=True)
    write_bytes_atomic(path, gzip.compress(text.encode(), mtime=0))


def relax_candidates(
    df: pd.DataFrame,
    *,
    path: str | os.PathLike = RECORDS,
    budget_s: float | None = None,
    n_jobs: int = 1,
    cache: str | None = None,
    fmax: float = FMAX,
    steps: int = STEPS,
    max_atoms: int = MAX_ATOMS,
    save_every_n: int = 4,
    progress: bool = True,
) -> pd.DataFrame:
    """Relax the planned candidates of ``df`` (records from ``path`` first), return one row of
    :func:`materials_map.relaxation.relax` per row of ``df`` (index kept). Rows outside the plan, or
    not reached within ``budget_s`` seconds, get ``reason`` = ``"not relaxed (...)"``."""
    records = load_records(path)
    plan = relax_plan(df, max_atoms)
    # fill from the records, then relax the rest in plan order, a batch at a time
    out = relax(df["structure"].iloc[plan], fmax, steps, records=records, compute=False)
    missing = [p for p, r in zip(plan, out["reason"], strict=True) if r == NOT_CACHED]
    unsaved = [0]

    def save_every(_i: int, _rec: dict) -> None:
        unsaved[0] += 1
        if unsaved[0] >= save_every_n:
            save_records(records, path)
            unsaved[0] = 0

    if missing:
        relax(
            df["structure"].iloc[missing],
            fmax,
            steps,
            n_jobs=n_jobs,
            cache=cache,
            records=records,
            progress=progress,
            budget_s=budget_s,
            callback=save_every,
            time_limit=TIME_LIMIT,
        )
        save_records(records, path)
    res = relax(df["structure"].iloc[plan], fmax, steps, records=records, compute=False)
    rows = pd.DataFrame(index=df.index, columns=res.columns)
    rows.loc[df.index[plan]] = res.to_numpy()
    outside = rows["reason"].isna()
    rows.loc[outside, "reason"] = f"not relaxed (not in the plan: more than {max_atoms} atoms)"
    rows.loc[rows["reason"] == NOT_CACHED, "reason"] = "not relaxed (time budget of the build)"
    rows["flag"] = rows["flag"].where(rows["reason"] == "", "not relaxed")
    return rows


def main() -> None:  # pragma: no cover - maintainer tool
    """``python -m dev_scripts.relaxed [BUDGET_S]``: extend the committed records.

    The candidates are generated and labelled as the build makes them (labels from the
    user's cache, so only the first run labels), then the plan is relaxed within the budget.
    """
    import sys

    from dev_scripts.generate import candidates_frame, generate_candidates, labelled
    from materials_map._util import cache_dir
    from materials_map.labels import migration_energy

    budget = float(sys.argv[1]) if len(sys.argv) > 1 else None
    df = candidates_frame(generate_candidates())
    labels = migration_energy(df["structure"], resolution=0.2, cache=str(cache_dir("labels")))
    df = df[labelled(labels).to_numpy()].reset_index(drop=True)
    relax_candidates(df, budget_s=budget, cache=str(cache_dir("relax")))


if __name__ == "__main__":
    main()


def relax_step(
    df: pd.DataFrame,
    *,
    records: str | os.PathLike | None = None,
    budget_s: float | None = None,
    label_kwargs: dict | None = None,
    progress: bool = True,
) -> tuple[pd.DataFrame, dict]:
    """The build's relaxation step on labelled candidates ``df``; returns the map rows and the
    metadata that accounts for every candidate.

    * relaxed and trusted (converged, same family, ``|ΔV| <= VOLUME_BOUND``): the structure is
      replaced by the relaxed one and relabelled; ``e_3d_unrelaxed`` keeps the old barrier;
    * relaxed but flagged: left out of the map, listed with the reason in the metadata;
    * not relaxed (outside the plan or past the budget): kept as generated, ``relaxed=False``.

    Polymorph energies: ``e_above_polymorph`` (eV/atom) of a relaxed candidate above the
    lowest relaxed candidate of the same reduced formula (NaN without a second polymorph).
    """
    from materials_map.labels import migration_energy

    rows = relax_candidates(df, path=records or RECORDS, budget_s=budget_s, progress=progress)
    ok = (rows["reason"] == "") & (rows["flag"] == "")
    flagged = (rows["reason"] == "") & (rows["flag"] != "")
    out = df.copy()
    out["relaxed"] = ok.to_numpy(bool)
    out["energy_per_atom"] = pd.to_numeric(rows["energy_per_atom"]).where(ok).to_numpy(float)
    out["volume_change"] = pd.to_numeric(rows["volume_change"]).where(ok).to_numpy(float)
    out["relax_steps"] = pd.to_numeric(rows["steps"]).where(ok).to_numpy(float)
    out["e_3d_unrelaxed"] = out["e_3d"].to_numpy(float)
    idx = np.flatnonzero(ok.to_numpy(bool))
    relabel_failed: dict[str, str] = {}
    if len(idx):
        new = list(rows["structure"].iloc[idx])
        labels = migration_energy(new, **(label_kwargs or {}))
        for k, pos in enumerate(idx):
            if labels["reason"].iat[k] or not np.isfinite(labels["e_3d"].iat[k]):
                relabel_failed[out["id"].iat[pos]] = labels["reason"].iat[k] or "no finite e_3d"
                continue
            out.iat[pos, out.columns.get_loc("structure")] = new[k]
            for c in ("e_1d", "e_2d", "e_3d"):
                out.iat[pos, out.columns.get_loc(c)] = float(labels[c].iat[k])
    out["migration_energy"] = out["e_3d"]
    drop = flagged.to_numpy(bool) | out["id"].isin(list(relabel_failed)).to_numpy()
    out.loc[out["id"].isin(list(relabel_failed)), "relaxed"] = False
    out["e_above_polymorph"] = np.nan
    rel = out["relaxed"] & ~drop
    for _, g in out[rel].groupby("formula"):
        if len(g) > 1:
            out.loc[g.index, "e_above_polymorph"] = (
                g["energy_per_atom"] - g["energy_per_atom"].min()
            )
    not_relaxed = rows["reason"].where(rows["reason"] != "", None).dropna()
    meta = {
        "run": True,
        "potential": "CHGNet 0.3.0 (pretrained weights shipped in the chgnet wheel)",
        "optimizer": "FIRE on ASE FrechetCellFilter (positions + cell)",
        "fmax_eV_per_A": FMAX,
        "max_steps": STEPS,
        "plan": f"cells of <= {MAX_ATOMS} atoms, families in turn, smallest first",
        "volume_bound": VOLUME_BOUND,
        "n_candidates": int(len(df)),
        "n_relaxed_on_map": int((out["relaxed"] & ~drop).sum()),
        "n_flagged_left_out": int(flagged.sum()),
        "flagged": {
            str(i): str(r)
            for i, r in zip(out["id"][flagged.to_numpy(bool)], rows["flag"][flagged], strict=True)
        },
        "n_relabel_failed_left_out": len(relabel_failed),
        "relabel_failed": relabel_failed,
        "n_not_relaxed": int(len(not_relaxed)),
        "not_relaxed_reasons": {
            str(k): int(v) for k, v in not_relaxed.str.slice(0, 60).value_counts().items()
        },
    }
    return out.loc[~drop].reset_index(drop=True), meta
