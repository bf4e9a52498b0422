"""Resumable on-disk cache of migration-energy labels (one small JSON file per structure).

Keys hash the structure (lattice, species, fractional coordinates, rounded) together with the
labelling parameters and the bvlain version, so a changed input or setting is never served a
stale label. The folder (atomic writes, so an interrupted run leaves only complete entries and
simply resumes; checksums; the limit rule) is the shared
:class:`~materials_map._util.records.RecordCache`.
"""

from __future__ import annotations

import hashlib
import json
import math
from importlib.metadata import version

from pymatgen.core import Structure

from .._util import structure_fingerprint
from .._util.records import RecordCache

# bump when the labelling recipe changes (guards, cell convention, bvlain call)
LABEL_VERSION = 2  # 2: keyed by the shared _util fingerprint
DISORDER_VERSION = 1  # occupancy-weighted framework of a disordered structure


def label_key(structure: Structure, resolution: float, encut: float) -> str:
    """Cache key of one label: structure + parameters + recipe and bvlain versions."""
    key = {
        "s": structure_fingerprint(structure),
        "resolution": round(float(resolution), 6),
        "encut": round(float(encut), 6),
        "recipe": LABEL_VERSION,
        "bvlain": version("bvlain"),
    }
    if not structure.is_ordered:  # disordered ones were refused before labels/disorder.py
        key["disorder"] = DISORDER_VERSION
    text = json.dumps(key, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


class LabelCache(RecordCache):
    """Folder of cached label records, ``<key[:2]>/<key>.json`` (see
    :class:`~materials_map._util.records.RecordCache`)."""

    what = "label"
    discarded_note = "; it is recomputed"

    @classmethod
    def check_ok(cls, record: dict) -> None:
        """Labelled barriers are numbers with 0 <= E_1D <= E_2D <= E_3D."""
        e = [record.get(k) for k in ("e_1d", "e_2d", "e_3d")]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in e):
            raise ValueError(f"barriers are not numbers: {e}")
        if any(math.isnan(v) or v < -1e-9 for v in e) or not e[0] <= e[1] + 1e-9 <= e[2] + 2e-9:
            raise ValueError(f"barriers {e} are not 0 <= E_1D <= E_2D <= E_3D")
