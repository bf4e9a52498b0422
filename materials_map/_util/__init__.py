"""Helpers every layer may use: atomic writes, the cache folder, the structure fingerprint.

This is the bottom layer: it imports nothing else from materials_map.
"""

from .atomic import write_bytes_atomic, write_text_atomic
from .cache import cache_dir
from .fingerprint import item_fingerprint, structure_fingerprint

__all__ = [
    "cache_dir",
    "item_fingerprint",
    "structure_fingerprint",
    "write_bytes_atomic",
    "write_text_atomic",
]
