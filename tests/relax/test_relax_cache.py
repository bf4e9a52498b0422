"""The relaxation cache (shared _util.records.RecordCache with its own record check): a
relaxed Li2O record round-trips; damaged or malformed entries are discarded with a warning
naming the file; limit failures are reused only while the limits have not been raised."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import pymatgen.core
import pytest
from pymatgen.core import Structure

from materials_map.relaxation import relax_key
from materials_map.relaxation.cache import RelaxCache, valid_record

PMG = Path(pymatgen.core.__file__).parents[1] / "util" / "structures"
GIB = 2**30


@pytest.fixture(scope="module")
def record() -> tuple[str, dict]:
    """Key and ok record of pymatgen's Li2O as given (CHGNet 0.3.0: -4.9257 eV/atom, 0 steps)."""
    li2o = Structure.from_file(PMG / "Li2O.json")
    rec = {
        "kind": "ok",
        "reason": "",
        "converged": True,
        "steps": 0,
        "energy_per_atom": -4.925653457641602,
        "volume_change": 0.0,
        "structure_type_initial": "antifluorite",
        "structure_type_relaxed": "antifluorite",
        "lattice": li2o.lattice.matrix.tolist(),
        "frac_coords": li2o.frac_coords.tolist(),
    }
    return relax_key(li2o, 0.1, 500), rec


def test_round_trip_layout_and_structure(record, tmp_path):
    key, rec = record
    cache = RelaxCache(tmp_path)
    cache.put(key, rec)
    f = tmp_path / key[:2] / f"{key}.json"
    assert f.is_file() and len(cache) == 1
    got = cache.get(key, 60, GIB)
    assert {k: v for k, v in got.items() if k != "sha256"} == rec
    assert valid_record(key, f.read_bytes()) == got
    # the cached cell is Li2O's: 3 atoms in the primitive antifluorite cell
    s = Structure(got["lattice"], ["Li", "Li", "O"], got["frac_coords"])
    assert math.isclose(s.volume, Structure.from_file(PMG / "Li2O.json").volume)


@pytest.mark.parametrize(
    "edit, reason",
    [
        (lambda r, k: json.dumps(dict(r, energy_per_atom=-5.0)), "checksum mismatch"),
        (lambda r, k: json.dumps(r)[:50], "not a JSON relaxation record"),
        (lambda r, k: "[]", "not a relaxation record"),
    ],
)
def test_damaged_entry_is_discarded_with_a_warning_naming_the_file(record, tmp_path, edit, reason):
    key, rec = record
    cache = RelaxCache(tmp_path)
    cache.put(key, rec)
    f = tmp_path / key[:2] / f"{key}.json"
    f.write_text(edit(json.loads(f.read_text()), key))
    with pytest.warns(UserWarning) as caught:
        assert cache.get(key, 60, GIB) is None
    (msg,) = [str(w.message) for w in caught]
    assert msg.startswith(f"relaxation cache entry {f} is damaged and was discarded (")
    assert reason in msg and not f.exists()
    with pytest.raises(ValueError, match=reason):
        valid_record(key, edit(dict(rec, sha256="0" * 64), key).encode())


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"energy_per_atom": float("nan")}, "not a finite number"),
        ({"energy_per_atom": None}, "not a finite number"),
        ({"lattice": [[1, 0, 0]]}, "no lattice"),
        ({"frac_coords": []}, "fractional coordinates"),
        ({"kind": "error", "reason": ""}, "without a reason"),
    ],
)
def test_malformed_record_is_refused_even_with_a_valid_checksum(record, tmp_path, change, reason):
    key, rec = record
    cache = RelaxCache(tmp_path)
    cache.put(key, dict(rec, **change))
    with pytest.warns(UserWarning, match=reason):
        assert cache.get(key, 60, GIB) is None


def test_limit_failure_is_reused_only_while_the_limits_are_not_raised(record, tmp_path):
    key, _ = record
    cache = RelaxCache(tmp_path)
    limit = {"kind": "limit", "reason": "time limit of 60 s exceeded (stopped)"}
    cache.put(key, dict(limit, time_limit=60.0, memory_limit=2 * GIB))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cache.get(key, 60.0, 2 * GIB) is not None
        assert cache.get(key, 30.0, GIB) is not None
        assert cache.get(key, 61.0, 2 * GIB) is None
        assert cache.get(key, 60.0, 3 * GIB) is None
        assert cache.get(key, 60.0, None) is None
