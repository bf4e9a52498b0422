"""The guarded worker (_util/worker.GuardedWorker._request + _util/child.serve), shared by
the label and relaxation workers: limit records, error records, lazy restarts."""

from __future__ import annotations

from pathlib import Path

import pymatgen.core
import pytest
from pymatgen.core import Structure

from materials_map.labels.runner import LabelWorker
from materials_map.relaxation.runner import RelaxWorker

PMG = Path(pymatgen.core.__file__).parents[1] / "util" / "structures"


@pytest.fixture(scope="module")
def li2o() -> dict:
    return Structure.from_file(PMG / "Li2O.json").as_dict()


def test_timeout_stops_the_child_and_the_next_request_restarts_it(li2o):
    with LabelWorker(time_limit=0.001, memory_limit=None) as w:
        rec = w.label(li2o, 0.05, 10.0)
        assert rec == {"reason": "time limit of 0.001 s exceeded (stopped)", "kind": "limit"}
        assert w._proc is None  # killed
        w.time_limit = 120.0
        rec = w.label(li2o, 0.2, 10.0)
    assert rec["kind"] == "ok" and 0 < rec["e_1d"] <= rec["e_3d"] < 2 and rec["seconds"] > 0


def test_a_failed_request_is_recorded_and_the_child_lives_on(li2o):
    bad = dict(li2o, lattice=dict(li2o["lattice"], matrix="not a matrix"))
    with LabelWorker(time_limit=120, memory_limit=None) as w:
        rec = w.label(bad, 0.2, 10.0)
        pid = w._proc.pid
        assert rec["kind"] == "error" and rec["reason"].startswith("ValueError: ")
        assert " (at lattice.py:" in rec["reason"]  # names where it was raised
        assert w.label(li2o, 0.2, 10.0)["kind"] == "ok" and w._proc.pid == pid


def test_a_child_killed_between_requests_is_restarted(li2o):
    with LabelWorker(time_limit=120, memory_limit=None) as w:
        first = w.label(li2o, 0.2, 10.0)
        w._proc.kill()
        w._proc.wait()
        again = w.label(li2o, 0.2, 10.0)
    assert first["kind"] == again["kind"] == "ok" and first["e_3d"] == again["e_3d"]


@pytest.mark.parametrize("cls", [LabelWorker, RelaxWorker])
def test_memory_limit_too_small_to_start_is_a_limit_record(cls, li2o):
    with cls(time_limit=60, memory_limit=30 * 2**20) as w:
        rec = w.label(li2o, 0.2, 10.0) if cls is LabelWorker else w.relax(li2o, 0.1, 10)
        assert w._proc is None
    # the reason says why, whether the loader raised (a clean refusal) or aborted the child
    assert rec["kind"] == "limit" and rec["reason"].startswith("memory limit too small to start")


def test_a_library_that_cannot_be_mapped_under_the_limit_is_the_limit():
    """Under an address-space limit, torch's shared objects can fail to map (the loader's
    OSError, seen on a loaded machine) instead of raising MemoryError: same reason."""
    import errno

    from materials_map._util.child import _out_of_address_space

    seen = OSError(".venv/.../libtorch_global_deps.so: failed to map segment from shared object")
    assert _out_of_address_space(seen)
    assert _out_of_address_space(OSError(errno.ENOMEM, "Cannot allocate memory"))
    assert not _out_of_address_space(ImportError("No module named 'chgnet'"))
    assert not _out_of_address_space(OSError(errno.ENOENT, "No such file or directory"))
