"""The crystal viewer's Python side: wire format, widget state, pathways, Explorer links.

Real structures: pymatgen's shipped crystals and the Explorer test set (seven Li–O families,
one disordered rock salt). The browser side is tested in tests/browser/test_crystal.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pymatgen.core
import pymatgen.vis
import pytest
import yaml
from pymatgen.analysis.structure_matcher import StructureMatcher
from pymatgen.core import Element, Lattice, Structure

from materials_map.io.document import MapDocument
from materials_map.widgets.crystal import (
    CrystalWidget,
    pathway_json,
    structure_from_json,
    structure_json,
)

ROOT = Path(__file__).resolve().parents[2]
PMG = Path(pymatgen.core.__file__).parents[1] / "util" / "structures"


def _shipped(name: str) -> Structure:
    return Structure.from_file(PMG / f"{name}.json")


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """One pathway cache for the module: LiFePO4's volume is computed once."""
    return tmp_path_factory.mktemp("pathways")


def test_element_table_matches_pymatgen():
    """js/src/crystal/elements.ts: VESTA colours and atomic radii as pymatgen ships them."""
    text = (ROOT / "js" / "src" / "crystal" / "elements.ts").read_text()
    table = {
        m[1]: (m[2], float(m[3]))
        for m in re.finditer(r'^\s+(\w+): \["(#[0-9a-f]{6})", ([\d.]+)\],', text, re.M)
    }
    vesta = yaml.safe_load(
        (Path(pymatgen.vis.__file__).parent / "ElementColorSchemes.yaml").read_text()
    )["VESTA"]
    expected = {el.symbol for el in Element if el.Z <= 103 and el.symbol in vesta}
    assert set(table) == expected and len(table) > 100
    for sym, (colour, radius) in table.items():
        assert colour == "#{:02x}{:02x}{:02x}".format(*vesta[sym]), sym
        r = Element(sym).atomic_radius
        assert radius == pytest.approx(float(r) if r else 1.5, abs=0.005), sym


def test_structure_json_round_trip_and_size():
    s = _shipped("LiFePO4")
    j = structure_json(s, id="lfp", index=4)
    assert j["species"] == ["Li", "Fe", "P", "O"] and len(j["sites"]) == len(s) == 28
    assert all(isinstance(site[3], int) for site in j["sites"])  # ordered: one species index
    assert "labels" not in j  # pymatgen's labels are the species strings: not repeated
    back = structure_from_json(j)
    np.testing.assert_allclose(back.lattice.matrix, s.lattice.matrix, atol=5e-5)
    d = back.frac_coords - s.frac_coords % 1.0
    assert np.abs(d - np.round(d)).max() < 5e-5
    assert [str(x) for x in back.species] == [str(x) for x in s.species]
    size = len(json.dumps(j, separators=(",", ":")))
    assert size / len(s) < 40  # bytes per ordered site (docs/crystal.md)


def test_partial_occupancy_and_labels_are_kept():
    s = Structure(
        Lattice.cubic(4.15),
        [{"Li": 0.5, "Ni": 0.4}, "O"],
        [[0, 0, 0], [0.5, 0.5, 0.5]],
        labels=["M1", "O1"],
    )
    j = structure_json(s, id="rs")
    assert j["labels"] == ["M1", "O1"]
    assert j["sites"][0][3] == [[0, 0.5], [1, 0.4]] and j["sites"][1][3] == 2
    back = structure_from_json(j)
    assert back[0].species.as_dict() == {"Li": 0.5, "Ni": 0.4} and back[0].label == "M1"
    assert StructureMatcher().fit(back, s)
    with pytest.raises(TypeError, match="rs.*pymatgen Structure"):
        structure_json("LiO", id="rs")


def test_widget_modes_and_validation():
    w = CrystalWidget(_shipped("Li2O"), id="li2o")
    assert w.mode == "single" and [c["id"] for c in w.structures] == ["li2o"]
    structures = [_shipped(n) for n in ("LiFePO4", "Li2O", "SrTiO3")] * 4
    w.show_grid(structures, ids=[f"m{k}" for k in range(12)], indices=range(12))
    assert w.mode == "grid" and [c["id"] for c in w.structures] == [f"m{k}" for k in range(9)]
    assert [c["index"] for c in w.structures] == list(range(9))
    w.compare(structures[0], structures[1], ids=("a", "b"))
    assert w.mode == "compare" and [c["id"] for c in w.structures] == ["a", "b"]
    with pytest.raises(Exception, match="supercell"):
        w.supercell = [1, 0, 2]
    picked = []
    w.on_pick(lambda i, sid: picked.append((i, sid)))
    w._on_custom_msg(w, {"type": "pick", "index": 3, "id": "m3"}, [])
    assert picked == [(3, "m3")]


