"""Interruption: a worker process dying, kill -9 of the whole run, damaged cache entries,
two processes filling one cache, a full disk during a write.

Every fault here is real: processes are SIGKILLed, files are truncated or overwritten on
disk, ENOSPC is raised by the write itself.
"""

from __future__ import annotations

import errno
import json
import os
import pickle
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from faults import (
    KillsItsWorker,
    LogsStarts,
    count_calls,
    li2o_family,
    logging_child,
    run_and_kill,
    small_obelix,
)

import materials_map as mm
from materials_map._util import structure_fingerprint, write_bytes_atomic

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


@pytest.fixture(scope="module")
def structures():
    return small_obelix(12, max_sites=40)


def _quiet(fn, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **k)


def _entries(cache: Path) -> dict[str, Path]:
    return {p.stem: p for p in cache.glob("*/*.npz")}


# -- a worker process dies --------------------------------------------------------------------
@pytest.mark.slow
def test_featurize_keeps_the_batch_when_a_worker_dies(structures, tmp_path):
    items = structures[:6]
    victim = items[3].composition.reduced_formula
    assert sum(s.composition.reduced_formula == victim for s in items) == 1
    comp = KillsItsWorker(formula=victim)
    with pytest.warns(UserWarning, match="5 of 6 items kept; 1 of 6 items refused"):
        X = mm.featurize(
            items, n_jobs=2, progress=False, struct=False, composition=comp, cache=tmp_path
        )
    assert list(X.ids) == ["0", "1", "2", "4", "5"]
    (reason,) = X.failures.loc[X.failures["id"] == "3", "reason"]
    assert reason.startswith("worker process died") and "SIGKILL" in reason
    ref = _quiet(mm.featurize, [items[i] for i in (0, 1, 2, 4, 5)], struct=False, progress=False)
    np.testing.assert_array_equal(X.comp, ref.comp)
    # the five are cached (by the workers); the death is not (it may be the machine's load)
    assert len(_entries(tmp_path)) == 5


# -- kill -9 of the whole run, then resume ------------------------------------------------------
_FEATURIZE_CHILD = """
import os, sys, warnings
sys.path[:0] = [{here!r}]
os.environ["MM_START_LOG"] = {log!r}
warnings.simplefilter("ignore")
from pathlib import Path
import materials_map as mm
from faults import LogsStarts, small_obelix
items = small_obelix(12, max_sites=40)
mm.featurize(items, n_jobs={n_jobs}, cache={cache!r}, progress=False,
             composition=LogsStarts())
"""


