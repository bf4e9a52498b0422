"""Is this a physical crystal? The one validation step every entry point uses.

pymatgen builds a lattice from whatever numbers it is given: a negative cell length becomes a
flipped vector of positive length, an angle of 200° is read as 160°, NaN propagates silently,
and an unknown element symbol becomes a dummy species. So loaders check the numbers as
written (:func:`cell_problem`) and every built structure (:func:`structure_problem`) here,
before anything downstream sees them. Each function returns a reason a person can read, or
``None`` when the input is fine. The limits are documented in ``docs/reliability.md``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: two sites closer than this (Å) are one atom written twice, unless their occupancies add up
#: to at most 1 (split positions of a disordered site). pymatgen's ``is_valid`` uses 0.5 Å too.
MIN_DISTANCE = 0.5
#: longest accepted cell edge (Å); beyond it nothing is a crystal cell and Niggli reduction or
#: neighbour searches run for minutes
MAX_CELL_LENGTH = 1000.0
#: smallest accepted volume / (a b c): below it the angles describe a flat, degenerate cell
#: (a rhombohedral cell reaches it only at α < 2°)
MIN_VOLUME_FACTOR = 1e-3
#: smallest accepted cell volume per atom (Å³); diamond, the densest solid, has 5.7
MIN_VOLUME_PER_ATOM = 1.0
#: site occupancies above 1 by more than this are refused (CIF rounding stays below it)
OCCUPANCY_TOLERANCE = 1e-3

_LENGTHS = ("a", "b", "c")
_ANGLES = ("alpha", "beta", "gamma")


def cell_problem(
    a: float, b: float, c: float, alpha: float, beta: float, gamma: float
) -> str | None:
    """Reason why six cell parameters (Å, degrees) make no physical cell, or ``None``."""
    for name, v in zip(_LENGTHS, (a, b, c), strict=True):
        if v is None or not math.isfinite(v):
            return f"cell length not finite: {name} = {v}"
        if v <= 0:
            return f"cell length not positive: {name} = {v:g} Å"
        if v < MIN_DISTANCE:
            return (
                f"cell length too short: {name} = {v:g} Å < {MIN_DISTANCE} Å, every atom "
                "would overlap its own periodic image"
            )
        if v > MAX_CELL_LENGTH:
            return f"cell length too long: {name} = {v:g} Å > {MAX_CELL_LENGTH:g} Å"
    for name, v in zip(_ANGLES, (alpha, beta, gamma), strict=True):
        if v is None or not math.isfinite(v):
            return f"cell angle not finite: {name} = {v}"
        if not 0 < v < 180:
            return f"cell angle out of range: {name} = {v:g}° is outside (0°, 180°)"
    ca, cb, cg = (math.cos(math.radians(x)) for x in (alpha, beta, gamma))
    gram = 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg  # (V / abc)²
    if gram <= MIN_VOLUME_FACTOR**2:
        return (
            f"angles make no cell: {alpha:g}°, {beta:g}°, {gamma:g}° give "
            f"{'no volume' if gram <= 0 else 'a nearly flat cell'}"
        )
    return None


def lattice_problem(lattice: Any) -> str | None:
    """Reason why a pymatgen ``Lattice`` is not a physical cell, or ``None``."""
    m = np.asarray(lattice.matrix, dtype=float)
    if m.shape != (3, 3) or not np.isfinite(m).all():
        return "lattice not finite: the lattice matrix holds NaN or infinite numbers"
    a, b, c = (float(x) for x in np.linalg.norm(m, axis=1))
    if min(a, b, c) == 0:
        return "cell length not positive: a lattice vector has zero length"
    angles = []
    for i, j in ((1, 2), (0, 2), (0, 1)):
        cos = float(np.dot(m[i], m[j]) / (np.linalg.norm(m[i]) * np.linalg.norm(m[j])))
        angles.append(math.degrees(math.acos(max(-1.0, min(1.0, cos)))))
    return cell_problem(a, b, c, *angles)


def _site_label(structure: Any, i: int) -> str:
    site = structure[i]
    label = getattr(site, "label", None)
    # pymatgen's default label is the species: the site number says more
    return label if label and label != site.species_string else f"#{i} ({site.species_string})"


def species_problem(structure: Any) -> str | None:
    """Unknown element symbols (pymatgen's dummy species), bad occupancies or coordinates."""
    from pymatgen.core import Element

    for i, site in enumerate(structure):
        total = 0.0
        for sp, occ in site.species.items():
            el = getattr(sp, "element", sp)  # Species -> Element; DummySpecies has none
            if not isinstance(el, Element):
                return (
                    f"unknown element symbol: {getattr(sp, 'symbol', str(sp))!r} "
                    f"(site {_site_label(structure, i)})"
                )
            if not math.isfinite(occ) or occ < 0:
                return f"bad occupancy: site {_site_label(structure, i)} has occupancy {occ}"
            total += occ
        if total > 1 + OCCUPANCY_TOLERANCE:
            return f"occupancy above 1: site {_site_label(structure, i)} has {total:g}"
    frac = np.asarray(structure.frac_coords, dtype=float)
    bad = np.flatnonzero(~np.isfinite(frac).all(axis=1)) if len(frac) else []
    if len(bad):
        return f"non-finite coordinates: site {_site_label(structure, int(bad[0]))}"
    return None


def overlap_problem(structure: Any, min_distance: float = MIN_DISTANCE) -> str | None:
    """Two sites closer than ``min_distance`` Å that cannot both be there.

    Allowed: split positions of a disordered atom, i.e. partially occupied sites whose
    occupancies add up to at most 1, or partially occupied sites of the same species (published
    refinements, e.g. Li on the 96h sites of garnets, often add up to a little more than 1).
    """
    if len(structure) == 0:
        return None
    centers, points, _, dists = structure.get_neighbor_list(min_distance)
    if not len(dists):
        return None
    occ = np.array([sum(site.species.values()) for site in structure])
    kinds = [frozenset(str(sp) for sp in site.species) for site in structure]
    full = 1 - OCCUPANCY_TOLERANCE
    worst = None
    for i, j, d in zip(centers, points, dists, strict=True):
        if i > j or occ[i] + occ[j] <= 1 + OCCUPANCY_TOLERANCE:
            continue
        if occ[i] < full and occ[j] < full and kinds[i] == kinds[j]:
            continue  # split positions of one disordered site
        if worst is None or d < worst[2]:
            worst = (int(i), int(j), float(d))
    if worst is None:
        return None
    i, j, d = worst
    if i == j:
        return (
            f"atom overlaps its periodic image: site {_site_label(structure, i)} is {d:.3g} Å "
            f"from its own image (closer than {min_distance} Å)"
        )
    return (
        f"overlapping atoms: sites {_site_label(structure, i)} and {_site_label(structure, j)} "
        f"are {d:.3g} Å apart (closer than {min_distance} Å, occupancies "
        f"{occ[i]:.3g} + {occ[j]:.3g} > 1)"
    )


def structure_problem(structure: Any, min_distance: float = MIN_DISTANCE) -> str | None:
    """Reason why ``structure`` (a pymatgen ``Structure``) is not a physical crystal, or
    ``None``: no atoms, a lattice that is no cell (:func:`lattice_problem`), unknown elements
    or bad occupancies (:func:`species_problem`), a density beyond any solid, or atoms that
    overlap (:func:`overlap_problem`)."""
    if not (hasattr(structure, "lattice") and hasattr(structure, "frac_coords")):
        return f"not a structure: got {type(structure).__name__}, not a pymatgen Structure"
    if len(structure) == 0:
        return "no atoms"
    reason = lattice_problem(structure.lattice) or species_problem(structure)
    if reason:
        return reason
    atoms = float(sum(sum(site.species.values()) for site in structure))
    volume = float(structure.lattice.volume)
    if atoms > 0 and volume / atoms < MIN_VOLUME_PER_ATOM:
        return (
            f"denser than any solid: {volume / atoms:.3g} Å³ per atom ({volume:.3g} Å³ for "
            f"{atoms:g} atoms; limit {MIN_VOLUME_PER_ATOM:g} Å³ per atom)"
        )
    return overlap_problem(structure, min_distance)
