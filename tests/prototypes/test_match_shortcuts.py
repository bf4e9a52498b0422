"""The classifier's shortcuts give exactly pymatgen's answers: Niggli cells made once per
structure and prototype (instead of on every ``get_rms_dist`` call), and ``structure_type``
stopping at the first match once no other family can compete."""

from __future__ import annotations

import pytest

from materials_map import datasets, structure_type
from materials_map.prototypes import PROTOTYPES, classify

# shipped li-o structures of 8-15 sites and the families among their matches: competing
# (gamma-LiFeO2, Li2ZrO3, layered rock salt within 2 % of rms, or all three at rms ~1e-16,
# where the last bits decide), one family, no match at all
IDS = {
    "lio-gamma-lifeo2-1cf3d657": 3,
    "lio-layered-rocksalt-f4491b54": 3,
    "lio-gamma-lifeo2-170d0925": 1,
    "obelix-oi6": 0,
}


@pytest.fixture(scope="module")
def structures() -> dict:
    df = datasets.load("li-o").df.set_index("id")
    return {i: df.loc[i, "structure"] for i in IDS}


def test_rms_of_reduced_cells_is_get_rms_dist(structures):
    level = classify._LEVELS[0]
    refs = {
        p.name: classify._primitive(classify.framework(p.structure(), *level))
        for p in (*PROTOTYPES.values(), *classify.VARIANTS)
    }
    pairs = 0
    for s in structures.values():
        prim = classify._primitive(classify.framework(s, *level))
        red = classify._reduced(prim)
        for ref in refs.values():
            if ref.composition.reduced_formula != prim.composition.reduced_formula:
                continue
            want = classify._MATCHER.get_rms_dist(prim, ref)
            got = classify._rms(red, classify._reduced(ref), first=False)
            assert got == (None if want is None else want[0])  # the same float, not a close one
            first = classify._rms(red, classify._reduced(ref), first=True)
            assert (first is None) == (want is None)
            assert first is None or want[0] <= first < classify._MATCHER.stol
            pairs += 1
    assert pairs >= 6


def test_structure_type_is_the_family_of_the_best_full_match(structures):
    for i, s in structures.items():
        hits = classify.match_prototypes(s)
        assert len({classify.FAMILIES[n] for n, _ in hits}) == IDS[i], (i, hits)
        assert [h[1] for h in hits] == sorted(h[1] for h in hits)
        assert structure_type(s) == (classify.FAMILIES[hits[0][0]] if hits else "other"), i
        short = classify.match_prototypes(s, family=True)
        if IDS[i] > 1:
            assert short == hits  # competing families: every hit with its full rms
        else:
            fam = [classify.FAMILIES[n] for n, _ in hits[:1]]
            assert [classify.FAMILIES[n] for n, _ in short] == fam  # stopped at its first hit


def test_levels_share_equal_frameworks():
    refs = classify._references()
    assert set(refs) == set(classify._LEVELS)
    names = [p.name for p in (*PROTOTYPES.values(), *classify.VARIANTS)]
    for rows in refs.values():
        assert [n for n, _, _ in rows] == [n for n in names if n in {r[0] for r in rows}]
    # a prototype without Li-bearing mixed sites has one framework at the two Li-free levels
    a, b = (dict((n, r) for n, r, _ in refs[lv]) for lv in classify._LEVELS[:2])
    assert sum(a[n] is b[n] for n in a if n in b) >= len(a) // 2
