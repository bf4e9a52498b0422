"""CIF folder loader (bad files reported per file) and the OBELiX loader on the real data."""

from __future__ import annotations

import numpy as np
import pytest
from pymatgen.core import Lattice, Structure

from materials_map.datasets import from_cifs, obelix


def test_bad_cif_folder(tmp_path):
    good = Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(4.61), ["Li", "O"], [[0.25, 0.25, 0.25], [0, 0, 0]]
    )
    good.to(filename=str(tmp_path / "li2o.cif"))
    (tmp_path / "garbage.cif").write_text("this is not a CIF\n")
    (tmp_path / "empty.cif").write_text("")
    (tmp_path / "notes.txt").write_text("ignored")
    with pytest.warns(UserWarning, match="2 of 3 CIF files"):
        ds = from_cifs(tmp_path, progress=False)
    assert list(ds.df["id"]) == ["li2o"]
    assert ds.df["structure"].iloc[0].matches(good)
    bad = {f["item"].rsplit("/", 1)[-1]: f["error"] for f in ds.failures}
    assert set(bad) == {"garbage.cif", "empty.cif"} and all(bad.values())
    with pytest.raises(FileNotFoundError, match="not found"):
        from_cifs(tmp_path / "missing")
    only_bad = tmp_path / "bad"
    only_bad.mkdir()
    (only_bad / "x.cif").write_text("nope")
    with pytest.raises(ValueError, match="none of the 1 CIF"), pytest.warns(UserWarning):
        from_cifs(only_bad, progress=False)


def test_obelix_counts_and_derived_columns(obelix_path):
    ds = obelix(obelix_path, progress=False, structures=False)
    df = ds.df
    assert len(ds) == 599 and df["id"].is_unique
    assert int(df["has_cif"].sum()) == 321
    assert ds.target == "log10_sigma"
    row = df.set_index("id").loc["jqc"]  # Li7BiO6, 1.58489e-06 S/cm
    assert row["sigma"] == pytest.approx(1.58489e-06)
    assert row["log10_sigma"] == pytest.approx(np.log10(1.58489e-06))
    assert not row["superionic"]
    assert row["li_fraction"] == pytest.approx(7 / 14)
    # '<1E-10' cells are upper bounds, kept at the bound
    bounds = df[df["sigma_upper_bound"]]
    assert len(bounds) > 0 and (bounds["sigma"] <= 1e-8).all()
    assert (df["superionic"] == (df["sigma"] > 1e-4)).all()
    assert df["superionic"].sum() == (df["log10_sigma"] > -4).sum()
    assert set(df["split"]) == {"train", "test"}
    assert (df["split"] == "test").sum() == len(
        __import__("pandas").read_csv(obelix_path / "test.csv")
    )


@pytest.mark.slow
def test_obelix_with_structures(obelix_path):
    ds = obelix(obelix_path, progress=False)
    assert ds.df["structure"].notna().sum() == 321
    assert (ds.df["structure"].notna() == ds.df["has_cif"]).all()
    llzo = ds.df.set_index("id").loc["etz", "structure"]
    assert llzo.composition.reduced_formula.startswith("Li") and not llzo.is_ordered
