"""Labels of disordered crystals without ordering them (labels/disorder.py).

gamma-Li3PO4 (the LISICON archetype of materials_map.prototypes, 32 atoms) is the test
crystal: split Li positions give a disorder confined to Li sites; P/As sharing the
tetrahedral site (isovalent, so the crystal stays neutral) give a substitutional framework
disorder. Tolerances are those documented in docs/labels.md ("Disordered crystals").
"""

from __future__ import annotations

import numpy as np
import pytest
from pymatgen.core import Structure

from materials_map.labels import disorder as D
from materials_map.labels import migration_energy
from materials_map.prototypes import PROTOTYPES

CELL_CHOICE = 0.05  # eV: bvlain's grid at 0.2 Å moves barriers by a few hundredths with the cell
SUBSTITUTION_TOLERANCE = 0.1  # eV: weighted vs mean over orderings, framework-only mixed sites


@pytest.fixture(scope="module")
def li3po4() -> Structure:
    s = PROTOTYPES["lisicon"].structure()
    s.remove_site_property("cn")
    return s


def _split_li(s: Structure, shift: float = 0.35) -> Structure:
    """Each Li of the Li2 orbit on two half-occupied positions +-shift Å along a."""
    out = s.copy()
    li2 = [i for i, lab in enumerate(s.site_properties["label"]) if lab == "Li2"]
    dx = shift / s.lattice.a
    for i in li2:
        f = s[i].frac_coords
        out.append(
            {"Li": 0.5}, f + [dx, 0, 0], properties={k: s[i].properties[k] for k in s[i].properties}
        )
        out.replace(i, {"Li": 0.5}, f - [dx, 0, 0], properties=dict(s[i].properties))
    return out


def test_disorder_kinds(li3po4):
    assert D.disorder_kind(li3po4) == "ordered"
    assert D.disorder_kind(_split_li(li3po4)) == "li-only"
    mixed = li3po4.copy()
    mixed.replace_species({"P": {"P": 0.5, "As": 0.5}})
    assert D.disorder_kind(mixed) == "framework"
    vac = li3po4.copy()
    vac.replace(31 if vac[31].specie.symbol == "O" else -1, {"O": 0.9})
    assert D.disorder_kind(vac) == "anion"


def test_weighted_framework_keeps_charge_and_drops_li(li3po4):
    mixed = li3po4.copy()
    mixed.replace_species({"P": {"P": 0.5, "As": 0.5}})
    states = D.element_oxidation_states(mixed)
    assert states == {"Li": 1, "P": 5, "As": 5, "O": -2}
    fw = D.weighted_framework(mixed, states)
    assert fw.is_ordered and "Li" not in {e.symbol for e in fw.composition}
    w = np.array(fw.site_properties["weight"])
    q = np.array([site.specie.oxi_state for site in fw])
    # the framework's weighted charge is the crystal's minus its Li: 4 P/As (+5) + 16 O (-2)
    assert np.dot(w, q) == pytest.approx(4 * 5 - 16 * 2)
    assert len(fw) == 4 * 2 + 16  # each mixed site holds both species


@pytest.mark.slow
def test_li_only_disorder_labels_as_its_orderings(li3po4):
    """Disorder on Li sites leaves bvlain's framework unchanged: the disordered CIF labels as
    each of its orderings, up to the cell-choice effect of the standard primitive cell."""
    from pymatgen.transformations.standard_transformations import (
        OrderDisorderedStructureTransformation,
    )

    dis = _split_li(li3po4)
    dis.add_oxidation_state_by_element({"Li": 1, "P": 5, "O": -2})
    ranked = OrderDisorderedStructureTransformation().apply_transformation(
        dis, return_ranked_list=3
    )
    orderings = [r["structure"] for r in ranked]
    labels = migration_energy([dis, *orderings, li3po4], progress=False)
    assert (labels["reason"] == "").all(), labels["reason"].tolist()
    e = labels["e_3d"].to_numpy()
    assert np.all(np.abs(e[1:] - e[0]) <= CELL_CHOICE), e
    assert 0.2 < e[0] < 1.5  # gamma-Li3PO4: a poor conductor, but a percolating network


@pytest.mark.slow
def test_substitutional_disorder_within_tolerance_of_orderings(li3po4):
    """P/As sharing the tetrahedral site: the occupancy-weighted landscape lies within the
    documented tolerance of the mean over the lowest-Ewald orderings of the same cell."""
    mixed = li3po4.copy()
    mixed.replace_species({"P": {"P": 0.5, "As": 0.5}})
    states = D.element_oxidation_states(mixed)
    cell = D.rounded_supercell(mixed, [1, 1, 1], states)
    weighted = D.weighted_barriers(cell)
    orderings = D.explicit_orderings(cell, n=3)
    assert len(orderings) == 3 and all(o.is_ordered for o in orderings)
    each = [D.framework_barriers(o)["e_3d"] for o in orderings]
    assert abs(weighted["e_3d"] - np.mean(each)) <= SUBSTITUTION_TOLERANCE, (weighted, each)
    # and the public labeller takes the same route for the disordered structure
    public = migration_energy([mixed], progress=False)
    assert public.loc[0, "reason"] == ""
    assert abs(public.loc[0, "e_3d"] - weighted["e_3d"]) <= CELL_CHOICE


def test_still_refused_with_reasons(li3po4):
    # half the Li removed without compensation: 12 % off neutrality, over the tolerance
    short = li3po4.copy()
    short.replace_species({"Li": {"Li": 0.5}})
    with pytest.warns(UserWarning, match="refused"):
        out = migration_energy([short], progress=False)
    assert "not charge balanced" in out.loc[0, "reason"] and np.isnan(out.loc[0, "e_3d"])
