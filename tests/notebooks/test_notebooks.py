"""Execute every notebook in notebooks/ top to bottom with nbclient (as CI does).

The notebooks run with ``MATERIALS_MAP_QUICK=1`` (their documented short-training mode) and
one shared, initially empty cache folder, so later notebooks reuse the descriptors and the
default model that the first one computed, as a user's second session would. A notebook
passes when no cell raises; each also checks its own key outputs below.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
CELL_TIMEOUT = 600


def _outputs_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if "text" in out:
                parts.append(out["text"])
            for key in ("text/plain", "text/markdown"):
                if key in out.get("data", {}):
                    parts.append(out["data"][key])
    return "\n".join(parts)


def _count(nb, mime: str) -> int:
    return sum(mime in out.get("data", {}) for c in nb.cells for out in c.get("outputs", []))


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("materials_map_cache")


def run_notebook(name: str, cache: Path, extra_env: dict | None = None):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    env = {
        "MATERIALS_MAP_QUICK": "1",
        "MATERIALS_MAP_CACHE": str(cache),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        **(extra_env or {}),
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel subprocess inherits this process's environment
    try:
        client = nbclient.NotebookClient(
            nb,
            timeout=CELL_TIMEOUT,
            kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOKS)}},
        )
        client.execute()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb


WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.mark.slow
def test_01_quickstart(shared_cache):
    nb = run_notebook("01_quickstart.ipynb", shared_cache)
    assert _count(nb, WIDGET) >= 1
    text = _outputs_text(nb)
    assert "li-o.mmap" in text and "points" in text
    assert "Descriptors(1 material;" in text  # the decoded coordinate


@pytest.mark.slow
def test_02_reproduce_the_paper(shared_cache):
    nb = run_notebook("02_reproduce_the_paper.ipynb", shared_cache, {"MP_API_KEY": ""})
    text = _outputs_text(nb)
    for caption in (
        "Fig. 2",
        "Fig. 3",
        "Fig. 4",
        "Fig. 5",
        "Fig. 6",
        "Table 1",
        "Fig. 7",
        "Fig. 8",
    ):
        assert f"**{caption}**" in text, caption
    assert _count(nb, "image/png") >= 8  # one figure each: Figs. 2, 3a-c, 3d-f, 4, 5, 6, 7, 8
    assert _count(nb, WIDGET) >= 1
    assert "Skipped:" in text  # no MP key: a note, not a failure


@pytest.mark.slow
def test_03_teaching(shared_cache):
    nb = run_notebook("03_teaching.ipynb", shared_cache)
    text = _outputs_text(nb)
    assert "sparse, low-ME spot" in text and "Li-O peak at" in text
    assert _count(nb, WIDGET) >= 1


@pytest.mark.slow
def test_04_your_own_cifs(shared_cache):
    nb = run_notebook("04_your_own_cifs.ipynb", shared_cache)
    text = _outputs_text(nb)
    assert "broken.cif" in text  # the broken file is reported, the rest load
    assert "LLTO-disordered" in text
    assert re.search(r"[1-9]\d* generated candidates ranked", text)  # the Screening section
    assert "map coloured by p_superionic" in text
    assert _count(nb, WIDGET) >= 2


@pytest.mark.slow
def test_05_experimental_conductivity(shared_cache, obelix_path):
    nb = run_notebook(
        "05_experimental_conductivity.ipynb",
        shared_cache,
        {"MATERIALS_MAP_OBELIX": str(obelix_path)},
    )
    text = _outputs_text(nb)
    assert "are disordered" in text and "ROC AUC" in text
    assert _count(nb, WIDGET) >= 1


def test_05_without_data_says_so(shared_cache, tmp_path):
    nb = run_notebook(
        "05_experimental_conductivity.ipynb",
        shared_cache,
        {"MATERIALS_MAP_OBELIX": str(tmp_path / "nowhere")},
    )
    text = _outputs_text(nb)
    assert "OBELiX data not found" in text and "nowhere" in text
    assert _count(nb, WIDGET) == 0
