"""The descriptor cache of :func:`~materials_map.features.batch.featurize`: one checksummed
``.npz`` per item under ``<cache>/<parameter hash>/``, written atomically; a damaged entry is
discarded with a warning and recomputed, never returned."""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .._util import write_bytes_atomic


class DescriptorCache:
    """One .npz per item under ``root/<parameter hash>/``; written atomically."""

    def __init__(self, root: str | os.PathLike, params: dict[str, Any]):
        key = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]
        self.key = key  # also the key of the descriptors shipped with the package (shipped.py)
        self.dir = Path(root) / key
        self.dir.mkdir(parents=True, exist_ok=True)
        meta = self.dir / "params.json"
        if not meta.exists():
            write_bytes_atomic(meta, json.dumps(params, indent=1, sort_keys=True).encode())

    def get(self, h: str, n_comp: int | None = None, n_struct: int | None = None) -> tuple | None:
        """The entry of item ``h``, or ``None``. A truncated, edited or foreign entry (bad
        zip, checksum, shapes, an object array) is discarded with a warning naming the file."""
        p = self.dir / f"{h}.npz"
        if not p.exists():
            return None
        try:
            return _read_entry(p, h, n_comp, n_struct)
        except Exception as exc:  # noqa: BLE001 - any damage: discard and recompute
            warnings.warn(
                f"featurize cache entry {p} is damaged and was discarded "
                f"({type(exc).__name__}: {exc}); it is recomputed",
                stacklevel=3,
            )
            p.unlink(missing_ok=True)
            return None

    def put(self, h: str, row: tuple) -> None:
        write_entry(self.dir, h, row)


def _entry_digest(h: str, comp: np.ndarray, struct: np.ndarray, reason: str) -> str:
    d = hashlib.sha256(h.encode())
    for a in (comp, struct):
        a = np.ascontiguousarray(a, dtype=np.float64)
        d.update(repr(a.shape).encode())
        d.update(a.tobytes())
    d.update(reason.encode())
    return d.hexdigest()


def write_entry(folder: str | os.PathLike, h: str, row: tuple) -> None:
    """One cache entry, atomically, with a checksum over its key and content."""
    comp = np.asarray(row[0], dtype=np.float64)
    struct = np.asarray(row[1], dtype=np.float64)
    buf = io.BytesIO()
    np.savez(
        buf,
        comp=comp,
        struct=struct,
        reason=np.array(row[2]),
        digest=np.array(_entry_digest(h, comp, struct, row[2])),
    )
    write_bytes_atomic(Path(folder) / f"{h}.npz", buf.getvalue())


def _read_entry(p: Path, h: str, n_comp: int | None, n_struct: int | None) -> tuple:
    # allow_pickle=False: an entry carrying a pickled object array is refused, never loaded
    with np.load(p, allow_pickle=False) as z:
        comp, struct = z["comp"], z["struct"]
        reason = str(z["reason"])
        # entries written before checksums existed have none: checked for shape only
        digest = str(z["digest"]) if "digest" in z.files else None
    if comp.dtype != np.float64 or struct.dtype != np.float64:
        raise ValueError(f"arrays of type {comp.dtype} / {struct.dtype}, not float64")
    if digest is not None and digest != _entry_digest(h, comp, struct, reason):
        raise ValueError("checksum mismatch: the entry was truncated, edited or moved")
    if not reason and (
        (n_comp is not None and comp.shape != (n_comp,))
        or (n_struct is not None and struct.shape != (n_struct,))
    ):
        raise ValueError(f"shapes {comp.shape} / {struct.shape} do not match the featurizers")
    return comp, struct, reason
