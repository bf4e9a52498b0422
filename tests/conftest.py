"""Shared fixtures: the real OBELiX data beside the repository (skips when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OBELIX = Path(os.environ.get("MATERIALS_MAP_OBELIX", ROOT.parent / "shared" / "data" / "obelix"))


@pytest.fixture(scope="session")
def obelix_path() -> Path:
    """Folder of the OBELiX data (all.csv + all_randomized_cifs/), or skip with a reason."""
    if not (OBELIX / "all.csv").is_file():
        pytest.skip(
            f"OBELiX data not found at {OBELIX} (set MATERIALS_MAP_OBELIX); test needs real data"
        )
    return OBELIX


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Git-ignored folder for screenshots and other test artifacts."""
    d = ROOT / "artifacts"
    d.mkdir(exist_ok=True)
    return d
