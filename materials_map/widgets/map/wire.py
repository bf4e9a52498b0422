"""The map widget's wire format: numpy arrays <-> raw little-endian binary buffers.

One decoder and one encoder serve every binary trait, saved map documents (which store the
same bytes as base64) and the category codes (sent in the narrowest dtype that fits).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import traitlets


def decode_array(value: Any, dtype: Any, columns: int | None = None) -> np.ndarray:
    """Raw little-endian ``bytes``/``memoryview`` -> array of ``dtype`` (``(n, columns)``
    when ``columns`` is given). The one decoder of the wire format."""
    dt = np.dtype(dtype)
    arr = np.frombuffer(bytes(value), dtype=dt.newbyteorder("<")).astype(dt)
    return arr.reshape(-1, columns) if columns else arr


def encode_array(value: np.ndarray | None, widget: Any = None) -> memoryview | None:
    """Array -> one raw little-endian buffer (None stays None). The one encoder."""
    if value is None:
        return None
    arr = np.ascontiguousarray(value)
    return memoryview(arr.astype(arr.dtype.newbyteorder("<"), copy=False)).cast("B")


class Buffer(traitlets.TraitType):
    """A numpy array trait synced as one raw binary buffer (dtype fixed per trait).

    Accepts arrays, sequences, or bytes (raw little-endian buffers, as stored in map
    documents); ``columns`` fixes the second dimension (2 for coordinates).
    """

    info_text = "a numpy array"

    def __init__(self, dtype: str, columns: int | None = None, allow_none: bool = True, **kw: Any):
        self.dtype = np.dtype(dtype)
        self.columns = columns
        default = None if allow_none else np.zeros((0, columns) if columns else 0, self.dtype)
        super().__init__(default_value=default, allow_none=allow_none, **kw)

    def validate(self, obj: Any, value: Any) -> np.ndarray | None:
        if value is None:
            if self.allow_none:
                return None
            self.error(obj, value)
        if isinstance(value, (bytes, bytearray, memoryview)):
            arr = decode_array(value, self.dtype)
        else:
            arr = np.asarray(value)
            if (
                arr.size
                and not np.can_cast(arr.dtype, self.dtype, casting="same_kind")
                and arr.dtype.kind not in "iuf"
            ):
                raise traitlets.TraitError(f"{self.name}: expected numbers, got dtype {arr.dtype}")
            arr = arr.astype(self.dtype)
        if self.columns:
            if arr.ndim == 1 and arr.size % self.columns == 0:
                arr = arr.reshape(-1, self.columns)
            if arr.ndim != 2 or arr.shape[1] != self.columns:
                raise traitlets.TraitError(
                    f"{self.name}: expected shape (n, {self.columns}), got {arr.shape}"
                )
        return np.ascontiguousarray(arr)


def _decoder(dtype: str, columns: int | None = None) -> Callable[[Any, Any], np.ndarray | None]:
    def convert(value: Any, widget: Any = None) -> np.ndarray | None:
        return None if value is None else decode_array(value, dtype, columns)

    return convert


def buffer_trait(dtype: str, columns: int | None = None, allow_none: bool = True) -> Buffer:
    """A synced :class:`Buffer` trait with the wire encoder and decoder attached."""
    return Buffer(dtype, columns, allow_none=allow_none).tag(
        sync=True, to_json=encode_array, from_json=_decoder(dtype, columns)
    )


def categories_to_bytes(value: np.ndarray | None, widget: Any = None) -> memoryview | None:
    """Category codes (held as uint16) in the widget's ``categories_dtype`` on the wire."""
    dtype = getattr(widget, "categories_dtype", "uint16")
    return None if value is None else encode_array(value.astype(dtype), widget)


def categories_from_bytes(value: Any, widget: Any = None) -> np.ndarray | None:
    """Inverse of :func:`categories_to_bytes`."""
    if value is None:
        return None
    return decode_array(value, getattr(widget, "categories_dtype", "uint16")).astype(np.uint16)
