"""Held-out real materials for the rediscovery benchmark and the tests (OBELiX Li–O entries).

Which entries: OBELiX rows with a CIF whose elements are Li, O and the paper's 25 only, that
are either ordered or disordered on Li sites alone (every non-Li site fully occupied by one
species) with an integral reduced formula the CIF's composition agrees with (within 0.005 in
atomic fraction). Exact duplicates (same formula and space group) are kept once, the ordered
entry first.

Matching a candidate to a target:

* strict: pymatgen ``StructureMatcher`` (default tolerances) fits the candidate to the target.
  For a target disordered on Li sites only, the Li-free frameworks must match and the
  compositions agree (an ordered candidate cannot match a partially occupied cell site by site);
* loose: the same reduced composition (atomic fractions within 0.005) and the same
  :func:`materials_map.structure_type`; for a target the classifier calls "other" (no family
  of the library), a family name says nothing, so the structures must instead fit with
  loosened StructureMatcher tolerances (ltol 0.3, stol 0.6, angle_tol 10).

Reachable: the generator can only make a target's structure from a prototype of its family or
from an ordered map material of the same structure (substitution keeps the parent's
arrangement). :func:`reachable` says which, or why neither exists.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
from pymatgen.core import Composition, Structure

from materials_map.design.chemistry import DEFAULT_ELEMENTS

COMPOSITION_TOL = 0.005


def read_cif(path: Path) -> Structure:
    """A CIF as a Structure, pymatgen's warnings about the file silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Structure.from_file(str(path))


def li_only_disorder(s: Structure) -> bool:
    """Every partially occupied or mixed site holds Li only."""
    return all(site.is_ordered or {e.symbol for e in site.species} == {"Li"} for site in s)


def same_composition(a: Composition, b: Composition, tol: float = COMPOSITION_TOL) -> bool:
    """Atomic fractions of every element agree within ``tol``."""
    fa = Composition(a).element_composition.fractional_composition
    fb = Composition(b).element_composition.fractional_composition
    return all(abs(fa[e] - fb[e]) <= tol for e in set(fa.elements) | set(fb.elements))


def li_o_entries(obelix: Path) -> pd.DataFrame:
    """OBELiX rows with a CIF and only Li, O and the 25 elements: id, formula (OBELiX
    reduced composition), family, spacegroup, structure, ordered, li_only, integral, agrees."""
    allowed = set(DEFAULT_ELEMENTS)
    table = pd.read_csv(obelix / "all.csv")
    table = table[table["Cif ID"] == "done"]
    rows = []
    for _, r in table.iterrows():
        comp = Composition(r["True Composition"])
        els = {e.symbol for e in comp.elements}
        if not ({"Li", "O"} <= els <= allowed):
            continue
        s = read_cif(obelix / "all_randomized_cifs" / f"{r['ID']}.cif")
        ideal = Composition(r["Reduced Composition"])
        rows.append(
            {
                "id": str(r["ID"]),
                "formula": ideal.reduced_formula,
                "family": r["Family"] if isinstance(r["Family"], str) else "",
                "spacegroup": int(r["Space group #"]),
                "structure": s,
                "ordered": s.is_ordered,
                "li_only": li_only_disorder(s),
                "integral": all(abs(v - round(v)) < 1e-6 for v in ideal.values()),
                "agrees": same_composition(s.composition, ideal),
            }
        )
    return pd.DataFrame(rows)


def held_out(entries: pd.DataFrame) -> pd.DataFrame:
    """The benchmark's targets (see the module docstring), ordered entries first."""
    ok = entries["ordered"] | (entries["li_only"] & entries["integral"] & entries["agrees"])
    sel = entries[ok].sort_values(["ordered", "id"], ascending=[False, True])
    sel = sel.drop_duplicates(["formula", "spacegroup"], keep="first")
    return sel.sort_values("id").reset_index(drop=True)


def _plain(s: Structure) -> Structure:
    s = s.copy()
    s.remove_oxidation_states()
    return s


def _without_li(s: Structure) -> Structure:
    s = _plain(s)
    s.remove_species(["Li"])
    return s


def strict_match(target: Structure, candidate: Structure) -> bool:
    """Strict rediscovery (module docstring)."""
    from pymatgen.analysis.structure_matcher import StructureMatcher

    if not same_composition(target.composition, candidate.composition):
        return False
    sm = StructureMatcher()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if target.is_ordered:
            return bool(sm.fit(_plain(target), _plain(candidate)))
        return bool(sm.fit(_without_li(target), _without_li(candidate)))


LOOSE = {"ltol": 0.3, "stol": 0.6, "angle_tol": 10.0}


def loose_match(target: Structure, target_type: str, candidate: Structure) -> tuple:
    """(matched, candidate's structure type or '' when its composition already differs)."""
    from pymatgen.analysis.structure_matcher import StructureMatcher

    from materials_map.prototypes import structure_type

    if not same_composition(target.composition, candidate.composition):
        return False, ""
    ctype = structure_type(candidate)
    if target_type != "other":
        return ctype == target_type, ctype
    frame = _without_li if not target.is_ordered else _plain
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bool(StructureMatcher(**LOOSE).fit(frame(target), frame(candidate))), ctype


def _pattern(s: Structure) -> tuple:
    return tuple(
        sorted(
            round(v, 3) for v in s.composition.element_composition.fractional_composition.values()
        )
    )


def reachable(target: Structure, target_type: str, known: list) -> str:
    """How the generator can make ``target``: "prototype <family>", "substitution of <id>",
    or "" when neither a prototype nor an ordered map material has its structure."""
    from pymatgen.analysis.structure_matcher import StructureMatcher

    if target_type != "other":
        return f"prototype {target_type}"
    sm = StructureMatcher(**LOOSE)
    t = _plain(target) if target.is_ordered else _without_li(target)
    pat = _pattern(target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kid, s in known:
            if s is None or not s.is_ordered or _pattern(s) != pat:
                continue
            if sm.fit_anonymous(t, _plain(s) if target.is_ordered else _without_li(s)):
                return f"substitution of {kid}"
    return ""
