"""CHGNetFeatures and the element-embedding features of the superionic classifier."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from pymatgen.core import Lattice, Structure

from materials_map.features.composition import CompositionHistogram
from materials_map.features.learned import (
    CHGNetFeatures,
    chgnet_model,
    element_embedding,
    embedding_features,
    pool_elements,
)
from materials_map.features.structure import StructureError
from tests.features.featurize_helpers import distorted_doped, li2o


@pytest.fixture(scope="module")
def features() -> CHGNetFeatures:
    pytest.importorskip("chgnet")
    return CHGNetFeatures()


def test_shipped_table_is_chgnets_and_k1_is_its_first_layer(features):
    """The shipped embedding table is CHGNet 0.3.0's own, and k = 1 (built here without
    CHGNet's bond graph) equals the output of CHGNet's first atom convolution in its own
    forward pass, pooled."""
    model = chgnet_model()
    np.testing.assert_array_equal(
        element_embedding(), model.atom_embedding.embedding.weight.detach().numpy()
    )
    s = Structure(
        Lattice.cubic(4.2),
        ["Li", "Li", "O", "Co"],
        [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]],
    )
    seen: dict = {}
    hook = model.atom_conv_layers[0].register_forward_hook(
        lambda _m, _a, out: seen.update(out=out.detach().numpy())
    )
    try:
        with torch.no_grad():
            model([model.graph_converter(s)], task="e")
    finally:
        hook.remove()
    x = features.featurize(s)
    assert x.shape == (256,) and len(features.feature_labels()) == 256
    np.testing.assert_allclose(x[128:192], seen["out"].mean(axis=0), atol=1e-5)
    np.testing.assert_allclose(x[192:], seen["out"].max(axis=0), atol=1e-5)


def test_invariant_to_supercell_and_site_order(features):
    s = distorted_doped()
    x = features.featurize(s)
    np.testing.assert_allclose(features.featurize(s * (1, 2, 1)), x, atol=1e-5)
    order = np.random.default_rng(0).permutation(len(s))
    shuffled = Structure.from_sites([s[i] for i in order])
    np.testing.assert_allclose(features.featurize(shuffled), x, atol=1e-5)
    # a different structure of another composition gives other features
    assert np.abs(features.featurize(li2o()) - x).max() > 0.05


def test_disordered_sites_weigh_their_species(features):
    """A mixed Li/Mg site with vacancies enters as the occupancy-weighted sum of the two
    embeddings; k = 0 is the embeddings pooled over the composition, which is also what
    embedding_features reads from our composition histogram."""
    s = distorted_doped()
    assert not s.is_ordered
    x = features.featurize(s)
    assert np.isfinite(x).all()
    frac = np.zeros((1, 94))
    for el, amount in s.composition.element_composition.items():
        frac[0, el.Z - 1] = amount
    np.testing.assert_allclose(x[:128], pool_elements(frac / frac.sum())[0], atol=1e-12)
    hist = CompositionHistogram().featurize(s)

    class Row:  # a one-row stand-in for Descriptors (blocks + comp)
        blocks = CompositionHistogram().blocks()
        comp = hist[None]

    # the histogram stores fractions rounded to 6 decimals
    np.testing.assert_allclose(embedding_features(Row)[0], x[:128], atol=1e-5)


def test_refusals_name_their_reason(features):
    s = li2o()
    s.append("Li", s[0].frac_coords + 0.01)  # an atom on top of another
    with pytest.raises(StructureError, match="overlapping atoms"):
        features.featurize(s)
    heavy = li2o()
    heavy.replace(0, "Am")  # Z = 95: CHGNet has no embedding for it
    with pytest.raises(StructureError, match="Am"):
        features.featurize(heavy)
    with pytest.raises(ValueError, match="beyond Z = 94"):
        pool_elements(np.eye(101)[[94]])
    with pytest.raises(ValueError, match="layers"):
        CHGNetFeatures(layers=(2,)).feature_labels()
    threads = torch.get_num_threads()
    CHGNetFeatures(layers=(1,), n_threads=1).featurize(li2o())
    assert torch.get_num_threads() == threads


def test_featurize_caches_it_like_our_descriptors(features, tmp_path, monkeypatch):
    from materials_map.features import batch

    s = distorted_doped()
    X = batch.featurize([s], cache=tmp_path, structure=features, progress=False)
    assert X.struct.shape == (1, 256) and X.blocks[-1].name == "chgnet"
    np.testing.assert_allclose(X.struct[0], features.featurize(s), atol=1e-6)
    monkeypatch.setattr(batch, "_featurize_chunk", None)  # a second call computes nothing
    again = batch.featurize([s], cache=tmp_path, structure=features, progress=False)
    np.testing.assert_array_equal(again.struct, X.struct)
