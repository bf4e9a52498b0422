"""Resumable on-disk cache of migration-energy labels (one small JSON file per structure).

Keys hash the structure (lattice, species, fractional coordinates, rounded) together with the
labelling parameters and the bvlain version, so a changed input or setting is never served a
stale label. Files are written atomically (temp file + ``os.replace``), so an interrupted run
leaves only complete entries and simply resumes.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
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


_KINDS = {"ok", "refused", "error", "limit"}


def _digest(key: str, record: dict) -> str:
    body = json.dumps({k: v for k, v in record.items() if k != "sha256"}, sort_keys=True)
    return hashlib.sha256((key + "\n" + body).encode()).hexdigest()


def _valid_record(key: str, data: bytes) -> dict:
    """The record in ``data`` or ``ValueError`` saying what is wrong with it. Entries written
    before checksums existed are checked for their shape only."""
    try:
        rec = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a JSON label record: {exc}") from None
    if not isinstance(rec, dict) or rec.get("kind") not in _KINDS:
        raise ValueError("not a label record (no known 'kind')")
    if "sha256" in rec and rec["sha256"] != _digest(key, rec):
        raise ValueError("checksum mismatch: the entry was edited, truncated or moved")
    if rec["kind"] == "ok":
        e = [rec.get(k) for k in ("e_1d", "e_2d", "e_3d")]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in e):
            raise ValueError(f"barriers are not numbers: {e}")
        if any(math.isnan(v) or v < -1e-9 for v in e) or not e[0] <= e[1] + 1e-9 <= e[2] + 2e-9:
            raise ValueError(f"barriers {e} are not 0 <= E_1D <= E_2D <= E_3D")
    elif not isinstance(rec.get("reason"), str) or not rec["reason"].strip():
        raise ValueError("a failure record without a reason")
    return rec


class LabelCache:
    """Folder of cached label records, ``<key[:2]>/<key>.json``."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)

    def _file(self, key: str) -> Path:
        return self.path / key[:2] / f"{key}.json"

    def get(self, key: str, time_limit: float, memory_limit: int | None) -> dict | None:
        """Cached record, or ``None``. A time/memory-limit failure recorded under smaller
        limits than the current ones is not reused (it may succeed now). A truncated, edited
        or foreign entry is discarded with a warning naming the file, and recomputed."""
        f = self._file(key)
        try:
            data = f.read_bytes()
        except FileNotFoundError:
            return None
        try:
            rec = _valid_record(key, data)
        except ValueError as exc:
            warnings.warn(
                f"label cache entry {f} is damaged and was discarded ({exc}); it is recomputed",
                stacklevel=3,
            )
            f.unlink(missing_ok=True)
            return None
        if rec.get("kind") == "limit":
            old_t, old_m = rec.get("time_limit", 0), rec.get("memory_limit") or float("inf")
            if time_limit > old_t or (memory_limit or float("inf")) > old_m:
                return None
        return rec

    def put(self, key: str, record: dict) -> None:
        """Store ``record`` atomically, with a checksum over its key and content."""
        record = {k: v for k, v in record.items() if k != "sha256"}
        record["sha256"] = _digest(key, record)
        write_text_atomic(self._file(key), json.dumps(record))

    def __len__(self) -> int:
        return sum(1 for _ in self.path.glob("*/*.json"))
