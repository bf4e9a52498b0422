"""BVSE labels for disordered crystals without ordering them: an occupancy-weighted framework.

bvlain builds the Li+ landscape from the framework only (every Li is removed first), so

* disorder confined to Li sites (partial Li, Li/vacancy) does not change the landscape: the
  structure is labelled as it is;
* a mixed framework site (e.g. Ti0.8Al0.2) or a partially occupied anion site contributes each
  of its species with its occupancy as a weight: Morse terms of an anion scaled by the anion's
  occupancy, Coulomb terms of a cation scaled by its occupancy, i.e. the site repels with its
  mean charge sum(x_s q_s) (:func:`materials_map.labels.bvse_grid.bvse_grid` applies the
  weights).

The weighted framework is an ordered pymatgen Structure with one site per (site, non-Li
species) pair and a ``weight`` site property; it is what the labeller hands to bvlain. The
approximation is validated against explicit orderings in docs/labels.md.
"""

from __future__ import annotations

import numpy as np
from pymatgen.core import Element, Species, Structure

# Anions of the BVSE tables; chalcogens heavier than O count as anions only without O/N/halide
ANIONS = ("O", "N", "F", "Cl", "Br", "I")
CHALCOGENS = ("S", "Se", "Te")
# |sum of charges| allowed for a disordered structure, as a fraction of its anion charge:
# refined occupancies are rounded and often miss neutrality by a few per cent (OBELiX LAGP
# CIFs: 1-3 %), which moves no framework charge; beyond this the states are not trusted
CHARGE_TOLERANCE = 0.05


def disorder_kind(structure: Structure) -> str:
    """``"ordered"``, ``"li-only"`` (partial occupancy only on Li-only sites), ``"anion"``
    (a partially occupied or mixed anion site) or ``"framework"`` (a mixed or partial
    non-Li cation site, including Li sites shared with another cation)."""
    if structure.is_ordered:
        return "ordered"
    anions = _anion_symbols(structure)
    kind = "li-only"
    for site in structure:
        if site.is_ordered:
            continue
        symbols = {sp.symbol for sp in site.species}
        if symbols <= {"Li"}:
            continue
        if symbols & anions:
            return "anion"
        kind = "framework"
    return kind


def _anion_symbols(structure: Structure) -> set[str]:
    present = {el.symbol for el in structure.composition.element_composition}
    anions = present & set(ANIONS)
    return anions if anions else present & set(CHALCOGENS)


def element_oxidation_states(structure: Structure) -> dict[str, int]:
    """One integer oxidation state per element for a disordered structure: Li +1, each anion
    its most negative common state (O -2), each other element its highest common positive
    state (pymatgen ``Element.common_oxidation_states``: Ti +4, Nb +5, P +5, S +6, ...).

    Raises ``ValueError`` naming the element when it has no such state."""
    anions = _anion_symbols(structure)
    states = {}
    for el in structure.composition.element_composition:
        sym = el.symbol
        common = Element(sym).common_oxidation_states
        if sym == "Li":
            states[sym] = 1
            continue
        pick = [q for q in common if (q < 0 if sym in anions else q > 0)]
        if not pick:
            raise ValueError(f"no common {'anion' if sym in anions else 'cation'} state for {sym}")
        states[sym] = min(pick) if sym in anions else max(pick)
    return states


def charge_residual(structure: Structure, states: dict[str, int]) -> tuple[float, float]:
    """(sum of charges, total anion charge magnitude) of ``structure`` under ``states``."""
    comp = structure.composition.element_composition
    total = sum(states[el.symbol] * amt for el, amt in comp.items())
    anion = sum(-states[el.symbol] * amt for el, amt in comp.items() if states[el.symbol] < 0)
    return float(total), float(anion)


