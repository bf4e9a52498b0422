"""SuperionicClassifier, its validation helpers and screen()."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier

from materials_map.features.descriptors import Block, Descriptors
from materials_map.model._forest import FlatForest
from materials_map.model.distance import TrainingDistance
from materials_map.model.screening import screen
from materials_map.model.superionic import SuperionicClassifier, superionic_labels
from materials_map.model.validation import (
    composition_clusters,
    composition_distance,
    evaluate,
    splits,
    summary,
)

SMALL = dict(features="descriptors", n_members=4, n_trees=20)


def _descriptors(n: int, seed: int = 0) -> tuple[Descriptors, np.ndarray]:
    """Descriptors whose first compositional column decides the label (with 10 % flips)."""
    rng = np.random.default_rng(seed)
    comp = rng.uniform(0, 1, size=(n, 12))
    struct = rng.uniform(0, 1, size=(n, 6))
    y = comp[:, 0] + 0.3 * struct[:, 0] > 0.75
    y ^= rng.uniform(size=n) < 0.1
    blocks = [Block("comp", "comp", "comp", 0, 12), Block("rdf", "struct", "rdf", 0, 6)]
    labels = {"comp": [f"c{i}" for i in range(12)], "struct": [f"s{i}" for i in range(6)]}
    ids = np.array([f"m{i}" for i in range(n)], dtype=object)
    return Descriptors(comp, struct, labels, blocks, ids), y


@pytest.fixture(scope="module")
def toy():
    return _descriptors(300)


@pytest.fixture(scope="module")
def clf(toy):
    X, y = toy
    return SuperionicClassifier(random_state=0, **SMALL).fit(X[np.arange(200)], y[:200])


def test_flat_forest_matches_scikit_learn(toy):
    X, y = toy
    F = np.hstack([X.comp, X.struct])
    rf = RandomForestClassifier(15, random_state=0).fit(F[:200], y[:200])
    flat = FlatForest.from_members([rf.estimators_])
    np.testing.assert_array_equal(flat.member_proba(F[200:])[0], rf.predict_proba(F[200:])[:, 1])


def test_learns_and_beats_controls(toy, clf):
    X, y = toy
    p = clf.predict_proba(X[np.arange(200, 300)])
    assert p.shape == (100, 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    from sklearn.metrics import average_precision_score

    assert average_precision_score(y[200:], p[:, 1]) > y[200:].mean() + 0.3
    assert (clf.predict(X[np.arange(200, 300)]) == y[200:]).mean() > 0.75


def test_deterministic_and_round_trip(tmp_path, toy, clf):
    X, y = toy
    again = SuperionicClassifier(random_state=0, **SMALL).fit(X[np.arange(200)], y[:200])
    test = X[np.arange(200, 300)]
    pd.testing.assert_frame_equal(again.predict_confidence(test), clf.predict_confidence(test))
    back = SuperionicClassifier.load(clf.save(tmp_path / "c.msclf"))
    pd.testing.assert_frame_equal(back.predict_confidence(test), clf.predict_confidence(test))
    assert back.get_params() == clf.get_params()
    raw = bytearray((tmp_path / "c.msclf").read_bytes())
    raw[-3] ^= 0x01
    (tmp_path / "bad.msclf").write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="checksum"):
        SuperionicClassifier.load(tmp_path / "bad.msclf")


def test_confidence_columns(toy, clf):
    X, _ = toy
    conf = clf.predict_confidence(X[np.arange(200, 300)])
    assert list(conf.columns) == [
        "p_superionic",
        "p_superionic_std",
        "distance_to_training",
        "nearest_training_id",
    ]
    assert (conf["p_superionic_std"] >= 0).all() and conf["p_superionic_std"].max() > 0.05
    train = clf.predict_confidence(X[np.arange(200)])
    assert (train["distance_to_training"] < 1e-6).all()  # each training row is its own neighbour
    assert (train["nearest_training_id"] == X.ids[:200]).all()
    # held-out rows from the same distribution sit at about the typical training spacing
    assert 0.5 < conf["distance_to_training"].median() < 2.0


def test_distance_normalisation_and_far_points():
    rng = np.random.default_rng(1)
    F = rng.normal(size=(400, 6)) * [1, 10, 100, 1, 1, 1]
    td = TrainingDistance(4).fit(F)
    near, _ = td(F[:50] + 0.01)
    far, _ = td(F[:5] + 20 * F.std(axis=0))
    assert near.max() < 0.2 and far.min() > 5.0


def test_coordinates_and_bad_input(toy):
    X, y = toy
    coords = np.column_stack([X.comp[:, 0], X.struct[:, 0]])
    c = SuperionicClassifier(random_state=0, **SMALL).fit(coords, y)
    assert c.features_ == "coordinates" and c.n_features_in_ == 2
    with pytest.raises(ValueError, match="fitted on 2"):
        c.predict_proba(X)
    with pytest.raises(ValueError, match="both superionic and non-superionic"):
        SuperionicClassifier(**SMALL).fit(coords, np.ones(len(y), bool))
    with pytest.raises(ValueError, match="superionic_labels"):
        SuperionicClassifier(**SMALL).fit(coords, np.linspace(0, 1, len(y)))
    bad = X[np.arange(10)]
    bad.struct[3, 0] = np.nan
    with pytest.raises(ValueError, match="m3"):
        c.fit(bad, y[:10])
    np.testing.assert_array_equal(superionic_labels([1e-3, 1e-4, 2e-4]), [True, False, True])


def test_screen_ranks_with_confidence(toy, clf):
    X, _ = toy
    ranked = screen(X[np.arange(200, 300)], clf)
    assert list(ranked["rank"]) == list(range(1, 101))
    assert ranked["p_superionic"].is_monotonic_decreasing
    assert set(ranked["id"]) == set(X.ids[200:])
    assert {"p_superionic_std", "distance_to_training", "predicted_superionic"} <= set(ranked)


# ---------------------------------------------------------------- validation helpers
def test_composition_distance_is_emd_on_mendeleev_numbers():
    from pymatgen.core import Element

    d = composition_distance(["Li", "Na", "LiNa", "Li2O"])
    mli, mna = Element("Li").mendeleev_no, Element("Na").mendeleev_no
    assert d[0, 1] == pytest.approx(abs(mli - mna))
    assert d[0, 2] == pytest.approx(abs(mli - mna) / 2)  # half the mass moves
    assert d[3, 3] == 0 and np.allclose(d, d.T)
    mo = Element("O").mendeleev_no
    assert d[0, 3] == pytest.approx(abs(mo - mli) / 3)


def test_clusters_separate_families():
    formulas = ["Li7La3Zr2O12", "Li6.5La3Zr1.5Ta0.5O12", "Li7La3Hf2O12"]
    formulas += ["Li6PS5Cl", "Li6PS5Br", "Li5.5PS4.5Cl1.5"]
    labels = composition_clusters(formulas, n_clusters=2)
    assert len(set(labels[:3])) == 1 and len(set(labels[3:])) == 1 and labels[0] != labels[3]


def test_evaluate_controls(toy):
    X, y = toy
    folds = splits(y, "kfold", n_splits=3)
    table = evaluate(lambda: SuperionicClassifier(random_state=0, **SMALL), X, y, folds)
    mean = table[(table["kind"] == "mean") & (table["fold"] != "pooled")]
    for _, row in mean.iterrows():
        test = folds[int(row["fold"])][1]
        assert row["auc_pr"] == pytest.approx(y[test].mean())  # a constant score: prevalence
        assert row["mcc"] == 0
    s = summary(table)
    assert s.loc["model", "auc_pr_mean"] > s.loc["shuffled", "auc_pr_mean"] + 0.2
    repeated = evaluate(lambda: SuperionicClassifier(random_state=0, **SMALL), X, y, folds, 0, 3)
    shuffled = repeated[(repeated["kind"] == "shuffled") & (repeated["fold"] != "pooled")]
    assert len(shuffled) == 9 and shuffled["auc_pr"].nunique() > 3  # 3 permutations per fold
    assert summary(repeated).loc["shuffled", "n_folds"] == 3
    groups = np.arange(len(y)) % 4
    loco = splits(y, "loco", groups)
    assert len(loco) == 4 and all(np.all(groups[te] == groups[te][0]) for _, te in loco)
    systems = np.arange(len(y)) % 37
    grouped = splits(y, "group-kfold", systems, n_splits=5)
    assert sorted(np.concatenate([te for _, te in grouped]).tolist()) == list(range(len(y)))
    assert all(not set(systems[tr]) & set(systems[te]) for tr, te in grouped)


# ---------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def obelix_all(obelix_path, tmp_path_factory):
    """(rows, Descriptors, labels) of every OBELiX entry with a readable CIF."""
    from materials_map.model.screening import obelix_training_set

    return obelix_training_set(obelix_path, "all", cache=tmp_path_factory.mktemp("desc"))


@pytest.fixture(scope="module")
def shipped_li_o(tmp_path_factory):
    """(Descriptors, superionic labels) of the 121 OBELiX Li–O entries shipped in the package:
    their structures as OBELiX ships them (mostly disordered), their descriptors from the
    package's shipped layer, their labels from the measured conductivity."""
    from materials_map.datasets import MapDataset
    from materials_map.datasets.registry import data_path
    from materials_map.features.batch import featurize

    ds = MapDataset.from_parquet(data_path("li-o").with_name("obelix-li-o.parquet"))
    X = featurize(ds, cache=tmp_path_factory.mktemp("desc"), progress=False)
    assert list(X.ids) == list(ds.df["id"])
    return X, superionic_labels(10 ** ds.df["log10_sigma"].to_numpy(dtype=float))


