"""Checks a structure must pass before a BVSE barrier is computed for it.

``bvlain`` happily returns numbers for inputs it cannot treat (a structure without Li gets a
barrier; unknown valences raise deep inside). Every check here either returns a structure fit
for ``bvlain`` or raises :class:`LabelRefused` with a reason a person can read.
"""

from __future__ import annotations

import warnings

import numpy as np
from pymatgen.core import Element, Species, Structure

from .bvse_grid import species_per_position

# Anions for which bvlain 0.25 ships Li+ BVSE parameters (its data/cation.pkl, key Li, +1).
# tests/labels/test_migration_energy.py checks this against the package's own table.
SUPPORTED_ANIONS: frozenset[tuple[str, int]] = frozenset(
    {
        ("N", -3),
        ("O", -2),
        ("F", -1),
        ("S", -2),
        ("Cl", -1),
        ("Se", -2),
        ("Br", -1),
        ("Te", -2),
        ("I", -1),
    }
)

# One cell convention for every label: the standard primitive cell found by spglib.
SYMPREC = 0.01
ANGLE_TOLERANCE = 5.0

# Memory a label needs per grid point: bvlain's neighbour search returns k = 100 distances
# and indices per point (1.6 KB); our blocked energy sum adds little (measured 1.73 KB/point
# on a 96-atom garnet cell, where bvlain's own bvse_distribution takes 8.8 KB/point). Used to
# refuse a cell before it exhausts the limit.
BYTES_PER_GRID_POINT = 2_000


class LabelRefused(Exception):
    """A structure cannot be labelled; ``str(exc)`` is the reason that is recorded."""


def quick_refusal(structure: Structure) -> str | None:
    """Return a reason to refuse ``structure`` without any heavy work, or ``None``.

    Checks what needs no chemistry: a non-empty Structure holding Li. Disordered structures
    pass: :func:`prepare` labels them through an occupancy-weighted framework
    (:mod:`materials_map.labels.disorder`).
    """
    if not isinstance(structure, Structure):
        return f"not a pymatgen Structure ({type(structure).__name__})"
    if len(structure) == 0:
        return "empty structure"
    if Element("Li") not in structure.composition.element_composition:
        return "no Li in the structure (BVSE Li barrier undefined)"
    return None


def standard_cell(structure: Structure) -> Structure:
    """The one cell convention used for every label: spglib's standard primitive cell.

    bvlain's grid follows the cell vectors, so at 0.2 Å the barrier shifts slightly with the
    cell choice; fixing the convention makes labels comparable and reproducible. When spglib
    finds no symmetry cell the Niggli-reduced primitive cell is used instead.
    """
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    try:
        sga = SpacegroupAnalyzer(structure, symprec=SYMPREC, angle_tolerance=ANGLE_TOLERANCE)
        cell = sga.get_primitive_standard_structure()
    except Exception:  # spglib failure on a distorted cell: fall back, still deterministic
        cell = structure.get_primitive_structure().get_reduced_structure()
    same = cell.composition.element_composition.reduced_formula == (
        structure.composition.element_composition.reduced_formula
    )
    if len(cell) == 0 or not same:
        cell = structure.get_reduced_structure()
    return cell


def _decorated_by_user(structure: Structure) -> bool:
    return all(
        isinstance(sp, Species) and sp.oxi_state is not None
        for site in structure
        for sp in site.species
    )


def assign_oxidation_states(structure: Structure) -> Structure:
    """Return a copy carrying integer oxidation states on every site.

    Order of attempts: states already on the structure; pymatgen's ``BVAnalyzer`` (bond
    valence, peroxide O- and P3- forbidden as in bvlain); the first integer guess of
    ``Composition.oxi_state_guesses``. Raises :class:`LabelRefused` when none works.
    """
    if _decorated_by_user(structure):
        try:  # states given on the input win when they make chemical sense
            _check_states(structure, "given")
            return structure.copy()
        except LabelRefused:
            pass  # e.g. all-zero placeholder states: assign afresh below
    from pymatgen.analysis.bond_valence import BVAnalyzer

    plain = structure.copy()
    plain.remove_oxidation_states()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            valences = BVAnalyzer(forbidden_species=["O-", "P3-"]).get_valences(plain)
        s = plain.copy()
        s.add_oxidation_state_by_site(valences)
        _check_states(s, "bond valence")
        return s
    except (ValueError, KeyError, LabelRefused):
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        guesses = plain.composition.oxi_state_guesses(max_sites=-20)
    integral = [g for g in guesses if all(float(v).is_integer() for v in g.values())]
    if not integral:
        raise LabelRefused(
            "oxidation states could not be assigned (bond-valence analysis failed and "
            "no integer composition-based guess; mixed valence?)"
        )
    s = plain.copy()
    s.add_oxidation_state_by_element({el: int(v) for el, v in integral[0].items()})
    _check_states(s, "composition guess")
    return s


