"""`MapModel` inside scikit-learn's model selection: `cross_val_score`, `GridSearchCV` and
`Pipeline` take `Descriptors` as they take arrays (tiny networks, a few epochs: seconds)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FAST
from model_data import manifold_data
from sklearn.base import clone
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, train_test_split
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline

from materials_map.features.descriptors import Descriptors
from materials_map.model.estimator import MapModel

QUICK = {**FAST, "max_epochs": 8}


@pytest.fixture(scope="module")
def small():
    X, y, _ = manifold_data(n=60, n_comp=12, n_struct=10, seed=3)
    return X, y


def test_descriptors_index_like_an_array(small):
    X, _ = small
    assert X.shape == (60, 22)
    rows = np.array([5, 0, 7])
    for key in (rows, list(rows), (rows, Ellipsis)):
        sub = X[key]
        assert isinstance(sub, Descriptors) and sub.ids.tolist() == X.ids[rows].tolist()
        np.testing.assert_array_equal(sub.struct, X.struct[rows])
    assert X[2:6].ids.tolist() == X.ids[2:6].tolist()
    assert X[3].comp.shape == (1, 12)
    mask = np.zeros(60, bool)
    mask[[1, 4]] = True
    assert X[mask].ids.tolist() == X.ids[[1, 4]].tolist()
    with pytest.raises(IndexError, match="by position"):
        X[np.array([0.5])]
    a, b = train_test_split(X, test_size=0.25, random_state=0)
    assert isinstance(a, Descriptors) and (len(a), len(b)) == (45, 15)
    assert set(a.ids) | set(b.ids) == set(X.ids)


def test_cross_val_score_scores_each_fold_by_target_r2(small):
    X, y = small
    cv = KFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(MapModel(random_state=0, **QUICK), X, y, cv=cv)
    assert scores.shape == (3,) and np.isfinite(scores).all()
    # the first fold by hand: same clone, same rows, same number
    train, test = next(cv.split(np.zeros(len(X))))
    model = MapModel(random_state=0, **QUICK).fit(X[train], y[train])
    assert scores[0] == pytest.approx(r2_score(y[test], model.predict(X[test])), abs=1e-9)


def test_score_without_labels_is_the_mean_reconstruction_r2(small):
    X, y = small
    model = MapModel(random_state=0, **QUICK).fit(X, y)
    rec = model.score_reconstruction(X)
    assert model.score(X) == pytest.approx((rec["comp"] + rec["struct"]) / 2)
    assert model.score(X, np.full(len(X), np.nan)) == model.score(X)
    half = y.copy()
    half[::2] = np.nan  # unlabelled rows are left out of the target R²
    keep = ~np.isnan(half)
    assert model.score(X, half) == pytest.approx(r2_score(y[keep], model.predict(X[keep])))


def test_grid_search_over_w_refits_the_best(small):
    X, y = small
    search = GridSearchCV(MapModel(random_state=0, **QUICK), {"w": [0.0, 1.0]}, cv=2).fit(X, y)
    assert len(search.cv_results_["mean_test_score"]) == 2
    best = search.best_estimator_
    assert best.w == search.best_params_["w"] and best is not search.estimator
    assert len(best.train_index_) + len(best.test_index_) == len(X)  # refit on every row
    assert search.predict(X).shape == (len(X),)


def test_pipeline_map_then_regressor(small):
    X, y = small
    pipe = make_pipeline(MapModel(random_state=0, **QUICK), KNeighborsRegressor(3))
    pipe.fit(X, y)
    coords = pipe[0].transform(X)
    assert coords.shape == (len(X), 2)
    knn = clone(pipe[1]).fit(coords, y)
    np.testing.assert_allclose(pipe.predict(X), knn.predict(coords))
    scores = cross_val_score(pipe, X, y, cv=2)
    assert scores.shape == (2,) and np.isfinite(scores).all()


def test_progress_is_the_parameter_and_verbose_its_deprecated_alias():
    # issue 24: one name per concept; the 0.1 notebooks and docs/model.md said verbose=
    assert "progress" in MapModel().get_params() and "verbose" not in MapModel().get_params()
    with pytest.warns(FutureWarning, match=r"use progress="):
        model = MapModel(verbose=False)
    assert model.progress is False and clone(model).progress is False
    with pytest.raises(TypeError, match="verbos"):
        MapModel(verbos=False)
