"""One rule for every batch entry point: each item kept or recorded with its id and a reason,
never an exception because of one item, one grouped summary line."""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from faults import small_obelix
from pymatgen.core import DummySpecies, Lattice, Structure

from materials_map.datasets import MapDataset, from_dataframe, from_structures
from materials_map.prototypes import structure_type


@pytest.fixture(scope="module")
def good():
    return small_obelix(10, max_sites=40)


def _nan_cell() -> Structure:
    return Structure(
        Lattice(np.diag([np.nan, 4.0, 4.0])), ["Li", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    )


def _huge_cell() -> Structure:
    return Structure(Lattice.orthorhombic(1e6, 4, 4), ["Li", "O"], [[0, 0, 0], [0.5e-6, 0.5, 0.5]])


def test_from_dataframe_keeps_ten_good_rows_and_names_the_bad_one(good):
    df = pd.DataFrame(
        {
            "id": [f"m{i}" for i in range(10)] + ["bad"],
            "structure": [s.as_dict() for s in good[:5]]
            + [s.to(fmt="cif") for s in good[5:]]
            + [42],
            "y": np.arange(11.0),
        }
    )
    with pytest.warns(
        UserWarning, match=r"10 of 11 rows kept; 1 of 11 rows refused \(1 not a structure\)"
    ):
        ds = from_dataframe(df, target="y")
    assert list(ds.df["id"]) == [f"m{i}" for i in range(10)]
    assert ds.df["y"].tolist() == list(np.arange(10.0))  # labels stay with their rows
    (f,) = ds.failures
    assert f["id"] == "bad" and f["item"] == "row 10"
    assert f["error"] == (
        "not a structure: row 'bad' (row 10) holds a int, not a Structure, its dict / JSON, "
        "or CIF / POSCAR text"
    )


def test_from_dataframe_reasons_for_unreadable_and_impossible_rows(good):
    cif = good[0].to(fmt="cif")
    df = pd.DataFrame(
        {
            "id": ["ok", "neg", "junk", "poscar", "nan", "empty", "ok"],
            "structure": [
                good[0],
                cif.replace(f"_cell_length_a   {good[0].lattice.a:.8f}", "_cell_length_a   -3"),
                "{not json",
                "garbage that is no POSCAR",
                _nan_cell().as_dict(),
                None,  # an empty cell: a row without a structure, kept
                good[1],
            ],
        }
    )
    assert "_cell_length_a   -3" in df["structure"][1]
    with pytest.warns(UserWarning, match="2 of 7 rows kept; 5 of 7 rows refused"):
        ds = from_dataframe(df)
    assert list(ds.df["id"]) == ["ok", "empty"] and ds.df["structure"].iloc[1] is None
    reasons = {f["id"]: f["error"] for f in ds.failures}
    assert reasons["neg"].startswith("cell length not positive: a = -3 Å")
    assert reasons["junk"].startswith("unreadable structure: row 'junk' (row 2) text")
    assert reasons["poscar"].startswith("unreadable structure: row 'poscar' (row 3)")
    assert reasons["nan"].startswith("lattice not finite")
    assert [f["error"] for f in ds.failures if f["item"] == "row 6"] == [
        "duplicate id: 'ok' is already used by row 0"
    ]


def test_from_structures_refuses_impossible_ones_and_keeps_the_rest(good):
    bad_el = good[0].copy()
    bad_el.replace(0, DummySpecies("X"))
    close = Structure(Lattice.cubic(4), ["Li", "O"], [[0, 0, 0], [0.0025, 0, 0]])
    items = [good[0], _nan_cell(), bad_el, close, good[1], "Li2O"]
    with pytest.warns(UserWarning, match="2 of 6 structures kept; 4 of 6 structures refused"):
        ds = from_structures(items, ids=list("abcdef"), y=list(range(6)))
    assert list(ds.df["id"]) == ["a", "e"] and ds.df["y"].tolist() == [0, 4]
    reasons = {f["id"]: f["error"] for f in ds.failures}
    assert reasons["b"].startswith("lattice not finite")
    assert reasons["c"].startswith("unknown element symbol: 'X'")
    assert reasons["d"] == (
        "overlapping atoms: sites #0 (Li) and #1 (O) are 0.01 Å apart (closer than 0.5 Å, "
        "occupancies 1 + 1 > 1)"
    )
    assert reasons["f"].startswith("not a structure: row 5 holds a str")


def test_structure_type_refuses_nan_and_huge_cells_at_once():
    for s, reason in ((_nan_cell(), "lattice not finite"), (_huge_cell(), "cell length too long")):
        start = time.perf_counter()
        with pytest.raises(ValueError, match=f"cannot classify this structure: {reason}"):
            structure_type(s)
        assert time.perf_counter() - start < 2  # no Niggli reduction of a 10⁶ Å cell


def test_classify_on_a_dataset_records_what_it_cannot_classify(good):
    df = pd.DataFrame(
        {
            "id": ["a", "nan", "huge", "b"],
            "structure": [good[2], _nan_cell(), _huge_cell(), good[3]],
        }
    )
    ds = MapDataset(df)  # the constructor stores what it is given; classify must cope
    with pytest.warns(UserWarning, match=r"2 of 4 structures kept; 2 of 4 structures refused"):
        ds.classify(progress=False)
    types = dict(zip(ds.df["id"], ds.df["structure_type"], strict=True))
    assert types["nan"] is None and types["huge"] is None
    assert isinstance(types["a"], str) and isinstance(types["b"], str)
    fails = {f["id"]: f["error"] for f in ds.metadata["classify_failures"]}
    assert fails["nan"].startswith("lattice not finite")
    assert fails["huge"].startswith("cell length too long: a = 1e+06 Å")


def test_classify_time_limit_records_instead_of_hanging(good):
    big = good[0] * (3, 3, 3)  # 270 sites: framework matching takes seconds
    ds = MapDataset(pd.DataFrame({"id": ["big"], "structure": [big]}))
    with pytest.warns(UserWarning, match=r"0 of 1 structures kept; .*\(1 time limit exceeded\)"):
        ds.classify(progress=False, time_limit=0.005)
    assert ds.df["structure_type"].iloc[0] is None
    assert ds.metadata["classify_failures"][0] == {
        "id": "big",
        "error": "time limit exceeded: structure_type took longer than 0.005 s",
    }


def test_migration_energy_never_returns_a_row_without_barrier_and_reason():
    from materials_map.labels.bvse import _record_row, migration_energy

    li2o = Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(4.61), ["Li", "O"], [[0.25, 0.25, 0.25], [0, 0, 0]]
    ).get_primitive_structure()
    sio2 = Structure(
        Lattice.cubic(5), ["Si", "O", "O"], [[0, 0, 0], [0.25, 0.25, 0.25], [0.75, 0.75, 0.75]]
    )
    disordered = li2o.copy()
    disordered.replace(0, {"Li": 0.5, "Na": 0.5})
    items = [li2o, sio2, _nan_cell(), "Li2O", disordered, Structure(Lattice.cubic(3), [], [])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = migration_energy(items, progress=False, resolution=0.3)
    assert len(out) == len(items)
    e = out[["e_1d", "e_2d", "e_3d"]].to_numpy(float)
    labelled = ~np.isnan(e).any(axis=1)
    assert (out["reason"][labelled] == "").all()
    assert (out["reason"][~labelled].str.strip() != "").all()
    assert labelled[0] and not labelled[[1, 2, 3, 5]].any()  # [4]: labels/disorder.py decides
    assert out["reason"][2].startswith("lattice not finite")
    # the records a worker could send back: none becomes a silent row
    for rec in (
        {"kind": "ok", "e_1d": math.nan, "e_2d": 1.0, "e_3d": 2.0},
        {"kind": "ok", "e_1d": None},
        {"kind": "error", "reason": ""},
        {"kind": "limit"},
        {},
    ):
        row = _record_row(rec)
        assert math.isnan(row["e_3d"]) and row["reason"].strip(), rec


@pytest.mark.slow
def test_featurize_two_workers_on_what_the_corpus_loaded(obelix_path, tmp_path):
    from corpus import build

    import materials_map as mm
    from materials_map.datasets import from_cifs

    odd = ["control", "hydride", "noble_gas", "actinide", "no_li", "charge_labels", "latin1"]
    odd += ["zero_occupancy_site", "duplicated_atoms", "bit_flipped", "truncated"]
    build(obelix_path, tmp_path, per_category=2, seed=3, categories=odd)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = from_cifs(tmp_path, pattern="**/*.cif", progress=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        X = mm.featurize(ds, n_jobs=2, progress=False)
    assert len(X) + len(X.failures) == len(ds)
    assert set(X.ids) | set(X.failures["id"]) == set(ds.df["id"])
    assert (X.failures["reason"].str.strip() != "").all()
    assert np.isfinite(X.comp).all() and np.isfinite(X.struct).all()
    summary = [str(w.message) for w in caught if str(w.message).startswith("featurize:")]
    assert summary == ([] if X.failures.empty else [summary[0]])  # a line when any refused
