"""Chemistry rules of the generated Li–O library: ions, Shannon-radius site fit, BV volume.

Facts used (all from pymatgen's shipped tables, nothing fitted here):
- Shannon (1976) effective ionic radii, ``Species.get_shannon_radius``;
- Brese & O'Keeffe (1991) bond-valence parameters (pymatgen ``BV_PARAMS``), with the universal
  softness b = 0.37 Å, giving R0 for any cation–O pair.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from pymatgen.core import Composition, Element, Species, Structure

from ..datasets.materials_project import PAPER_ELEMENTS  # the paper's 25 framework elements

# Common cationic oxidation states in oxides used for charge balance (the usual oxide valence;
# Sn and Sb also in their lone-pair states). C, P, As, S appear only as oxo-anion centres.
OXIDATION_STATES: dict[str, tuple[int, ...]] = {
    "Mg": (2,),
    "Ca": (2,),
    "Sr": (2,),
    "Ba": (2,),
    "Zn": (2,),
    "Sc": (3,),
    "Y": (3,),
    "La": (3,),
    "B": (3,),
    "Al": (3,),
    "Ga": (3,),
    "In": (3,),
    "Ti": (4,),
    "Zr": (4,),
    "Hf": (4,),
    "C": (4,),
    "Si": (4,),
    "Ge": (4,),
    "Sn": (2, 4),
    "Nb": (5,),
    "Ta": (5,),
    "P": (5,),
    "As": (5,),
    "Sb": (3, 5),
    "S": (6,),
}
# Li may also sit on framework cation sites (Li-rich compounds such as Li2TiO3, Li3NbO4)
CATION_SITE_IONS: tuple[tuple[str, int], ...] = (("Li", 1),) + tuple(
    (el, q) for el in PAPER_ELEMENTS for q in OXIDATION_STATES[el]
)

#: the dataset's chemistry: Li, O and the paper's 25 framework elements
DEFAULT_ELEMENTS: tuple[str, ...] = ("Li", "O", *PAPER_ELEMENTS)


def oxidation_states(element: str) -> tuple[int, ...]:
    """Cationic oxidation states used for ``element``: the table above for the 25 elements
    and Li, else pymatgen's common positive oxidation states of the element."""
    if element == "Li":
        return (1,)
    if element in OXIDATION_STATES:
        return OXIDATION_STATES[element]
    try:
        states = tuple(q for q in Element(element).common_oxidation_states if q > 0)
    except ValueError as err:
        raise ValueError(f"unknown element {element!r}") from err
    return states


def cation_ions(elements: tuple[str, ...] | None = None) -> tuple[tuple[str, int], ...]:
    """(element, oxidation state) of every cation allowed on a framework site: Li+ and each
    element of ``elements`` (default :data:`DEFAULT_ELEMENTS`) but O; sorted, deterministic.

    ``cation_ions()`` equals :data:`CATION_SITE_IONS`, the pool of the ``li-o`` library.
    """
    if elements is None:
        return CATION_SITE_IONS
    for el in elements:
        if not Element.is_valid_symbol(el):
            raise ValueError(f"unknown element {el!r}")
    els = sorted(set(elements) - {"O", "Li"}, key=lambda e: (Element(e).Z, e))
    out: list[tuple[str, int]] = [("Li", 1)]
    for el in els:
        states = oxidation_states(el)
        if not states:
            raise ValueError(
                f"element {el!r} has no positive oxidation state to use on a cation site"
            )
        out.extend((el, q) for q in states)
    return tuple(out)


_ROMAN = {
    1: "I",
    2: "II",
    3: "III",
    4: "IV",
    5: "V",
    6: "VI",
    7: "VII",
    8: "VIII",
    9: "IX",
    10: "X",
    11: "XI",
    12: "XII",
    14: "XIV",
}
_ARABIC = {v: k for k, v in _ROMAN.items()}

# Site fit: candidate radius within this distance of the reference ion's radius at that CN.
RADIUS_REL_TOL = 0.30
RADIUS_ABS_TOL = 0.18  # Å; small oxo-anion centres (P5+ 0.17 Å) need an absolute window
BV_B = 0.37  # Å, Brown's universal bond-valence softness


