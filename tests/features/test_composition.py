"""CompositionHistogram: parity with the chemhist package, presets, inputs, errors."""

from __future__ import annotations

import numpy as np
import pytest
from featurize_helpers import li2o
from pymatgen.core import Composition

from materials_map.features.composition import CompositionHistogram

chemhist = pytest.importorskip("chemhist", reason="parity reference package chemhist not installed")

# single element, noble gas (no EN data -> chemhist uses 0), fractional, many elements,
# alphabetical-order-sensitive pair quirk (Zr last), parentheses
QUICK = [
    "Li",
    "Li2O",
    "LiNe2O",
    "Li6.4La3Zr1.4Ta0.6O12",
    "Li7La3Zr2O12",
    "Li3PO4",
    "Li1.3Al0.3Ti1.7(PO4)3",
    "LiNbO3",
    "Li0.33La0.557TiO3",
    "Li4SiO4",
    "Li2ZrO3",
    "LiBO2",
]


def _ref(formula: str) -> np.ndarray:
    vec, labels = chemhist.get_descriptor(formula, matrixdesc=False)
    assert len(vec) == 1785
    return vec


@pytest.mark.parametrize("formula", QUICK)
def test_paper_preset_matches_chemhist(formula):
    ours = CompositionHistogram().featurize(formula)
    ref = _ref(formula)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)
    assert np.count_nonzero(ref) > 10  # a real histogram, not zeros


def test_paper_preset_matches_chemhist_on_obelix():
    """The first 15 distinct formulas of the OBELiX Li–O entries shipped in the package (the
    reference, chemhist, takes about a second per formula)."""
    from materials_map.datasets import MapDataset
    from materials_map.datasets.registry import data_path

    shipped = MapDataset.from_parquet(data_path("li-o").with_name("obelix-li-o.parquet"))
    formulas = list(dict.fromkeys(shipped.df["formula"]))[:15]
    assert len(formulas) == 15
    f = CompositionHistogram()
    for formula in formulas:
        np.testing.assert_allclose(
            f.featurize(formula), _ref(formula), rtol=0, atol=1e-12, err_msg=formula
        )


def test_pair_quirk_and_corrected_preset_weights():
    # difference[AN] is not smoothed, so its sum is the total pair weight.
    # Li3PO4 sorted: Li, O, P. chemhist keeps only (Li,P) and (O,P): x_Li + x_O + 2 x_P = 9/8;
    # every pair: 2 * (x_Li + x_O + x_P) = 2.
    def diff_an_sum(preset):
        f = CompositionHistogram(preset)
        block = next(b for b in f.blocks() if b.name == "difference[AN]")
        return f.featurize("Li3PO4")[block.slice].sum()

    assert diff_an_sum("paper") == pytest.approx(9 / 8, abs=1e-6)
    assert diff_an_sum("corrected") == pytest.approx(2.0, abs=1e-12)


def test_corrected_single_block_is_exact_fractions():
    f = CompositionHistogram("corrected")
    v = f.featurize("Li2O")
    lab = np.array(f.feature_labels())
    an = next(b for b in f.blocks() if b.name == "single[AN]")
    assert lab[an.start + 2] == "single[AN][3,4)"  # Li, Z = 3
    assert v[an.start + 2] == pytest.approx(2 / 3, abs=1e-15)  # no 6-decimal rounding
    assert v[an.start + 7] == pytest.approx(1 / 3, abs=1e-15)  # O, Z = 8


def test_inputs_structure_composition_formula_agree():
    s = li2o()
    s.replace(0, {"Li": 0.5, "Mg": 0.25})  # partial occupancy + vacancy
    f = CompositionHistogram()
    from_struct = f.featurize(s)
    formula = "".join(f"{el}{amt:g}" for el, amt in s.composition.items())
    np.testing.assert_allclose(from_struct, f.featurize(formula), atol=1e-12)
    np.testing.assert_allclose(from_struct, f.featurize(Composition(formula)), atol=1e-12)
    np.testing.assert_allclose(from_struct, _ref(formula), atol=1e-12)


def test_labels_and_blocks():
    for preset in ("paper", "corrected"):
        f = CompositionHistogram(preset)
        labels = f.feature_labels()
        assert len(labels) == len(set(labels)) == 1785
        blocks = f.blocks()
        assert [b.stop - b.start for b in blocks[:12]] == [
            101,
            50,
            50,
            19,
            19,
            102,
            50,
            50,
            50,
            50,
            50,
            4,
        ]
        assert blocks[0].start == 0 and blocks[-1].stop == 1785
        assert all(a.stop == b.start for a, b in zip(blocks, blocks[1:], strict=False))
        assert {b.group for b in blocks} == {"comp"}
        assert labels[0] == "single[AN][1,2)" and labels[595].startswith("product[AN][")


def test_errors_name_the_problem():
    f = CompositionHistogram()
    with pytest.raises(ValueError, match="Lr have no property data"):
        f.featurize("LiLrO2")  # Z = 103 is not in the table
    with pytest.raises(ValueError, match="unknown preset"):
        CompositionHistogram("nope").featurize("Li2O")
