"""Structure-type classification by framework matching against the prototype library.

The mobile Li is removed, every remaining site becomes a species-agnostic "cation" or
"anion" dummy, and the resulting framework is compared with each prototype's framework by
pymatgen's ``StructureMatcher`` (volume scaled, supercells allowed). Partial occupancies are
handled without any ordering step: a site belongs to the framework when enough of it is not Li.
A cheap pre-filter (reduced framework formula) keeps the expensive matching to a few candidates.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

import numpy as np
from pymatgen.analysis.structure_matcher import StructureMatcher
from pymatgen.core import Element, Structure

from .._util.validate import structure_problem
from .library import PROTOTYPES
from .prototype import Prototype, entry

ANIONS = frozenset({"O", "F", "Cl", "Br", "I", "N"})
# chalcogens are anions only where no lighter anion is present (Te6+ in garnets is a cation)
SOFT_ANIONS = frozenset({"S", "Se", "Te"})
_CATION, _ANION = "Si", "O"  # dummy elements for the two framework roles

# Extra reference frameworks used only for classification (no Li site, so not decoration
# archetypes): the simple cubic perovskite keeps every A site, as in A-site-disordered LLTO.
VARIANTS: tuple[Prototype, ...] = (
    entry(
        "perovskite-cubic",
        "SrTiO3",
        221,
        (3.905, 3.905, 3.905, 90.0, 90.0, 90.0),
        [
            ("A1", "Sr", "1b", (0.5, 0.5, 0.5), "cation", 12),
            ("B1", "Ti", "1a", (0.0, 0.0, 0.0), "cation", 6),
            ("O1", "O", "3d", (0.5, 0.0, 0.0), "anion", 6),
        ],
        "Cubic perovskite SrTiO3, Pm-3m, a = 3.905 A (the structure shipped with pymatgen).",
        "Simple ABO3 perovskite: reference for A-site-disordered Li-La-Ti-O.",
        family="perovskite",
    ),
)
FAMILIES = {p.name: p.family for p in (*PROTOTYPES.values(), *VARIANTS)}

# Frameworks are reduced to primitive (and Niggli) cells once, so the matcher skips that step.
_MATCHER = StructureMatcher(
    ltol=0.25,
    stol=0.4,
    angle_tol=8,
    primitive_cell=False,
    scale=True,
    attempt_supercell=True,
)


def _anion_set(structure: Structure) -> frozenset[str]:
    present = {el.symbol for el in structure.composition.elements}
    return ANIONS if present & ANIONS else ANIONS | SOFT_ANIONS


def mean_cation_cn(fw: Structure, slack: float = 1.3) -> float:
    """Mean number of anions around a framework cation (a cheap, scale-free pre-filter).

    Anions are counted within ``slack`` times a reference distance, the median of the
    cation's three shortest cation-anion distances (robust to one displaced anion).
    """
    cats = [i for i, s in enumerate(fw) if s.species_string == _CATION]
    if not cats:
        return 0.0
    cns = []
    for i in cats:
        nbrs = sorted(
            n.nn_distance for n in fw.get_neighbors(fw[i], 4.0) if n.species_string == _ANION
        )
        if not nbrs:
            cns.append(0)
            continue
        d0 = float(np.median(nbrs[:3]))
        cns.append(sum(d <= slack * d0 for d in nbrs))
    return float(sum(cns) / len(cns))


def framework(
    structure: Structure, min_framework_occupancy: float = 0.5, keep_li: bool = False
) -> Structure | None:
    """Species-agnostic framework of ``structure`` (``None`` when nothing is left).

    By default Li (and H) are removed from every site; a cation site stays in the framework
    when its remaining occupancy is at least ``min_framework_occupancy`` (so Li sites lightly
    doped with Al/Ga, as in LLZO, do not count); anion sites always stay. With ``keep_li``
    Li counts as an ordinary cation (the whole cation/anion array). Cation sites become Si,
    anion sites O, and sites closer than 0.7 A (split positions) are merged.
    """
    anions = _anion_set(structure)
    species, coords = [], []
    for site in structure:
        occ: Counter = Counter()
        for sp, amt in site.species.items():
            sym = getattr(sp, "symbol", None) or Element(str(sp)).symbol
            if sym == "H" or (sym == "Li" and not keep_li):
                continue
            occ["anion" if sym in anions else "cation"] += amt
        if not occ:
            continue
        role = max(occ, key=occ.get)
        if role == "cation" and occ[role] < min_framework_occupancy:
            continue
        species.append(_ANION if role == "anion" else _CATION)
        coords.append(site.frac_coords)
    if not species:
        return None
    fw = Structure(structure.lattice, species, coords)
    if len(fw) > 1:
        fw.merge_sites(tol=0.7, mode="delete")
    return fw


def _primitive(fw: Structure) -> Structure:
    try:
        return fw.get_primitive_structure(tolerance=0.3)
    except Exception:  # noqa: BLE001 - symmetry search can fail on odd cells; keep the cell
        return fw


# (min_framework_occupancy, keep_li) tried in order until something matches
_LEVELS = ((0.5, False), (0.0, False), (0.0, True))


@cache
def _references() -> dict[tuple[float, bool], tuple[tuple[str, Structure, float], ...]]:
    """``(name, reduced framework, mean cation CN of the primitive one)`` of each prototype at
    each framework level, built on first use (levels that give equal frameworks share one)."""
    built: dict[tuple, tuple[Structure, float]] = {}
    refs: dict[tuple[float, bool], list] = {level: [] for level in _LEVELS}
    for p in (*PROTOTYPES.values(), *VARIANTS):
        s = p.structure()  # the space-group expansion, most of the build: once per prototype
        for level in _LEVELS:
            fw = framework(s, *level)
            if fw is None:
                continue
            key = (fw.lattice.matrix.tobytes(), fw.frac_coords.tobytes(), *map(str, fw.species))
            if key not in built:
                prim = _primitive(fw)
                built[key] = (_reduced(prim), mean_cation_cn(prim))
            refs[level].append((p.name, *built[key]))
    return {level: tuple(r) for level, r in refs.items()}


def _reduced(fw: Structure) -> Structure:
    """The Niggli cell that ``get_rms_dist`` makes of both structures on every call (same call)."""
    return _MATCHER._get_reduced_structure(Structure.from_sites(fw), False, True)


def _rms(red: Structure, ref: Structure, first: bool) -> float | None:
    """``_MATCHER.get_rms_dist(prim, ref)[0]`` of :func:`_reduced` cells, or ``None``; ``first``:
    the first match's rms (there is one exactly when there is a smallest one)."""
    s1, s2, fu, s1_big = _MATCHER._preprocess(red, ref, skip_structure_reduction=True)
    m = _MATCHER._match(s1, s2, fu, s1_big, use_rms=True, break_on_match=first)
    return None if m is None else float(m[0])


