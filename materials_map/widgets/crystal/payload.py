"""The crystal viewer's wire format: compact JSON for structures, a uint8 volume for pathways.

A structure (docs/crystal.md)::

    {"id": "mp-19017", "title": "mp-19017 LiFePO4", "index": 12,
     "lattice": [ax, ay, az, bx, by, bz, cx, cy, cz],          # Å, 4 decimals
     "species": ["Li+", "Fe2+", "P5+", "O2-"],                  # distinct species strings
     "sites": [[x, y, z, 0], ...,                               # fractional, 4 decimals;
               [x, y, z, [[1, 0.5], [4, 0.5]]]],                # [species, occupancy] pairs
     "labels": ["Li1", ...]}                                    # only when CIF labels differ

An ordered site costs ~30 bytes; 4 decimals of a fractional coordinate are 1e-3 Å in a 10 Å
cell. A pathway is its :class:`~materials_map.labels.pathways.PathwayVolume` metadata plus the
uint8 codes as one binary buffer (``data``), the label cell encoded as above.
"""

from __future__ import annotations

import math
from typing import Any

from pymatgen.core import Structure

DECIMALS = 4


def _r(x: float, decimals: int = DECIMALS) -> float:
    v = round(float(x), decimals)
    return 0.0 if v == 0 else v


def structure_json(
    structure: Structure, id: Any = None, title: str | None = None, index: int = -1
) -> dict[str, Any]:
    """Compact JSON of a pymatgen ``Structure`` for the crystal viewer (see module docstring)."""
    if not isinstance(structure, Structure):
        raise TypeError(
            f"structure {id!r}: expected a pymatgen Structure, got {type(structure).__name__}"
        )
    species: list[str] = []
    where: dict[str, int] = {}
    sites: list[list[Any]] = []
    labels: list[str] = []
    differ = False
    for site in structure:
        pairs = []
        for sp, occ in site.species.items():
            key = str(sp)
            if key not in where:
                where[key] = len(species)
                species.append(key)
            pairs.append([where[key], _r(occ, 6)])
        xyz = [_r(v % 1.0) % 1.0 for v in site.frac_coords]
        ordered = len(pairs) == 1 and abs(pairs[0][1] - 1.0) < 1e-6
        sites.append([*xyz, pairs[0][0] if ordered else pairs])
        label = site.label
        labels.append(label)
        differ |= label != site.species_string
    sid = "" if id is None else str(id)
    out: dict[str, Any] = {
        "id": sid,
        "title": title or f"{sid} {structure.composition.reduced_formula}".strip(),
        "index": int(index),
        "lattice": [_r(v) for v in structure.lattice.matrix.ravel()],
        "species": species,
        "sites": sites,
    }
    if differ:
        out["labels"] = labels
    return out


def structure_from_json(data: dict[str, Any]) -> Structure:
    """Inverse of :func:`structure_json` (to 4 decimals); used by tests and documents."""
    from pymatgen.core import Lattice

    lattice = Lattice([data["lattice"][0:3], data["lattice"][3:6], data["lattice"][6:9]])
    species, coords = [], []
    for x, y, z, spec in data["sites"]:
        pairs = [[spec, 1.0]] if isinstance(spec, int) else spec
        species.append({data["species"][k]: occ for k, occ in pairs})
        coords.append([x, y, z])
    labels = data.get("labels")
    return Structure(lattice, species, coords, labels=labels)


def pathway_json(volume: Any, id: Any, title: str | None = None) -> dict[str, Any]:
    """Wire form of a :class:`~materials_map.labels.pathways.PathwayVolume` (``data``: bytes)."""
    sid = str(id)
    return {
        "id": sid,
        "shape": [int(n) for n in volume.energy.shape],
        "top": float(volume.top),
        "barriers": {
            k: (float(v) if math.isfinite(v) else None) for k, v in volume.barriers.items()
        },
        "cell": structure_json(volume.cell, id=sid, title=title),
        "resolution": float(volume.resolution),
        "fine_shape": [int(n) for n in volume.fine_shape],
        "seconds": float(volume.seconds),
        "data": volume.energy.astype("uint8").tobytes(order="C"),
    }
