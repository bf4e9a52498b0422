"""Relaxation of structures with a universal interatomic potential (CHGNet 0.3.0, offline).

The function is :func:`relax` (``mm.relax``); this sub-package (``mm.relaxation``) holds it,
its record cache and its guarded worker.
"""

from .core import COLUMNS, VOLUME_BOUND, flag_reason, relax, relax_key

__all__ = ["COLUMNS", "VOLUME_BOUND", "flag_reason", "relax", "relax_key"]
