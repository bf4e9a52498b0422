"""Benchmark: the malformed-CIF corpus through ``from_cifs``, per category.

Builds the corpus of tests/reliability/corpus.py from the real OBELiX CIFs (30 files per
category, fewer for the costly ones, plus every one of the 321 originals as ``obelix``), runs
``from_cifs`` once over the whole folder (the accounting: kept, refused, crashed, lost) and
reads each file with ``read_cif`` (the time per category).

Baseline measured in the same run: pymatgen's ``Structure.from_file`` alone (what the loader
did before): how many files of each category it returns a Structure for without a word
(``silent``: malformed files loaded as materials) and its time.

    .venv/bin/python tests/benchmarks/bench_reliability.py [--per-category N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "reliability")]
OBELIX = Path(os.environ.get("MATERIALS_MAP_OBELIX", ROOT.parent / "shared" / "data" / "obelix"))


def _pymatgen_alone(files) -> dict[str, tuple[int, float]]:
    """Per category: (files pymatgen returns a Structure for, seconds)."""
    from pymatgen.core import Structure

    out: dict[str, list] = {}
    for f in files:
        start = time.perf_counter()
        try:
            if f.category == "huge_file":  # a plain reader would read all of it: skip
                ok = False
            else:
                Structure.from_file(f.path)
                ok = True
        except Exception:  # noqa: BLE001 - the baseline's failures are what we count
            ok = False
        c = out.setdefault(f.category, [0, 0.0])
        c[0] += ok
        c[1] += time.perf_counter() - start
    return {k: (v[0], v[1]) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-category", type=int, default=30)
    args = ap.parse_args()
    if not (OBELIX / "all.csv").is_file():
        print(f"OBELiX data not found at {OBELIX} (set MATERIALS_MAP_OBELIX)")
        return
    warnings.simplefilter("ignore")
    from corpus import KEEP, REFUSE, CorpusFile, build, sources
    from harness import load_folder, read_each, tally

    tmp = Path(tempfile.mkdtemp(prefix="mm-corpus-"))
    try:
        files = build(OBELIX, tmp, per_category=args.per_category, seed=0)
        (tmp / "obelix").mkdir()
        for p in sources(OBELIX):
            shutil.copy(p, tmp / "obelix" / p.name)
            files.append(CorpusFile(tmp / "obelix" / p.name, "obelix", KEEP, p.stem))
        outcomes, summary, seconds = load_folder(tmp, files)
        timed = {o.file.path: o.seconds for o in read_each(files)}
        for o in outcomes:
            o.seconds = timed[o.file.path]
        counts = tally(outcomes)
        base = _pymatgen_alone(files)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    head = (
        f"{'category':22s} {'expect':6s} {'files':>5s} {'kept':>5s} {'refused':>7s} "
        f"{'crashed':>7s} {'lost':>4s} {'wrong':>5s} {'time s':>7s} | "
        f"{'pymatgen: silent':>16s} {'time s':>7s} {'ratio':>6s}"
    )
    print(head)
    print("-" * len(head))
    expect = {f.category: f.expect for f in files}
    total = {"files": 0, "kept": 0, "refused": 0, "crashed": 0, "lost": 0, "wrong": 0}
    silent_bad = 0
    for cat, c in counts.items():
        loaded, t_base = base[cat]
        silent = loaded if expect[cat] == REFUSE else 0
        silent_bad += silent
        ratio = c.seconds / t_base if t_base > 0 else float("nan")
        print(
            f"{cat:22s} {expect[cat]:6s} {c.files:5d} {c.kept:5d} {c.refused:7d} {c.crashed:7d} "
            f"{c.lost:4d} {c.wrong:5d} {c.seconds:7.2f} | {silent if expect[cat] == REFUSE else '-':>16} "
            f"{t_base:7.2f} {ratio:6.2f}"
        )
        for k in total:
            total[k] += getattr(c, k)
    print("-" * len(head))
    print(
        f"{'total':22s} {'':6s} {total['files']:5d} {total['kept']:5d} {total['refused']:7d} "
        f"{total['crashed']:7d} {total['lost']:4d} {total['wrong']:5d}"
    )
    print(f"from_cifs over the whole folder: {seconds:.1f} s")
    print(f"summary line: {summary}")
    print(
        f"baseline (pymatgen Structure.from_file alone): {silent_bad} files that must be refused "
        "were returned as structures without a word"
    )
    for cat, c in counts.items():
        if c.reasons:
            print(f"  {cat}: " + ", ".join(f"{n} {k}" for k, n in c.reasons.most_common()))


if __name__ == "__main__":
    main()
