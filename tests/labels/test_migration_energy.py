"""Guarded BVSE labels: guards, limits, parity with bvlain, parallel == serial, resume."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pymatgen.core  # noqa: E402
import pytest
from pymatgen.core import Lattice, Structure

from materials_map.labels import LabelRefused, assign_oxidation_states, migration_energy
from materials_map.labels.cache import LabelCache
from materials_map.labels.guards import SUPPORTED_ANIONS, standard_cell

PMG = Path(pymatgen.core.__file__).parents[1] / "util" / "structures"


def _load(name: str) -> Structure:
    return Structure.from_file(PMG / f"{name}.json")


@pytest.fixture(scope="module")
def li2o() -> Structure:
    return _load("Li2O")


@pytest.fixture(scope="module")
def lifepo4() -> Structure:
    return _load("LiFePO4")


@pytest.fixture(scope="module")
def sio2() -> Structure:
    return _load("SiO2")


@pytest.fixture(scope="module")
def li2o_strained(li2o: Structure) -> Structure:
    s = li2o.copy()
    s.scale_lattice(li2o.volume * 1.15)  # a cheap second Li compound with another barrier
    return s


@pytest.fixture(scope="module")
def disordered(li2o: Structure) -> Structure:
    s = li2o.copy()
    s.replace(0, {"Li": 0.5})  # half-occupied Li site
    return s


def test_supported_anions_match_bvlain_table():
    import bvlain

    path = Path(bvlain.__file__).parent / "data" / "cation.pkl"
    with path.open("rb") as f:  # bvlain's own shipped parameter table
        table = pickle.load(f)
    from pymatgen.core import Element

    li_table = table[3][1]
    got = {(Element.from_Z(int(z)).symbol, int(q)) for z, qs in li_table.items() for q in qs}
    assert got == SUPPORTED_ANIONS


def test_li2o_matches_bvlain_directly(li2o):
    """Our guarded path gives exactly what bvlain gives on the same decorated standard cell."""
    from bvlain import Lain

    cell = assign_oxidation_states(standard_cell(li2o))
    lain = Lain(verbose=False)
    lain.read_structure(cell, oxi_check=False)
    lain.bvse_distribution(mobile_ion="Li1+", resolution=0.2)
    ref = lain.percolation_barriers()
    df = migration_energy([li2o], progress=False)
    assert df.loc[0, "reason"] == ""
    for d in (1, 2, 3):
        assert df.loc[0, f"e_{d}d"] == pytest.approx(float(ref[f"E_{d}D"]), abs=1e-9)
    # antifluorite Li2O: isotropic 3-D network, all three barriers equal, a few tenths of eV
    assert df.loc[0, "e_1d"] == df.loc[0, "e_3d"]
    assert 0.1 < df.loc[0, "e_3d"] < 0.6


def test_guards_refuse_with_reasons(li2o, sio2, disordered):
    with pytest.warns(UserWarning, match="refused"):
        df = migration_energy([sio2, disordered, li2o], progress=False)
    assert list(df.columns) == ["e_1d", "e_2d", "e_3d", "reason"]
    assert "no Li" in df.loc[0, "reason"] and df.loc[0, ["e_1d", "e_2d", "e_3d"]].isna().all()
    assert "disordered" in df.loc[1, "reason"] and np.isnan(df.loc[1, "e_3d"])
    assert df.loc[2, "reason"] == "" and np.isfinite(df.loc[2, "e_3d"])


def test_unsupported_anion_and_peroxide_refused():
    # Li3P: P3- is not in bvlain's Li+ table
    li3p = Structure(
        Lattice.cubic(5.7),
        ["Li", "Li", "Li", "P"],
        [[0, 0, 0], [0.5, 0.5, 0.5], [0.25, 0.25, 0.25], [0.75, 0.75, 0.75]],
    )
    with pytest.raises(LabelRefused):
        assign_oxidation_states(li3p)
    peroxide = _load("Li2O2")
    with pytest.warns(UserWarning, match="refused"):
        df = migration_energy([li3p, peroxide], progress=False)
    assert (df["reason"] != "").all() and df[["e_1d", "e_2d", "e_3d"]].isna().all().all()


def test_oxidation_states_bond_valence(lifepo4):
    s = assign_oxidation_states(lifepo4)
    states = {sp.symbol: sp.oxi_state for sp in s.composition}
    assert states == {"Li": 1, "Fe": 2, "P": 5, "O": -2}


def test_time_limit_stops_and_records(li2o):
    slow = _load("Li3V2(PO4)3")  # ~3 s of bvlain on this machine, Li2O ~0.2 s
    with pytest.warns(UserWarning, match="refused"):
        df = migration_energy([slow, li2o], time_limit=1.0, progress=False)
    assert "time limit" in df.loc[0, "reason"] and np.isnan(df.loc[0, "e_3d"])
    # the worker was restarted: the next structure is still labelled
    assert df.loc[1, "reason"] == "" and np.isfinite(df.loc[1, "e_3d"])


def test_memory_guard_refuses_big_grid(lifepo4):
    with pytest.warns(UserWarning, match="refused"):
        df = migration_energy([lifepo4], resolution=0.05, memory_limit="1 GiB", progress=False)
    assert "memory limit" in df.loc[0, "reason"] and np.isnan(df.loc[0, "e_3d"])


def test_memory_rlimit_in_child(lifepo4):
    """Without the up-front estimate, the child's RLIMIT_AS stops the run (MemoryError)."""
    from materials_map.labels.runner import LabelWorker

    with LabelWorker(time_limit=120, memory_limit=int(1.2 * 2**30)) as w:
        rec = w.label(lifepo4.as_dict(), 0.06, 10.0, precheck=False)
    assert rec["kind"] == "limit" and "memory limit" in rec["reason"]


