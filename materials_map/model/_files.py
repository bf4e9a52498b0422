"""One no-pickle file format for the small estimators of this layer (the target-head
ensemble, the superionic classifier): numpy arrays as safetensors tensors, everything else
as JSON strings in the safetensors metadata, a format marker and a SHA-256 over both. The
container check and the checksum (:func:`check`, :func:`digest`) also serve ``persist.py``'s
:class:`MapModel` files, whose tensors are torch's. The checksum guards integrity, not
authenticity: nothing in the file is ever executed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load as st_load
from safetensors.numpy import save as st_save

from .._util import write_bytes_atomic


def digest(metadata: dict[str, str], arrays: dict[str, Any]) -> str:
    """SHA-256 over the metadata (its ``sha256`` left out) and every array's name, dtype,
    shape and bytes. ``arrays`` are numpy arrays or torch tensors (``persist.py``): a tensor's
    dtype is hashed as torch names it, so files written before this was shared still load."""
    h = hashlib.sha256()
    h.update(
        json.dumps({k: v for k, v in metadata.items() if k != "sha256"}, sort_keys=True).encode()
    )
    for name in sorted(arrays):
        a = arrays[name]
        if isinstance(a, np.ndarray):
            a = np.ascontiguousarray(a)
            dtype, shape, data = a.dtype.str, a.shape, a.tobytes()
        else:  # a torch tensor
            t = a.detach().cpu().contiguous()
            dtype, shape, data = t.dtype, tuple(t.shape), t.numpy().tobytes()
        h.update(f"{name}|{dtype}|{shape}|".encode())
        h.update(data)
    return h.hexdigest()


def pack(fmt: str, version: str, arrays: dict[str, np.ndarray], state: dict[str, Any]) -> bytes:
    """Arrays + a JSON-safe ``state`` dict -> safetensors bytes marked as ``fmt`` ``version``."""
    arrays = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    metadata = {"format": fmt, "format_version": version, "state": json.dumps(state)}
    metadata["sha256"] = digest(metadata, arrays)
    return st_save(arrays, metadata=metadata)


def check(
    fmt: str,
    version: str,
    data: bytes,
    where: str,
    load: Callable[[bytes], dict[str, Any]] = st_load,
    what: str = "arrays",
) -> tuple[dict[str, Any], dict[str, str]]:
    """The arrays (``load(data)``: numpy by default, torch for :class:`MapModel`) and the
    metadata of a ``fmt`` file, checked; ``ValueError`` naming ``where`` and the reason when
    the bytes are not a ``fmt`` file, another version, corrupted or edited."""
    kind = fmt.rsplit("/", 1)[-1]
    if len(data) < 8:
        raise ValueError(f"{where}: not a {kind} file (too short to be safetensors)")
    n = int.from_bytes(data[:8], "little")
    if n <= 0 or 8 + n > len(data):
        raise ValueError(f"{where}: not a {kind} file (safetensors header length {n} is invalid)")
    try:
        header = json.loads(data[8 : 8 + n])
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{where}: corrupted {kind} file (unreadable header: {exc})") from None
    meta = header.get("__metadata__") if isinstance(header, dict) else None
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        raise ValueError(f"{where}: not a {kind} file (no '{fmt}' metadata)")
    if meta.get("format_version") != version:
        raise ValueError(
            f"{where}: {kind} file format version {meta.get('format_version')!r} is not "
            f"supported (this version reads {version!r})"
        )
    try:
        arrays = load(data)
    except Exception as exc:  # safetensors raises its own error types
        raise ValueError(f"{where}: corrupted {kind} file ({what} unreadable: {exc})") from None
    if meta.get("sha256") != digest(meta, arrays):
        raise ValueError(
            f"{where}: {kind} file failed its checksum; it was corrupted or modified after saving"
        )
    return arrays, meta


def unpack(
    fmt: str, version: str, data: bytes, where: str
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Inverse of :func:`pack`; ``ValueError`` naming ``where`` and the reason when the bytes
    are not a ``fmt`` file, another version, corrupted or edited."""
    arrays, meta = check(fmt, version, data, where)
    try:
        state = json.loads(meta["state"])
    except (KeyError, ValueError) as exc:
        kind = fmt.rsplit("/", 1)[-1]
        raise ValueError(f"{where}: corrupted {kind} file (metadata: {exc})") from None
    return arrays, state


class SafetensorsFile:
    """``save(path)`` and ``load(path)`` for a class with ``to_bytes`` / ``from_bytes``."""

    def save(self, path: str | Path) -> Path:
        """Write the fitted object to one safetensors file, atomically."""
        return write_bytes_atomic(path, self.to_bytes())

    @classmethod
    def load(cls, path: str | Path) -> Any:
        """Read a file written by :meth:`save` (checked: format marker and checksum)."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no {cls.__name__} file at {path}")
        return cls.from_bytes(path.read_bytes(), where=str(path))
