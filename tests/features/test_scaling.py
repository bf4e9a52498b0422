"""DescriptorScaler: per-group max scaling, train-only fit, inverse, JSON round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest
from featurize_helpers import distorted_doped, li2o

import materials_map as mm
from materials_map.features.scaling import DescriptorScaler


@pytest.fixture(scope="module")
def X():
    with pytest.warns(UserWarning, match="no structure"):  # the formula row has NaN struct
        return mm.featurize(
            [li2o(), distorted_doped(0), distorted_doped(1), "Li3PO4"], progress=False
        )


def test_each_group_scaled_by_its_training_maximum(X):
    train = X[[0, 1, 2]]
    sc = DescriptorScaler().fit(train)
    assert set(sc.maxima_) == {"comp", "rdf", "adf", "voronoi"}
    assert sc.maxima_["adf"] == pytest.approx(np.abs(train.struct[:, 120:768]).max())
    Y = sc.transform(train)
    for b in train.blocks_of("struct"):
        assert np.nanmax(Y.struct[:, b.slice]) <= 1 + 1e-12
    for fam, sl in {
        "rdf": slice(0, 120),
        "adf": slice(120, 768),
        "voronoi": slice(768, 858),
    }.items():
        assert np.nanmax(Y.struct[:, sl]) == pytest.approx(1.0), fam
    assert np.nanmax(Y.comp) == pytest.approx(1.0)
    # the test row (NaN struct) is transformed with the training maxima; NaN stays NaN
    Z = sc.transform(X[[3]])
    assert np.isnan(Z.struct).all() and np.allclose(Z.comp, X.comp[3] / sc.maxima_["comp"])


def test_inverse_arrays_and_json_round_trip(X):
    sc = DescriptorScaler().fit(X)
    back = sc.inverse_transform(sc.transform(X))
    np.testing.assert_allclose(back.struct, X.struct, equal_nan=True)
    np.testing.assert_allclose(back.comp, X.comp)
    sc2 = DescriptorScaler.from_dict(json.loads(json.dumps(sc.to_dict())))
    np.testing.assert_array_equal(sc2.transform(X.struct, branch="struct"), sc.transform(X).struct)
    np.testing.assert_array_equal(sc2.transform(X.comp), sc.transform(X).comp)  # width -> comp
    both = np.hstack([X.comp, X.struct])
    np.testing.assert_allclose(sc2.inverse_transform(sc2.transform(both)), both, equal_nan=True)
    one = sc2.transform(X.struct[0])  # one row
    assert one.shape == (858,)


def test_fit_on_arrays_needs_blocks_and_errors(X):
    with pytest.raises(ValueError, match="blocks"):
        DescriptorScaler().fit(X.struct)
    sc = DescriptorScaler(blocks=X.blocks).fit(X.struct[:3], branch="struct")
    assert sc.maxima_["comp"] == 1.0 and sc.maxima_["rdf"] == pytest.approx(
        X.struct[:3, :120].max()
    )
    with pytest.raises(RuntimeError, match="not fitted"):
        DescriptorScaler().transform(X)
    with pytest.raises(ValueError, match="branch"):
        sc.transform(np.zeros((1, 7)))


def test_block_family_is_a_deprecated_name_of_group(X):
    # issue 24: a family is a structure type; docs before 0.2 said Block.family
    block = X.blocks_of("struct")[0]
    with pytest.warns(FutureWarning, match="use Block.group"):
        assert block.family == block.group == "rdf"
