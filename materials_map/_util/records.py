"""A folder of checksummed JSON result records, one small file per key.

The label cache (``labels/cache.py``) and the relaxation cache (``relaxation/cache.py``) share
this: ``<key[:2]>/<key>.json``, atomic writes (an interrupted run leaves only complete
entries and simply resumes), a SHA-256 over key and content (an edited, truncated or moved
entry is discarded with a warning naming the file, and recomputed), and the rule that a
time/memory-limit failure is reused only while the limits have not been raised. A subclass
names what it holds and checks the content of its successful records.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

from .atomic import write_text_atomic

#: ``kind`` of a result record: computed, refused by a guard, failed, or stopped by a limit
KINDS = frozenset({"ok", "refused", "error", "limit"})


def record_digest(key: str, record: dict) -> str:
    """SHA-256 over ``key`` and the record's content (its ``sha256`` field left out)."""
    body = json.dumps({k: v for k, v in record.items() if k != "sha256"}, sort_keys=True)
    return hashlib.sha256((key + "\n" + body).encode()).hexdigest()


class RecordCache:
    """Folder of cached result records, ``<key[:2]>/<key>.json``.

    Subclasses set :attr:`what` (``"label"``, ``"relaxation"``: the word in messages) and
    override :meth:`check_ok` to refuse a successful record whose content is malformed.
    """

    #: what a record holds, for messages
    what = "result"
    #: appended to the warning about a discarded entry
    discarded_note = ""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)

    def _file(self, key: str) -> Path:
        return self.path / key[:2] / f"{key}.json"

    @classmethod
    def check_ok(cls, record: dict) -> None:
        """Raise ``ValueError`` saying what is wrong with a record of kind ``ok``."""

    @classmethod
    def parse(cls, key: str, data: bytes) -> dict:
        """The record in ``data``, or ``ValueError`` saying what is wrong with it. Entries
        written before checksums existed are checked for their shape only."""
        try:
            rec = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a JSON {cls.what} record: {exc}") from None
        if not isinstance(rec, dict) or rec.get("kind") not in KINDS:
            raise ValueError(f"not a {cls.what} record (no known 'kind')")
        if "sha256" in rec and rec["sha256"] != record_digest(key, rec):
            raise ValueError("checksum mismatch: the entry was edited, truncated or moved")
        if rec["kind"] == "ok":
            cls.check_ok(rec)
        elif not isinstance(rec.get("reason"), str) or not rec["reason"].strip():
            raise ValueError("a failure record without a reason")
        return rec

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
            rec = self.parse(key, data)
        except ValueError as exc:
            warnings.warn(
                f"{self.what} cache entry {f} is damaged and was discarded ({exc})"
                f"{self.discarded_note}",
                stacklevel=3,
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
        record["sha256"] = record_digest(key, record)
        write_text_atomic(self._file(key), json.dumps(record))

    def __len__(self) -> int:
        return sum(1 for _ in self.path.glob("*/*.json"))
