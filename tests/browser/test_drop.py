"""Files dropped on the Explorer's map in a real JupyterLab + Chromium are placed by the kernel.

Three files are dropped on the map (two CIFs of families the map does not have, one broken
CIF): two new points appear where the kernel's ``place`` put them (checked from screen
pixels: drawn with the "placed" legend entry on, gone with it off), the broken file is listed
under the map with its name and the reader's reason, and the Table tab lists the two new rows.
In a kernel-less page (the exported HTML) a drop only says that placing needs a kernel.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from materials_map.placement import read_items
from materials_map.prototypes import get_prototype

from .conftest import EXPLORER_SETUP, Plot, data_to_screen

SETUP = EXPLORER_SETUP + "ex\n"
BROKEN = "data_broken\n_cell_length_a 4.0\n_cell_length_b 4.0\nloop_\n_atom_site_label\nLi1\n"

# JS: drop the given {name, text} files on the map as a user's drag and drop would
DROP = """files => {
  const dt = new DataTransfer();
  for (const f of files) dt.items.add(new File([f.text], f.name));
  const root = document.querySelector('.mm-root');
  for (const type of ['dragenter', 'dragover', 'drop'])
    root.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
}"""


def _files() -> list[dict[str, str]]:
    """Two crystals of families the test map does not have, and a broken CIF."""
    return [
        {"name": "my-linbo3.cif", "text": get_prototype("linbo3").structure().to(fmt="cif")},
        {"name": "my-li2zro3.cif", "text": get_prototype("li2zro3").structure().to(fmt="cif")},
        {"name": "broken.cif", "text": BROKEN},
    ]


@pytest.fixture(scope="module")
def nb(lab, lab_server):
    src = Path(__file__).resolve().parents[1] / "widgets" / "test_explorer.py"
    (lab_server.root.parent / "_explorer_data.py").write_text(src.read_text())
    session = lab.open_notebook("drop.ipynb", [SETUP], viewport=(1400, 1200))
    yield session
    session.close()


def _centre_rgb(img: np.ndarray, x: float, y: float) -> np.ndarray:
    """Mean colour of the 3 x 3 pixels around (x, y)."""
    i, j = int(round(y)), int(round(x))
    return img[i - 1 : i + 2, j - 1 : j + 2].reshape(-1, 3).mean(axis=0)


def test_dropped_files_are_placed_refused_and_listed(nb, tmp_path, artifacts_dir):
    page = nb.page
    n0 = nb.kernel.value("len(ex.coords)")
    files = _files()
    page.locator(".mm-root").scroll_into_view_if_needed()
    page.evaluate(DROP, files)
    page.wait_for_selector(".mm-root[data-drop='done']", state="attached", timeout=55_000)
    # the kernel placed two: the map has them, at the coordinates place() computed
    assert nb.kernel.value("len(ex.coords)") == n0 + 2
    placed = nb.kernel.value(
        "{'id': ex.table['id'].iloc[-2:].tolist(), 'xy': ex.coords[-2:].tolist()}"
    )
    assert placed["id"] == ["my-linbo3", "my-li2zro3"]
    page.wait_for_selector(f".mm-root[data-ready='true'][data-points='{n0 + 2}']", state="attached")
    # one refusal, next to the map: the file's name and the reader's own reason
    (tmp_path / "broken.cif").write_text(BROKEN)
    reason = read_items([tmp_path / "broken.cif"])[1][0]["error"]
    notes = page.locator(".mm-drop-notes")
    assert notes.locator(".mm-drop-head").inner_text().startswith("2 placed · 1 refused")
    (item,) = notes.locator("li").all()
    assert item.get_attribute("data-file") == "broken.cif"
    assert item.inner_text() == f"broken.cif: {reason}"
    page.locator(".mm-root").screenshot(path=str(artifacts_dir / "drop_notes.png"))
    # two new markers where Python put them: drawn with their legend entry on, gone with it off
    legend = page.locator(".mm-marker-legend .mm-legend-item")
    assert legend.last.inner_text().strip() == "placed (2)"
    plot = Plot.settled(page)
    xy = np.asarray(placed["xy"])
    px, py = data_to_screen(plot.view, plot.size, xy[:, 0], xy[:, 1])
    assert ((px > 5) & (px < plot.size[0] - 5) & (py > 5) & (py < plot.size[1] - 5)).all()
    shown = plot.screenshot(artifacts_dir / "drop_placed.png")
    legend.last.click()
    hidden_code = nb.kernel.value("ex.map.marker_names.index('placed')")
    nb.kernel.wait_for("ex.map.hidden_markers", lambda v: v == [hidden_code])
    page.wait_for_selector(f".mm-root[data-visible-points='{n0}']", state="attached")
    gone = Plot.settled(page).screenshot(artifacts_dir / "drop_hidden.png")
    for x, y in zip(px, py, strict=True):
        r, g, b = _centre_rgb(shown, x, y)  # the selection colour (points.ts ACTIVE_COLOR)
        assert r > 180 and g < 90 and b > 110, (x, y, (r, g, b))
        diff = np.abs(_centre_rgb(shown, x, y) - _centre_rgb(gone, x, y)).max()
        assert diff > 40, (x, y, diff)
    legend.last.click()
    # the Table tab lists the two new rows (the Explorer selected them)
    page.locator(".materials-map-explorer .lm-TabBar-tab", has_text="Table").first.click()
    rows = page.locator(".materials-map-explorer table.materials-map-table tbody tr")
    rows.first.wait_for()
    assert set(rows.locator("td:nth-child(2)").all_inner_texts()) == set(placed["id"])


def test_a_drop_without_a_kernel_says_placing_needs_one(nb, browser, tmp_path):
    page_path = Path(
        nb.kernel.value(f"str(ex.save().to_html({json.dumps(str(tmp_path / 'm.html'))}))")
    )
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    try:
        page = context.new_page()
        page.goto(page_path.as_uri())
        page.wait_for_selector(".mm-root[data-ready='true']", state="attached")
        page.evaluate(DROP, _files()[:1])
        page.wait_for_selector(".mm-root[data-drop='no-kernel']", state="attached")
        text = page.locator(".mm-drop-notes").inner_text()
        assert "Placing materials needs a running kernel" in text
    finally:
        context.close()