def test_parallel_equals_serial_and_series_index(li2o, li2o_strained, sio2):
    structures = pd.Series([li2o, sio2, li2o_strained, li2o], index=["a", "b", "c", "d"])
    with pytest.warns(UserWarning, match="refused"):
        serial = migration_energy(structures, n_jobs=1, progress=False)
    with pytest.warns(UserWarning, match="refused"):
        parallel = migration_energy(structures, n_jobs=2, progress=False)
    assert list(serial.index) == ["a", "b", "c", "d"]
    pd.testing.assert_frame_equal(serial, parallel)
    assert serial.loc["a", "e_3d"] == serial.loc["d", "e_3d"]
    assert serial.loc["c", "e_3d"] != serial.loc["a", "e_3d"]


def test_dask_client_equals_serial(li2o, li2o_strained, sio2):
    distributed = pytest.importorskip("distributed")
    structures = [li2o, sio2, li2o_strained]
    with pytest.warns(UserWarning, match="refused"):
        serial = migration_energy(structures, progress=False)
    with distributed.Client(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
    ) as client:
        with pytest.warns(UserWarning, match="refused"):
            viadask = migration_energy(structures, client=client, chunk_size=1, progress=False)
    pd.testing.assert_frame_equal(serial, viadask)


def test_cache_resumes_without_recomputing(tmp_path, li2o, li2o_strained, monkeypatch):
    first = migration_energy([li2o], cache=tmp_path, progress=False)
    assert len(LabelCache(tmp_path)) == 1
    # a second run with one more structure computes only the new one
    import materials_map.labels.bvse as bvse

    calls = []
    real = bvse.LabelWorker.label

    def counting(self, d, *a, **k):
        calls.append(d)
        return real(self, d, *a, **k)

    monkeypatch.setattr(bvse.LabelWorker, "label", counting)
    both = migration_energy([li2o, li2o_strained], cache=tmp_path, progress=False)
    assert len(calls) == 1
    assert both.loc[0, "e_3d"] == first.loc[0, "e_3d"]
    assert len(LabelCache(tmp_path)) == 2
    # a resolution change is a different label
    again = migration_energy([li2o], cache=tmp_path, resolution=0.25, progress=False)
    assert len(calls) == 2 and np.isfinite(again.loc[0, "e_3d"])


def test_time_limit_failure_not_reused_with_larger_limit(tmp_path, lifepo4):
    with pytest.warns(UserWarning, match="refused"):
        short = migration_energy([lifepo4], cache=tmp_path, time_limit=0.3, progress=False)
    assert "time limit" in short.loc[0, "reason"]
    longer = migration_energy([lifepo4], cache=tmp_path, time_limit=120, progress=False)
    assert longer.loc[0, "reason"] == ""
    # LiFePO4: 1-D channels along b, the famous low 1-D barrier, much higher 3-D barrier
    assert longer.loc[0, "e_1d"] < 0.8 < longer.loc[0, "e_3d"]


def test_cell_convention_invariance(li2o):
    """A supercell or a shifted origin labels identically: one cell convention throughout."""
    sup = li2o * (2, 1, 1)
    shifted = li2o.copy()
    shifted.translate_sites(range(len(shifted)), [0.13, 0.07, 0.02])
    df = migration_energy([li2o, sup, shifted], progress=False)
    assert df["e_3d"].nunique() == 1, df


def test_bad_arguments():
    with pytest.raises(ValueError, match="resolution"):
        migration_energy([], resolution=0)
    with pytest.raises(ValueError, match="n_jobs"):
        migration_energy([], n_jobs=0)
    with pytest.warns(UserWarning, match="refused"):
        df = migration_energy(["not a structure"], progress=False)
    assert "not a pymatgen Structure" in df.loc[0, "reason"]
