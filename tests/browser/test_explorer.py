"""The Explorer in a real JupyterLab + Chromium: map lasso <-> bqplot panels, empty-map decode.

Data: the real structures of ``tests/widgets/test_explorer.py`` (seven Li–O structure
families), featurized by the package and mapped by a small MapModel trained in the kernel.
Every check compares what the browser drew or did with the kernel's numbers.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .conftest import (
    EXPLORER_SETUP,
    Plot,
    click,
    data_to_screen,
    point_in_polygon,
    press,
    screen_to_data,
    settle,
)

SETUP = (
    EXPLORER_SETUP
    + """w = ex.map
ex
"""
)

SELECTED_RGB = "rgb(225, 87, 89)"  # panel_style.SELECTED
# kernel helper: the bqplot figures inside a widget (its children, recursively)
FIGURES = """
def _figures(w):
    import bqplot
    if isinstance(w, bqplot.Figure):
        return 1
    return sum(_figures(c) for c in getattr(w, "children", ()))
"""


@pytest.fixture(scope="module")
def nb(lab):
    session = lab.open_notebook("explorer.ipynb", [SETUP], viewport=(1400, 1200))
    session.page.wait_for_selector(".materials-map-explorer .bqplot", state="attached")
    yield session
    session.close()


@pytest.fixture(autouse=True)
def clean_state(nb):
    nb.run("w.selection = []; w.mode = 'pan'; w.focused = -1; ex.tabs.selected_index = 0")
    nb.page.wait_for_selector(".mm-root[data-selected='0']", state="attached")
    nb.page.locator(".mm-reset").click()
    nb.page.mouse.move(5, 5)
    Plot.settled(nb.page)


def _drag(page, points):
    press(page, *points[0])
    for p in points[1:]:
        page.mouse.move(*p, steps=4)
    page.mouse.up()


def _visible_tab(page, title: str):
    """Show the Explorer's tab ``title`` and wait until it is the current one and the page
    has stopped drawing."""
    tab = page.locator(".materials-map-explorer .lm-TabBar-tab", has_text=title).first
    tab.click()
    page.wait_for_function(
        "t => [...document.querySelectorAll('.materials-map-explorer .lm-TabBar-tab')]"
        ".some(e => e.classList.contains('lm-mod-current') && e.textContent.includes(t))",
        arg=title,
    )
    settle(page)


def _selected_dots(page, figure_index: int) -> int:
    """Dots drawn in the selected colour in the figure_index-th bqplot figure of the Li/O tab."""
    fig = page.locator(".materials-map-explorer .widget-tab-contents .bqplot").nth(figure_index)
    return fig.evaluate(
        f"""f => Array.from(f.querySelectorAll('.dot')).filter(
                d => getComputedStyle(d).fill === '{SELECTED_RGB}').length"""
    )


def test_lasso_on_map_updates_ratio_panels_and_table(nb, artifacts_dir):
    page = nb.page
    _visible_tab(page, "Li/O")
    page.locator(".mm-mode[data-mode='lasso']").click()
    plot = Plot(page)
    coords = np.asarray(nb.kernel.value("ex.coords.tolist()"))
    px, py = data_to_screen(plot.view, plot.size, coords[:, 0], coords[:, 1])
    # a polygon around the left half of the drawn points
    cx = float(np.median(px))
    frac = [(0.02, 0.02), (cx / plot.size[0], 0.02), (cx / plot.size[0], 0.98), (0.02, 0.98)]
    pts = [
        (round(plot.left + fx * plot.size[0]), round(plot.top + fy * plot.size[1]))
        for fx, fy in frac
    ]
    _drag(page, pts)
    got = np.asarray(nb.kernel.wait_for("w.selection.tolist()", lambda v: len(v) > 0), dtype=int)
    poly = np.array(
        [screen_to_data(plot.view, plot.size, x - plot.left, y - plot.top) for x, y in pts]
    )
    want = np.flatnonzero(point_in_polygon(coords[:, 0], coords[:, 1], poly))
    assert 0 < want.size < len(coords)
    np.testing.assert_array_equal(got, want)
    # kernel-side panels follow ...
    assert (
        nb.kernel.value("sorted(np.asarray(ex.ratios.scatters[0].selected).tolist())")
        == want.tolist()
    )
    # ... and the browser draws them: every Li/O plot shows exactly those points highlighted
    page.wait_for_function(
        f"""n => [...document.querySelectorAll('.materials-map-explorer .widget-tab-contents .bqplot')]
            .slice(0, 4).every(f => [...f.querySelectorAll('.dot')]
            .filter(d => getComputedStyle(d).fill === '{SELECTED_RGB}').length === n)""",
        arg=int(want.size),
        timeout=15_000,
    )
    page.screenshot(path=str(artifacts_dir / "explorer_lasso.png"))
    assert [_selected_dots(page, k) for k in range(4)] == [want.size] * 4
    # the table tab lists the selected rows
    _visible_tab(page, "Table")
    rows = page.locator(".materials-map-explorer table.materials-map-table tbody tr")
    assert rows.count() == want.size
    ids = set(rows.locator("td:nth-child(2)").all_inner_texts())
    assert ids == set(nb.kernel.value(f"df['id'].iloc[{want.tolist()}].tolist()"))


def test_brush_in_ratio_panel_selects_on_map(nb, artifacts_dir):
    page = nb.page
    _visible_tab(page, "Li/O")
    fig = page.locator(".materials-map-explorer .widget-tab-contents .bqplot").nth(0)
    fig.scroll_into_view_if_needed()
    # inside the plot area, below the figure's hover toolbar
    box = fig.locator("rect.plotarea_background").first.bounding_box()
    x0, y0 = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.35
    x1, y1 = box["x"] + box["width"] * 0.98, box["y"] + box["height"] * 0.98
    page.mouse.move(x0 - 30, y0)
    _drag(page, [(x0, y0), ((x0 + x1) / 2, (y0 + y1) / 2), (x1, y1)])
    t = nb.kernel.value("{'x': ex.table['x_comp'].tolist(), 'y': ex.table['li_fraction'].tolist()}")
    x, y = np.asarray(t["x"]), np.asarray(t["y"])
    snap_expr = (
        "{'brush': None if ex.ratios.selectors[0].selected is None else "
        "np.asarray(ex.ratios.selectors[0].selected).tolist(), 'sel': w.selection.tolist()}"
    )

    def consistent(snap):  # one kernel snapshot: the brush the browser sent and the map selection
        if snap["brush"] is None:
            return False
        b = np.asarray(snap["brush"])
        inside = (
            (x >= b[:, 0].min())
            & (x <= b[:, 0].max())
            & (y >= b[:, 1].min())
            & (y <= b[:, 1].max())
        )
        return inside.any() and np.flatnonzero(inside).tolist() == snap["sel"]

    snap = nb.kernel.wait_for(snap_expr, consistent)
    want = np.asarray(snap["sel"])
    assert 0 < want.size < len(x)
    # the map in the browser shows the same count
    page.wait_for_selector(
        f".mm-root[data-selected='{want.size}']", state="attached", timeout=15_000
    )
    page.screenshot(path=str(artifacts_dir / "explorer_brush.png"))


def test_click_on_empty_map_shows_decoded_descriptor(nb, artifacts_dir):
    page = nb.page
    _visible_tab(page, "Decode")
    plot = Plot(page)
    coords = np.asarray(nb.kernel.value("ex.coords.tolist()"))
    px, py = data_to_screen(plot.view, plot.size, coords[:, 0], coords[:, 1])
    # the grid cell farthest from every point (empty map)
    gx, gy = np.meshgrid(
        np.linspace(0.05, 0.95, 19) * plot.size[0], np.linspace(0.05, 0.95, 19) * plot.size[1]
    )
    d = np.hypot(gx.ravel()[:, None] - px[None, :], gy.ravel()[:, None] - py[None, :]).min(axis=1)
    k = int(np.argmax(d))
    assert d[k] > 20
    X, Y = round(plot.left + gx.ravel()[k]), round(plot.top + gy.ravel()[k])
    click(page, X, Y)
    xy = nb.kernel.wait_for("w.clicked_coord", lambda v: len(v) == 2)
    assert nb.kernel.wait_for("ex.reconstruction.state['kind']", lambda v: v == "coord") == "coord"
    same = nb.kernel.value(
        f"bool(np.allclose(ex.reconstruction.state['decoded'].comp, model.inverse_transform([{xy}]).comp))"
    )
    assert same
    # the decode tab draws a curve per descriptor group: decoded + 3 nearest inputs each
    n_groups = nb.kernel.value("len(ex.reconstruction.groups)")
    tab = page.locator(".materials-map-explorer .widget-tab-contents > .widget-box").nth(1)
    lines = """t => Array.from(t.querySelectorAll('path.line')).filter(
                p => (p.getAttribute('d') || '').length > 20).length"""
    tab.wait_for(state="visible")
    page.wait_for_function(
        f"([t, n]) => ({lines})(t) >= n", arg=[tab.element_handle(), 4 * n_groups], timeout=15_000
    )
    n_paths = tab.evaluate(lines)
    page.screenshot(path=str(artifacts_dir / "explorer_decode.png"))
    assert n_paths >= 4 * n_groups
    assert "decoded at" in tab.inner_text()


def test_every_tab_renders_without_widget_errors(nb, artifacts_dir):
    page = nb.page
    nb.run("w.focused = len(df) - 1")  # the disordered rock salt: structure tab has partial sites
    nb.run(FIGURES)
    titles = nb.kernel.value("list(ex.tabs.titles)")
    narrow = {}
    for k, title in enumerate(titles):
        _visible_tab(page, title)
        if title == "Model":  # parity is computed when the tab opens
            nb.kernel.wait_for("ex.diagnostics.diagnostics is not None", lambda v: v)
        # every bqplot figure the kernel holds in this tab is drawn in it
        n_figures = nb.kernel.value(f"_figures(ex.tabs.children[{k}])")
        tab = page.locator(".materials-map-explorer .widget-tab-contents > .widget-box").nth(k)
        page.wait_for_function(
            "([t, n]) => t.querySelectorAll('.bqplot rect.plotarea_background').length === n",
            arg=[tab.element_handle(), n_figures],
            timeout=30_000,
        )
        # every bqplot figure of the shown tab has a real plot area, inside the tab
        right = tab.bounding_box()["x"] + tab.bounding_box()["width"]
        rects = tab.locator(".bqplot rect.plotarea_background")
        boxes = []
        for j in range(rects.count()):  # figures lay out once scrolled into view
            rects.nth(j).scroll_into_view_if_needed()
            with contextlib.suppress(PlaywrightTimeout):  # a narrow one is reported below
                page.wait_for_function(
                    "r => r.getBoundingClientRect().width > 20",
                    arg=rects.nth(j).element_handle(),
                    timeout=8_000,
                )
            boxes.append(
                rects.nth(j).evaluate(
                    "r => { const b = r.getBoundingClientRect(); return [b.width, b.right]; }"
                )
            )
        bad = [(j, b) for j, b in enumerate(boxes) if b[0] <= 20 or b[1] > right + 1]
        if bad:
            narrow[title] = bad
            page.screenshot(path=str(artifacts_dir / f"explorer_tab_{k}.png"))
    errors = page.locator(".materials-map-explorer .jupyter-widgets-error-widget")
    assert errors.count() == 0, errors.first.inner_text()
    assert not narrow, narrow
