"""Descriptors shipped inside the package: a read-only, pre-filled layer of the featurize cache.

Featurizing the 847 materials of the embedded ``li-o`` dataset takes ~20 s on 2 cores (the
Voronoi tessellations dominate), and every new machine would pay it on its first map. The
package therefore ships their descriptors, keyed exactly as the on-disk cache of
:func:`~materials_map.features.batch.featurize` is:

* the file name holds the cache key, ``<dataset>.<key>.npz``, where ``<key>`` is the cache's
  folder name (a hash of the featurizer classes, their parameters, the featurizer version and
  the materials-map version);
* each row is keyed by the item fingerprint (``_util.item_fingerprint``), as the cache's
  per-item files are.

A shipped row is used only where both match, so other parameters, other versions and edited
structures are computed as usual. Values are stored as float32 (relative error below 6e-8
against the float64 computation; the maps' coordinates move by less than 1e-5 of their span,
see ``tests/features/test_shipped.py``) and handed out as float64. The files are written by
``python -m dev_scripts.pretrain`` (docs/datasets.md).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .._util import write_bytes_atomic

#: folder of the shipped descriptor files
SHIPPED_DESCRIPTORS = Path(__file__).resolve().parents[1] / "datasets" / "data" / "descriptors"


def shipped_files(key: str, folder: Path | None = None) -> list[Path]:
    """The shipped descriptor files made with featurize cache key ``key`` (any dataset)."""
    folder = SHIPPED_DESCRIPTORS if folder is None else folder
    return sorted(folder.glob(f"*.{key}.npz")) if folder.is_dir() else []


def shipped_rows(key: str, hashes: Sequence[str], folder: Path | None = None) -> dict[int, tuple]:
    """``{position: (comp, struct, reason)}`` for the items of ``hashes`` (item fingerprints)
    that a shipped file with cache key ``key`` holds; the others are absent."""
    files = shipped_files(key, folder)
    if not files or not hashes:
        return {}
    wanted: dict[str, list[int]] = {}
    for i, h in enumerate(hashes):
        wanted.setdefault(h, []).append(i)
    out: dict[int, tuple] = {}
    for path in files:
        with np.load(path, allow_pickle=False) as z:
            fps = z["fingerprints"].tolist()
            hits = [(j, wanted[h]) for j, h in enumerate(fps) if h in wanted]
            if not hits:
                continue
            comp, struct, reasons = z["comp"], z["struct"], z["reason"]
        for j, positions in hits:
            reason = str(reasons[j])
            row = (
                (np.zeros(0), np.zeros(0), reason)
                if reason
                else (comp[j].astype(np.float64), struct[j].astype(np.float64), "")
            )
            for i in positions:
                out.setdefault(i, row)
    return out


def write_shipped(
    path: str | os.PathLike, fingerprints: Iterable[str], rows: Iterable[tuple]
) -> Path:
    """Write rows ``(comp, struct, reason)`` of featurize, keyed by item fingerprint, as one
    compressed float32 ``.npz`` (failed items keep their reason and NaN rows)."""
    fps, rows = list(fingerprints), list(rows)
    if len(fps) != len(rows):
        raise ValueError(f"{len(fps)} fingerprints for {len(rows)} rows")
    good = [r for r in rows if not r[2]]
    if not good:
        raise ValueError("no successfully featurized row to ship")
    n_c, n_s = len(good[0][0]), len(good[0][1])
    comp = np.full((len(rows), n_c), np.nan, dtype=np.float32)
    struct = np.full((len(rows), n_s), np.nan, dtype=np.float32)
    for j, (c, s, reason) in enumerate(rows):
        if not reason:
            comp[j], struct[j] = c, s
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        fingerprints=np.array(fps, dtype=str),
        comp=comp,
        struct=struct,
        reason=np.array([r[2] for r in rows], dtype=str),
    )
    return write_bytes_atomic(Path(path), buf.getvalue())
