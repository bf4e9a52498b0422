"""The descriptors shipped with the package: current, exact enough, and used only on a key match.

They stand in for ~20 s of featurization on every new machine, so they must be the numbers
featurize computes (to float32 precision), for exactly the embedded dataset's structures and the
default featurizer settings; anything else is computed as before.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from materials_map import datasets
from materials_map._util import item_fingerprint
from materials_map.features import batch
from materials_map.features.batch import featurize
from materials_map.features.shipped import SHIPPED_DESCRIPTORS, shipped_files, write_shipped
from materials_map.features.structure import StructureDescriptor
from materials_map.pipeline import SHIPPED_MODELS, dataset_fingerprint
from materials_map.sweep import SWEEP_WS

MANIFEST = SHIPPED_MODELS.parent / "shipped.json"
STALE = (
    "the artefacts shipped with li-o are stale (dataset, featurizers or version changed): "
    "regenerate them all with `python -m dev_scripts.pretrain li-o` (docs/datasets.md)"
)


@pytest.fixture(scope="module")
def li_o():
    return datasets.load("li-o")


@pytest.fixture(scope="module")
def entry():
    return json.loads(MANIFEST.read_text())["li-o"]


def _computed(tmp_path) -> int:
    """Items featurize computed (and so wrote) into the cache folder ``tmp_path``."""
    return len(list(tmp_path.rglob("*/*.npz")))


def test_manifest_matches_the_shipped_dataset(li_o, entry):
    assert entry["dataset_fingerprint"] == dataset_fingerprint(li_o), STALE
    data = MANIFEST.parent
    files = [entry["descriptors"]["file"], entry["model"]["file"]]
    files += [s["file"] for s in entry["sweep"]]
    assert all((data / f).is_file() for f in files), STALE
    assert [s["w"] for s in entry["sweep"]] == list(SWEEP_WS)
    assert entry["descriptors"]["rows"] == len(li_o.df)
    # compact: everything under datasets/data stays a small download
    total = sum(p.stat().st_size for p in data.rglob("*") if p.is_file())
    assert total < 10e6, f"{total / 1e6:.1f} MB shipped under {data}"


def test_every_row_is_shipped_under_the_featurize_cache_key(li_o, entry, tmp_path):
    path = SHIPPED_DESCRIPTORS.parent / entry["descriptors"]["file"]
    with np.load(path, allow_pickle=False) as z:
        shipped = set(z["fingerprints"].tolist())
    assert {item_fingerprint(s) for s in li_o.df["structure"]} <= shipped, STALE
    # the key is the one featurize derives from its default settings: nothing is computed
    rows = list(range(0, len(li_o.df), 120))
    X = featurize(li_o.subset(rows), cache=tmp_path, progress=False)
    assert len(X) == len(rows) and _computed(tmp_path) == 0, STALE
    assert [p.name for p in tmp_path.iterdir()] == [entry["descriptors"]["featurize_key"]]


def test_shipped_rows_equal_freshly_computed_descriptors(li_o, tmp_path, monkeypatch):
    rows = li_o.subset([3, 301, 602])
    fresh = featurize(rows, progress=False)  # no cache: computed now, float64
    calls = []
    monkeypatch.setattr(batch, "_featurize_one", lambda *a: calls.append(a) or None)
    shipped = featurize(rows, cache=tmp_path, progress=False)
    assert calls == []  # all three came from the package
    assert shipped.comp.dtype == np.float64 and list(shipped.ids) == list(fresh.ids)
    # float32: relative error below 6e-8
    np.testing.assert_allclose(shipped.comp, fresh.comp, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(shipped.struct, fresh.struct, rtol=1e-7, atol=1e-7)


def test_other_settings_or_opt_out_compute(li_o, tmp_path):
    rows = li_o.subset([5, 6])
    featurize(
        rows, cache=tmp_path / "a", progress=False, structure=StructureDescriptor(adf_bins=12)
    )
    assert _computed(tmp_path / "a") == 2  # another key: not shipped
    featurize(rows, cache=tmp_path / "b", progress=False, shipped=False)
    assert _computed(tmp_path / "b") == 2
    # an edited structure has another fingerprint: computed, the rest shipped
    edited = rows.df["structure"].iloc[0].copy()
    edited.perturb(0.05, min_distance=0.05)
    featurize([edited, rows.df["structure"].iloc[1]], cache=tmp_path / "c", progress=False)
    assert _computed(tmp_path / "c") == 1


def test_map_coordinates_barely_move_with_float32_descriptors(li_o, entry, tmp_path):
    from materials_map.model.estimator import MapModel
    from materials_map.sweep import SHIPPED_SWEEPS, load_summary

    model = MapModel.load(SHIPPED_MODELS.parent / entry["model"]["file"])
    X = featurize(li_o, cache=tmp_path, progress=False)  # every row from the package
    assert _computed(tmp_path) == 0
    # the W = 0.1 sweep table holds the coordinates pretrain computed from float64 descriptors
    (w01,) = [s for s in entry["sweep"] if s["key"] == entry["model"]["key"]]
    _, coords64, ids = load_summary(SHIPPED_SWEEPS.parent / w01["file"])
    assert list(ids) == list(X.ids)
    coords32 = model.transform(X)
    span = np.ptp(coords64, axis=0).max()
    assert np.abs(coords32 - coords64).max() < 1e-5 * span
    assert entry["float32_coordinate_shift"] < 1e-5


def test_write_and_read_back_with_failures(tmp_path, monkeypatch):
    from materials_map.features import shipped

    rows = [
        (np.array([1.0, 2.5]), np.array([0.125]), ""),
        (np.zeros(0), np.zeros(0), "ValueError: no sites"),
    ]
    write_shipped(tmp_path / "x.abc.npz", ["f1", "f2"], rows)
    assert shipped_files("abc", tmp_path) == [tmp_path / "x.abc.npz"]
    assert shipped_files("abd", tmp_path) == []
    got = shipped.shipped_rows("abc", ["f2", "zz", "f1", "f1"], tmp_path)
    assert sorted(got) == [0, 2, 3]
    assert got[0][2] == "ValueError: no sites"
    np.testing.assert_array_equal(got[2][0], [1.0, 2.5])
    assert got[3][1].dtype == np.float64
    with pytest.raises(ValueError, match="2 fingerprints for 1 rows"):
        write_shipped(tmp_path / "y.abc.npz", ["a", "b"], rows[:1])
