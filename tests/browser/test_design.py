"""The Design tab in a real JupyterLab + Chromium: click empty map -> Propose -> candidate
markers drawn where the kernel encoded them (pixel check), table filled, CIF export that
pymatgen reads back.

Data: every 14th material of the embedded li-o dataset under the shipped model, so the
kernel needs no training.
"""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from .conftest import Plot, click, data_to_screen, expected_atoms, redrawn

SETUP = """
import numpy as np, torch
torch.set_num_threads(1)
import materials_map as mm
from materials_map.features.batch import featurize
from materials_map.model.estimator import MapModel
from materials_map.pipeline import SHIPPED_MODELS, MapResult, prediction_grid
from materials_map.widgets.explorer import Explorer
lio = mm.datasets.load("li-o")
ds = lio.subset(list(range(0, len(lio), 14)))
model = MapModel.load(sorted(SHIPPED_MODELS.glob("*.mmodel"))[0])
X = featurize(ds, progress=False)
coords = model.transform(X)
grid, extent = prediction_grid(model, coords, n=48)
res = MapResult(dataset=ds, descriptors=X, model=model, coords=coords, grid=grid, extent=extent,
                target="migration_energy")
ex = Explorer.from_result(res, map_options={"point_size": 7, "height": 480})
ex.design.n.value = 8
ex.design.budget.value = 40.0
w = ex.map
ex
"""

MAGENTA = np.array([255, 0, 255])


@pytest.fixture(scope="module")
def nb(lab):
    session = lab.open_notebook("design.ipynb", [SETUP], viewport=(1400, 1200))
    session.page.wait_for_selector(".materials-map-explorer .lm-TabBar-tab", state="attached")
    yield session
    session.close()


def _empty_spot(plot: Plot, coords: np.ndarray) -> tuple[float, float]:
    """A plot pixel at least 25 px from every material, away from the edges."""
    px, py = data_to_screen(plot.view, plot.size, coords[:, 0], coords[:, 1])
    w, h = plot.size
    for gy in np.linspace(0.2, 0.8, 13):
        for gx in np.linspace(0.2, 0.8, 13):
            x, y = gx * w, gy * h
            if np.min(np.hypot(px - x, py - y)) > 25:
                return x, y
    pytest.fail("no empty spot on the map")


