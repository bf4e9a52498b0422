"""A small real map for the design tests: the shipped li-o model and every 12th li-o material."""

from __future__ import annotations

import warnings

import pytest

#: li-o rows kept on the small map (every STRIDE-th row)
STRIDE = 12


@pytest.fixture(scope="session")
def lio():
    """The embedded li-o dataset (generated, BVSE-labelled)."""
    from materials_map.datasets import load

    return load("li-o")


@pytest.fixture(scope="session")
def shipped_model():
    """The MapModel shipped with the package (trained on the full li-o dataset)."""
    from materials_map.model.estimator import MapModel
    from materials_map.pipeline import SHIPPED_MODELS

    paths = sorted(SHIPPED_MODELS.glob("*.mmodel"))
    assert paths, f"no shipped model in {SHIPPED_MODELS}"
    return MapModel.load(paths[0])


@pytest.fixture(scope="session")
def small_map(lio, shipped_model):
    """MapResult of every STRIDE-th li-o material under the shipped model (~70 points)."""
    from materials_map.features.batch import featurize
    from materials_map.pipeline import MapResult

    ds = lio.subset(list(range(0, len(lio), STRIDE)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X = featurize(ds, progress=False)
    assert not len(X.failures)
    # the parts propose uses; no background grids or layers are needed here
    return MapResult(
        dataset=ds,
        descriptors=X,
        model=shipped_model,
        coords=shipped_model.transform(X),
        grid=None,
        extent=None,
        target="migration_energy",
    )


@pytest.fixture(scope="session")
def designer(small_map):
    """One Designer of the small map, shared (it only caches encodings)."""
    from materials_map.design import Designer

    return Designer(small_map)
