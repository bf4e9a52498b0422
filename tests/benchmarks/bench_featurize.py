"""Featurization speed against named baselines, measured in the same run.

    .venv/bin/python tests/benchmarks/bench_featurize.py [--quick] [--obelix PATH]

1. CompositionHistogram("paper") vs chemhist.get_descriptor(matrixdesc=False) on OBELiX
   formulas (target >= 100x, identical output);
2. one-call periodic Voronoi vs pymatgen VoronoiNN (per site, as matminer's
   VoronoiFingerprint uses it; and get_all_voronoi_polyhedra) on OBELiX Li–O CIFs
   (target >= 10x, same volumes);
3. full StructureDescriptor on the OBELiX Li–O CIFs: median s/structure and the projected
   time for 708 structures on 2 cores (target <= 3 min);
4. featurize() on a dask LocalCluster with 2 worker processes vs n_jobs=1 (target >= 1.7x).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore")

from pymatgen.core import Structure  # noqa: E402

from materials_map.features.batch import featurize  # noqa: E402
from materials_map.features.composition import CompositionHistogram  # noqa: E402
from materials_map.features.structure import StructureDescriptor  # noqa: E402
from materials_map.features.voronoi import periodic_voronoi  # noqa: E402
from tests.features.featurize_helpers import obelix_li_o  # noqa: E402


def row(name: str, ours: float, base: float, unit: str, target: str, note: str = "") -> None:
    print(
        f"| {name:<34} | {ours:>10.4g} | {base:>10.4g} | {unit:<12} | {base / ours:>8.1f}x | {target:<8} | {note}"
    )


def bench_composition(formulas: list[str]) -> None:
    from chemhist import get_descriptor

    f = CompositionHistogram()
    f.featurize("Li2O")  # warm the bin tables
    t_ours, t_ref, diff = [], [], 0.0
    for formula in formulas:
        t = time.perf_counter()
        ours = f.featurize(formula)
        t_ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        ref, _ = get_descriptor(formula, matrixdesc=False)
        t_ref.append(time.perf_counter() - t)
        diff = max(diff, float(np.abs(ours - ref).max()))
    row(
        f"composition ({len(formulas)} formulas)",
        statistics.median(t_ours),
        statistics.median(t_ref),
        "s/formula",
        ">=100x",
        f"max |diff| vs chemhist = {diff:.1e}",
    )


def bench_voronoi(structures: list[Structure]) -> None:
    from pymatgen.analysis.local_env import VoronoiNN

    t_ours = t_site = t_all = 0.0
    diff = 0.0
    n_sites = 0
    for s in structures:
        t = time.perf_counter()
        faces = periodic_voronoi(s.frac_coords, s.lattice.matrix)
        t_ours += time.perf_counter() - t
        vnn = VoronoiNN()  # defaults, as matminer's VoronoiFingerprint
        t = time.perf_counter()
        per_site = [
            sum(p["volume"] for p in vnn.get_voronoi_polyhedra(s, i).values())
            for i in range(len(s))
        ]
        t_site += time.perf_counter() - t
        t = time.perf_counter()
        vnn.get_all_voronoi_polyhedra(s)
        t_all += time.perf_counter() - t
        diff = max(diff, float(np.abs(np.array(per_site) - faces.volume).max()))
        n_sites += len(s)
    note = f"{len(structures)} CIFs, {n_sites} sites; max |dV| = {diff:.1e} Å³"
    row("Voronoi vs VoronoiNN per site", t_ours, t_site, "s total", ">=10x", note)
    row("Voronoi vs VoronoiNN all-sites call", t_ours, t_all, "s total", "", "")


def bench_structure(structures: list[Structure]) -> None:
    f = StructureDescriptor()
    times = []
    for s in structures:
        t = time.perf_counter()
        f.featurize(s)
        times.append(time.perf_counter() - t)
    med, mean = statistics.median(times), statistics.fmean(times)
    proj = mean * 708 / 2
    print(
        f"| structure descriptor ({len(structures)} CIFs)  | median {med:.4f} s, mean {mean:.4f} s, "
        f"max {max(times):.3f} s per structure; projected 708 on 2 cores = {proj:.0f} s "
        f"({proj / 60:.2f} min; target <= 3 min) |"
    )


def _warm_worker(s: Structure) -> None:
    from materials_map.features.batch import featurize as f

    f([s], progress=False)


def bench_dask(structures: list[Structure], repeats: int = 3) -> None:
    from distributed import Client, LocalCluster

    # worker processes import materials_map from this checkout
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    featurize(structures[:1], progress=False)  # warm-up (first-call costs), not timed
    import dask

    # the worker's sampling profiler costs CPU that a 2-core machine cannot spare
    dask.config.set({"distributed.worker.profile.enabled": False})
    t_serial, t_dask, t_joblib = [], [], []
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cl,
        Client(cl) as client,
    ):
        client.run(_warm_worker, structures[0])  # imports and first-call costs, not timed
        # serial and dask runs alternate, so a noisy neighbour slows both alike; the best of
        # `repeats` runs of each is compared (as timeit does)
        for _ in range(repeats):
            t = time.perf_counter()
            serial = featurize(structures, n_jobs=1, progress=False)
            t_serial.append(time.perf_counter() - t)
            t = time.perf_counter()
            par = featurize(structures, client=client, progress=False)
            t_dask.append(time.perf_counter() - t)
            # the machine's own ceiling for 2 processes, without dask: n_jobs=2 (joblib/loky)
            t = time.perf_counter()
            featurize(structures, n_jobs=2, progress=False)
            t_joblib.append(time.perf_counter() - t)
    same = np.array_equal(serial.struct, par.struct) and np.array_equal(serial.comp, par.comp)
    runs = ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(t_serial, t_dask, strict=True))
    row(
        f"dask 2 workers vs n_jobs=1 ({len(structures)})",
        min(t_dask),
        min(t_serial),
        "s total",
        ">=1.7x",
        f"best of {repeats}; runs serial/dask s: {runs}; identical output: {same}",
    )
    row(
        f"n_jobs=2 (joblib) vs n_jobs=1 ({len(structures)})",
        min(t_joblib),
        min(t_serial),
        "s total",
        "",
        "same runs: what 2 processes reach on this machine without dask",
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller run")
    ap.add_argument(
        "--obelix",
        type=Path,
        default=Path(
            os.environ.get("MATERIALS_MAP_OBELIX", ROOT.parent / "shared" / "data" / "obelix")
        ),
    )
    args = ap.parse_args()
    if not (args.obelix / "all.csv").is_file():
        sys.exit(f"OBELiX data not found at {args.obelix}")
    entries = obelix_li_o(args.obelix)
    formulas = list(dict.fromkeys(f for _, f, _ in entries))
    structures = []
    for _, _, cif in entries:
        structures.append(Structure.from_file(cif))
    n_comp, n_vor, n_dask = (15, 3, 40) if args.quick else (60, 6, len(structures))
    print(
        f"OBELiX Li–O subset: {len(entries)} CIFs, {len(formulas)} formulas; cpus={os.cpu_count()}, "
        f"load avg={os.getloadavg()[0]:.1f}"
    )
    print(
        "| benchmark                          |       ours |   baseline | unit         |    ratio | target   | note"
    )
    bench_composition(formulas[:n_comp])
    by_size = sorted(structures, key=len)
    pick = by_size[:: max(1, len(by_size) // n_vor)][:n_vor]  # spread over cell sizes
    bench_voronoi(pick)
    bench_structure(structures if not args.quick else structures[:30])
    bench_dask(structures[:n_dask])


if __name__ == "__main__":
    main()
