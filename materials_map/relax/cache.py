"""Resumable on-disk cache of relaxation records (one small JSON file per structure).

Same layout and rules as the label cache (``<key[:2]>/<key>.json``, atomic writes, a
checksum over key and content, a time/memory-limit failure reused only while the limits have
not been raised), with its own record check: a relaxation record holds a lattice, fractional
coordinates and numbers instead of barriers.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
from pathlib import Path

from .._util import write_text_atomic

_KINDS = {"ok", "refused", "error", "limit"}


def _digest(key: str, record: dict) -> str:
    body = json.dumps({k: v for k, v in record.items() if k != "sha256"}, sort_keys=True)
    return hashlib.sha256((key + "\n" + body).encode()).hexdigest()


def valid_record(key: str, data: bytes) -> dict:
    """The relaxation record in ``data``, or ``ValueError`` saying what is wrong with it."""
    try:
        rec = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a JSON relaxation record: {exc}") from None
    if not isinstance(rec, dict) or rec.get("kind") not in _KINDS:
        raise ValueError("not a relaxation record (no known 'kind')")
    if "sha256" in rec and rec["sha256"] != _digest(key, rec):
        raise ValueError("checksum mismatch: the entry was edited, truncated or moved")
    if rec["kind"] == "ok":
        lat, frac = rec.get("lattice"), rec.get("frac_coords")
        if not (isinstance(lat, list) and len(lat) == 3 and isinstance(frac, list) and frac):
            raise ValueError("no lattice / fractional coordinates")
        e = rec.get("energy_per_atom")
        if not isinstance(e, int | float) or not math.isfinite(e):
            raise ValueError(f"energy per atom is not a finite number: {e!r}")
    elif not isinstance(rec.get("reason"), str) or not rec["reason"].strip():
        raise ValueError("a failure record without a reason")
    return rec


class RelaxCache:
    """Folder of cached relaxation records, ``<key[:2]>/<key>.json``."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)

    def _file(self, key: str) -> Path:
        return self.path / key[:2] / f"{key}.json"

    def get(self, key: str, time_limit: float, memory_limit: int | None) -> dict | None:
        """Cached record or ``None``; a damaged entry is discarded with a warning."""
        f = self._file(key)
        try:
            data = f.read_bytes()
        except FileNotFoundError:
            return None
        try:
            rec = valid_record(key, data)
        except ValueError as exc:
            warnings.warn(
                f"relaxation cache entry {f} is damaged and was discarded ({exc})", stacklevel=3
            )
            f.unlink(missing_ok=True)
            return None
        if rec["kind"] == "limit":
            old_t, old_m = rec.get("time_limit", 0), rec.get("memory_limit") or float("inf")
            if time_limit > old_t or (memory_limit or float("inf")) > old_m:
                return None
        return rec

    def put(self, key: str, record: dict) -> None:
        """Store ``record`` atomically, with a checksum over its key and content."""
        record = {k: v for k, v in record.items() if k != "sha256"}
        record["sha256"] = _digest(key, record)
        write_text_atomic(self._file(key), json.dumps(record))
