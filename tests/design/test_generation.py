"""Candidate generation: lambda-table substitution and prototype decoration on real structures."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from pymatgen.core import Species

from materials_map.design import substitute as S
from materials_map.design.chemistry import CATION_SITE_IONS, PAPER_ELEMENTS, cation_ions
from materials_map.design.decorate import (
    assignment_composition,
    assignment_text,
    assignments,
    decorate,
)
from materials_map.prototypes import PROTOTYPES


@pytest.fixture(scope="module")
def li2zro3():
    """Monoclinic Li2ZrO3 decorated from its own prototype (BV-scaled, with oxidation states)."""
    s, _, _ = decorate(PROTOTYPES["li2zro3"], (("Zr1", (("Zr", 4),), (1, 1)),))
    assert s.composition.reduced_formula == "Li2ZrO3"
    return s


def test_probabilities_are_pymatgens_lambda_table(li2zro3):
    """Parity with pymatgen: each one-species probability is SubstitutionProbability's."""
    from pymatgen.analysis.structure_prediction.substitution_probability import (
        SubstitutionProbability,
    )

    sp = SubstitutionProbability()
    subs = S.substitutions(li2zro3, cation_ions())
    singles = [s for s in subs if len(s.pairs) == 1]
    assert singles
    for sub in singles:
        old, new = sub.pairs[0]
        assert sub.probability == pytest.approx(
            sp.cond_prob(Species.from_str(new), Species.from_str(old))
        )
    # Li2TiO3, Li2SnO3 and Li2HfO3 are real Li2ZrO3 analogues: Ti, Sn, Hf rank first
    assert {s.pairs[0][1] for s in singles[:3]} == {"Ti4+", "Sn4+", "Hf4+"}
    probs = [s.probability for s in subs]
    assert probs == sorted(probs, reverse=True) and min(probs) >= 1e-3


def test_substitutions_stay_charge_balanced_and_in_the_element_pool(li2zro3):
    allowed = {"Li", "O", *PAPER_ELEMENTS}
    subs = S.substitutions(li2zro3, cation_ions())
    assert len(subs) >= 5
    for sub in subs[:10]:
        s, scale, rms = S.apply(li2zro3, sub)
        assert S.charge(s) == pytest.approx(0.0, abs=1e-9)
        assert {e.symbol for e in s.composition.elements} <= allowed
        assert (
            s.composition.element_composition.reduced_formula
            == S.substituted_composition(li2zro3, sub).reduced_formula
        )
        assert 0.6 < scale < 1.8 and np.isfinite(rms)
    # Li+ and O2- are never replaced
    assert all(old.startswith("Zr") for sub in subs for old, _ in sub.pairs)


# experimental volumes per formula unit (Å^3), C2/c cells: Li2ZrO3 a 5.422 b 9.022 c 5.419
# beta 112.7 Z 4; Li2TiO3 a 5.062 b 8.788 c 9.753 beta 100.2 Z 8; Li2SnO3 a 5.289 b 9.187
# c 10.026 beta 100.35 Z 8
def _v(a, b, c, beta, z):
    return a * b * c * np.sin(np.radians(beta)) / z


V_ZR = _v(5.4218, 9.0216, 5.4187, 112.709, 4)


@pytest.mark.parametrize(
    ("ion", "real"),
    [
        ("Ti4+", _v(5.0623, 8.7876, 9.7533, 100.212, 8)),
        ("Sn4+", _v(5.2889, 9.1872, 10.026, 100.35, 8)),
    ],
)
def test_substitution_rescales_to_the_bond_valence_volume(li2zro3, ion, real):
    """Bond-valence scaling after Zr4+ -> Ti4+ / Sn4+ reproduces the real volume ratio of
    Li2TiO3 (0.87) and Li2SnO3 (0.98) to Li2ZrO3 within 0.035."""
    s, _, rms = S.apply(li2zro3, S.Substitution((("Zr4+", ion),), 1.0))
    assert s.volume / li2zro3.volume == pytest.approx(real / V_ZR, abs=0.035)
    assert rms < 0.6


def test_radius_check_uses_the_sites_coordination(li2zro3):
    ok, _ = S.radius_check(li2zro3, S.Substitution((("Zr4+", "Hf4+"),), 1.0))
    assert ok
    bad, note = S.radius_check(li2zro3, S.Substitution((("Zr4+", "Ba2+"),), 1.0))
    assert not bad and "CN6" in note and "Ba2+" in note