@pytest.mark.slow
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_kill_9_during_featurize_recomputes_at_most_one_item_per_worker(
    structures, tmp_path, n_jobs, monkeypatch
):
    cache, log = tmp_path / "cache", tmp_path / "starts.log"
    code = _FEATURIZE_CHILD.format(here=str(HERE), n_jobs=n_jobs, cache=str(cache), log=str(log))
    run_and_kill(code, log, after=5)
    time.sleep(0.5)  # let orphaned workers notice (they exit; any late write is atomic)
    started = set(log.read_text().split())
    cached = set(_entries(cache))
    assert cached <= started and len(cached) >= 2
    lost = started - cached  # begun before the kill, not finished
    assert len(lost) <= n_jobs, (len(started), len(cached))
    # resume: only what is not cached is computed, and the result is the uninterrupted one
    log2 = tmp_path / "resume.log"
    monkeypatch.setenv("MM_START_LOG", str(log2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the summary line; no damaged entry
        X = mm.featurize(structures, cache=cache, progress=False, composition=LogsStarts())
    recomputed = set(log2.read_text().split())
    print(  # the figures docs/reliability.md quotes (pytest -s)
        f"kill -9 featurize n_jobs={n_jobs}: {len(started)} started, {len(cached)} cached, "
        f"{len(lost)} lost, {len(recomputed)} computed on resume of {len(structures)}"
    )
    assert recomputed == {structure_fingerprint(s) for s in structures} - cached
    assert len(recomputed & started) == len(lost) <= n_jobs
    fresh = _quiet(mm.featurize, structures, progress=False)
    np.testing.assert_array_equal(X.comp, fresh.comp)
    np.testing.assert_array_equal(X.struct, fresh.struct)


@pytest.mark.slow
def test_kill_9_during_labelling_recomputes_at_most_one_item(tmp_path, monkeypatch):
    from materials_map.labels import runner
    from materials_map.labels.bvse import migration_energy
    from materials_map.labels.cache import LabelCache, label_key

    items = li2o_family(6)
    cache, log = tmp_path / "labels", tmp_path / "starts.log"
    code = logging_child(
        "materials_map.labels.runner",
        "LabelWorker",
        "label",
        items,
        log,
        f"from materials_map.labels.bvse import migration_energy\n"
        f"migration_energy(items, cache={str(cache)!r}, progress=False, resolution=0.3)",
    )
    run_and_kill(code, log, after=3)
    store = LabelCache(cache)
    keys = {structure_fingerprint(s): label_key(s, 0.3, 10.0) for s in items}
    cached = {fp for fp, k in keys.items() if store.get(k, 300.0, 4 * 2**30) is not None}
    started = set(log.read_text().split())
    assert cached <= started and len(started - cached) <= 1
    calls = count_calls(monkeypatch, runner.LabelWorker, "label")
    out = migration_energy(items, cache=str(cache), progress=False, resolution=0.3)
    print(
        f"kill -9 labelling: {len(started)} started, {len(cached)} cached, "
        f"{len(started - cached)} lost, {len(calls)} computed on resume of {len(items)}"
    )
    assert len(calls) == len(items) - len(cached)
    assert (out["reason"] == "").all() and np.isfinite(out["e_3d"]).all()
    # the barrier falls as the cell is stretched (more room for Li): the labels are real
    assert out["e_3d"].iloc[0] > out["e_3d"].iloc[-1]


# -- damaged cache entries -------------------------------------------------------------------------
class _Payload:
    """Pickled, it would create ``marker`` when unpickled: proof that nothing unpickles it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_damaged_featurize_cache_entries_are_discarded_and_recomputed(structures, tmp_path):
    items = structures[:5]
    # the user's cache only: some OBELiX rows are also shipped li-o rows, whose descriptors the
    # package's read-only layer would serve without touching this cache
    X1 = _quiet(mm.featurize, items, cache=tmp_path, progress=False, shipped=False)
    files = [_entries(tmp_path)[structure_fingerprint(s)] for s in items]
    original = [f.read_bytes() for f in files]
    # 0 truncated, 1 one bit flipped, 2 numbers edited (a valid npz), 3 a pickle payload,
    # 4 another item's entry copied over it
    files[0].write_bytes(original[0][: len(original[0]) // 2])
    flipped = bytearray(original[1])
    flipped[len(flipped) // 3] ^= 0x10
    files[1].write_bytes(bytes(flipped))
    with np.load(files[2]) as z:
        parts = {k: z[k] for k in z.files}
    parts["comp"] = parts["comp"] * 1.01
    with open(files[2], "wb") as fh:
        np.savez(fh, **parts)
    marker = tmp_path / "pwned"
    with open(files[3], "wb") as fh:
        np.savez(fh, comp=np.array([_Payload(marker)], dtype=object), struct=np.zeros(858))
    files[4].write_bytes(original[0])
    with pytest.warns(UserWarning) as caught:
        X2 = mm.featurize(items, cache=tmp_path, progress=False, shipped=False)
    damaged = [str(w.message) for w in caught if "is damaged and was discarded" in str(w.message)]
    assert len(damaged) == 5 and all(any(f.name in m for m in damaged) for f in files)
    assert not marker.exists()  # the pickle was never loaded
    np.testing.assert_array_equal(X2.comp, X1.comp)
    np.testing.assert_array_equal(X2.struct, X1.struct)
    # the recomputed entries are sound again: a third run reads them all
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X3 = mm.featurize(items, cache=tmp_path, progress=False, shipped=False)
    np.testing.assert_array_equal(X3.comp, X1.comp)


def test_damaged_label_cache_entries_are_discarded_and_recomputed(tmp_path, monkeypatch):
    from materials_map.labels import runner
    from materials_map.labels.bvse import migration_energy
    from materials_map.labels.cache import LabelCache, label_key

    items = li2o_family(4)
    first = migration_energy(items, cache=str(tmp_path), progress=False, resolution=0.3)
    store = LabelCache(tmp_path)
    files = [store._file(label_key(s, 0.3, 10.0)) for s in items]
    text = files[0].read_text()
    files[0].write_text(text[: len(text) // 2])  # truncated
    rec = json.loads(files[1].read_text())
    rec["e_3d"] = rec["e_3d"] / 2  # a plausible number, edited
    files[1].write_text(json.dumps(rec))
    marker = tmp_path / "pwned"
    files[2].write_bytes(pickle.dumps(_Payload(marker)))  # a pickle payload
    rec = json.loads(files[3].read_text())
    rec.pop("sha256")
    rec["e_1d"] = "fast"  # wrong type, and no checksum to catch it
    files[3].write_text(json.dumps(rec))
    calls = count_calls(monkeypatch, runner.LabelWorker, "label")
    with pytest.warns(UserWarning) as caught:
        again = migration_energy(items, cache=str(tmp_path), progress=False, resolution=0.3)
    damaged = [str(w.message) for w in caught if "is damaged and was discarded" in str(w.message)]
    assert len(damaged) == 4 and all(any(f.name in m for m in damaged) for f in files)
    assert len(calls) == 4 and not marker.exists()
    np.testing.assert_array_equal(again[["e_1d", "e_2d", "e_3d"]], first[["e_1d", "e_2d", "e_3d"]])


# -- two processes, one cache ----------------------------------------------------------------------
_TWO_CHILD = """
import sys, warnings
sys.path[:0] = [{here!r}]
warnings.simplefilter("ignore")
from pathlib import Path
import materials_map as mm
from faults import LogsStarts, small_obelix
items = small_obelix(12, max_sites=40)
mm.featurize(items, cache={cache!r}, progress=False, struct=False, composition=LogsStarts())
"""


@pytest.mark.slow
def test_two_processes_filling_one_cache_do_not_corrupt_it(structures, tmp_path, monkeypatch):
    code = _TWO_CHILD.format(here=str(HERE), cache=str(tmp_path))
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT) for _ in range(2)]
    assert [p.wait(timeout=600) for p in procs] == [0, 0]
    entries = _entries(tmp_path)
    assert set(entries) == {structure_fingerprint(s) for s in structures}
    assert not list(tmp_path.glob("*/.*.tmp"))  # no temp file left behind
    log = tmp_path / "third.log"
    monkeypatch.setenv("MM_START_LOG", str(log))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a damaged entry would warn
        X = mm.featurize(
            structures, cache=tmp_path, progress=False, struct=False, composition=LogsStarts()
        )
    assert not log.exists()  # nothing recomputed: every entry was whole
    fresh = _quiet(mm.featurize, structures, progress=False, struct=False)
    np.testing.assert_array_equal(X.comp, fresh.comp)


# -- a full disk -------------------------------------------------------------------------------------
def _disk_full(monkeypatch):
    """Make every write fail as a full disk does, at the flush of the data."""

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)


def test_full_disk_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    target = tmp_path / "model.mmodel"
    write_bytes_atomic(target, b"previous")
    _disk_full(monkeypatch)
    with pytest.raises(OSError) as err:
        write_bytes_atomic(target, b"new content" * 1000)
    assert err.value.errno == errno.ENOSPC
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["model.mmodel"]


def test_full_disk_during_featurize_keeps_results_and_old_entries(
    structures, tmp_path, monkeypatch
):
    items = structures[:3]
    X1 = _quiet(mm.featurize, items[:1], cache=tmp_path, progress=False)
    old = {k: p.read_bytes() for k, p in _entries(tmp_path).items()}
    _disk_full(monkeypatch)
    with pytest.warns(UserWarning, match="could not be written to the cache"):
        X = mm.featurize(items, cache=tmp_path, progress=False)
    assert len(X) == 3 and len(X.failures) == 0  # the results are all there
    np.testing.assert_array_equal(X.comp[:1], X1.comp)
    assert {k: p.read_bytes() for k, p in _entries(tmp_path).items()} == old
    assert not list(tmp_path.glob("*/.*.tmp"))


def test_full_disk_during_map_and_model_saves(tmp_path, monkeypatch):
    from materials_map.io.document import MapDocument

    doc = MapDocument(traits={"x": b"\x00\x01"}, metadata={"title": "t"})
    path = doc.save(tmp_path / "m.mmap")
    before = path.read_bytes()
    _disk_full(monkeypatch)
    doc.metadata["title"] = "changed"
    with pytest.raises(OSError, match="No space left"):
        doc.save(path)
    assert path.read_bytes() == before
    assert MapDocument.load(path).metadata["title"] == "t"


def test_entries_written_before_checksums_are_still_read(structures, tmp_path, monkeypatch):
    items = structures[:2]
    X1 = _quiet(mm.featurize, items, cache=tmp_path, progress=False, composition=LogsStarts())
    for p in _entries(tmp_path).values():  # rewrite as the old format: no digest member
        with np.load(p) as z:
            parts = {k: z[k] for k in z.files if k != "digest"}
        with open(p, "wb") as fh:
            np.savez(fh, **parts)
    log = tmp_path / "starts.log"
    monkeypatch.setenv("MM_START_LOG", str(log))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X2 = mm.featurize(items, cache=tmp_path, progress=False, composition=LogsStarts())
    assert not log.exists()  # read, not recomputed (the composition featurizer never ran)
    np.testing.assert_array_equal(X2.comp, X1.comp)
