"""Helpers every layer may use: atomic writes, the cache folder, the structure fingerprint.

Modules: ``atomic`` (atomic file writes), ``cache`` (the cache folder), ``fingerprint`` (the
one structure fingerprint), ``records`` (a folder of checksummed JSON records: the label and
relaxation caches), ``child`` (the request loop of a guarded worker subprocess),
``validate`` (physical checks of cells and structures), ``outcome`` (the kept/refused summary
of batch jobs), ``deadline`` (a time limit for one step, in any thread).

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
