"""Structure-type classification by framework matching against the prototype library.

The mobile Li is removed, every remaining site becomes a species-agnostic "cation" or
"anion" dummy, and the resulting framework is compared with each prototype's framework by
pymatgen's ``StructureMatcher`` (volume scaled, supercells allowed). Partial occupancies are
handled without any ordering step: a site belongs to the framework when enough of it is not Li.
A cheap pre-filter (reduced framework formula) keeps the expensive matching to a few candidates.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from pymatgen.analysis.structure_matcher import StructureMatcher
from pymatgen.core import Element, Structure

from .library import PROTOTYPES, Prototype, Site

ANIONS = frozenset({"O", "S", "Se", "Te", "F", "Cl", "Br", "I", "N"})
_CATION, _ANION = "Si", "O"  # dummy elements for the two framework roles

# Extra reference frameworks used only for classification (no Li site, so not decoration
# archetypes): the simple cubic perovskite keeps every A site, as in A-site-disordered LLTO.
VARIANTS: tuple[Prototype, ...] = (
    Prototype(
        name="perovskite-cubic", formula="SrTiO3", spacegroup=221,
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

_MATCHER = StructureMatcher(
    ltol=0.25, stol=0.4, angle_tol=8, primitive_cell=True, scale=True,
    attempt_supercell=True,
)


def _is_anion(symbol: str) -> bool:
    return symbol in ANIONS


def framework(structure: Structure, min_framework_occupancy: float = 0.5) -> Structure | None:
    """Li-free, species-agnostic framework of ``structure`` (``None`` when nothing is left).

    Each site keeps its non-Li, non-H species; a cation site stays in the framework when
    their total occupancy is at least ``min_framework_occupancy`` (so Li sites lightly doped
    with Al/Ga, as in LLZO, do not count); anion sites always stay. Cation sites become Si,
    anion sites O, and sites closer than 0.7 A (split positions) are merged.
    """
    species, coords = [], []
    for site in structure:
        occ = Counter()
        for sp, amt in site.species.items():
            sym = getattr(sp, "symbol", None) or Element(str(sp)).symbol
            if sym in ("Li", "H"):
                continue
            occ["anion" if _is_anion(sym) else "cation"] += amt
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


def _reduced(fw: Structure) -> str:
    return fw.composition.reduced_formula


@lru_cache(maxsize=1)
def _references() -> tuple[tuple[str, str, Structure], ...]:
    refs = []
    for p in (*PROTOTYPES.values(), *VARIANTS):
        fw = framework(p.structure())
        if fw is not None:
            refs.append((p.family, p.name, fw.get_primitive_structure()))
    return tuple(refs)


def match_prototypes(structure: Structure) -> list[str]:
    """Names of all library prototypes (and variants) whose framework matches ``structure``."""
    out = []
    for thr in (0.5, 0.0):
        fw = framework(structure, thr)
        if fw is None:
            continue
        red = _reduced(fw)
        for _family, name, ref in _references():
            if name in out or _reduced(ref) != red:
                continue
            if _MATCHER.fit(fw, ref):
                out.append(name)
        if out:
            break
    return out


def structure_type(structure: Structure) -> str:
    """Structure family of ``structure`` ("garnet", "nasicon", ...) or "other".

    Works on ordered and disordered structures: the Li-free framework is compared with the
    library (see :func:`framework`), so partial Li occupancies and mixed cation sites are fine.
    """
    if not isinstance(structure, Structure):
        raise TypeError(f"structure_type needs a pymatgen Structure, got {type(structure).__name__}")
    families = {p.name: p.family for p in (*PROTOTYPES.values(), *VARIANTS)}
    names = match_prototypes(structure)
    return families[names[0]] if names else "other"


__all__ = ["ANIONS", "VARIANTS", "framework", "match_prototypes", "structure_type"]
