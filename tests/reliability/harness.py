"""Run the corpus through the public loader and account for every file.

Shared by tests/reliability and tests/benchmarks/bench_reliability.py.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from corpus import EITHER, KEEP, REFUSE, CorpusFile

from materials_map.datasets import from_cifs
from materials_map.datasets.cif_reading import CifRefused, read_cif


@dataclass
class Outcome:
    """What happened to one file."""

    file: CorpusFile
    status: str  # "kept", "refused", "crashed" or "lost"
    reason: str = ""
    seconds: float = 0.0


@dataclass
class Tally:
    """Counts of one category."""

    files: int = 0
    kept: int = 0
    refused: int = 0
    crashed: int = 0
    lost: int = 0
    wrong: int = 0  # kept where refusal was required, or the reverse
    seconds: float = 0.0
    reasons: Counter = field(default_factory=Counter)


def load_folder(folder: Path, files: list[CorpusFile]) -> tuple[list[Outcome], str, float]:
    """``from_cifs(folder)`` once; every file is matched to a kept row or a failure.

    Returns (outcomes, summary line, seconds).
    """
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = from_cifs(folder, pattern="**/*.cif", progress=False)
    seconds = time.perf_counter() - start
    kept = set(ds.df["path"])
    refused = {f["item"]: f["error"] for f in ds.failures}
    out = []
    for f in files:
        p = str(f.path)
        if p in kept and p in refused:
            out.append(Outcome(f, "crashed", "both kept and refused"))
        elif p in kept:
            out.append(Outcome(f, "kept"))
        elif p in refused:
            reason = refused[p]
            status = "crashed" if reason.startswith("unexpected error") else "refused"
            out.append(Outcome(f, status, reason))
        else:
            out.append(Outcome(f, "lost"))
    summary = next((str(w.message) for w in caught if "from_cifs:" in str(w.message)), "")
    return out, summary, seconds


def read_each(files: list[CorpusFile]) -> list[Outcome]:
    """``read_cif`` file by file (the reader from_cifs uses), timed per file."""
    out = []
    for f in files:
        start = time.perf_counter()
        try:
            read_cif(f.path)
            status, reason = "kept", ""
        except CifRefused as exc:
            status, reason = "refused", str(exc)
        except Exception as exc:  # noqa: BLE001 - this is what the suite counts
            status, reason = "crashed", f"{type(exc).__name__}: {exc}"
        out.append(Outcome(f, status, reason, time.perf_counter() - start))
    return out


def tally(outcomes: list[Outcome]) -> dict[str, Tally]:
    """Per-category counts; ``wrong`` counts files whose outcome contradicts the category."""
    t: dict[str, Tally] = {}
    for o in outcomes:
        c = t.setdefault(o.file.category, Tally())
        c.files += 1
        c.seconds += o.seconds
        setattr(c, o.status, getattr(c, o.status) + 1)
        if o.status == "refused":
            c.reasons[o.reason.split(": ", 1)[0]] += 1
        if (o.file.expect == KEEP and o.status != "kept") or (
            o.file.expect == REFUSE and o.status != "refused"
        ):
            c.wrong += 1
    return t


__all__ = ["EITHER", "Outcome", "Tally", "load_folder", "read_each", "tally"]
