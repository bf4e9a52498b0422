"""Shared fixtures: a private cache per test session, the real OBELiX data beside the
repository, and a temporary folder for screenshots and other artifacts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OBELIX = Path(os.environ.get("MATERIALS_MAP_OBELIX", ROOT.parent / "shared" / "data" / "obelix"))


#: modules that take longest on an idle 2-core machine (sum of their tests, measured): they
#: start first so that no worker is left with a long one at the end; a stale entry costs
#: only time. The browser modules come first (each notebook's kernel start is their setup).
LONG_FIRST = (
    "tests/browser/test_crystal.py",
    "tests/browser/test_explorer.py",
    "tests/browser/test_design.py",
    "tests/browser/test_readability.py",
    "tests/browser/test_map_widget.py",
    "tests/browser/test_decode_page.py",
    "tests/browser/test_documents.py",
    "tests/browser/test_background_support.py",
    "tests/browser/test_drop.py",
    "tests/notebooks/test_notebooks.py",
    "tests/build/test_generate.py",
    "tests/reliability/test_cif_corpus.py",
    "tests/labels/test_migration_energy.py",
    "tests/design/test_panel.py",
    "tests/model/test_superionic.py",
    "tests/reliability/test_resume_relax_labels.py",
    "tests/reliability/test_interruption.py",
    "tests/labels/test_bvlain_parity.py",
    "tests/design/test_candidates.py",
    "tests/prototypes/test_classify.py",
    "tests/relax/test_relax.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order for pytest-xdist (`make test`: two workers, ``--dist loadscope
    --no-loadscope-reorder``, which keeps every module on one worker, so its module fixtures,
    e.g. a browser module's notebook, are built once, and hands the modules out in this
    order): the browser modules first (each worker that takes one starts its own JupyterLab
    and Chromium: one worker for all of them was the suite's critical path), then the long
    modules."""
    order = {}
    for item in items:
        path = Path(str(item.fspath)).resolve().relative_to(ROOT).as_posix()
        # unlisted modules after the listed ones, an unlisted browser module before the rest
        rank = (
            LONG_FIRST.index(path)
            if path in LONG_FIRST
            else len(LONG_FIRST) + (not path.startswith("tests/browser/"))
        )
        order[item.nodeid] = rank
    items.sort(key=lambda item: order[item.nodeid])  # stable: collection order within a rank


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
