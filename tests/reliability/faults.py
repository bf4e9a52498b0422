"""Real faults for the interruption tests: featurizers that kill their own process or log
which item they start, and the structures they run on.

The classes must live in an importable module (not a test file): worker processes unpickle
them by reference.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
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


def small_obelix(n: int, max_sites: int = 60) -> list[Structure]:
    """The first ``n`` structures with at most ``max_sites`` sites of the OBELiX Li–O entries
    shipped in the package (real CIF structures, mostly disordered), each cell 1 % larger:
    the package's shipped descriptors would serve the structures as they are, and these
    tests are about computing and caching them."""
    from materials_map.datasets import MapDataset
    from materials_map.datasets.registry import data_path

    shipped = data_path("li-o").with_name("obelix-li-o.parquet")
    out = [s for s in MapDataset.from_parquet(shipped).df["structure"] if len(s) <= max_sites]
    assert len(out) >= n, f"only {len(out)} shipped OBELiX structures with <= {max_sites} sites"
    for s in out[:n]:
        s.scale_lattice(s.volume * 1.01)
    return out[:n]


ROOT = Path(__file__).resolve().parents[2]


def run_and_kill(code: str, log: Path, after: int, timeout: float = 240) -> None:
    """Start ``code`` in its own process group, SIGKILL the group once ``log`` has ``after``
    lines (or the run ends)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    start = time.monotonic()
    try:
        while time.monotonic() - start < timeout:
            if proc.poll() is not None:
                raise AssertionError(f"child ended before the kill: {proc.stderr.read()[-2000:]}")
            if log.exists() and len(log.read_text().split()) >= after:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("child never reached the kill point")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # kill -9, workers included
        proc.wait()
        proc.stderr.close()


def li2o_family(n: int) -> list[Structure]:
    """Primitive Li2O (antifluorite, a = 4.61 Å) stretched by 0, 2, 4 … % in volume: small,
    real cells whose labels and relaxations differ item by item."""
    from pymatgen.core import Lattice

    base = Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(4.61), ["Li", "O"], [[0.25, 0.25, 0.25], [0, 0, 0]]
    ).get_primitive_structure()
    out = []
    for k in range(n):
        s = base.copy()
        s.scale_lattice(base.volume * (1.0 + 0.02 * k))
        out.append(s)
    return out


def count_calls(monkeypatch, cls: type, name: str) -> list:
    """Patch ``cls.name`` to record the first argument of every call (the structure dict a
    guarded worker is sent); returns the list it fills. The real method still runs."""
    calls: list = []
    real = getattr(cls, name)
    monkeypatch.setattr(
        cls, name, lambda self, d, *a, **k: (calls.append(d), real(self, d, *a, **k))[1]
    )
    return calls


def logging_child(
    module: str, cls: str, method: str, items: list[Structure], log: Path, call: str
) -> str:
    """Python code for a child process: rebuild ``items``, make ``module.cls.method`` append
    the fingerprint of each structure it starts to ``log`` (fsynced: the line survives a
    kill -9), then run ``call`` (an expression using ``items``)."""
    return f"""
import os, warnings
warnings.simplefilter("ignore")
from pymatgen.core import Structure
from materials_map._util import structure_fingerprint
from {module} import {cls} as target
items = [Structure.from_dict(d) for d in {[s.as_dict() for s in items]!r}]
real = target.{method}
def logged(self, d, *a, **k):
    with open({str(log)!r}, "a") as fh:
        fh.write(structure_fingerprint(Structure.from_dict(d)) + "\\n")
        fh.flush(); os.fsync(fh.fileno())
    return real(self, d, *a, **k)
target.{method} = logged
{call}
"""
