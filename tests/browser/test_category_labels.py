"""Family names on the map and a colour for every family, in Debian Chromium.

On the default ``li-o`` map (16 structure types) as its exported HTML page — the same
``render()`` as in the kernel and the ``.mmap`` viewer:

* every legend swatch has its own colour, read from screen pixels, and it is the palette's;
* each family's name sits on its cluster: on one of its own points where its density in the
  view (a Gaussian of 16 px over its visible points, computed here in numpy from the published
  view) is near its peak; no two labels overlap; after a zoom they are at the new positions;
* the Labels button hides them (the label boxes' pixels change, nothing else does) and shows
  them again; a family hidden in the legend loses its label;
* ``show_category_labels`` is kept in ``.mmap`` documents and their HTML pages.

In JupyterLab: the trait set from Python hides the labels and the button sets it back.
Every wait is on a ``data-*`` attribute or a kernel value (``data-category-labels``: the
labels drawn, js/src/map/catlabels.ts).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image

from materials_map.io.document import MapDocument
from materials_map.widgets.map import MapWidget
from materials_map.widgets.map.colormaps import categorical_colors

from .conftest import Plot, data_to_screen

SIGMA_PX = 16.0  # the front end's density kernel (CELL_PX * SIGMA_CELLS in catlabels.ts)
VIEWPORT = (1300, 900)
LABELS_JS = """() => {
  const plot = document.querySelector('.mm-plot').getBoundingClientRect();
  return Array.from(document.querySelectorAll('.mm-category-labels text'), (t) => {
    const r = t.getBoundingClientRect();
    return {name: t.textContent, code: +t.dataset.code, point: +t.dataset.point,
            anchor: t.dataset.anchor.split(',').map(Number),
            box: [r.left - plot.left, r.top - plot.top, r.right - plot.left, r.bottom - plot.top]};
  });
}"""


@pytest.fixture(scope="module")
def li_o(tmp_path_factory) -> MapWidget:
    """The default map a user gets from ``mm.explore("li-o")`` (shipped model), as a widget."""
    from materials_map.pipeline import build_map

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MATERIALS_MAP_CACHE", str(tmp_path_factory.mktemp("cache")))
        result = build_map("li-o", progress=False)
    return MapWidget.from_result(result)


@pytest.fixture
def page(browser):
    context = browser.new_context(
        viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]}, device_scale_factor=1
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, errors


def _open(page: Any, doc: MapDocument, path) -> Plot:
    page.goto(doc.to_html(path).as_uri())
    page.wait_for_selector(".mm-root[data-ready='true'][data-category-labels]")
    return Plot.settled(page)


def _labels(page: Any) -> list[dict]:
    return page.evaluate(LABELS_JS)


def _pixels(page: Any) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB")).astype(int)


def _check_at_clusters(w: MapWidget, plot: Plot, labels: list[dict]) -> float:
    """Each label on its family's points, near the family's density peak in view, inside the
    plot, none overlapping; returns the lowest density ratio (label's point / peak)."""
    px, py = data_to_screen(plot.view, plot.size, w.coords[:, 0], w.coords[:, 1])
    cats = w.categories.astype(int)
    hidden = set(w.hidden_categories)
    in_view = (px >= 0) & (px <= plot.size[0]) & (py >= 0) & (py <= plot.size[1])
    worst = 1.0
    for lab in labels:
        code, i = lab["code"], lab["point"]
        assert cats[i] == code and lab["name"] == w.category_names[code], lab
        assert code not in hidden, lab
        # the anchor is the point's screen position (float32 coordinates, same arithmetic)
        np.testing.assert_allclose(lab["anchor"], [px[i], py[i]], atol=0.01)
        mine = np.flatnonzero((cats == code) & in_view)
        assert i in mine and len(mine) >= 3, lab
        d2 = (px[mine, None] - px[None, mine]) ** 2 + (py[mine, None] - py[None, mine]) ** 2
        density = np.exp(-d2 / (2 * SIGMA_PX**2)).sum(axis=1)
        ratio = density[mine == i][0] / density.max()
        worst = min(worst, ratio)
        assert ratio >= 0.75, (lab["name"], ratio)
        x0, y0, x1, y1 = lab["box"]
        assert -1 <= x0 and x1 <= plot.size[0] + 1 and -1 <= y0 and y1 <= plot.size[1] + 1, lab
        centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        assert np.hypot(*(centre - lab["anchor"])) <= max(x1 - x0, 3 * (y1 - y0)), lab
    boxes = [lab["box"] for lab in labels]
    for a in range(len(boxes)):
        for b in range(a):
            p, q = boxes[a], boxes[b]
            overlap = min(p[2], q[2]) - max(p[0], q[0]), min(p[3], q[3]) - max(p[1], q[1])
            assert min(overlap) <= 0.5, (labels[a]["name"], labels[b]["name"])
    return worst


def test_every_legend_entry_has_its_own_colour(li_o, page, tmp_path, artifacts_dir):
    _open(page, MapDocument.from_widget(li_o), tmp_path / "map.html")
    n = len(li_o.category_names)
    assert n == 16 and li_o.category_palette == "auto"
    swatches = page.locator(".mm-legend .mm-swatch")
    assert swatches.count() == n
    img = _pixels(page)
    page.locator(".mm-legend").screenshot(path=str(artifacts_dir / "category_legend.png"))
    got = []
    for k in range(n):
        b = swatches.nth(k).bounding_box()
        cx, cy = int(b["x"] + b["width"] / 2), int(b["y"] + b["height"] / 2)
        got.append(np.median(img[cy - 1 : cy + 2, cx - 1 : cx + 2].reshape(-1, 3), axis=0))
    got = np.array(got)
    want = np.array(
        [[int(h[j : j + 2], 16) for j in (1, 3, 5)] for h in categorical_colors("auto", n)]
    )
    assert np.abs(got - want).max() <= 2, (got, want)
    d = np.linalg.norm(got[:, None] - got[None], axis=2)[np.triu_indices(n, 1)]
    print(f"{n} legend colours; closest pair {d.min():.0f} RGB units apart")
    assert d.min() >= 20


def test_family_names_sit_on_their_clusters_and_follow_the_view(
    li_o, page, tmp_path, artifacts_dir
):
    plot = _open(page, MapDocument.from_widget(li_o), tmp_path / "map.html")
    labels = _labels(page)
    page.screenshot(path=str(artifacts_dir / "category_labels.png"))
    root = page.locator(".mm-root")
    assert int(root.get_attribute("data-category-labels")) == len(labels)
    counts = np.bincount(li_o.categories, minlength=len(li_o.category_names))
    clusters = int((counts >= 3).sum())
    worst = _check_at_clusters(li_o, plot, labels)
    print(f"{len(labels)} of {clusters} families labelled; lowest density ratio {worst:.2f}")
    assert len(labels) >= 0.75 * clusters
    # zoom in 4x around the largest family's label: the labels are recomputed for that view
    big = max(labels, key=lambda lab: counts[lab["code"]])
    page.mouse.move(*plot.to_page(*big["anchor"]))
    for _ in range(4):
        page.mouse.wheel(0, -300)
    page.wait_for_function(
        "v => document.querySelector('.mm-root').dataset.view !== v",
        arg=",".join(map(repr, plot.view)),
    )
    zoomed = Plot.settled(page)
    assert zoomed.view[1] - zoomed.view[0] < 0.6 * (plot.view[1] - plot.view[0])
    after = _labels(page)
    page.screenshot(path=str(artifacts_dir / "category_labels_zoomed.png"))
    assert big["code"] in {lab["code"] for lab in after}
    _check_at_clusters(li_o, zoomed, after)


def test_labels_button_and_legend_hide_labels(li_o, page, tmp_path):
    _open(page, MapDocument.from_widget(li_o), tmp_path / "map.html")
    root = page.locator(".mm-root")
    labels = _labels(page)
    on = _pixels(page)
    button = page.locator(".mm-toggle-show_category_labels")
    assert button.get_attribute("aria-pressed") == "true"
    button.click()
    page.wait_for_selector(".mm-root[data-category-labels='0']")
    assert button.get_attribute("aria-pressed") == "false"
    assert page.locator(".mm-category-labels text").count() == 0
    off = _pixels(page)
    # the labels' pixels go, nothing else on the plot changes
    box = page.locator(".mm-plot").bounding_box()
    changed = np.abs(on - off).max(axis=2) > 40
    near_label = np.zeros(changed.shape, dtype=bool)
    for lab in labels:
        x0, y0, x1, y1 = lab["box"]
        ys = slice(int(box["y"] + y0) - 3, int(box["y"] + y1) + 4)
        xs = slice(int(box["x"] + x0) - 3, int(box["x"] + x1) + 4)
        assert changed[ys, xs].mean() > 0.15, (lab["name"], changed[ys, xs].mean())
        near_label[ys, xs] = True
    plot = (
        slice(int(box["y"]), int(box["y"] + box["height"])),
        slice(int(box["x"]), int(box["x"] + box["width"])),
    )
    assert changed[plot][~near_label[plot]].sum() <= 20, changed[plot][~near_label[plot]].sum()
    button.click()
    page.wait_for_selector(f".mm-root[data-category-labels='{len(labels)}']")
    assert _labels(page) == labels
    # a family hidden in the legend loses its label; shown again, it comes back
    code = labels[0]["code"]
    visible = root.get_attribute("data-visible-points")
    entry = page.locator(f".mm-legend .mm-legend-item[data-code='{code}']")
    entry.click()
    page.wait_for_function(
        "v => document.querySelector('.mm-root').dataset.visiblePoints !== v", arg=visible
    )
    assert code not in {lab["code"] for lab in _labels(page)}
    entry.click()
    page.wait_for_selector(f".mm-root[data-visible-points='{visible}']")
    assert code in {lab["code"] for lab in _labels(page)}


def test_the_choice_is_kept_in_mmap_documents_and_html(li_o, page, tmp_path):
    li_o.show_category_labels = False
    try:
        MapDocument.from_widget(li_o).save(tmp_path / "off.mmap")
    finally:
        li_o.show_category_labels = True
    doc = MapDocument.load(tmp_path / "off.mmap")
    assert doc.traits["show_category_labels"] is False
    assert MapWidget.from_document(doc).show_category_labels is False
    _open(page, doc, tmp_path / "off.html")
    assert page.locator(".mm-root").get_attribute("data-category-labels") == "0"
    button = page.locator(".mm-toggle-show_category_labels")
    assert button.get_attribute("aria-pressed") == "false"
    button.click()
    page.wait_for_selector(".mm-root:not([data-category-labels='0'])")
    # a document saved before the trait existed shows them (the default)
    traits = {k: v for k, v in doc.traits.items() if k != "show_category_labels"}
    _open(page, MapDocument(traits=traits, table=doc.table), tmp_path / "old.html")
    assert int(page.locator(".mm-root").get_attribute("data-category-labels")) > 0


KERNEL_SETUP = """
import numpy as np, pandas as pd
from materials_map.widgets.map import MapWidget
rng = np.random.default_rng(0)
centres = {"garnet": (0, 0), "nasicon": (5, 1), "olivine": (2, 4)}
xy = np.vstack([rng.normal(c, 0.4, size=(30, 2)) for c in centres.values()])
df = pd.DataFrame({"family": np.repeat(list(centres), 30)})
w = MapWidget.from_dataframe(xy, df, category="family", height=360)
w
"""


def test_kernel_toggles_the_labels(lab):
    nb = lab.open_notebook("category_labels.ipynb", [KERNEL_SETUP])
    try:
        page = nb.page
        page.wait_for_selector(".mm-root[data-category-labels='3']")
        names = page.locator(".mm-category-labels text").all_text_contents()
        assert sorted(names) == ["garnet", "nasicon", "olivine"]
        nb.run("w.show_category_labels = False")
        page.wait_for_selector(".mm-root[data-category-labels='0']")
        page.locator(".mm-toggle-show_category_labels").click()
        nb.kernel.wait_for("w.show_category_labels", lambda v: v is True)
        page.wait_for_selector(".mm-root[data-category-labels='3']")
        nb.run("w.category_names = ['Garnet', 'NASICON', 'Olivine']")
        page.wait_for_selector(".mm-category-labels text:text-is('NASICON')")
    finally:
        nb.close()
