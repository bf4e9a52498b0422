"""Benchmark: seconds per structure for ``structure_type``.

Baseline measured in the same run: the naive approach for ONE candidate - remove Li and call
pymatgen's ``StructureMatcher`` (``FrameworkComparator``, scale=True, supercells allowed,
primitive cells found on every call) against the right family's prototype only. A naive
classifier pays this once per prototype; ``structure_type`` tries all of them. Baseline calls
are capped at 120 s (reported as ">120").

    .venv/bin/python tests/benchmarks/bench_structure_type.py [--quick]

Uses the OBELiX CIFs beside the repository when present (MATERIALS_MAP_OBELIX), otherwise
decorated prototypes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OBELIX = Path(os.environ.get("MATERIALS_MAP_OBELIX", ROOT.parent / "shared" / "data" / "obelix"))

CASES = [
    ("garnet", "gz8"),
    ("garnet", "wyu"),
    ("nasicon", "019"),
    ("nasicon", "0fh"),
    ("perovskite", "s3h"),
    ("perovskite", "u2y"),
    ("lisicon", "w7d"),
    ("spinel", "m0v"),
    ("beta-li3po4", "h6c"),
    ("other", "dl7"),
]


def _li_free(s):
    keep = []
    for site in s:
        rest = {k: v for k, v in site.species.items() if getattr(k, "symbol", str(k)) != "Li"}
        if rest:
            keep.append((rest, site.frac_coords))
    return type(s)(s.lattice, [k for k, _ in keep], [c for _, c in keep])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="3 structures instead of 10")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from pymatgen.analysis.structure_matcher import FrameworkComparator, StructureMatcher
    from pymatgen.core import Structure

    from materials_map.prototypes import PROTOTYPES, structure_type
    from materials_map.prototypes.classify import _references

    naive_sm = StructureMatcher(
        ltol=0.25,
        stol=0.4,
        angle_tol=8,
        scale=True,
        attempt_supercell=True,
        comparator=FrameworkComparator(),
    )
    naive_refs = {n: _li_free(p.structure()) for n, p in PROTOTYPES.items()}

    def naive(s, fam):
        import signal

        def _stop(*_):
            raise TimeoutError

        signal.signal(signal.SIGALRM, _stop)
        signal.alarm(120)
        try:
            return naive_sm.fit(_li_free(s), naive_refs.get(fam, naive_refs["spinel"]))
        except TimeoutError:
            return None
        finally:
            signal.alarm(0)

    t = time.perf_counter()
    _references()
    setup = time.perf_counter() - t
    cases = CASES[2:5] if args.quick else CASES
    rows = []
    for fam, ident in cases:
        f = OBELIX / "all_randomized_cifs" / f"{ident}.cif"
        if f.is_file():
            s = Structure.from_file(f)
        else:
            p = PROTOTYPES.get(fam, PROTOTYPES["olivine"])
            s = p.structure(volume_scale=1.05)
            ident = f"{p.name} (decorated)"
        t = time.perf_counter()
        pred = structure_type(s)
        ours = time.perf_counter() - t
        t = time.perf_counter()
        naive(s, fam)
        base = time.perf_counter() - t
        rows.append((ident, len(s), pred, ours, base))
    print(f"library set-up (first level, once per process): {setup:.2f} s\n")
    print(
        f"{'structure':<22}{'sites':>6}  {'structure_type':<16}{'ours s':>8}{'baseline s':>11}{'ratio':>7}"
    )
    for ident, n, pred, ours, base in rows:
        b = f"{base:>11.2f}" if base < 120 else f"{'>120':>11}"
        print(f"{ident:<22}{n:>6}  {pred:<16}{ours:>8.2f}{b}{ours / base:>7.2f}")
    ours = [r[3] for r in rows]
    base = [r[4] for r in rows]
    print(
        f"\nmedian seconds per structure: structure_type {statistics.median(ours):.2f} "
        f"(all {len(PROTOTYPES)} prototypes + variants), naive single-candidate match "
        f"{statistics.median(base):.2f}; ratio {statistics.median(ours) / statistics.median(base):.2f}"
    )


if __name__ == "__main__":
    main()
