"""Speed of ``place``: 100 new structures of <= 40 sites on the default map, 2 cores, no labels.

    .venv/bin/python tests/benchmarks/bench_place.py [--n 100] [--jobs 2]

The structures are the default dataset's own (<= 40 sites) with their cells stretched by 1 %
and their atoms shaken by 0.01 Å, so none is in the descriptor cache or the shipped
descriptors: every one is featurized, classified and encoded. Baseline, measured in the same
run on fresh copies: ``featurize`` (1 process, no cache) + ``model.transform``, the two steps
notebook 04 took by hand (without structure types, ensemble, classifier or neighbours).
Printed: the cold call (this process's first: structure-type references built, workers
forked), a warm call, the structure types alone (most of the rest), the baseline, each as a
ratio to the baseline, the CPU seconds each took (this process and its workers: the
measure a shared machine does not inflate) and the load average. Target: warm <= 15 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore")


def structures(n: int, seed: int) -> list:
    import materials_map as mm

    df = mm.datasets.load("li-o").df
    small = [s for s in df["structure"] if s is not None and len(s) <= 40]
    rng = np.random.default_rng(seed)
    out = []
    for k in rng.choice(len(small), size=n, replace=False):
        s = small[int(k)].copy()
        s.scale_lattice(s.volume * 1.01**3)
        s.perturb(0.01, seed=int(rng.integers(1 << 30)))
        out.append(s)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    os.environ["MATERIALS_MAP_CACHE"] = tempfile.mkdtemp(prefix="bench-place-")  # nothing cached
    import materials_map as mm
    from materials_map.features.batch import featurize
    from materials_map.placement import place

    def timed(step) -> tuple[float, float]:  # wall and CPU seconds (workers included)
        t, c = time.perf_counter(), os.times()
        step()
        c2 = os.times()
        return time.perf_counter() - t, sum(c2[:4]) - sum(c[:4])

    def placed(batch: list) -> None:
        p = place(result, batch, n_jobs=args.jobs, progress=False)
        assert len(p) == args.n, p.failures

    load = os.getloadavg()[0]
    result = mm.build_map("li-o", progress=False)
    timings = {}
    for name, seed in (("place, cold", 1), ("place, warm", 2)):
        batch = structures(args.n, seed)
        timings[name] = timed(lambda b=batch: placed(b))
    batch = structures(args.n, 3)
    base = timed(lambda: result.model.transform(featurize(batch, progress=False)))
    # where the rest of the time goes (1 process)
    step = timed(lambda: [mm.structure_type(s) for s in batch])
    timings["of which: structure types alone (1 process)"] = step
    timings["baseline: featurize (1 process) + transform"] = base
    print(f"| {args.n} structures <= 40 sites, n_jobs={args.jobs} | seconds | / baseline | CPU s |")
    print("|---|---|---|---|")
    for name, (s, cpu) in timings.items():
        print(f"| {name} | {s:.2f} | {s / base[0]:.2f} | {cpu:.2f} |")
    end = os.getloadavg()[0]
    print(f"load average (1 min) at start / end: {load:.1f} / {end:.1f} on {os.cpu_count()} cores")
    ok = timings["place, warm"][0] <= 15
    print(f"target: warm place <= 15 s: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
