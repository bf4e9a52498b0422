"""Candidate materials at a map coordinate: ion substitution, prototype decoration, re-encoding.

The decoration core (:mod:`.decorate`, :mod:`.chemistry`) is light; :func:`propose` and
:func:`verify` pull in the model and are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "propose": ".designer",
    "Designer": ".designer",
    "verify": ".verification",
    "Candidates": ".candidates",
    "KnownMaterials": ".known",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'materials_map.design' has no attribute {name!r}")
