"""The label cache (shared _util.records.RecordCache): a real label round-trips, damaged
entries are discarded with a warning naming the file, limit failures are reused only while
the limits have not been raised."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pymatgen.core
import pytest
from pymatgen.core import Structure

from materials_map.labels import migration_energy
from materials_map.labels.cache import LabelCache, label_key

PMG = Path(pymatgen.core.__file__).parents[1] / "util" / "structures"
GIB = 2**30


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    """Li2O labelled once by the guarded BVSE worker into a fresh cache."""
    li2o = Structure.from_file(PMG / "Li2O.json")
    folder = tmp_path_factory.mktemp("labels")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        df = migration_energy([li2o], cache=folder, progress=False)
    return li2o, folder, df


def _entry(folder: Path) -> tuple[str, Path, dict]:
    (f,) = folder.glob("*/*.json")
    return f.stem, f, json.loads(f.read_text())


def test_entry_layout_checksum_and_round_trip(labelled):
    li2o, folder, df = labelled
    key, f, rec = _entry(folder)
    assert key == label_key(li2o, 0.2, 10.0)  # the defaults of migration_energy
    assert f.parent.name == key[:2] and len(LabelCache(folder)) == 1
    assert rec["kind"] == "ok" and len(rec["sha256"]) == 64
    got = LabelCache(folder).get(key, time_limit=1, memory_limit=GIB)
    assert got == rec
    # Li2O's three barriers are one value (cubic, isotropic), as the label table says
    assert got["e_1d"] == got["e_2d"] == got["e_3d"] == pytest.approx(df["e_3d"].iloc[0])


def _edit(rec: dict) -> bytes:
    rec = dict(rec, e_3d=rec["e_3d"] + 0.5)  # checksum no longer matches
    return json.dumps(rec).encode()


@pytest.mark.parametrize(
    "damage, reason",
    [
        (_edit, "checksum mismatch"),
        (lambda rec: json.dumps(rec).encode()[:40], "not a JSON label record"),
        (lambda rec: b"\xff\xfe" + json.dumps(rec).encode(), "not a JSON label record"),
        (lambda rec: json.dumps([rec]).encode(), "not a label record"),
        (lambda rec: json.dumps(dict(rec, kind="done")).encode(), "not a label record"),
    ],
)
def test_damaged_entry_is_discarded_with_a_warning_naming_the_file(
    labelled, tmp_path, damage, reason
):
    _, folder, _ = labelled
    key, f, rec = _entry(folder)
    copy = tmp_path / f.parent.name / f.name
    copy.parent.mkdir()
    copy.write_bytes(damage(rec))
    with pytest.warns(UserWarning, match="is damaged and was discarded") as caught:
        assert LabelCache(tmp_path).get(key, 1, GIB) is None
    (msg,) = [str(w.message) for w in caught]
    assert msg.startswith(f"label cache entry {copy} ") and reason in msg
    assert msg.endswith("; it is recomputed") and not copy.exists()


def test_impossible_barriers_are_refused_even_with_a_valid_checksum(labelled, tmp_path):
    _, folder, _ = labelled
    key, _, rec = _entry(folder)
    cache = LabelCache(tmp_path)
    cache.put(key, dict(rec, e_1d=rec["e_3d"] + 1.0))
    with pytest.warns(UserWarning, match=r"are not 0 <= E_1D <= E_2D <= E_3D"):
        assert cache.get(key, 1, GIB) is None
    cache.put(key, dict(rec, e_2d=None))
    with pytest.warns(UserWarning, match="barriers are not numbers"):
        assert cache.get(key, 1, GIB) is None
    cache.put(key, {"kind": "refused", "reason": "  "})
    with pytest.warns(UserWarning, match="a failure record without a reason"):
        assert cache.get(key, 1, GIB) is None


def test_entry_written_before_checksums_is_still_read(labelled, tmp_path):
    _, folder, _ = labelled
    key, f, rec = _entry(folder)
    old = {k: v for k, v in rec.items() if k != "sha256"}
    (tmp_path / f.parent.name).mkdir()
    (tmp_path / f.parent.name / f.name).write_text(json.dumps(old))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert LabelCache(tmp_path).get(key, 1, GIB) == old


def test_limit_failure_is_reused_only_while_the_limits_are_not_raised(tmp_path):
    cache, key = LabelCache(tmp_path), "ab" + "0" * 62
    cache.put(key, {"kind": "limit", "reason": "time", "time_limit": 10.0, "memory_limit": GIB})
    assert cache.get(key, 10.0, GIB)["reason"] == "time"
    assert cache.get(key, 5.0, GIB // 2) is not None  # smaller limits: it would fail again
    assert cache.get(key, 20.0, GIB) is None  # more time
    assert cache.get(key, 10.0, 2 * GIB) is None  # more memory
    assert cache.get(key, 10.0, None) is None  # no memory limit at all
    cache.put(key, {"kind": "limit", "reason": "time", "time_limit": 10.0, "memory_limit": None})
    assert cache.get(key, 10.0, None) is not None
    # other failures do not depend on the limits
    cache.put(key, {"kind": "refused", "reason": "no Li"})
    assert cache.get(key, 1e9, None)["reason"] == "no Li"
