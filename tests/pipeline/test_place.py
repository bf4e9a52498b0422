"""``mm.place`` on the default map: materials of the map placed again land on their own points,
every input form reads, every refusal has a reason, and the table holds what the map's model,
ensemble and classifier say there. Expectations come from the package's API at test time
(the default model may be retrained)."""

from __future__ import annotations

import gzip
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
from pymatgen.core import Lattice, Structure

import materials_map as mm
from materials_map.model.screening import superionic_columns
from materials_map.placement import PLACED, place, placed_result


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MATERIALS_MAP_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield mm.build_map("li-o", progress=False)


@pytest.fixture(scope="module")
def rows(result):
    """Three materials of the map (<= 40 sites): two generated, one measured (OBELiX)."""
    df = result.dataset.df
    small = np.array([s is not None and len(s) <= 40 for s in df["structure"]])
    gen = np.flatnonzero(small & (df["source"] == "generated").to_numpy())
    real = np.flatnonzero(small & (df["source"] == "obelix").to_numpy())
    return [int(gen[0]), int(gen[len(gen) // 2]), int(real[0])]


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def test_a_material_of_the_map_placed_again_lands_on_its_own_point(result, rows):
    df = result.dataset.df
    p = _quiet(place, result, [df["structure"][i] for i in rows], n_jobs=1)
    assert p.failures == [] and len(p) == 3
    span = np.ptp(result.coords, axis=0)
    off = np.abs(p.coords - result.coords[rows]) / span
    assert off.max() <= 1e-6, off
    assert list(p.table["nearest_id"]) == list(df["id"][rows])  # its own nearest neighbour
    assert (p.table["nearest_distance"] <= 1e-6).all()
    # the table is what the map's model, head ensemble and classifier say at those points
    pred = f"predicted_{result.target}"
    np.testing.assert_allclose(p.table[pred], result.model.predict_coords(p.coords), rtol=1e-6)
    std = result.ensemble.predict(p.coords, return_std=True)[1]
    np.testing.assert_allclose(p.table[pred + "_std"], std, rtol=1e-6)
    sup = superionic_columns(p.descriptors, "default")
    np.testing.assert_allclose(p.table["p_superionic"], sup["p_superionic"])
    np.testing.assert_allclose(
        p.table["distance_to_training"],
        result.superionic.iloc[rows]["distance_to_training"],
        rtol=1e-6,
        atol=1e-5,  # an OBELiX training row: ~0 up to the rounding of a sqrt of sums
    )
    assert list(p.table["structure_type"]) == [mm.structure_type(df["structure"][i]) for i in rows]
    # the k nearest known materials, nearest first, with their target and measured sigma
    first = p.neighbours[p.neighbours["row"] == 2]
    assert len(first) == 5 and first["distance"].is_monotonic_increasing
    assert first["id"].iloc[0] == df["id"][rows[2]]
    sigma = 10.0 ** df["log10_sigma"].iloc[rows[2]]
    assert first["sigma"].iloc[0] == pytest.approx(sigma, rel=1e-9)
    assert p.table["neighbour_ids"].iloc[2] == list(first["id"])


def test_files_folders_zips_datasets_and_frames(result, rows, tmp_path):
    df = result.dataset.df
    s = [df["structure"][i] for i in rows]
    folder = tmp_path / "mine"
    folder.mkdir()
    s[0].to(filename=str(folder / "first.cif"))
    (folder / "second.cif.gz").write_bytes(gzip.compress(s[2].to(fmt="cif").encode()))
    s[1].to(filename=str(folder / "POSCAR"), fmt="poscar")  # the disordered one has no POSCAR
    from ase.io import write
    from pymatgen.io.ase import AseAtomsAdaptor

    write(str(folder / "third.extxyz"), AseAtomsAdaptor.get_atoms(s[1]), format="extxyz")
    (folder / "broken.cif").write_text("data_broken\n_cell_length_a 3.0\nnot a CIF\n")
    (folder / "notes.txt").write_text("my notes")
    archive = tmp_path / "more.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(folder / "first.cif", "sub/first.cif")  # a second "first": id first~2
        zf.writestr("empty.cif", "")
    p = _quiet(place, result, [folder, archive, tmp_path / "missing.cif"], n_jobs=1)
    placed = dict(zip(p.table["id"], range(len(p)), strict=True))
    assert set(placed) == {"first", "second", "POSCAR", "third", "first~2"}
    refused = {f["item"].split("/")[-1]: f["error"] for f in p.failures}
    assert set(refused) == {"broken.cif", "notes.txt", "empty.cif", "missing.cif"}
    assert refused["broken.cif"].startswith("no atom sites")
    assert refused["notes.txt"].startswith("unknown file type")
    assert refused["empty.cif"].startswith("empty file")
    assert refused["missing.cif"] == "file not found"
    span = np.ptp(result.coords, axis=0)
    # written files round to ~1e-6 Å and miss the descriptor cache: near their points
    for name, i in (("first", 0), ("second", 2), ("POSCAR", 1), ("third", 1), ("first~2", 0)):
        off = np.abs(p.coords[placed[name]] - result.coords[rows[i]]) / span
        assert off.max() <= 1e-4, (name, off)
        assert p.table["nearest_id"].iloc[placed[name]] == df["id"][rows[i]]
    # a MapDataset keeps its ids and refusals; a DataFrame's unreadable row is refused
    ds = _quiet(mm.datasets.from_structures, [s[0], "no"], ids=["a", "b"])
    p2 = _quiet(place, result, ds, n_jobs=1)
    assert list(p2.table["id"]) == ["a"] and p2.failures[0]["id"] == "b"
    frame = pd.DataFrame({"id": ["x", "y"], "structure": [s[1], "data_y\nnonsense"]})
    p3 = _quiet(place, result, frame, n_jobs=1)
    assert list(p3.table["id"]) == ["x"] and p3.failures[0]["id"] == "y"
    assert p3.coords[0] == pytest.approx(result.coords[rows[1]], abs=1e-6 * span.max())


def test_placed_rows_join_the_map_as_their_own_source(result, rows, tmp_path):
    # a made-up cell: a Li2O-like antifluorite, not on the map
    new = Structure(
        Lattice.cubic(4.7),
        ["Li"] * 8 + ["O"] * 4,
        [
            [0.25, 0.25, 0.25],
            [0.75, 0.75, 0.75],
            [0.25, 0.75, 0.75],
            [0.75, 0.25, 0.25],
            [0.75, 0.25, 0.75],
            [0.25, 0.75, 0.25],
            [0.75, 0.75, 0.25],
            [0.25, 0.25, 0.75],
            [0, 0, 0],
            [0.5, 0.5, 0],
            [0.5, 0, 0.5],
            [0, 0.5, 0.5],
        ],
    )
    df = result.dataset.df
    p = _quiet(place, result, [new, df["structure"][rows[0]]], n_jobs=2)
    assert len(p) == 2 and p.table["structure_type"].iloc[0] == mm.structure_type(new)
    both = placed_result(result, [p])
    n = len(result.coords)
    assert len(both.coords) == len(both.dataset.df) == len(both.descriptors) == n + 2
    np.testing.assert_array_equal(both.coords[:n], result.coords)
    np.testing.assert_array_equal(both.coords[n:], p.coords)
    assert (both.dataset.df["source"].iloc[n:] == PLACED).all()
    assert both.dataset.df["id"].is_unique and both.grid is result.grid
    assert len(both.table) == n + 2 and len(both.superionic) == n + 2
    out = p.to_csv(tmp_path / "placed.csv")
    back = pd.read_csv(out)
    assert list(back["id"]) == list(p.table["id"]) and "; " in back["neighbour_ids"][0]


@pytest.mark.slow
def test_label_true_adds_the_guarded_bvse_barrier_in_the_background(result, tmp_path):
    li2o = Structure.from_spacegroup(
        225, Lattice.cubic(4.61), ["O", "Li"], [[0, 0, 0], [0.25, 0.25, 0.25]]
    )
    li2o = li2o.get_primitive_structure()
    seen = []
    p = _quiet(place, result, [li2o], label=True, n_jobs=1)
    p.on_label(lambda row, value, reason: seen.append((row, value, reason)))
    assert p.wait(120)
    target = mm.placement.LABEL
    direct = _quiet(mm.labels.migration_energy, [li2o], progress=False, time_limit=120).iloc[0]
    assert p.table[target].iloc[0] == pytest.approx(direct["e_3d"], rel=1e-9)
    assert p.table["label_reason"].iloc[0] == ""
    assert seen == [(0, p.table[target].iloc[0], "")]  # exactly once, arrived before or after


def test_the_place_command_writes_table_csv_and_html(result, rows, tmp_path, capsys, monkeypatch):
    from materials_map.cli import main

    monkeypatch.setenv("MATERIALS_MAP_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr("materials_map.pipeline.build_map", lambda *a, **k: result)  # built once
    s = result.dataset.df["structure"][rows[1]]
    s.to(filename=str(tmp_path / "mine.cif"))
    (tmp_path / "bad.cif").write_text("data_bad\n")
    args = ["place", str(tmp_path / "mine.cif"), str(tmp_path / "bad.cif"), "--quiet"]
    assert main([*args, "--csv", str(tmp_path / "t.csv"), "--html", str(tmp_path / "m.html")]) == 0
    out, err = capsys.readouterr()
    assert "mine" in out and f"refused {tmp_path / 'bad.cif'}: " in err
    assert list(pd.read_csv(tmp_path / "t.csv")["id"]) == ["mine"]
    page = (tmp_path / "m.html").read_text()
    assert '"placed"' in page and '"mine"' in page
    assert main(["place", str(tmp_path / "bad.cif"), "--quiet"]) == 1  # nothing placed
