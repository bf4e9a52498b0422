"""``Explorer.add`` (which runs ``place``) and file drops on a live Explorer.

The malformed-CIF corpus (tests/reliability/corpus.py, made from the real OBELiX CIFs) through
``add`` and through a drop: no crash, every file placed or refused with a reason, physically
impossible files refused, and the Explorer keeps working (selection, focus, save, a further
drop). With ``label=True`` the BVSE barrier reaches the map's table, hover rows and colours as
it arrives. The map is the small real-structure map of tests/widgets/test_explorer.py, its
target named ``migration_energy`` so that the labels land in it."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "reliability"), str(HERE.parent / "widgets")]

from corpus import CATEGORIES, REFUSE, build  # noqa: E402
from test_explorer import TARGET, _frame, _small_model  # noqa: E402

from materials_map.datasets import MapDataset  # noqa: E402
from materials_map.features.batch import featurize  # noqa: E402
from materials_map.labels import migration_energy  # noqa: E402
from materials_map.placement import LABEL  # noqa: E402
from materials_map.widgets.explorer import Explorer  # noqa: E402

#: one file per category; the 6000-atom files take ~15 s each to parse (tests/reliability)
CATEGORIES_HERE = [c for c in CATEGORIES if c != "p1_6000_atoms"]


@pytest.fixture(scope="module")
def corpus(obelix_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    files = build(obelix_path, out, per_category=1, categories=CATEGORIES_HERE, seed=3)
    return out, files


@pytest.fixture(scope="module")
def ex(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MATERIALS_MAP_CACHE", str(tmp_path_factory.mktemp("cache")))
        df = _frame().rename(columns={TARGET: LABEL})
        X = featurize(MapDataset(df), progress=False)
        n = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            model = _small_model().fit(X, df[LABEL].to_numpy())
        finally:
            torch.set_num_threads(n)
        yield Explorer(df, X, model, target=LABEL, n_neighbours=6)


def test_corpus_through_add_and_drop(corpus, ex, tmp_path):
    root, files = corpus
    n0 = len(ex.coords)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = ex.add(sorted({f.path.parent for f in files}), n_jobs=2)
    placed = set(p.table["id"])
    refused = {Path(f["item"]).name: f["error"] for f in p.failures}
    for f in files:
        name = f.path.name
        assert (f.path.stem in placed) != (name in refused), name  # exactly one outcome
        if name in refused:
            assert refused[name].strip() and not refused[name].startswith("unexpected"), name
        if f.expect == REFUSE:
            assert name in refused, (name, f.category)
    assert len(placed) + len(refused) == len(files)
    assert 0 < len(placed) < len(files)
    print(f"corpus: {len(placed)} placed, {len(refused)} refused of {len(files)} files")
    # the Explorer keeps working: the new points are on the map, selectable, focusable, saved
    assert len(ex.coords) == len(ex.map.coords) == len(ex.table) == n0 + len(placed)
    assert list(ex.selection) == list(range(n0, n0 + len(placed)))
    assert set(ex.table_panel.frame["id"]) == placed  # the Table tab lists them
    assert np.isfinite(ex.coords).all()
    ex.focus_material(n0)
    (shown,) = ex.crystal.structures  # the crystal viewer shows it
    assert shown["id"] == str(ex.table["id"].iloc[n0]) and shown["index"] == n0
    doc = ex.save(tmp_path / "with-corpus.mmap")
    assert len(doc.table) == n0 + len(placed) and doc.structures[n0] is not None
    assert ex.map.marker_names[-1] == "placed"
    # the same files dropped on the map: one answer, every refused file named with its reason
    answers = []
    ex.map.send = answers.append
    drop = [f for f in files if f.category in ("control", "empty", "binary", "negative_length")]
    ex.map._on_custom_msg(
        ex.map,
        {"type": "drop", "request": "r", "files": [{"name": f.path.name} for f in drop]},
        [f.path.read_bytes() for f in drop],
    )
    (answer,) = answers
    assert answer["request"] == "r" and len(answer["added"]) == 1
    assert {r["name"] for r in answer["refused"]} == {
        f.path.name for f in drop if f.category != "control"
    }
    assert all(r["reason"] for r in answer["refused"])
    assert len(ex.coords) == n0 + len(placed) + 1


@pytest.mark.slow
def test_labels_reach_the_live_map_as_they_arrive(ex):
    from pymatgen.core import Lattice, Structure

    li2o = Structure.from_spacegroup(
        225, Lattice.cubic(4.61), ["O", "Li"], [[0, 0, 0], [0.25, 0.25, 0.25]]
    ).get_primitive_structure()
    ex.map.color = LABEL
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = ex.add([li2o], label=True, n_jobs=1)
        assert p.wait(120)
        want = migration_energy([li2o], progress=False, time_limit=120)["e_3d"].iloc[0]
    i = len(ex.coords) - 1
    assert ex.table["id"].iloc[i] == p.table["id"].iloc[0]
    assert ex.table[LABEL].iloc[i] == pytest.approx(want, rel=1e-9)
    assert ex.map.values[i] == pytest.approx(want, rel=1e-6)  # the point's colour
    assert ex.map.tooltip_table[LABEL][i] == pytest.approx(want, rel=1e-9)  # its hover row