# largest allowed difference of mean cation coordination between structure and prototype
CN_TOLERANCE = 1.2
# largest primitive-cell size ratio tried (supercell matching grows fast with the ratio)
MAX_SUPERCELL = 4


def match_prototypes(structure: Structure, *, family: bool = False) -> list[tuple[str, float]]:
    """Matching library prototypes as ``(name, rms)`` pairs, best (smallest rms) first.

    Frameworks are compared at successively looser levels (Li-free with a 0.5 occupancy
    threshold, Li-free keeping every cation site, then - for Li compounds only - Li counted as
    a cation); the first level with any match wins. Supercells of up to ``MAX_SUPERCELL``
    primitive cells are tried. With ``family`` (for :func:`structure_type`) only the first hit's
    family is sure: matching stops once no other family can compete.
    """
    has_li = any(getattr(el, "symbol", "") == "Li" for el in structure.composition.elements)
    # counting Li as a cation is only meaningful for Li compounds
    levels = _LEVELS if has_li else _LEVELS[:1]
    for level in levels:
        fw = framework(structure, *level)
        if fw is None:
            continue
        red = fw.composition.reduced_formula
        cands = [c for c in _references()[level] if c[1].composition.reduced_formula == red]
        if not cands:
            continue
        prim = _primitive(fw)
        cn = mean_cation_cn(prim)
        cands = [  # no (cheap) supercell relation possible, or too different coordination
            (name, r)
            for name, r, rcn in cands
            if abs(cn - rcn) <= CN_TOLERANCE
            and (m := max(len(prim), len(r)) / min(len(prim), len(r))) == int(m)
            and m <= MAX_SUPERCELL
        ]
        prim = _reduced(prim) if cands else prim
        hits = []
        for k, (name, ref) in enumerate(cands):
            rms = _rms(prim, ref, first=family)
            hits += [] if rms is None else [(name, rms)]
            found = {FAMILIES[n] for n, _ in hits}
            if family and len(found) == 1 and found >= {FAMILIES[n] for n, _ in cands[k + 1 :]}:
                break  # every candidate left is of the family found
        if family and len({FAMILIES[n] for n, _ in hits}) > 1:
            hits = [(n, _rms(prim, dict(cands)[n], first=False)) for n, _ in hits]
        if hits:
            return sorted(hits, key=lambda h: h[1])
    return []


# largest cell classified: framework matching grows faster than the square of the sites
# (about 7 s for 864 sites and 150 s for 5760 on the 2-core build machine)
MAX_SITES = 2000


def classify_problem(structure: Structure) -> str | None:
    """Reason why ``structure`` cannot be classified, or ``None``: not a physical crystal
    (:func:`materials_map._util.validate.structure_problem`, checked first so that a NaN cell
    or a 10⁶ Å edge never reaches Niggli reduction) or more than ``MAX_SITES`` sites."""
    return structure_problem(structure) or (
        f"too many sites to classify: {len(structure)} > {MAX_SITES} "
        "(reduce it to its primitive cell first)"
        if len(structure) > MAX_SITES
        else None
    )


def warm_up() -> None:
    """Build the reference frameworks now (about 25 s once per process), so that per-structure
    time limits measure the structures only."""
    _references()


def structure_type(structure: Structure) -> str:
    """Structure family of ``structure`` ("garnet", "nasicon", ...) or "other".

    Works on ordered and disordered structures: the Li-free framework is compared with the
    library (see :func:`framework`), so partial Li occupancies and mixed cation sites are fine.
    Raises ``TypeError`` for anything but a Structure and ``ValueError`` naming the reason for
    a structure that cannot be classified (:func:`classify_problem`).
    ``MapDataset.classify`` records such reasons per material instead of raising.
    """
    if not isinstance(structure, Structure):
        raise TypeError(
            f"structure_type needs a pymatgen Structure, got {type(structure).__name__}"
        )
    reason = classify_problem(structure)
    if reason:
        raise ValueError(f"structure_type cannot classify this structure: {reason}")
    hits = match_prototypes(structure, family=True)
    return FAMILIES[hits[0][0]] if hits else "other"


__all__ = [
    "ANIONS",
    "MAX_SITES",
    "VARIANTS",
    "classify_problem",
    "framework",
    "match_prototypes",
    "structure_type",
    "warm_up",
]