def test_click_propose_markers_table_and_cif_export(nb, lab_server, artifacts_dir):
    page = nb.page
    coords = np.array(nb.kernel.value("w.coords.tolist()"))
    page.locator(".mm-reset").click()
    plot = Plot.settled(page)  # the reset re-fits the view; under load it lands late
    x, y = _empty_spot(plot, coords)
    click(page, *plot.to_page(x, y))
    target = nb.kernel.wait_for(
        "ex.design.target and list(ex.design.target['at'])", bool, timeout=15
    )
    view, (w, h) = plot.view, plot.size
    want = (view[0] + x / w * (view[1] - view[0]), view[2] + (h - y) / h * (view[3] - view[2]))
    # within 2 px along each axis (the page offset of the plot can be fractional; a pixel is
    # worth another span on each axis)
    px_size = np.array([(view[1] - view[0]) / w, (view[3] - view[2]) / h])
    assert (np.abs(np.asarray(target) - want) <= 2 * px_size).all(), (target, want, px_size)

    page.locator(".materials-map-explorer .lm-TabBar-tab", has_text="Design").first.click()
    page.locator(".mm-design-propose").first.click()
    n = nb.kernel.wait_for(
        "0 if ex.design.candidates is None else len(ex.design.candidates)", bool, 240
    )
    page.wait_for_selector(f".mm-root[data-candidates='{n}']", state="attached", timeout=30_000)

    # the table lists every candidate's formula
    page.locator(".materials-map-explorer").first.screenshot(
        path=str(artifacts_dir / "design-panel.png")
    )
    table = page.locator(".mm-design-table").first.inner_text()
    formulas = nb.kernel.value("ex.design.candidates.df['formula'].tolist()")
    assert all(f in table for f in formulas), (formulas, table[:400])

    # markers: magenta where the kernel says each candidate sits (those inside the view); the
    # family names are switched off first, their halo may lie over a candidate
    nb.run("ex.map.show_category_labels = False")
    page.wait_for_selector(".mm-root[data-category-labels='0']", state="attached")
    page.mouse.move(2, 2)
    plot = Plot.settled(page)
    img = plot.screenshot(artifacts_dir / "design-candidates.png")
    xy = np.array(nb.kernel.value("ex.design.candidates.coords.tolist()"))
    sx, sy = data_to_screen(plot.view, plot.size, xy[:, 0], xy[:, 1])
    inside = (sx > 8) & (sx < plot.size[0] - 8) & (sy > 8) & (sy < plot.size[1] - 8)
    assert inside.any(), "no candidate inside the view"
    hits, covered = 0, 0
    px, py = sx[inside], sy[inside]
    for cx, cy in zip(px, py, strict=True):
        patch = img[
            int(round(cy)) - 1 : int(round(cy)) + 2, int(round(cx)) - 1 : int(round(cx)) + 2
        ]
        if (np.abs(patch - MAGENTA).max(axis=-1) < 40).any():
            hits += 1
        elif (np.hypot(px - cx, py - cy) < 10).sum() > 1:  # under a neighbouring candidate
            covered += 1
    assert hits >= 1 and hits + covered == len(px), f"{hits} of {len(px)} found ({covered} covered)"
    # and nothing magenta far from every candidate (the layer draws only them)
    mask = np.abs(img - MAGENTA).max(axis=-1) < 40
    ys, xs = np.nonzero(mask)
    d = np.min(np.hypot(xs[:, None] - sx[None, :], ys[:, None] - sy[None, :]), axis=1)
    assert (d <= 12).all()

    # legend toggle hides the layer and shows it again
    toggle = page.locator(".mm-candidate-toggle").first
    toggle.click()
    page.wait_for_selector(".mm-root[data-candidates='0']", state="attached")
    # the page redraws first; the trait reaches the kernel asynchronously
    nb.kernel.wait_for("w.show_candidates", lambda v: v is False)
    toggle.click()
    page.wait_for_selector(f".mm-root[data-candidates='{n}']", state="attached")
    nb.kernel.wait_for("w.show_candidates", lambda v: v is True)

    # export through the panel's own controls; pymatgen reads every CIF back
    page.locator(".widget-text", has_text="CIFs to").locator("input").fill(
        "exported-candidates.zip"
    )
    page.keyboard.press("Tab")
    nb.kernel.wait_for("ex.design.cif_path.value", lambda v: v == "exported-candidates.zip")
    page.locator(".materials-map-explorer button", has_text="Export CIFs").first.click()
    path = lab_server.root / "exported-candidates.zip"
    # the panel says so once the file is written (atomically)
    nb.kernel.wait_for("ex.design.status.value", lambda v: "wrote" in v or "error" in v, 30)
    assert path.is_file(), nb.kernel.value("ex.design.status.value")
    from pymatgen.io.cif import CifParser

    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        read = [
            CifParser.from_str(zf.read(nm).decode()).parse_structures(primitive=False)[0]
            for nm in names
        ]
    assert len(read) == n
    assert sorted(s.composition.reduced_formula for s in read) == sorted(formulas)