def _check_states(s: Structure, source: str) -> None:
    total = 0.0
    for site in s:
        sp = site.specie
        q = sp.oxi_state
        if q is None or not float(q).is_integer():
            raise LabelRefused(f"non-integer oxidation state {sp} ({source})")
        total += q
        if sp.symbol == "Li" and q != 1:
            raise LabelRefused(f"Li assigned {q:+g} instead of +1 ({source})")
        if q < 0 and (sp.symbol, int(q)) not in SUPPORTED_ANIONS:
            raise LabelRefused(
                f"unsupported anion {sp.symbol}{int(q):+d}: bvlain has no Li+ BVSE parameters "
                f"for it ({source})"
            )
    if abs(total) > 1e-6:
        raise LabelRefused(f"oxidation states not charge balanced (total {total:+g}, {source})")
    if not any(site.specie.oxi_state < 0 for site in s):
        raise LabelRefused(f"no anion among the assigned oxidation states ({source})")


def grid_points(structure: Structure, resolution: float) -> int:
    """Number of points of bvlain's BVSE grid for ``structure`` (its ``_mesh`` rule)."""
    a, b, c = structure.lattice.abc
    return int(np.prod([int(x // resolution) for x in (a, b, c)]))


def estimated_bytes(structure: Structure, resolution: float) -> int:
    """Estimated peak memory of one BVSE label (bytes)."""
    return grid_points(structure, resolution) * BYTES_PER_GRID_POINT


def disordered_framework(structure: Structure) -> Structure:
    """Occupancy-weighted framework of a disordered cell, with element oxidation states
    (:mod:`materials_map.labels.disorder`); raises :class:`LabelRefused` with the reason."""
    from .disorder import (
        CHARGE_TOLERANCE,
        charge_residual,
        element_oxidation_states,
        weighted_framework,
    )

    plain = structure.copy()
    plain.remove_oxidation_states()
    try:
        states = element_oxidation_states(plain)
    except ValueError as exc:
        raise LabelRefused(f"oxidation states could not be assigned ({exc}; disordered)") from None
    total, anion = charge_residual(plain, states)
    if anion == 0 or abs(total) > CHARGE_TOLERANCE * anion:
        raise LabelRefused(
            f"disordered structure not charge balanced with element oxidation states "
            f"({', '.join(f'{k}{v:+d}' for k, v in sorted(states.items()))}: total "
            f"{total:+.2f} of {anion:.2f} anion charge, over {CHARGE_TOLERANCE:.0%})"
        )
    for el, q in states.items():
        if q < 0 and (el, q) not in SUPPORTED_ANIONS:
            raise LabelRefused(f"unsupported anion {el}{q:+d}: bvlain has no Li+ BVSE parameters")
    try:
        return weighted_framework(plain, states)
    except ValueError as exc:
        raise LabelRefused(str(exc)) from None


def prepare(structure: Structure, resolution: float, memory_limit: int | None) -> Structure:
    """Apply every guard and the cell convention; return the decorated standard cell.

    Raises :class:`LabelRefused` with the reason when the structure cannot be labelled.
    """
    reason = quick_refusal(structure)
    if reason:
        raise LabelRefused(reason)
    cell = standard_cell(structure)
    if cell.is_ordered:
        cell = assign_oxidation_states(cell)
        per_point = 1.0
    else:
        cell = disordered_framework(cell)
        per_point = species_per_position(cell.frac_coords)  # k grows with it (bvse_grid)
    if memory_limit is not None:
        need = int(estimated_bytes(cell, resolution) * per_point)
        if need > memory_limit:
            raise LabelRefused(
                f"cell too large: ~{need / 2**30:.1f} GiB estimated for {grid_points(cell, resolution)} "
                f"grid points at {resolution} Å exceeds the {memory_limit / 2**30:.1f} GiB memory limit"
            )
    return cell