def test_obelix_li_o_kfold_beats_controls(shipped_li_o):
    """The OBELiX Li–O entries (real, mostly disordered CIFs): 5-fold AUC-PR well above the
    shuffled-label and mean controls, with a smaller forest than the default (3 x 20 trees;
    the default's own cross-validation is tests/benchmarks/bench_superionic.py)."""
    X, y = shipped_li_o
    assert len(X) == 121 and 0.1 < y.mean() < 0.6
    table = evaluate(
        lambda: SuperionicClassifier(n_members=3, n_trees=20, random_state=0),
        X,
        y,
        splits(y, "kfold", n_splits=5),
    )
    s = summary(table)
    assert s.loc["model", "auc_pr_pooled"] > s.loc["mean", "auc_pr_pooled"] + 0.2
    assert s.loc["model", "auc_pr_pooled"] > s.loc["shuffled", "auc_pr_pooled"] + 0.15
    assert s.loc["model", "mcc_pooled"] > 0.3


def test_default_recipe_reads_the_embedding_from_featurize(shipped_li_o, tmp_path):
    """SuperionicClassifier() takes mm.featurize's Descriptors and classifies on CHGNet's
    element embeddings (128 columns, read from the composition histogram): fitted on 80 real
    OBELiX Li–O rows drawn at random, it ranks the other 41 above chance (AUC-PR 0.82 against
    a 0.39 base rate), saves and loads to the same numbers, and refuses descriptors without
    the atomic-fraction block."""
    X, y = shipped_li_o
    rows = np.random.default_rng(0).permutation(len(y))
    train, test = rows[:80], rows[80:]
    clf = SuperionicClassifier(n_members=4, n_trees=30).fit(X[train], y[train])
    assert clf.features_ == "embedding" and clf.n_features_in_ == 128
    conf = clf.predict_confidence(X[test])
    from sklearn.metrics import average_precision_score

    assert average_precision_score(y[test], conf["p_superionic"]) > y[test].mean() + 0.15
    back = SuperionicClassifier.load(clf.save(tmp_path / "e.msclf"))
    pd.testing.assert_frame_equal(back.predict_confidence(X[test]), conf)
    toy, _ = _descriptors(10)
    with pytest.raises(ValueError, match="single\\[AN\\]"):
        clf.predict_proba(toy)
    both = SuperionicClassifier("both", n_members=2, n_trees=10).fit(X[train], y[train])
    assert both.n_features_in_ == X.shape[1] + 128


