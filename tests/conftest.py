"""Shared fixtures: a private cache per test session, the real OBELiX data beside the
repository, and a temporary folder for screenshots and other artifacts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OBELIX = Path(os.environ.get("MATERIALS_MAP_OBELIX", ROOT.parent / "shared" / "data" / "obelix"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Groups for pytest-xdist's ``--dist loadgroup`` (`make test` runs two workers): the
    browser tests share one worker (one JupyterLab and one Chromium for all of them), every
    other module stays on one worker (its module fixtures are built once)."""
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        path = Path(str(item.fspath)).resolve().relative_to(ROOT).as_posix()
        group = "browser" if path.startswith("tests/browser/") else path
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test, and every process it starts (kernels, workers), caches into a folder of
    this session, never into the user's ~/.cache: runs do not depend on what an earlier run
    left there, and write only into temporary folders."""
    path = tmp_path_factory.mktemp("materials-map-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MATERIALS_MAP_CACHE", str(path))
        yield path


@pytest.fixture(scope="session")
def obelix_path() -> Path:
    """Folder of the full OBELiX data (all.csv + all_randomized_cifs/). Tests that the Li–O
    subset shipped in the package suffices for read that instead. Missing data skips with a
    reason on a developer's machine and fails on CI (``CI`` set), where ../shared is there."""
    if not (OBELIX / "all.csv").is_file():
        reason = (
            f"OBELiX data not found at {OBELIX} (set MATERIALS_MAP_OBELIX); test needs real data"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return OBELIX


@pytest.fixture(scope="session")
def artifacts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder for screenshots and other test artifacts (pytest's temporary folder: the last
    three runs are kept, under ``pytest --basetemp`` or the system's temp folder)."""
    return tmp_path_factory.mktemp("artifacts")