def test_two_species_substitutions_cancel_their_charges():
    """Two framework cations in LiNbO3-type Li3TaNb2O9... here LiTi2(PO4)3 NASICON: a coupled
    Ti4+/P5+ swap must keep the cell neutral."""
    proto = PROTOTYPES["nasicon"]
    s, _, _ = decorate(proto, (("P1", (("P", 5),), (1, 1)), ("Ti1", (("Ti", 4),), (1, 1))))
    pairs = [x for x in S.substitutions(s, cation_ions()) if len(x.pairs) == 2]
    assert pairs
    for sub in pairs[:20]:
        built, _, _ = S.apply(s, sub)
        assert S.charge(built) == pytest.approx(0.0, abs=1e-9)


def test_substitution_needs_oxidation_states(li2zro3):
    plain = li2zro3.copy()
    plain.remove_oxidation_states()
    with pytest.raises(ValueError, match="no oxidation states"):
        S.substitutions(plain, cation_ions())


def test_default_ion_pool_is_the_libraries():
    assert cation_ions() == CATION_SITE_IONS
    pool = cation_ions(("Li", "O", "Zr", "Sn", "Mn"))
    # Mn is outside the 25: pymatgen's common positive states are used for it
    assert ("Zr", 4) in pool and ("Sn", 2) in pool and ("Sn", 4) in pool
    assert {el for el, _ in pool} == {"Li", "Zr", "Sn", "Mn"}
    with pytest.raises(ValueError, match="unknown element"):
        cation_ions(("Li", "O", "Xx"))


@pytest.mark.parametrize("name", ["olivine", "nasicon", "li2zro3", "spinel"])
def test_assignment_composition_is_the_built_structures(name):
    proto = PROTOTYPES[name]
    combos = assignments(proto, max_split_labels=1)
    for a in combos[:: max(1, len(combos) // 4)][:4]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s, _, _ = decorate(proto, a)
        want = assignment_composition(proto, a)
        got = s.composition.element_composition.fractional_composition
        assert got.almost_equals(want.fractional_composition), assignment_text(a)


def test_split_limit_nests_and_ion_pool_restricts():
    proto = PROTOTYPES["olivine"]
    a0, a1, a2 = (set(assignments(proto, max_split_labels=k)) for k in (0, 1, 2))
    assert a0 < a1 < a2
    assert all(len(ions) == 1 for a in a0 for _, ions, _ in a)
    small = assignments(
        proto, ions=cation_ions(("Li", "O", "Mg", "Zn", "P", "As")), max_split_labels=0
    )
    els = {el for a in small for _, ions, _ in a for el, _ in ions}
    assert small and els <= {"Li", "Mg", "Zn", "P", "As"}
    with pytest.raises(ValueError, match="max_split_labels"):
        assignments(proto, max_split_labels=3)


def test_li_vacancies_balance_a_higher_valent_ion():
    """Ta5+ for Zr4+ in tetragonal Li7La3Zr2O12 (96-atom cell, 8 Zr): 8 Li vacancies, one
    whole Li orbit, give charge-neutral Li5La3Ta2O12, still a garnet (the Li5 garnets of
    OBELiX are real)."""
    from materials_map.prototypes import structure_type

    own = (
        ("La1", (("La", 3),), (1, 1)),
        ("La2", (("La", 3),), (1, 1)),
        ("Zr1", (("Zr", 4),), (1, 1)),
    )
    s, _, _ = decorate(PROTOTYPES["garnet-tetragonal"], own)
    subs = {x.text: x for x in S.substitutions(s, cation_ions())}
    sub = subs["Zr4+→Ta5+ + 8 Li vacancies"]
    assert sub.li_vacancies == 8
    sites = S.li_vacancy_sites(s, 8)
    assert len(sites) == 8 and all(s[i].specie.symbol == "Li" for i in sites)
    out, _, rms = S.apply(s, sub)
    assert (
        out.composition.reduced_formula
        == "Li5La3Ta2O12"
        == (S.substituted_composition(s, sub).reduced_formula)
    )
    assert S.charge(out) == pytest.approx(0.0, abs=1e-9) and rms < 0.6
    assert structure_type(out) == "garnet"
    with pytest.raises(ValueError, match="no Li orbits"):
        S.li_vacancy_sites(s, 3)