@pytest.mark.slow
def test_shipped_classifier_is_reproduced_from_obelix(obelix_all):
    """The shipped file is what SuperionicClassifier(random_state=0) gives on OBELiX, to the last bit; the distance to
    the training set, ~0 for these (training) rows, to 1e-5: sqrt of a difference of rounded
    sums, whose last bits follow the BLAS summation order (seen: up to 1.04e-6)."""
    from materials_map.model.screening import default_classifier

    _, X, y = obelix_all
    shipped = default_classifier()
    assert shipped is not None and len(shipped.train_ids_) == len(X) == 317
    assert list(shipped.train_ids_) == [str(i) for i in X.ids]
    again = SuperionicClassifier(random_state=0).fit(X, y)
    a = again.predict_confidence(X[np.arange(0, 317, 7)])
    b = shipped.predict_confidence(X[np.arange(0, 317, 7)])
    near = ["distance_to_training"]
    pd.testing.assert_frame_equal(a.drop(columns=near), b.drop(columns=near))
    np.testing.assert_allclose(a[near], b[near], rtol=0, atol=1e-5)
    ranked = screen(X, shipped)
    assert (ranked["distance_to_training"] < 1e-5).all()  # its own training rows (rounding only)


# ---------------------------------------------------------------- on the map
def test_map_offers_p_superionic_and_the_spread(fitted, data, tmp_path, monkeypatch):
    """P(superionic) and its confidence are point-table columns (colour menu, tooltip), and
    the map widget carries the ensemble's sigma grid beside the prediction."""
    from materials_map.datasets import MapDataset
    from materials_map.pipeline import map_result
    from materials_map.widgets.explorer import Explorer
    from materials_map.widgets.map import MapWidget

    monkeypatch.setenv("MATERIALS_MAP_CACHE", str(tmp_path))
    X, y, _ = data
    clf = SuperionicClassifier(random_state=0, **SMALL).fit(X, y > np.median(y))
    ds = MapDataset(pd.DataFrame({"id": X.ids, "migration_energy": y}))
    r = map_result(ds, X, fitted, grid_size=24, classifier=clf)
    conf = clf.predict_confidence(X)
    for col in ("p_superionic", "p_superionic_std", "distance_to_training"):
        np.testing.assert_array_equal(r.table[col].to_numpy(), conf[col].to_numpy())
    w = MapWidget.from_result(r)
    assert {"p_superionic", "p_superionic_std", "distance_to_training"} <= set(w.color_columns)
    np.testing.assert_array_equal(w.background_std, r.grid_std.ravel())
    assert w.background_mode == "mean" and w.background_std_label.startswith("σ")
    w.color = "p_superionic"
    np.testing.assert_allclose(w.values, conf["p_superionic"].to_numpy(np.float32))
    with pytest.raises(ValueError, match="std has shape"):
        w.set_background(r.grid, r.extent, std=np.ones((3, 3)))
    ex = Explorer.from_result(r)
    assert {"p_superionic", "p_superionic_std", "distance_to_training"} <= set(ex.map.tooltip_table)
    ex.decode(r.coords[0])
    assert "± " in ex.status.value  # the clicked coordinate's ensemble mean ± sigma