@cache
def shannon_radius(element: str, oxi: int, cn: int) -> float | None:
    """Shannon ionic radius (Å) at coordination ``cn``, else at the nearest tabulated CN."""
    table = Element(element).data.get("Shannon radii", {}).get(str(oxi))
    if not table:
        return None
    cns = sorted((_ARABIC[k], k) for k in table if k in _ARABIC)
    if not cns:
        return None
    best = min(cns, key=lambda c: (abs(c[0] - cn), -c[0]))[1]
    spins = table[best]
    spin = "" if "" in spins else ("High Spin" if "High Spin" in spins else next(iter(spins)))
    return float(Species(element, oxi).get_shannon_radius(best, spin=spin))


def radius_fits(r_candidate: float, r_reference: float) -> bool:
    """Shannon-radius site rule: within 30 % or 0.18 Å of the reference ion."""
    return abs(r_candidate - r_reference) <= max(RADIUS_REL_TOL * r_reference, RADIUS_ABS_TOL)


def reference_states(comp: Composition) -> dict[str, int]:
    """Integer oxidation states of the prototype's own compound (first guess, O = -2)."""
    comp = Composition(comp).element_composition
    try:
        guesses = comp.oxi_state_guesses(max_sites=-20)
    except ValueError:  # reduced formula has > 20 sites (e.g. Li7La3Zr2O12)
        guesses = comp.oxi_state_guesses(max_sites=-40)
    for guess in guesses:
        if all(float(v).is_integer() for v in guess.values()) and guess.get("O", -2) == -2:
            return {el: int(v) for el, v in guess.items()}
    out = {}
    for el in comp.elements:
        states = [s for s in el.common_oxidation_states if s > 0]
        out[el.symbol] = -2 if el.symbol == "O" else (states[-1] if states else 0)
    return out


def candidate_ions(
    ref_element: str,
    ref_oxi: int,
    cn: int,
    ions: tuple[tuple[str, int], ...] | None = None,
) -> list[tuple[str, int]]:
    """Ions of ``ions`` (default: Li+ and the 25 elements, :data:`CATION_SITE_IONS`) whose
    Shannon radius at ``cn`` fits a site of ``ref``."""
    r_ref = shannon_radius(ref_element, ref_oxi, cn)
    out = []
    for el, q in CATION_SITE_IONS if ions is None else ions:
        r = shannon_radius(el, q, cn)
        if r is None:
            continue
        if r_ref is None or radius_fits(r, r_ref):
            out.append((el, q))
    return out


def _r0(cation: str) -> float:
    from pymatgen.core.bond_valence import BV_PARAMS

    p1, p2 = BV_PARAMS[Element(cation)], BV_PARAMS[Element("O")]
    r1, r2, c1, c2 = p1["r"], p2["r"], p1["c"], p2["c"]
    return r1 + r2 - r1 * r2 * (math.sqrt(c1) - math.sqrt(c2)) ** 2 / (c1 * r1 + c2 * r2)


def bv_length_scale(structure: Structure, bond_tol: float = 1.25) -> tuple[float, float]:
    """Isotropic length scale that best satisfies the bond-valence sum rule.

    For every cation, its bonds are the O neighbours within ``bond_tol`` x its shortest
    cation–O distance in the given geometry. Scaling all lengths by ``s`` multiplies every bond
    by ``s``, so the sum of squared BVS mismatches of all cations is a smooth function of ``s``
    minimised in closed bounds. Returns ``(s, rms_mismatch)`` in valence units.
    """
    from scipy.optimize import minimize_scalar

    rows = []  # (R0, distance array, |q|)
    neighbors = structure.get_all_neighbors(4.0)
    for site, nbrs in zip(structure, neighbors, strict=True):
        sp = site.specie
        q = getattr(sp, "oxi_state", None)
        if sp.symbol == "O" or not q:
            continue
        d = np.array(sorted(n.nn_distance for n in nbrs if n.specie.symbol == "O"))
        if d.size == 0:
            continue
        d = d[d <= bond_tol * d[0]]
        rows.append((_r0(sp.symbol), d, abs(q)))
    if not rows:
        return 1.0, float("nan")

    def loss(s: float) -> float:
        return sum((np.exp((r0 - s * d) / BV_B).sum() - q) ** 2 for r0, d, q in rows)

    res = minimize_scalar(loss, bounds=(0.6, 1.8), method="bounded", options={"xatol": 1e-6})
    s = float(res.x)
    return s, math.sqrt(loss(s) / len(rows))
