"""The map's own materials, as substitution parents and as the reference for novelty."""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
from pymatgen.core import Structure

from .substitute import has_oxidation_states

#: tolerances of the novelty and dedup matcher (pymatgen's defaults, written out)
MATCHER = {"ltol": 0.2, "stol": 0.3, "angle_tol": 5.0, "primitive_cell": True, "scale": True}


def matcher() -> Any:
    """The StructureMatcher used for novelty and for removing duplicate candidates."""
    from pymatgen.analysis.structure_matcher import StructureMatcher

    return StructureMatcher(**MATCHER)


def reduced(structure: Structure) -> Structure:
    """The Niggli-reduced primitive cell StructureMatcher compares (its own two steps, in its
    order), so each structure is reduced once and fits run with
    ``skip_structure_reduction=True``: pymatgen's cache of reduced structures compares every
    new structure site by site with the cached ones of the same sites, which made a
    50-candidate table cost half a minute."""
    return structure.get_reduced_structure(reduction_algo="niggli").get_primitive_structure()


def fits(sm: Any, a: Structure, b: Structure) -> bool:
    """``sm.fit`` of two structures already passed through :func:`reduced`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bool(sm.fit(a, b, skip_structure_reduction=True))


def formula_key(structure: Structure) -> str:
    """Reduced formula of the elements (oxidation states and occupancy noise ignored)."""
    return structure.composition.element_composition.reduced_formula


class KnownMaterials:
    """Structures, ids and coordinates of the map's materials.

    ``structure_types`` (optional) names the family of each row; a candidate made by
    substitution inherits its parent's.
    """

    def __init__(
        self,
        ids: Sequence[str],
        structures: Sequence[Structure | None],
        coords: np.ndarray,
        structure_types: Sequence[str] | None = None,
    ) -> None:
        self.ids = [str(i) for i in ids]
        self.structures = list(structures)
        self.coords = np.asarray(coords, dtype=float).reshape(-1, 2)
        if not (len(self.ids) == len(self.structures) == len(self.coords)):
            raise ValueError(
                f"known materials disagree: {len(self.ids)} ids, {len(self.structures)} "
                f"structures, {len(self.coords)} coordinates"
            )
        self.structure_types = (
            [str(t) if isinstance(t, str) else "" for t in structure_types]
            if structure_types is not None
            else [""] * len(self.ids)
        )
        self._parents: dict[int, Structure | str] = {}
        self._reduced: dict[int, Structure] = {}
        self._by_formula: dict[str, list[int]] | None = None

    @classmethod
    def from_result(cls, result: Any) -> KnownMaterials:
        """The materials of a :class:`~materials_map.MapResult` (rows aligned with coords)."""
        df = result.dataset.df
        structures = list(df["structure"]) if "structure" in df else [None] * len(df)
        types = list(df["structure_type"]) if "structure_type" in df else None
        return cls(df["id"].astype(str).tolist(), structures, result.coords, types)

    @classmethod
    def empty(cls) -> KnownMaterials:
        """No known materials (a bare model): decoration only, every candidate novel."""
        return cls([], [], np.zeros((0, 2)))

    def __len__(self) -> int:
        return len(self.ids)

    def parent(self, i: int) -> Structure | str:
        """Row ``i`` as an ordered structure with oxidation states, or the reason it cannot be
        a substitution parent (no structure, disordered, no oxidation states)."""
        if i in self._parents:
            return self._parents[i]
        s = self.structures[i]
        out: Structure | str
        if not isinstance(s, Structure):
            out = "no structure"
        elif not s.is_ordered:
            out = "disordered (substitution needs one species per site)"
        elif has_oxidation_states(s):
            out = s
        else:
            from ..labels.guards import LabelRefused, assign_oxidation_states

            try:
                out = assign_oxidation_states(s)
            except LabelRefused as err:
                out = f"no oxidation states: {err}"
        self._parents[i] = out
        return out

    def nearest(
        self,
        point: np.ndarray,
        k: int,
        exclude: set[int] | None = None,
        scale: Any = None,
        axis: int | None = None,
    ) -> list[int]:
        """Indices of the ``k`` materials nearest to ``point`` that can be parents: by the
        distance with each axis divided by ``scale``, or along one ``axis`` only (1: the
        materials whose structure encodes alike, whatever their composition)."""
        if not len(self):
            return []
        sc = np.ones(2) if scale is None else np.asarray(scale, dtype=float)
        diff = (self.coords - np.asarray(point)) / sc
        dist = np.abs(diff[:, axis]) if axis is not None else np.linalg.norm(diff, axis=1)
        order = np.argsort(dist, kind="stable")
        out = []
        for i in order:
            i = int(i)
            if exclude and i in exclude:
                continue
            if isinstance(self.parent(i), Structure):
                out.append(i)
                if len(out) >= k:
                    break
        return out

    def match(
        self, structure: Structure, sm: Any = None, reduced_structure: Structure | None = None
    ) -> str | None:
        """Id of a known material that ``structure`` matches (StructureMatcher, same reduced
        formula), else ``None``; ``reduced_structure``: its :func:`reduced` form if known."""
        if self._by_formula is None:
            groups: dict[str, list[int]] = defaultdict(list)
            for i, s in enumerate(self.structures):
                if isinstance(s, Structure):
                    groups[formula_key(s)].append(i)
            self._by_formula = dict(groups)
        rows = self._by_formula.get(formula_key(structure), [])
        if not rows:
            return None
        sm = sm or matcher()
        mine = reduced_structure if reduced_structure is not None else reduced(structure)
        for i in rows:
            if i not in self._reduced:
                self._reduced[i] = reduced(self.structures[i])
            if fits(sm, mine, self._reduced[i]):
                return self.ids[i]
        return None