def weighted_framework(structure: Structure, states: dict[str, int]) -> Structure:
    """The ordered, occupancy-weighted framework of ``structure`` (Li removed).

    One site per (site, non-Li species) pair, carrying ``Species(symbol, state)`` and the
    site property ``weight`` = its occupancy (1 for ordered sites).
    """
    species, coords, weights = [], [], []
    for site in structure:
        for sp, occ in site.species.items():
            sym = sp.symbol
            if sym == "Li":
                continue  # bvlain removes the mobile ion from the framework anyway
            species.append(Species(sym, states[sym]))
            coords.append(site.frac_coords)
            weights.append(float(occ))
    if not species:
        raise ValueError("no framework left after removing Li")
    return Structure(
        structure.lattice, species, coords, site_properties={"weight": weights}, to_unit_cell=True
    )


# --- validation against explicit orderings (docs/labels.md, tests/labels/test_disorder.py) ---


def framework_barriers(framework: Structure, resolution: float = 0.2, encut: float = 10.0) -> dict:
    """``{e_1d, e_2d, e_3d}`` of an oxidation-state-decorated framework in its own cell (no
    cell convention, no guards): the labeller's grid and percolation steps, in this process."""
    from bvlain import Lain

    from .bvse_grid import bvse_grid
    from .percolation import percolation_barriers

    lain = Lain(verbose=False)
    lain.read_structure(framework, oxi_check=False)
    grid = bvse_grid(lain, resolution)
    found = percolation_barriers(grid, encut=encut)
    return {f"e_{d}d": float(found[f"E_{d}D"]) for d in (1, 2, 3)}


def rounding_error(structure: Structure, scaling) -> float:
    """Largest occupancy change :func:`rounded_supercell` makes for ``scaling`` (Li ignored)."""
    n = int(round(abs(np.linalg.det(np.diag(scaling) if np.ndim(scaling) == 1 else scaling))))
    from collections import Counter

    counts = Counter(
        tuple(sorted((sp.symbol, round(o, 4)) for sp, o in site.species.items()))
        for site in structure
    )
    err = 0.0
    for key, m in counts.items():
        for sym, x in key:
            if sym != "Li":
                err = max(err, abs(round(x * m * n) / (m * n) - x))
    return err


def rounded_supercell(structure: Structure, scaling, states: dict[str, int]) -> Structure:
    """Li-free, oxidation-decorated supercell of ``structure`` whose occupancies are rounded so
    that every group of sites with the same species holds a whole number of each species
    (what an explicit ordering needs); partial sites keep vacancies."""
    from collections import defaultdict

    sup = structure.copy()
    sup.remove_oxidation_states()
    sup.make_supercell(scaling)
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, site in enumerate(sup):
        key = tuple(sorted((sp.symbol, round(o, 4)) for sp, o in site.species.items()))
        groups[key].append(i)
    species, coords = [], []
    for key, members in groups.items():
        m = len(members)
        occ = {sym: round(x * m) / m for sym, x in key if sym != "Li"}
        occ = {sym: x for sym, x in occ.items() if x > 0}
        if not occ:
            continue
        for i in members:
            species.append({Species(sym, states[sym]): x for sym, x in occ.items()})
            coords.append(sup[i].frac_coords)
    return Structure(sup.lattice, species, coords)


def explicit_orderings(disordered: Structure, n: int = 4) -> list[Structure]:
    """The ``n`` lowest-Ewald-energy orderings of a rounded framework supercell (pymatgen
    ``OrderDisorderedStructureTransformation``; the framework is charged once Li is removed,
    which Ewald treats with a uniform background)."""
    import warnings

    from pymatgen.transformations.standard_transformations import (
        OrderDisorderedStructureTransformation,
    )

    if disordered.is_ordered:  # rounding left nothing to order
        return [disordered]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ranked = OrderDisorderedStructureTransformation().apply_transformation(
            disordered, return_ranked_list=n
        )
    return [r["structure"] for r in ranked]


def weighted_barriers(disordered: Structure, resolution: float = 0.2, encut: float = 10.0) -> dict:
    """Barriers of the occupancy-weighted framework of a (rounded, Li-free, decorated)
    disordered structure in its own cell."""
    states = {sp.symbol: int(sp.oxi_state) for site in disordered for sp in site.species}
    return framework_barriers(weighted_framework(disordered, states), resolution, encut)
