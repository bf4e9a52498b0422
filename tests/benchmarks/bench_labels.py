"""Benchmark: BVSE labelling throughput (2 workers vs 1), li-o load and build times.

Run: .venv/bin/python tests/benchmarks/bench_labels.py [--quick] [--skip-build]

Baseline: ``migration_energy(..., n_jobs=1)`` on the same structures in the same run; the
target is >= 1.7x structures per minute with 2 workers. ``load("li-o")`` (target < 2 s) is
timed against reading the same file with ``Structure.from_dict``. The build figure times
``build_li_o`` from scratch (no cache) for the whole library, or one family with --quick.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _structures(n: int):
    """The first ``n`` small generated candidates (deterministic), as a realistic workload."""
    from dev_scripts.generate import generate_candidates

    cands = generate_candidates(families=["olivine", "linbo3", "layered-rocksalt"], progress=False)
    cands = sorted(cands, key=lambda c: c.id)[:n]
    return [c.structure for c in cands]


def bench_load() -> None:
    """load("li-o") vs the same parquet read with pymatgen's Structure.from_dict."""
    import json

    import pandas as pd
    from pymatgen.core import Structure

    from materials_map.datasets import load
    from materials_map.datasets.registry import data_path

    load("li-o")  # imports and file cache, not timed
    t = time.perf_counter()
    ds = load("li-o")
    ours = time.perf_counter() - t
    t = time.perf_counter()
    raw = pd.read_parquet(data_path("li-o"))
    [Structure.from_dict(json.loads(x)) for x in raw["structure"]]
    base = time.perf_counter() - t
    print(
        f"{'load(li-o), ' + str(len(ds.df)) + ' structures':48s} {ours:9.2f} s   "
        f"from_dict baseline {base:.2f} s   ratio {base / ours:.1f}x   target < 2 s"
    )


def main() -> None:
    """Print a table of labelling throughput and build time."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller run")
    ap.add_argument("--skip-build", action="store_true", help="skip the dataset build timing")
    args = ap.parse_args()
    from materials_map.labels import migration_energy

    bench_load()
    n = 12 if args.quick else 40
    structures = _structures(n)
    rows = []
    results = {}
    for jobs in (1, 2):
        t = time.perf_counter()
        df = migration_energy(structures, n_jobs=jobs, progress=False)
        dt = time.perf_counter() - t
        results[jobs] = df
        rows.append(
            (f"label {len(structures)} structures, n_jobs={jobs}", dt, 60 * len(structures) / dt)
        )
    same = results[1].equals(results[2])
    base = rows[0][2]
    print(f"{'figure':48s} {'seconds':>9s} {'struct/min':>11s} {'ratio':>7s}")
    for name, dt, rate in rows:
        print(f"{name:48s} {dt:9.1f} {rate:11.1f} {rate / base:7.2f}x")
    print(f"parallel result identical to serial: {same}; target ratio >= 1.7x")
    if args.skip_build:
        return
    from dev_scripts.generate import build_li_o

    fams = ["lisicon"] if args.quick else None
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        ds = build_li_o(Path(tmp) / "li-o.parquet", n_jobs=2, families=fams, progress=False)
        dt = time.perf_counter() - t
    n_rows = len(ds.df) if hasattr(ds, "df") else len(ds)
    what = "one family (lisicon)" if args.quick else "whole li-o dataset"
    print(f"{'build ' + what + f' ({n_rows} rows), n_jobs=2':48s} {dt:9.1f}")


if __name__ == "__main__":
    main()
