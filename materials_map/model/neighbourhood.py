"""What surrounds a point of the map (paper Fig. 8): its nearest materials, the elements they
hold and their Li / O molar-fraction histograms. Plain numpy and pandas, shared by the
Explorer's panels and the static figures."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

#: bins of the Li / O molar-fraction histograms
FRACTION_BINS = np.linspace(0.0, 1.0, 21)


def _structure_elements(structure: Any) -> frozenset[str]:
    """Elements on the sites of ``structure`` (any occupancy), as ``structure.composition``
    would list them, without summing a Composition (sites share species objects)."""
    seen: dict[int, Any] = {}  # keeps each species object alive: ids stay unique
    out: set[str] = set()
    for site in structure:
        sp = site.species
        if id(sp) not in seen:
            seen[id(sp)] = sp
            out.update(e.symbol for e, occ in sp.items() if occ > 0)
    return frozenset(out)


def element_sets(table: pd.DataFrame, structures: Sequence | None = None) -> list[frozenset[str]]:
    """The elements present in each material: from its structure's composition when one is
    given (sites with partial occupancy count), else from its ``formula``."""
    from pymatgen.core import Composition

    out: list[frozenset[str]] = []
    for k in range(len(table)):
        s = None if structures is None else structures[k]
        if s is not None and hasattr(s, "sites"):
            out.append(_structure_elements(s))
            continue
        f = table["formula"].iloc[k] if "formula" in table else None
        try:
            comp = Composition(f) if isinstance(f, str) and f else None
        except Exception:  # an unparsable formula contributes no elements
            comp = None
        out.append(frozenset() if comp is None else frozenset(e.symbol for e in comp.elements))
    return out


def element_counts(sets: Sequence[frozenset[str]], idx) -> pd.Series:
    """Number of materials among ``idx`` that contain each element, most frequent first
    (ties in alphabetical order)."""
    c = Counter(el for i in np.asarray(idx, dtype=int) for el in sets[i])
    s = pd.Series(dict(c), dtype=int, name="materials")
    if s.empty:
        return s
    order = sorted(s.index, key=lambda e: (-s[e], e))
    return s.loc[order]


def fraction_histogram(values: np.ndarray, idx, bins: np.ndarray = FRACTION_BINS) -> np.ndarray:
    """Counts of ``values[idx]`` (NaN ignored) in ``bins``."""
    v = np.asarray(values, dtype=float)[np.asarray(idx, dtype=int)]
    return np.histogram(v[np.isfinite(v)], bins=bins)[0]


def nearest(coords: np.ndarray, xy, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and distances of the ``k`` materials nearest to ``xy`` in map coordinates."""
    d = np.hypot(coords[:, 0] - float(xy[0]), coords[:, 1] - float(xy[1]))
    d = np.where(np.isfinite(d), d, np.inf)
    k = int(min(max(k, 0), len(d)))
    idx = np.argsort(d, kind="stable")[:k]
    return idx, d[idx]
