"""Resumable on-disk cache of migration-energy labels (one small JSON file per structure).

Keys hash the structure (lattice, species, fractional coordinates, rounded) together with the
labelling parameters and the bvlain version, so a changed input or setting is never served a
stale label. Files are written atomically (temp file + ``os.replace``), so an interrupted run
leaves only complete entries and simply resumes.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib.metadata import version
from pathlib import Path

from pymatgen.core import Structure

from .._util import structure_fingerprint, write_text_atomic

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


class LabelCache:
    """Folder of cached label records, ``<key[:2]>/<key>.json``."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)

    def _file(self, key: str) -> Path:
        return self.path / key[:2] / f"{key}.json"

    def get(self, key: str, time_limit: float, memory_limit: int | None) -> dict | None:
        """Cached record, or ``None``. A time/memory-limit failure recorded under smaller
        limits than the current ones is not reused (it may succeed now)."""
        f = self._file(key)
        try:
            rec = json.loads(f.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        if rec.get("kind") == "limit":
            old_t, old_m = rec.get("time_limit", 0), rec.get("memory_limit") or float("inf")
            if time_limit > old_t or (memory_limit or float("inf")) > old_m:
                return None
        return rec

    def put(self, key: str, record: dict) -> None:
        """Store ``record`` atomically."""
        write_text_atomic(self._file(key), json.dumps(record))

    def __len__(self) -> int:
        return sum(1 for _ in self.path.glob("*/*.json"))
