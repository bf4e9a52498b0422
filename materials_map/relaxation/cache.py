"""Resumable on-disk cache of relaxation records (one small JSON file per structure).

The folder, checksums, atomic writes and limit rule are the shared
:class:`~materials_map._util.records.RecordCache` (as for the label cache); only the record
check is its own: a relaxation record holds a lattice, fractional coordinates and numbers
instead of barriers.
"""

from __future__ import annotations

import math

from .._util.records import RecordCache


class RelaxCache(RecordCache):
    """Folder of cached relaxation records, ``<key[:2]>/<key>.json``."""

    what = "relaxation"

    @classmethod
    def check_ok(cls, record: dict) -> None:
        """A relaxed structure has a lattice, fractional coordinates and a finite energy."""
        lat, frac = record.get("lattice"), record.get("frac_coords")
        if not (isinstance(lat, list) and len(lat) == 3 and isinstance(frac, list) and frac):
            raise ValueError("no lattice / fractional coordinates")
        e = record.get("energy_per_atom")
        if not isinstance(e, int | float) or not math.isfinite(e):
            raise ValueError(f"energy per atom is not a finite number: {e!r}")


def valid_record(key: str, data: bytes) -> dict:
    """The relaxation record in ``data``, or ``ValueError`` saying what is wrong with it."""
    return RelaxCache.parse(key, data)
