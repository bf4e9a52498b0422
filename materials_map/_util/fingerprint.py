"""The one content fingerprint of a structure, used by every cache key and dataset key.

Two structures get the same fingerprint when their lattices, site species, occupancies and
fractional coordinates agree after rounding to ``DECIMALS`` places (coordinates wrapped into
[0, 1)), whatever the order of their sites: descriptors and labels do not depend on site
order, so neither does the key.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

DECIMALS = 6


def _r(x: float) -> float:
    v = round(float(x), DECIMALS)
    return 0.0 if v == 0 else v  # no "-0.0" in the text


def _structure_text(structure: Any) -> str:
    lattice = [[_r(x) for x in row] for row in structure.lattice.matrix]
    sites = []
    # sites often share one species object: its text is made once (the object is kept in
    # the dict, so its id cannot be reused by another during the loop)
    texts: dict[int, tuple[Any, list]] = {}
    for site, coords in zip(structure, structure.frac_coords.tolist(), strict=True):
        # wrap twice: round(1 - 1e-9) would give 1.0 for a coordinate that is really 0
        frac = [_r(_r(x % 1.0) % 1.0) for x in coords]
        sp = site.species
        known = texts.get(id(sp))
        if known is None:
            known = texts[id(sp)] = (sp, sorted((str(e), _r(occ)) for e, occ in sp.items()))
        sites.append((known[1], frac))
    sites.sort()
    return json.dumps({"lattice": lattice, "sites": sites}, separators=(",", ":"))


def structure_fingerprint(structure: Any) -> str:
    """SHA-256 hex digest of a pymatgen ``Structure`` (see the module docstring)."""
    return hashlib.sha256(_structure_text(structure).encode()).hexdigest()


def item_fingerprint(obj: Any) -> str:
    """Fingerprint of anything a dataset row may hold: a Structure (as
    :func:`structure_fingerprint`), a Composition, a CIF path (its bytes) or any other value
    (its ``repr``)."""
    if hasattr(obj, "lattice") and hasattr(obj, "frac_coords"):
        return structure_fingerprint(obj)
    h = hashlib.sha256()
    if hasattr(obj, "get_el_amt_dict") and hasattr(obj, "items"):  # Composition
        h.update(b"C" + repr(sorted((str(k), _r(v)) for k, v in obj.items())).encode())
    elif (
        isinstance(obj, Path) or (isinstance(obj, str) and obj.lower().endswith(".cif"))
    ) and Path(obj).is_file():
        h.update(b"F" + Path(obj).read_bytes())
    else:
        h.update(b"R" + repr(obj).encode())
    return h.hexdigest()
