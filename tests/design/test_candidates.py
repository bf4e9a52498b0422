"""Candidates export (CIF folder, zip, MapDataset) and verification (guarded BVSE label)."""

from __future__ import annotations

import math
import warnings
import zipfile

import numpy as np
import pytest
from pymatgen.core import Structure
from pymatgen.io.cif import CifParser

import materials_map.design
from materials_map.design.known import matcher


@pytest.fixture(scope="module")
def few(designer, small_map):
    """Eight candidates near a map material (a small, fast search)."""
    c = designer.propose(
        at=small_map.coords[3],
        n=8,
        rounds=1,
        per_round=16,
        volume_factors=(),
        progress=False,
        random_state=3,
    )
    assert len(c) >= 4
    return c


def _read(text: str) -> Structure:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CifParser.from_str(text).parse_structures(primitive=False)[0]


def test_cif_folder_reads_back_to_the_same_structures(few, tmp_path):
    out = few.to_cifs(tmp_path / "cifs")
    files = sorted(out.glob("*.cif"))
    assert [f.stem for f in files] == sorted(few.df["id"])
    sm = matcher()
    by_id = dict(zip(few.df["id"], few.df["structure"], strict=True))
    for f in files:
        s = _read(f.read_text())
        assert s.composition.reduced_formula == by_id[f.stem].composition.reduced_formula
        assert sm.fit(s, by_id[f.stem])
    assert not list(out.glob(".*"))  # no temporary files left behind


def test_cif_zip_reads_back(few, tmp_path):
    path = few.to_cifs(tmp_path / "cands.zip")
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
        assert names == sorted(f"{i}.cif" for i in few.df["id"])
        s = _read(zf.read(names[0]).decode())
    want = dict(zip(few.df["id"], few.df["structure"], strict=True))[names[0][:-4]]
    np.testing.assert_allclose(s.lattice.abc, want.lattice.abc, rtol=1e-4)


def test_to_dataset_is_a_map_dataset_that_featurizes(few):
    import materials_map as mm

    ds = few.to_dataset()
    assert len(ds) == len(few) and (ds.df["source"] == "proposed").all()
    assert ds.target == "migration_energy" and ds.df["migration_energy"].isna().all()
    assert ds.metadata["generated"] is True and "NOT database entries" in ds.metadata["description"]
    X = mm.featurize(ds, progress=False)
    assert len(X) == len(ds) and not len(X.failures)


def test_verify_labels_with_bvse_and_replaces_the_prediction(few):
    """relax=False: the unrelaxed candidate gets the guarded BVSE barrier, which replaces the
    prediction in ``me``; the row says it was not relaxed."""
    from materials_map.labels import migration_energy

    one = few.subset([0])
    v = materials_map.design.verify(one, relax=False, progress=False)
    row = v.df.iloc[0]
    ref = migration_energy([one.df["structure"].iloc[0]], progress=False).iloc[0]
    assert bool(row["verified"]) and not bool(row["relaxed"])
    assert row["me"] == pytest.approx(ref["e_3d"]) and row["e_1d"] == pytest.approx(ref["e_1d"])
    assert row["me_source"] == "BVSE e_3d, unrelaxed"
    assert "not relaxed" in row["verify_reason"]
    assert row["predicted"] == pytest.approx(one.df["predicted"].iloc[0])  # kept beside it
    ds = v.to_dataset()
    assert ds.df["migration_energy"].iloc[0] == pytest.approx(ref["e_3d"])


def test_verify_records_the_reason_of_a_failure(few):
    """A candidate the labeller refuses (no Li left) stays unverified with the reason; the
    others go on."""
    two = few.subset([0, 1])
    df = two.df.copy()
    s = df["structure"].iloc[1].copy()
    s.remove_species([sp for sp in s.composition if sp.symbol == "Li"])
    df.at[df.index[1], "structure"] = s
    broken = materials_map.design.Candidates(df, two.target, two.info, two.designer)
    seen = []
    with pytest.warns(UserWarning, match="refused"):
        v = materials_map.design.verify(
            broken, relax=False, progress=False, callback=lambda i, r: seen.append(i)
        )
    assert seen == [0, 1]
    assert bool(v.df["verified"].iloc[0]) and not bool(v.df["verified"].iloc[1])
    assert "label failed" in v.df["verify_reason"].iloc[1] and "Li" in v.df["verify_reason"].iloc[1]
    assert v.df["me"].iloc[1] == pytest.approx(two.df["predicted"].iloc[1])
    assert math.isfinite(v.df["me"].iloc[0])


def test_verify_stops_when_asked(few):
    import threading

    stop = threading.Event()
    stop.set()
    v = materials_map.design.verify(few.subset([0, 1]), relax=False, progress=False, stop=stop)
    assert (v.df["verify_reason"] == "stopped").all() and not v.df["verified"].any()


@pytest.mark.slow
def test_verify_relaxes_with_chgnet_when_available(few):
    """With the relax layer present, the candidate is relaxed, labelled and re-encoded."""
    pytest.importorskip("materials_map.relaxation")
    pytest.importorskip("chgnet")
    v = materials_map.design.verify(few.subset([0]), progress=False)
    row = v.df.iloc[0]
    if not row["relaxed"]:
        pytest.fail(f"relaxation failed: {row['verify_reason']}")
    assert row["me_source"] == "BVSE e_3d, relaxed (CHGNet)"
    assert row["structure"] is not row["structure_generated"]
    assert np.isfinite([row["x_comp"], row["x_struct"]]).all()