def _crystal_shows(nb, position: int, shot=None) -> None:
    """The Crystal tab's viewer draws candidate ``position``: its id, every site, and the
    atom count and elements of that candidate's own structure."""
    from pymatgen.core import Structure

    page = nb.page
    cid = nb.kernel.value(f"ex.design.candidates.df['id'].iloc[{position}]")
    s = Structure.from_dict(
        nb.kernel.value(f"ex.design.candidates.df['structure'].iloc[{position}].as_dict()")
    )
    page.locator(".materials-map-explorer .lm-TabBar-tab", has_text="Crystal").first.click()
    view = page.locator(f".materials-map-explorer .mmc-root .mmc-view[data-id='{cid}']")
    view.wait_for(state="attached", timeout=30_000)
    page.wait_for_function(
        "id => { const v = document.querySelector("
        "`.materials-map-explorer .mmc-view[data-id='${id}']`); "
        "return v && v.dataset.atoms !== undefined; }",
        arg=cid,
        timeout=30_000,
    )
    d = view.evaluate("e => ({...e.dataset})")
    assert int(d["sites"]) == len(s), (d, len(s))
    assert int(d["atoms"]) == expected_atoms(s), (d["atoms"], expected_atoms(s))
    drawn = {el: v[0] for el, v in json.loads(d["elements"]).items()}
    assert set(drawn) == {e.symbol for e in s.composition.elements}, (drawn, s.composition)
    # one viewer only: the picked candidate replaced whatever was shown
    assert page.locator(".materials-map-explorer .mmc-root .mmc-view").count() == 1
    if shot is not None:
        page.locator(".materials-map-explorer").first.screenshot(path=str(shot))
    page.locator(".materials-map-explorer .lm-TabBar-tab", has_text="Design").first.click()


def test_picked_candidate_shows_in_the_crystal_viewer(nb, artifacts_dir):
    page = nb.page
    if not nb.kernel.value("ex.design.candidates is not None and len(ex.design.candidates) > 1"):
        # run alone: propose at the centre of the map first
        nb.run("ex.design.set_point(np.asarray(w.coords).mean(axis=0)); ex.design.propose()")
    n = nb.kernel.value("len(ex.design.candidates)")
    assert n > 1
    page.locator(".materials-map-explorer .lm-TabBar-tab", has_text="Design").first.click()

    # 1. the pick menu of the Design tab
    k = 1
    label = nb.kernel.value(f"ex.design.pick_menu.options[{k + 1}][0]")  # [0] is "-"
    want = nb.kernel.value(f"ex.design.pick_menu.options[{k + 1}][1]")
    page.locator(".widget-dropdown", has_text="pick").locator("select").select_option(label=label)
    nb.kernel.wait_for("ex.design.pick_menu.value", lambda v: v == want)
    assert nb.kernel.value("w.focused_candidate") == want  # the map rings it too
    _crystal_shows(nb, want, artifacts_dir / "design-picked-crystal.png")

    # 2. a click on a diamond of the candidate layer (the one clearest of the others, not picked yet)
    page.mouse.move(2, 2)
    xy = np.array(nb.kernel.value("ex.design.candidates.coords.tolist()"))
    # zoomed onto the candidates: proposals around one point can sit a pixel apart at full view
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    pad = 0.3 * float((hi - lo).max()) + 1e-6
    view = [lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad]
    redrawn(page, lambda: nb.run(f"w.view = {[float(v) for v in view]}"))
    plot = Plot.settled(page)
    sx, sy = data_to_screen(plot.view, plot.size, xy[:, 0], xy[:, 1])
    inside = (sx > 12) & (sx < plot.size[0] - 12) & (sy > 12) & (sy < plot.size[1] - 12)
    gap = np.hypot(sx[:, None] - sx[None, :], sy[:, None] - sy[None, :]) + np.eye(n) * 1e9
    clear = gap.min(axis=1)
    clear[~inside] = -1
    clear[want] = -1
    j = int(np.argmax(clear))
    # the layer hits the nearest diamond (L1), so 3 px clear of the others is unambiguous
    assert clear[j] >= 3, f"no candidate diamond clear of the others inside the view: {clear}"
    click(page, *plot.to_page(float(sx[j]), float(sy[j])))
    nb.kernel.wait_for("ex.design.pick_menu.value", lambda v: v == j)
    _crystal_shows(nb, j)
