"""Interruption of the two slow per-structure jobs besides featurize: kill -9 during a CHGNet
relaxation then resume, and two processes labelling into one label cache at once.

The faults are real: the relaxing process group is SIGKILLed mid-run; the two labelling runs
are separate Python processes writing the same cache folder at the same time.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from faults import ROOT, count_calls, li2o_family, logging_child, run_and_kill

from materials_map._util import structure_fingerprint

FMAX, STEPS = 0.1, 40


@pytest.mark.slow
def test_kill_9_during_relaxation_recomputes_at_most_one_item(tmp_path, monkeypatch):
    from materials_map.relaxation import relax, runner
    from materials_map.relaxation.cache import RelaxCache
    from materials_map.relaxation.core import DEFAULT_MEMORY_LIMIT, DEFAULT_TIME_LIMIT, relax_key

    items = li2o_family(5)
    cache, log = tmp_path / "relax", tmp_path / "starts.log"
    code = logging_child(
        "materials_map.relaxation.runner",
        "RelaxWorker",
        "relax",
        items,
        log,
        f"from materials_map.relaxation import relax\n"
        f"relax(items, {FMAX!r}, {STEPS!r}, cache={str(cache)!r}, progress=False)",
    )
    run_and_kill(code, log, after=3, timeout=600)
    store = RelaxCache(cache)
    keys = {structure_fingerprint(s): relax_key(s, FMAX, STEPS) for s in items}
    cached = {
        fp
        for fp, k in keys.items()
        if store.get(k, DEFAULT_TIME_LIMIT, DEFAULT_MEMORY_LIMIT) is not None
    }
    started = set(log.read_text().split())
    assert len(cached) >= 2 and cached <= started and len(started - cached) <= 1
    calls = count_calls(monkeypatch, runner.RelaxWorker, "relax")
    out = relax(items, FMAX, STEPS, cache=str(cache), progress=False)
    print(
        f"kill -9 relaxation: {len(started)} started, {len(cached)} cached, "
        f"{len(started - cached)} lost, {len(calls)} computed on resume of {len(items)}"
    )
    assert len(calls) == len(items) - len(cached)
    assert (out["reason"] == "").all() and out["converged"].all()
    # the resumed records are those of an uninterrupted run (CHGNet on CPU is deterministic)
    fresh = relax(items, FMAX, STEPS, progress=False)
    np.testing.assert_allclose(
        out["energy_per_atom"].to_numpy(float), fresh["energy_per_atom"].to_numpy(float), atol=1e-5
    )
    np.testing.assert_allclose(
        [s.volume for s in out["structure"]], [s.volume for s in fresh["structure"]], rtol=1e-5
    )


_LABEL_TWICE = """
import warnings
warnings.simplefilter("ignore")
from pymatgen.core import Structure
from materials_map.labels.bvse import migration_energy
items = [Structure.from_dict(d) for d in {dicts!r}]
migration_energy(items, cache={cache!r}, progress=False, resolution=0.3)
"""


@pytest.mark.slow
def test_two_processes_labelling_into_one_cache_do_not_corrupt_it(tmp_path, monkeypatch):
    from materials_map.labels import runner
    from materials_map.labels.bvse import migration_energy

    items = li2o_family(6)
    code = _LABEL_TWICE.format(dicts=[s.as_dict() for s in items], cache=str(tmp_path))
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT) for _ in range(2)]
    assert [p.wait(timeout=600) for p in procs] == [0, 0]
    files = sorted(tmp_path.rglob("*.json"))
    assert len(files) == len(items)
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]  # no temp left
    calls = count_calls(monkeypatch, runner.LabelWorker, "label")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a damaged entry would warn
        cached = migration_energy(items, cache=str(tmp_path), progress=False, resolution=0.3)
    assert calls == []  # every entry was whole: nothing recomputed
    fresh = migration_energy(items, progress=False, resolution=0.3)
    np.testing.assert_array_equal(
        cached[["e_1d", "e_2d", "e_3d"]].to_numpy(float),
        fresh[["e_1d", "e_2d", "e_3d"]].to_numpy(float),
    )
    # the barrier falls as the cell is stretched: the cached labels are the real ones
    assert cached["e_3d"].iloc[0] > cached["e_3d"].iloc[-1]
