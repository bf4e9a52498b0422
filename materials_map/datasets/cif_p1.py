"""A linear-time reader for large P1 blocks (supercells, simulation snapshots).

pymatgen's CIF parser compares every atom row with every site found so far to merge rows at
one position: for a 6000-atom P1 cell that is 10-20 s on an idle 2-core machine and a minute
under load, which ran into the read time limit. With the identity as the only symmetry
operation there is nothing to expand, so the rows are read directly here and rows at one
position (within pymatgen's ``site_tolerance``, 1e-4 fractional) are merged with a k-d tree.
Only plain blocks take this path (no oxidation-state or magnetic loops, every type symbol an
element); anything else returns ``None`` and goes through pymatgen. ``tests/reliability``
checks the result against pymatgen's on the same file.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

#: blocks with fewer atom rows go through pymatgen (fast enough, and the reference)
MIN_ROWS = 1000
SITE_TOLERANCE = 1e-4  # fractional, pymatgen's CifParser default
_IDENTITY = {"x,y,z", "+x,+y,+z"}
_SYMOP_KEYS = (
    "_symmetry_equiv_pos_as_xyz",
    "_space_group_symop_operation_xyz",
    "_symmetry_equiv_pos_as_xyz_",
    "_space_group_symop.operation_xyz",
)
_NOT_PLAIN = ("_atom_type_oxidation_number", "_atom_site_moment_label", "_atom_site_moment.label")


def _identity_only(block: Any) -> bool:
    for key in _SYMOP_KEYS:
        ops = block.data.get(key)
        if ops:
            ops = ops if isinstance(ops, list) else [ops]
            return {o.replace(" ", "").lower().strip("'\"") for o in ops} <= _IDENTITY
    return False


def p1_structure(block: Any, cell: list[float], occupancy_rounding: float) -> Any | None:
    """The Structure of a plain P1 block with at least ``MIN_ROWS`` atom rows, else ``None``.

    ``cell`` holds the six checked cell parameters. Raises ``ValueError`` with a
    ``"<kind>: <detail>"`` reason for occupancies above ``occupancy_rounding``.
    """
    from pymatgen.core import Composition, Element, Lattice, Structure
    from pymatgen.io.cif import str2float
    from scipy.spatial import cKDTree

    data = block.data
    labels = data.get("_atom_site_label")
    if not labels or len(labels) < MIN_ROWS or not _identity_only(block):
        return None
    if any(k in data for k in _NOT_PLAIN):
        return None
    symbols = data.get("_atom_site_type_symbol", labels)
    elements = []
    for sym in symbols:
        m = re.match(r"[A-Z][a-z]?", sym.strip())
        if m is None or not Element.is_valid_symbol(m.group(0)):
            return None  # let pymatgen (and then the validation) deal with it
        elements.append(m.group(0))
    occ_text = data.get("_atom_site_occupancy")
    occ = np.array(
        [1.0 if t.strip() in ("?", ".") else str2float(t) for t in occ_text]
        if occ_text
        else np.ones(len(labels))
    )
    frac = np.array(
        [[str2float(v) for v in data[f"_atom_site_fract_{a}"]] for a in "xyz"], dtype=float
    ).T
    keep = occ > 0  # pymatgen drops zero-occupancy rows too
    frac, occ = frac[keep], occ[keep]
    elements = [e for e, k in zip(elements, keep, strict=True) if k]
    labels = [lab for lab, k in zip(labels, keep, strict=True) if k]
    # rows at one position (periodic) become one site, as in pymatgen
    group = np.arange(len(frac))
    tree = cKDTree(np.mod(frac, 1.0) % 1.0, boxsize=1.0)
    for i, j in sorted(tree.query_pairs(SITE_TOLERANCE * np.sqrt(3))):
        if np.all(np.abs((frac[i] - frac[j] + 0.5) % 1.0 - 0.5) < SITE_TOLERANCE):
            group[group == group[j]] = group[i]
    species, coords, site_labels = [], [], []
    for g in np.unique(group):
        rows = np.flatnonzero(group == g)
        comp: dict[str, float] = {}
        for r in rows:
            comp[elements[r]] = comp.get(elements[r], 0.0) + float(occ[r])
        total = sum(comp.values())
        if total > occupancy_rounding:
            raise ValueError(
                f"occupancy above 1: atoms at one position add up to {total:g} "
                f"(site {labels[rows[-1]]})"
            )
        if total > 1:  # CIF rounding: scaled to 1, as pymatgen does
            comp = {k: v / total for k, v in comp.items()}
        species.append(Composition(comp))
        coords.append(frac[rows[0]])
        site_labels.append(labels[rows[-1]])
    lattice = Lattice.from_parameters(*cell)
    return Structure(lattice, species, coords, labels=site_labels).get_sorted_structure()
