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
from materials_map.relax import relax
from materials_map.relax.core import NOT_CACHED

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
    :func:`materials_map.relax.relax` per row of ``df`` (index kept). Rows outside the plan, or
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
    """``python -m materials_map.build.relaxed [BUDGET_S]``: extend the committed records."""
    import sys

    from materials_map.datasets import load

    budget = float(sys.argv[1]) if len(sys.argv) > 1 else None
    df = load("li-o").df
    relax_candidates(df, budget_s=budget, cache=str(Path.home() / ".cache/materials-map/relax"))


if __name__ == "__main__":
    main()
