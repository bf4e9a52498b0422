"""Real faults for the interruption tests: featurizers that kill their own process or log
which item they start, and the structures they run on.

The classes must live in an importable module (not a test file): worker processes unpickle
them by reference.
"""

from __future__ import annotations

import os
import signal
import warnings
from pathlib import Path

from pymatgen.core import Structure

from materials_map._util import structure_fingerprint
from materials_map.features.composition import CompositionHistogram


class KillsItsWorker(CompositionHistogram):
    """The paper's histogram, except that featurizing a structure whose reduced formula is
    ``formula`` SIGKILLs the process doing it, as the out-of-memory killer would."""

    def __init__(self, preset: str = "paper", formula: str = "") -> None:
        super().__init__(preset)
        self.formula = formula

    def featurize(self, x):
        if getattr(x, "composition", None) is not None and (
            x.composition.reduced_formula == self.formula
        ):
            os.kill(os.getpid(), signal.SIGKILL)
        return super().featurize(x)


class LogsStarts(CompositionHistogram):
    """The paper's histogram that first appends the structure's fingerprint to the file named
    by ``$MM_START_LOG`` (one line per item started, flushed to disk), so a test knows what was
    in flight at a kill. The log is not a parameter: runs that log and runs that do not share
    one featurize cache."""

    def featurize(self, x):
        log = os.environ.get("MM_START_LOG")
        if log and hasattr(x, "lattice"):
            with open(log, "a") as fh:
                fh.write(structure_fingerprint(x) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        return super().featurize(x)


def small_obelix(obelix: Path, n: int, max_sites: int = 60) -> list[Structure]:
    """The first ``n`` OBELiX structures (by file name) with at most ``max_sites`` sites."""
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for p in sorted((obelix / "all_randomized_cifs").glob("*.cif")):
            s = Structure.from_file(p)
            if len(s) <= max_sites:
                out.append(s)
            if len(out) == n:
                break
    return out
