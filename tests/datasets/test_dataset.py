"""MapDataset: exact parquet round trips, metadata, subset, summary, registry."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pymatgen.core import Lattice, Structure

from materials_map.datasets import MapDataset, available, from_dataframe, from_structures, load
from materials_map.datasets.registry import data_path


def _structures() -> list[Structure]:
    li2o = Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(4.6114), ["Li", "O"], [[0.25, 0.25, 0.25], [0, 0, 0]]
    )
    llto = Structure(
        Lattice.tetragonal(3.87, 7.75),  # disordered A sites, site properties
        [{"La": 0.53, "Li": 0.2}, {"La": 0.47}, "Ti", "Ti", "O", "O"],
        [
            [0, 0, 0],
            [0, 0, 0.5],
            [0.5, 0.5, 0.26],
            [0.5, 0.5, 0.74],
            [0.5, 0.5, 0],
            [0.5, 0.5, 0.5],
        ],
        site_properties={"magmom": [0.0, 0.0, 0.1, 0.1, 0.0, 0.0]},
    )
    li2o_ox = li2o.copy()
    li2o_ox.add_oxidation_state_by_element({"Li": 1, "O": -2})
    return [li2o, llto, li2o_ox]


def test_round_trip_is_exact(tmp_path):
    structs = _structures()
    ds = from_structures(
        structs,
        ids=["a", "b", "c"],
        target="migration_energy",
        migration_energy=[0.31, np.nan, 0.12345678901234567],
        note=["x", "y", "z"],
    )
    ds.metadata["provenance"] = {"built_by": "test", "n": 3}
    path = ds.to_parquet(tmp_path / "sub" / "ds.parquet")
    back = MapDataset.from_parquet(path)
    assert back.target == "migration_energy"
    assert back.metadata["provenance"] == {"built_by": "test", "n": 3}
    assert list(back.df.columns) == list(ds.df.columns)
    for s0, s1 in zip(ds.structures, back.structures, strict=True):
        assert s1 == s0  # same species, occupancies, lattice and positions
        assert s1.as_dict() == s0.as_dict()  # bit-exact floats, oxidation states, site properties
    assert back.df["migration_energy"].iloc[2] == 0.12345678901234567
    assert np.isnan(back.df["migration_energy"].iloc[1])
    pd.testing.assert_frame_equal(
        back.df.drop(columns="structure"), ds.df.drop(columns="structure")
    )
    # stored as JSON text, not pickle
    import pyarrow.parquet as pq

    col = pq.read_table(path).column("structure").to_pylist()
    assert json.loads(col[0])["@class"] == "Structure"
    assert not list(tmp_path.glob("sub/.*tmp"))  # atomic write leaves no temp file


def test_derived_columns_and_validation():
    ds = from_structures(_structures()[:2], energy=[1.0, 2.0])
    assert ds.df["formula"].iloc[0] == "Li2O"
    assert ds.df["formula"].iloc[1] == ds.df["structure"].iloc[1].composition.reduced_formula
    assert ds.df["li_fraction"].iloc[0] == pytest.approx(2 / 3)
    assert ds.df["o_fraction"].iloc[0] == pytest.approx(1 / 3)
    llto = ds.df["structure"].iloc[1].composition
    assert ds.df["li_fraction"].iloc[1] == pytest.approx(0.2 / llto.num_atoms)
    with pytest.raises(ValueError, match="unique"):
        MapDataset(pd.DataFrame({"id": ["a", "a"], "structure": _structures()[:2]}))
    with pytest.raises(KeyError, match="target"):
        MapDataset(ds.df, target="nope")
    with pytest.raises(TypeError, match="Structure"), pytest.warns(UserWarning, match="refused"):
        from_structures(["Li2O"])
    with pytest.raises(ValueError, match="label"):
        from_structures(_structures()[:2], energy=[1.0])


def test_subset_summary_and_dataframe_loader():
    structs = _structures()
    df = pd.DataFrame(
        {
            "name": ["p", "q", "r"],
            "structure": [structs[0].as_dict(), json.dumps(structs[1].as_dict()), _cif(structs[2])],
            "y": [1.0, 2.0, 3.0],
        }
    )
    ds = from_dataframe(df, id_col="name", target="y")
    assert list(ds.df["id"]) == ["p", "q", "r"]
    assert ds.df["structure"].iloc[1] == structs[1]
    assert ds.df["structure"].iloc[2].composition.reduced_formula == "Li2O"
    sub = ds.subset(ds.df["y"] > 1.5)
    assert list(sub.df["id"]) == ["q", "r"] and sub.target == "y"
    assert list(ds.subset([2, 0]).df["id"]) == ["r", "p"]
    summ = ds.summary()["value"]
    assert summ["materials"] == 3 and summ["target max"] == 3.0 and summ["with structure"] == 3
    with pytest.raises(KeyError, match="no column"):
        from_dataframe(df, structure_col="cif")


def test_registry_names_li_o_and_reports_missing_file():
    assert "li-o" in available()
    p = data_path("li-o")
    assert (
        p.name == "li-o.parquet" and p.parent.name == "data" and p.parent.parent.name == "datasets"
    )
    with pytest.raises(KeyError, match="available: \\['li-o'"):
        load("no-such-set")
    if not p.is_file():
        with pytest.raises(FileNotFoundError, match="li-o"):
            load("li-o")
    else:
        ds = load("li-o")
        assert len(ds) > 0 and all(s is not None for s in ds.structures)


def _cif(s: Structure) -> str:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pymatgen warns about repeated site labels
        return s.to(fmt="cif")


def test_fast_structure_reader_equals_from_dict():
    """The loader's shared-Composition reader gives exactly what Structure.from_dict gives."""
    from materials_map.datasets.dataset import _structure_from_dict

    # partial occupancy + oxidation states, charge neutral (a charged one takes from_dict)
    mixed = Structure(
        Lattice.hexagonal(5.1, 13.0),
        [{"Li+": 0.5, "Na+": 0.5}, "Nb5+", "O2-", "O2-", "O2-"],
        [[0, 0, 0], [0, 0, 0.35], [0.3, 0, 0.25], [0, 0.3, 0.25], [0.7, 0.7, 0.25]],
        labels=["A", "Nb1", "O1", "O2", "O3"],
    )
    shared: dict = {}
    for s in [*_structures(), mixed, mixed.copy()]:
        d = json.loads(json.dumps(s.as_dict()))
        fast = _structure_from_dict(d, shared)
        assert fast.as_dict() == Structure.from_dict(d).as_dict()
        assert [site.label for site in fast] == [site.label for site in s]
    # one (immutable) Composition per distinct site species, the source of the speed
    plain = [s for s in [*_structures(), mixed] if "magmom" not in s.site_properties]
    assert len(shared) == len({site.species for s in plain for site in s})