def test_pathways_are_computed_for_shown_crystals(cache):
    w = CrystalWidget(pathway_options={"cache": cache})
    w.compare(_shipped("LiFePO4"), _shipped("SrTiO3"), ids=("lfp", "sto"))
    out = w.compute_pathways(wait=True)
    vol = out["lfp"]
    assert 0.2 < vol.barriers["e_1d"] < 0.7
    assert set(w.pathways) == {"lfp"}
    p = w.pathways["lfp"]
    assert len(p["data"]) == int(np.prod(p["shape"])) and max(p["shape"]) <= 64
    assert p["barriers"]["e_1d"] == vol.barriers["e_1d"] and p["cell"]["sites"]
    assert "no Li" in w.pathway_status["sto"] and "no Li" in out["sto"]
    # the wire form is what the document embeds
    j = pathway_json(vol, "lfp")
    assert bytes(j["data"]) == vol.energy.tobytes()
    # switching away drops the other crystals' volumes from the trait
    w.show(_shipped("Li2O"), id="li2o")
    assert w.pathways == {} and w.volume_of(_shipped("LiFePO4")) is vol


def test_show_pathway_computes_in_the_background(tmp_path):
    w = CrystalWidget(_shipped("Li2O"), id="li2o", pathway_options={"cache": tmp_path})
    assert w.pathways == {}
    w.show_pathway = True  # the browser's checkbox
    assert "computing" in w.pathway_status.get("li2o", "") or "li2o" in w.pathways
    w._pool.submit(lambda: None).result(timeout=120)  # the single worker has finished
    assert "li2o" in w.pathways and "li2o" not in w.pathway_status
    assert w.pathways["li2o"]["barriers"]["e_3d"] == w.volumes["li2o"].barriers["e_3d"]


def test_document_carries_crystals_and_pathways(tmp_path, cache):
    from materials_map.widgets.map import MapWidget

    s = _shipped("LiFePO4")
    w = MapWidget(np.array([[0.0, 0.0], [1.0, 1.0]]))
    crystals = [structure_json(s, id="lfp", index=0), None]
    vol_w = CrystalWidget(pathway_options={"cache": cache})
    vol = vol_w.volume_of(s) or _volume(vol_w, s)
    doc = MapDocument.from_widget(w, structures=crystals, pathways={0: pathway_json(vol, "lfp")})
    path = doc.save(tmp_path / "c.mmap")
    raw = json.loads(path.read_text())
    assert raw["structures"][1] is None and set(raw["pathways"]) == {"0"}
    assert set(raw["pathways"]["0"]["data"]) == {"b64"}
    back = MapDocument.load(path)
    assert back.structures == crystals
    assert back.pathways[0]["data"] == vol.energy.tobytes()
    # a structures list that does not match the points is refused with the reason
    import pandas as pd

    bad = MapDocument(
        traits=doc.traits, table=pd.DataFrame({"id": ["a", "b", "c"]}), structures=crystals
    )
    with pytest.raises(ValueError, match="bad.mmap.*one entry per map point"):
        MapDocument.from_json(bad.to_json(), source="bad.mmap")


def _volume(w: CrystalWidget, s: Structure):
    w.show(s, id="x")
    return w.compute_pathways(wait=True)["x"]


# ---------------------------------------------------------------------------- the Explorer
@pytest.fixture(scope="module")
def ex():
    from materials_map.datasets import MapDataset
    from materials_map.features.batch import featurize
    from materials_map.pipeline import map_result
    from materials_map.widgets.explorer import Explorer
    from tests.widgets.test_explorer import TARGET, _frame, _one_torch_thread, _small_model

    df = _frame()
    X = featurize(MapDataset(df), progress=False)
    with _one_torch_thread():
        model = _small_model().fit(X, df[TARGET].to_numpy())
    return Explorer(map_result(df, X, model, TARGET), n_neighbours=6)


def test_explorer_focus_grid_and_pick(ex):
    ids = ex.table["id"].tolist()
    ex.map.focused = 5
    assert ex.crystal.mode == "single"
    assert [(c["id"], c["index"]) for c in ex.crystal.structures] == [(ids[5], 5)]
    shown = structure_from_json(ex.crystal.structures[0])
    assert StructureMatcher().fit(shown, ex.result.dataset.df["structure"].iloc[5])
    sel = [1, 2, 4, 7, 8, 9, 10, 11, 12, 13, 14]
    ex.map.select(sel)
    assert ex.crystal.mode == "grid"
    assert [c["id"] for c in ex.crystal.structures] == [ids[i] for i in sel[:9]]
    ex.crystal._on_custom_msg(ex.crystal, {"type": "pick", "index": 7, "id": ids[7]}, [])
    assert ex.map.focused == 7 and ex.crystal.mode == "single"
    assert ex.crystal.structures[0]["id"] == ids[7]
    ex.compare(0, 3)
    assert [c["id"] for c in ex.crystal.structures] == [ids[0], ids[3]]


def test_explorer_save_embeds_every_crystal(ex, tmp_path):
    doc = ex.save(tmp_path / "e.mmap")
    assert len(doc.structures) == len(ex.table)
    assert [c["id"] for c in doc.structures] == ex.table["id"].tolist()
    rs = doc.structures[-1]  # the disordered rock salt keeps its occupancies
    assert any(isinstance(site[3], list) for site in rs["sites"])
    assert ex.save(structures=False).structures is None
