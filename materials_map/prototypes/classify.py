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
from .prototype import Prototype, Site

ANIONS = frozenset({"O", "F", "Cl", "Br", "I", "N"})
# chalcogens are anions only where no lighter anion is present (Te6+ in garnets is a cation)
SOFT_ANIONS = frozenset({"S", "Se", "Te"})
_CATION, _ANION = "Si", "O"  # dummy elements for the two framework roles

# Extra reference frameworks used only for classification (no Li site, so not decoration
# archetypes): the simple cubic perovskite keeps every A site, as in A-site-disordered LLTO.
VARIANTS: tuple[Prototype, ...] = (
    Prototype(
        name="perovskite-cubic",
        formula="SrTiO3",
        spacegroup=221,
        lattice=(3.905, 3.905, 3.905, 90.0, 90.0, 90.0),
        sites=(
            Site("A1", "Sr", "1b", (0.5, 0.5, 0.5), "cation", 12),
            Site("B1", "Ti", "1a", (0.0, 0.0, 0.0), "cation", 6),
            Site("O1", "O", "3d", (0.5, 0.0, 0.0), "anion", 6),
        ),
        reference="Cubic perovskite SrTiO3, Pm-3m, a = 3.905 A (the structure shipped with pymatgen).",
        description="Simple ABO3 perovskite: reference for A-site-disordered Li-La-Ti-O.",
        family="perovskite",
    ),
)

# Frameworks are reduced to primitive cells once, so the matcher itself skips that step.
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
def _references(level: tuple[float, bool]) -> tuple[tuple[str, Structure, float], ...]:
    """Primitive prototype frameworks at one framework level (built on first use)."""
    refs = []
    for p in (*PROTOTYPES.values(), *VARIANTS):
        fw = framework(p.structure(), *level)
        if fw is not None:
            prim = _primitive(fw)
            refs.append((p.name, prim, mean_cation_cn(prim)))
    return tuple(refs)


# largest allowed difference of mean cation coordination between structure and prototype
CN_TOLERANCE = 1.2
# largest primitive-cell size ratio tried (supercell matching grows fast with the ratio)
MAX_SUPERCELL = 4


def match_prototypes(structure: Structure) -> list[tuple[str, float]]:
    """Matching library prototypes as ``(name, rms)`` pairs, best (smallest rms) first.

    Frameworks are compared at successively looser levels (Li-free with a 0.5 occupancy
    threshold, Li-free keeping every cation site, then - for Li compounds only - Li counted as
    a cation); the first level with any match wins. Supercells of up to ``MAX_SUPERCELL``
    primitive cells are tried.
    """
    has_li = any(getattr(el, "symbol", "") == "Li" for el in structure.composition.elements)
    # counting Li as a cation is only meaningful for Li compounds
    levels = _LEVELS if has_li else _LEVELS[:1]
    for level in levels:
        fw = framework(structure, *level)
        if fw is None:
            continue
        red = fw.composition.reduced_formula
        cands = [
            (n, r, cn) for n, r, cn in _references(level) if r.composition.reduced_formula == red
        ]
        if not cands:
            continue
        prim = _primitive(fw)
        cn = mean_cation_cn(prim)
        hits = []
        for name, ref, ref_cn in cands:
            if abs(cn - ref_cn) > CN_TOLERANCE:
                continue
            big, small = max(len(prim), len(ref)), min(len(prim), len(ref))
            if big % small or big // small > MAX_SUPERCELL:
                continue  # no (cheap) supercell relation possible
            rms = _MATCHER.get_rms_dist(prim, ref)
            if rms is not None:
                hits.append((name, float(rms[0])))
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
    reason = structure_problem(structure)
    if reason:
        return reason
    if len(structure) > MAX_SITES:
        return (
            f"too many sites to classify: {len(structure)} > {MAX_SITES} "
            "(reduce it to its primitive cell first)"
        )
    return None


def warm_up() -> None:
    """Build the reference frameworks now (about 25 s once per process), so that per-structure
    time limits measure the structures only."""
    for level in _LEVELS:
        _references(level)


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
    families = {p.name: p.family for p in (*PROTOTYPES.values(), *VARIANTS)}
    hits = match_prototypes(structure)
    return families[hits[0][0]] if hits else "other"


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
