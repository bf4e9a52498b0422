"""Library calls leave the process as they found it: torch's thread count, every signal
handler, the interval timer and (on glibc) malloc's settings are the same after featurize,
fit, the head ensemble, labels, relax and reading CIFs (tiny inputs: seconds each)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pymatgen.core
import pytest
import torch
from pymatgen.core import Structure

from materials_map.features import allocator
from tests.features.featurize_helpers import spy_on_malloc

LI2O = Path(pymatgen.core.__file__).parents[1] / "util" / "structures" / "Li2O.json"


def _signals() -> dict:
    out = {}
    for s in signal.valid_signals():
        try:
            out[s] = signal.getsignal(s)
        except (OSError, ValueError):
            pass
    return out


def _timer() -> tuple[bool, float]:
    """(armed, interval) of the real-time interval timer (pytest-timeout may run one)."""
    delay, interval = signal.getitimer(signal.ITIMER_REAL)
    return delay > 0, interval


@pytest.fixture
def li2o() -> Structure:
    return Structure.from_file(LI2O)


@pytest.fixture
def unchanged(monkeypatch):
    """Records the process state; the test calls the returned check after its library call
    (inside the test: pytest-timeout's own timer is stopped before teardown)."""
    mallopt = spy_on_malloc(monkeypatch)
    monkeypatch.delenv(allocator.OPT_IN, raising=False)
    threads = torch.get_num_threads()
    # not the 1 the models train with; no more than the cores (t-SNE's OpenMP threads spin)
    n = max(2, min(os.cpu_count() or 2, torch.get_num_threads()))
    torch.set_num_threads(n)
    before = (_signals(), _timer())

    def check() -> None:
        assert torch.get_num_threads() == n
        assert (_signals(), _timer()) == before
        assert mallopt == []

    yield check
    torch.set_num_threads(threads)


def test_featurize(unchanged, li2o):
    from materials_map.features.batch import featurize

    X = featurize([li2o, li2o.copy()], progress=False)
    assert len(X) == 2 and np.isfinite(X.struct).all()
    unchanged()


def test_fit_and_ensemble(unchanged):
    import sys

    sys.path.insert(0, str(Path(__file__).parent / "model"))
    from model_data import manifold_data

    from materials_map.model.ensemble import HeadEnsemble
    from materials_map.model.estimator import MapModel

    X, y, _ = manifold_data(n=40, n_comp=8, n_struct=6, seed=0)
    # no t-SNE neighbourhood term: on 40 rows it costs minutes on a busy machine
    model = MapModel(
        hidden_comp=(8,), hidden_struct=(8,), max_epochs=3, progress=False, neighbour_weight=0.0
    )
    coords = model.fit(X, y).transform(X)
    ens = HeadEnsemble(n_members=2, max_epochs=3).fit(coords, y)
    assert np.isfinite(ens.predict(coords)).all()
    unchanged()


def test_labels(unchanged, li2o):
    from materials_map.labels import migration_energy

    df = migration_energy([li2o], progress=False)
    assert df.loc[0, "reason"] == "" and 0.1 < df.loc[0, "e_3d"] < 0.6
    unchanged()


def test_relax(unchanged, li2o):
    from materials_map.relaxation import relax

    out = relax([li2o], steps=2, progress=False)
    assert out["reason"].iloc[0] == ""
    unchanged()


def test_read_cifs_with_a_time_limit(unchanged, li2o, tmp_path):
    from materials_map.datasets import from_cifs

    li2o.to(filename=str(tmp_path / "li2o.cif"))
    ds = from_cifs(tmp_path, progress=False)
    assert len(ds) == 1
    unchanged()


def test_time_limit_holds_in_a_widget_thread_without_signals():
    """A widget callback may run off the main thread: the limit still stops a loop there,
    and no signal handler is installed while it runs."""
    import threading
    import time

    from materials_map._util.deadline import TimeLimitExceeded, deadline

    seen = {}

    def spin():
        t0 = time.monotonic()
        try:
            with deadline(0.2, "spin"):
                seen["handler"] = signal.getsignal(signal.SIGALRM)
                while True:
                    pass
        except TimeLimitExceeded as exc:
            seen["error"], seen["took"] = str(exc), time.monotonic() - t0

    before = signal.getsignal(signal.SIGALRM)
    worker = threading.Thread(target=spin)
    worker.start()
    worker.join(30)
    assert seen["error"] == "time limit exceeded: spin took longer than 0.2 s"
    assert 0.2 <= seen["took"] < 10 and seen["handler"] == before
