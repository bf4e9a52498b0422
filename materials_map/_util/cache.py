"""Where materials-map keeps its on-disk caches (descriptors, labels, models)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(*parts: str) -> Path:
    """The cache folder (``$MATERIALS_MAP_CACHE``, else ``$XDG_CACHE_HOME/materials-map``,
    else ``~/.cache/materials-map``), or a sub-folder of it named by ``parts``; created if
    missing."""
    env = os.environ.get("MATERIALS_MAP_CACHE")
    if env:
        base = Path(env)
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "materials-map"
    path = base.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
