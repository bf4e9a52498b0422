"""Candidate materials at a map coordinate: ion substitution, prototype decoration, re-encoding.

==================  ========================================================================
module              what it holds
==================  ========================================================================
``chemistry``       ions, Shannon-radius site fit, bond-valence volume (the li-o rules)
``decorate``        charge-balanced decorations of a prototype and the decorated structure
``library``         every decoration of the library with its composition, cached on disk
``substitute``      lambda-table ion substitution into a known structure (+ Li vacancies)
``target``          point / region targets and the map's distance scale
``known``           the map's materials as parents and as the novelty reference
``encode``          candidates -> map coordinates, predicted target, plausibility
``search``          the moves, their screening and the rounds of the local search
``designer``        :class:`Designer` and :func:`propose`
``ranking``         the final ranking: distinct candidates, novelty, the table
``candidates``      the :class:`Candidates` table and its CIF / zip / MapDataset export
``verification``    :func:`verify`: relax, label and re-encode candidates
==================  ========================================================================

The decoration core (``decorate``, ``chemistry``) is light and also used by the build of the
li-o dataset; :func:`propose` and :func:`verify` pull in the model and are imported on first
use. docs/design.md describes the method and its measured figures.
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
