"""The map widget in a real JupyterLab + Chromium: drawing, brushing, linking, export.

Every check compares pixels or browser actions with numbers computed independently in
Python: point positions from the view transform the widget exposes, colours from
matplotlib's colour maps, selections from a numpy point-in-polygon.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from matplotlib import colormaps
from PIL import Image

from .conftest import (
    Plot,
    click,
    data_to_screen,
    point_in_polygon,
    press,
    redrawn,
    screen_to_data,
    settle,
)

N = 1500
SETUP = f"""
import json
import numpy as np
import pandas as pd
from materials_map.widgets.map import MapWidget

rng = np.random.default_rng(7)
n = {N}
xy = np.column_stack([rng.uniform(0, 6, n), rng.uniform(-2, 2, n)])
markers = np.array([[7.5, -1.0], [8.5, 0.0], [9.5, 1.0], [8.0, 1.6]])
xy = np.vstack([xy, markers])
values = np.concatenate([rng.uniform(0, 1, n), [0.0, 0.33, 0.66, 1.0]])
family = np.array(["garnet", "NASICON", "perovskite"])[rng.integers(0, 3, n + 4)]
df = pd.DataFrame({{
    "id": [f"mm-{{i}}" for i in range(n + 4)],
    "formula": [f"Li{{i % 7 + 1}}Ti{{i % 3 + 1}}O{{i % 5 + 2}}" for i in range(n + 4)],
    "family": family,
    "me": values,
}})
w = MapWidget.from_dataframe(xy, df, color="me", category="family",
                             tooltip=["id", "formula", "family", "me"],
                             point_size=8, opacity=1.0, height=520, vmin=0.0, vmax=1.0)
gx = np.linspace(0, 10, 20, endpoint=False) + 0.25
gy = np.linspace(-2.5, 2.5, 10, endpoint=False) + 0.25
grid = (gx[None, :] / 10 + gy[:, None] / 10).astype(np.float32)
w.set_background(grid, [0, 10, -2.5, 2.5], colormap="magma", label="ME (eV)")
w
"""


def _xy() -> np.ndarray:
    rng = np.random.default_rng(7)
    xy = np.column_stack([rng.uniform(0, 6, N), rng.uniform(-2, 2, N)])
    return (
        np.vstack([xy, [[7.5, -1.0], [8.5, 0.0], [9.5, 1.0], [8.0, 1.6]]])
        .astype(np.float32)
        .astype(np.float64)
    )


@pytest.fixture(scope="module")
def nb(lab):
    session = lab.open_notebook("map_widget.ipynb", [SETUP])
    yield session
    session.close()


@pytest.fixture(autouse=True)
def clean_state(nb):
    """Each test starts from no selection, all categories visible, pan mode, full view."""
    nb.run(
        "w.selection = []; w.hidden_categories = []; w.mode = 'pan'; w.focused = -1; w.show_density = False"
    )
    nb.page.wait_for_selector(".mm-root[data-selected='0']", state="attached")
    nb.page.locator(".mm-reset").click()
    nb.page.mouse.move(5, 5)
    Plot.settled(nb.page)


def _selection(nb) -> np.ndarray:
    return np.asarray(nb.kernel.value("w.selection.tolist()"), dtype=np.int64)


def _wait_selection_change(nb, before: list[int]) -> np.ndarray:
    got = nb.kernel.wait_for("w.selection.tolist()", lambda v: v != before)
    return np.asarray(got, dtype=np.int64)


def _text_boxes(page, plot: Plot) -> list[tuple[float, float, float, float]]:
    """(x, y, w, h) plot-px boxes, 3 px wider each side, of the text drawn over the map: the
    view's tick labels (ticks.ts) and the family names with their halo (catlabels.ts)."""
    texts = page.locator(".mm-root .mm-tick, .mm-root .mm-category-labels text").all()
    return [
        (b["x"] - plot.left - 3, b["y"] - plot.top - 3, b["width"] + 6, b["height"] + 6)
        for b in (t.bounding_box() for t in texts)
        if b is not None
    ]


def _under_text(boxes: list, cx: float, cy: float) -> bool:
    return any(x0 <= cx <= x0 + w and y0 <= cy <= y0 + h for x0, y0, w, h in boxes)


def test_points_are_drawn_where_the_view_transform_says(nb, artifacts_dir):
    plot = Plot(nb.page)
    img = plot.screenshot(artifacts_dir / "map_initial.png")
    texts = _text_boxes(nb.page, plot)
    xy = _xy()
    px, py = data_to_screen(plot.view, plot.size, xy[:, 0], xy[:, 1])
    # the four marker points sit alone over the background grid: their centre pixels must have
    # exactly matplotlib's viridis colour of their value (vmin=0, vmax=1)
    cmap = colormaps["viridis"]
    for k, value in enumerate([0.0, 0.33, 0.66, 1.0]):
        i = N + k
        got = img[int(py[i]), int(px[i])]
        want = np.round(np.array(cmap(value)[:3]) * 255)
        assert np.abs(got - want).max() <= 3, (k, got, want)
    # and the bulk of the points covers the left part of the plot (not just a DOM node)
    inside = (px[:N] > 0) & (px[:N] < plot.size[0]) & (py[:N] > 0) & (py[:N] < plot.size[1])
    assert inside.all()
    # every sampled pixel shows the colour of the last-drawn point covering it (regl draws in
    # index order); samples where a later point's soft edge may blend in are skipped
    values = nb_values()
    checked = 0
    for i in range(0, N, 25):
        cx, cy = int(px[i]), int(py[i])
        d = np.hypot(px[:N] - (cx + 0.5), py[:N] - (cy + 0.5))
        core = np.flatnonzero(d < 2.5)
        top = core.max()
        if np.any((d >= 2.5) & (d < 6.0) & (np.arange(N) > top)) or _under_text(texts, cx, cy):
            continue
        want = np.round(np.array(cmap(min(0.999999, float(values[top])))[:3]) * 255)
        assert np.abs(img[cy, cx] - want).max() <= 3, (i, top, img[cy, cx], want)
        checked += 1
    assert checked >= 15, checked


_VALUES: list[np.ndarray] = []


def nb_values() -> np.ndarray:
    if not _VALUES:
        rng = np.random.default_rng(7)
        rng.uniform(0, 6, N)
        rng.uniform(-2, 2, N)
        _VALUES.append(
            np.concatenate([rng.uniform(0, 1, N), [0.0, 0.33, 0.66, 1.0]]).astype(np.float32)
        )
    return _VALUES[0]


def _drag(page, plot: Plot, path: list[tuple[int, int]], modifiers: tuple[str, ...] = ()) -> None:
    for m in modifiers:
        page.keyboard.down(m)
    press(page, *plot.to_page(*path[0]))
    for p in path[1:]:  # the brush reads coalesced moves too: none is lost
        page.mouse.move(*plot.to_page(*p))
    page.mouse.up()
    for m in modifiers:
        page.keyboard.up(m)


def _integer_path(plot: Plot, fractions: list[tuple[float, float]]) -> list[tuple[int, int]]:
    # integer page positions: the browser's clientX/Y are then exactly these numbers
    out = []
    for fx, fy in fractions:
        X = round(plot.left + fx * plot.size[0])
        Y = round(plot.top + fy * plot.size[1])
        out.append((X - plot.left, Y - plot.top))
    return out


def test_box_select_equals_points_inside_the_box(nb):
    page = nb.page
    page.locator(".mm-mode[data-mode='box']").click()
    plot = Plot(page)
    a, b = _integer_path(plot, [(0.12, 0.2), (0.38, 0.7)])
    _drag(page, plot, [a, (a[0] + 40, a[1] + 30), b])
    got = _wait_selection_change(nb, [])
    (x0, y0), (x1, y1) = (
        screen_to_data(plot.view, plot.size, *a),
        screen_to_data(plot.view, plot.size, *b),
    )
    xy = _xy()
    inside = (
        (xy[:, 0] >= min(x0, x1))
        & (xy[:, 0] <= max(x0, x1))
        & (xy[:, 1] >= min(y0, y1))
        & (xy[:, 1] <= max(y0, y1))
    )
    want = np.flatnonzero(inside)
    assert 50 < len(want) < N
    np.testing.assert_array_equal(got, want)


def test_lasso_select_equals_points_inside_the_polygon_and_ctrl_adds(nb, artifacts_dir):
    page = nb.page
    page.locator(".mm-mode[data-mode='lasso']").click()
    plot = Plot(page)
    poly1 = _integer_path(
        plot, [(0.05, 0.15), (0.3, 0.1), (0.45, 0.45), (0.25, 0.5), (0.3, 0.85), (0.08, 0.7)]
    )
    _drag(page, plot, poly1)
    got1 = _wait_selection_change(nb, [])
    plot.screenshot(artifacts_dir / "map_lasso.png")
    xy = _xy()
    data1 = np.array([screen_to_data(plot.view, plot.size, *p) for p in poly1])
    want1 = np.flatnonzero(point_in_polygon(xy[:, 0], xy[:, 1], data1))
    assert 100 < len(want1) < N
    shape = json.loads(page.locator(".mm-root").get_attribute("data-last-shape"))
    np.testing.assert_allclose(np.array(shape["screen"]), np.array(poly1, dtype=float))
    np.testing.assert_array_equal(got1, want1)
    # a second lasso with Control held adds to the selection
    poly2 = _integer_path(plot, [(0.5, 0.3), (0.6, 0.3), (0.6, 0.6), (0.5, 0.6)])
    _drag(page, plot, poly2, modifiers=("Control",))
    got2 = _wait_selection_change(nb, got1.tolist())
    data2 = np.array([screen_to_data(plot.view, plot.size, *p) for p in poly2])
    want2 = np.flatnonzero(
        point_in_polygon(xy[:, 0], xy[:, 1], data1) | point_in_polygon(xy[:, 0], xy[:, 1], data2)
    )
    assert len(want2) > len(want1)
    np.testing.assert_array_equal(got2, want2)


ACTIVE = np.array([255, 0, 170])  # the selection outline colour (js/src/map/view.ts)
NAMES = ["NASICON", "garnet", "perovskite"]  # pandas' sorted categories of `family`


def _near(img: np.ndarray, cx: float, cy: float, r: int = 10) -> np.ndarray:
    y, x = int(cy), int(cx)
    return img[max(0, y - r) : y + r + 1, max(0, x - r) : x + r + 1].reshape(-1, 3)


def test_python_set_selection_is_highlighted(nb):
    plot = Plot(nb.page)
    xy = _xy()
    px, py = data_to_screen(plot.view, plot.size, xy[:, 0], xy[:, 1])
    a, b = N + 1, N + 2  # two isolated markers
    before = plot.screenshot()
    assert (np.abs(_near(before, px[a], py[a]) - ACTIVE).max(axis=1) <= 30).sum() == 0
    nb.run(f"w.selection = [{a}]")
    nb.page.wait_for_selector(".mm-root[data-selected='1']", state="attached")
    settle(nb.page)
    after = plot.screenshot()
    ring = (np.abs(_near(after, px[a], py[a]) - ACTIVE).max(axis=1) <= 30).sum()
    other = (np.abs(_near(after, px[b], py[b]) - ACTIVE).max(axis=1) <= 30).sum()
    assert ring >= 12, ring  # an outline of the active colour around the selected point
    assert other == 0, other


def _grid_colors(view, size, cx, cy):
    """Expected background colour at pixel centres (cx, cy): magma of the cell's value."""
    gx = np.linspace(0, 10, 20, endpoint=False) + 0.25
    gy = np.linspace(-2.5, 2.5, 10, endpoint=False) + 0.25
    grid = (gx[None, :] / 10 + gy[:, None] / 10).astype(np.float32)
    x, y = screen_to_data(view, size, cx + 0.5, cy + 0.5)
    if not (0 < x < 10 and -2.5 < y < 2.5):
        return None, x, y
    j = np.floor((np.asarray(x) - 0) / 10 * 20).astype(int)
    i = np.floor((np.asarray(y) + 2.5) / 5 * 10).astype(int)
    vmin, vmax = float(grid.min()), float(grid.max())
    t = (grid[i, j].astype(np.float64) - vmin) / (vmax - vmin)
    return np.round(np.array(colormaps["magma"](t))[..., :3] * 255), x, y


def _check_background(
    nb, plot: Plot, xy: np.ndarray, path: Path | None = None, clear: float = 9
) -> int:
    img = plot.screenshot(path)
    px, py = data_to_screen(plot.view, plot.size, xy[:, 0], xy[:, 1])
    # the view's tick labels and the family names sit over the background
    texts = _text_boxes(nb.page, plot)
    checked = 0
    for cy in range(5, int(plot.size[1]) - 5, 17):
        for cx in range(5, int(plot.size[0]) - 5, 23):
            if np.min(np.hypot(px - cx, py - cy)) < clear:
                continue  # a point covers this pixel
            if _under_text(texts, cx, cy):
                continue  # a tick label or family name covers it
            want, x, y = _grid_colors(plot.view, plot.size, np.array(cx), np.array(cy))
            if want is None:
                continue
            # skip pixels within a pixel of a cell edge (nearest-neighbour sampling boundary)
            ex = (
                min(abs(x * 2 - round(x * 2)), 1)
                / 2
                / ((plot.view[1] - plot.view[0]) / plot.size[0])
            )
            ey = (
                min(abs(y * 2 - round(y * 2)), 1)
                / 2
                / ((plot.view[3] - plot.view[2]) / plot.size[1])
            )
            if ex < 1.5 or ey < 1.5:
                continue
            assert np.abs(img[cy, cx] - want).max() <= 2, ((cx, cy), (x, y), img[cy, cx], want)
            checked += 1
    return checked


def test_background_grid_has_the_colormap_colour_and_follows_zoom(nb, artifacts_dir):
    xy = _xy()
    plot = Plot(nb.page)
    assert _check_background(nb, plot, xy) >= 100
    # zoom in with the wheel around the right part of the map: the grid must stay aligned
    nb.page.mouse.move(*plot.to_page(plot.size[0] * 0.75, plot.size[1] * 0.5))
    before = nb.page.locator(".mm-root").get_attribute("data-view")
    for _ in range(3):
        nb.page.mouse.wheel(0, -200)
    nb.page.wait_for_function(
        "v => document.querySelector('.mm-root').dataset.view !== v", arg=before
    )
    zoomed = Plot.settled(nb.page)
    assert zoomed.view[1] - zoomed.view[0] < 0.8 * (plot.view[1] - plot.view[0])
    # points grow when zooming in (asinh point scaling): keep well clear of them
    assert _check_background(nb, zoomed, xy, artifacts_dir / "map_zoomed.png", clear=24) >= 30
    # and the kernel hears about the new view
    got = nb.kernel.wait_for("w.view", lambda v: len(v) == 4 and abs(v[0] - zoomed.view[0]) < 1e-9)
    np.testing.assert_allclose(got, zoomed.view)


def test_legend_toggle_hides_a_category(nb, artifacts_dir):
    page = nb.page
    fam = np.asarray(nb.kernel.value("w.table['family'].tolist()"))
    code = NAMES.index("garnet")
    button = page.locator(f".mm-legend-item[data-code='{code}']")
    assert button.get_attribute("aria-pressed") == "true"
    button.click()
    assert button.get_attribute("aria-pressed") == "false"
    nb.kernel.wait_for("w.hidden_categories", lambda v: v == [code])
    page.wait_for_selector(
        f".mm-root[data-visible-points='{int((fam != 'garnet').sum())}']", state="attached"
    )
    plot = Plot.settled(page)
    img = plot.screenshot(artifacts_dir / "map_garnet_hidden.png")
    xy = _xy()
    px, py = data_to_screen(plot.view, plot.size, xy[:, 0], xy[:, 1])
    shown = fam != "garnet"
    texts = _text_boxes(page, plot)
    checked = 0
    for i in np.flatnonzero(~shown)[:200]:
        cx, cy = int(px[i]), int(py[i])
        if np.min(np.hypot(px[shown] - cx, py[shown] - cy)) < 9 or _under_text(texts, cx, cy):
            continue
        want, x, y = _grid_colors(plot.view, plot.size, np.array(cx), np.array(cy))
        if want is None or abs(x * 2 - round(x * 2)) < 0.02 or abs(y * 2 - round(y * 2)) < 0.02:
            continue
        assert np.abs(img[cy, cx] - want).max() <= 2, (i, img[cy, cx], want)
        checked += 1
    assert checked >= 5, checked
    # a box over everything now selects only the visible categories
    page.locator(".mm-mode[data-mode='box']").click()
    _drag(page, plot, [(2, 2), (int(plot.size[0]) - 3, int(plot.size[1]) - 3)])
    got = _wait_selection_change(nb, [])
    np.testing.assert_array_equal(got, np.flatnonzero(shown))
    button.click()
    nb.kernel.wait_for("w.hidden_categories", lambda v: v == [])


def _hover(nb, i: int) -> dict[str, str]:
    plot = Plot(nb.page)
    xy = _xy()
    px, py = data_to_screen(plot.view, plot.size, xy[:, 0], xy[:, 1])
    nb.page.mouse.move(*plot.to_page(px[i] - 20, py[i] - 20))
    nb.page.mouse.move(*plot.to_page(px[i], py[i]), steps=4)
    nb.page.wait_for_selector(".mm-tooltip td[data-column='formula']", state="visible")
    nb.page.wait_for_function(f"document.querySelector('.mm-root').dataset.hovered === '{i}'")
    rows = nb.page.locator(".mm-tooltip td").evaluate_all(
        "tds => Object.fromEntries(tds.map(td => [td.dataset.column, td.textContent]))"
    )
    return rows


def test_hover_shows_the_points_formula_inline_and_from_the_kernel(nb):
    formulas = nb.kernel.value("w.table['formula'].tolist()")
    rows = _hover(nb, N + 3)
    assert rows["formula"] == formulas[N + 3]
    assert rows["id"] == f"mm-{N + 3}"
    # large data: no inline table; rows come lazily from the kernel by custom message
    nb.run("_inline = w.tooltip_table; w.tooltip_table = None")
    try:
        nb.page.mouse.move(5, 5)
        rows = _hover(nb, N + 2)
        assert rows["formula"] == formulas[N + 2]
        assert rows["family"] == nb.kernel.value(f"w.table['family'][{N + 2}]")
    finally:
        nb.run("w.tooltip_table = _inline")


def test_click_reports_coordinate_within_a_pixel_and_focuses_points(nb):
    page = nb.page
    plot = Plot(page)
    X, Y = round(plot.left + plot.size[0] * 0.9), round(plot.top + plot.size[1] * 0.12)
    click(page, X, Y)
    got = nb.kernel.wait_for("w.clicked_coord", lambda v: len(v) == 2)
    sx, sy = data_to_screen(plot.view, plot.size, got[0], got[1])
    assert abs(sx - (X - plot.left)) <= 1 and abs(sy - (Y - plot.top)) <= 1, (
        sx,
        sy,
        X - plot.left,
        Y - plot.top,
    )
    assert nb.kernel.value("w.focused") == -1
    xy = _xy()
    px, py = data_to_screen(plot.view, plot.size, xy[:, 0], xy[:, 1])
    click(page, *plot.to_page(px[N], py[N]))
    assert nb.kernel.wait_for("w.focused", lambda v: v >= 0) == N


def test_search_box_selects_matching_formula_or_id(nb):
    page = nb.page
    box = page.locator(".mm-search")
    box.fill("mm-42")
    box.press("Enter")
    assert _wait_selection_change(nb, []).tolist() == [42]
    formulas = np.asarray(nb.kernel.value("w.table['formula'].tolist()"))
    box.fill("li3ti2")
    box.press("Enter")
    got = _wait_selection_change(nb, [42])
    want = np.flatnonzero(np.char.find(np.char.lower(formulas.astype(str)), "li3ti2") >= 0)
    np.testing.assert_array_equal(got, want)
    # without an inline table the kernel searches (same rule)
    nb.run("_inline = w.tooltip_table; w.tooltip_table = None")
    try:
        box.fill("MM-7")
        box.press("Enter")
        assert _wait_selection_change(nb, want.tolist()).tolist() == [7]
    finally:
        nb.run("w.tooltip_table = _inline")


def test_to_png_round_trip_writes_the_current_view(nb, tmp_path, artifacts_dir):
    target = nb.server.root / "export.png"
    nb.run(f"fut = w.to_png({str(target)!r})")
    nb.kernel.wait_for("fut.done()", bool, timeout=20)
    assert target.exists(), nb.kernel.value("str(fut.exception())")
    assert nb.kernel.value("str(fut.result())") == str(target)
    img = np.asarray(Image.open(target).convert("RGB")).astype(int)
    (artifacts_dir / "map_export.png").write_bytes(target.read_bytes())
    plot = Plot(nb.page)
    assert img.shape[:2] == (int(plot.size[1]), int(plot.size[0]))
    xy = _xy()
    px, py = data_to_screen(plot.view, plot.size, xy[:, 0], xy[:, 1])
    for k, value in enumerate([0.0, 0.33, 0.66, 1.0]):
        want = np.round(np.array(colormaps["viridis"](value)[:3]) * 255)
        assert np.abs(img[int(py[N + k]), int(px[N + k])] - want).max() <= 3


def test_python_set_view_zooms_to_contain_it(nb):
    nb.run("w.view = [1.0, 3.0, -1.0, 0.5]")
    nb.page.wait_for_function(
        "(() => { const v = document.querySelector('.mm-root').dataset.view.split(',').map(Number);"
        " return v[1] - v[0] < 4; })()"
    )
    v = Plot.settled(nb.page).view
    # the requested rectangle is inside the view and fills it along one axis
    assert (
        v[0] <= 1.0 + 1e-6 and v[1] >= 3.0 - 1e-6 and v[2] <= -1.0 + 1e-6 and v[3] >= 0.5 - 1e-6
    ), v
    assert min(abs((v[1] - v[0]) - 2.0), abs((v[3] - v[2]) - 1.5)) < 0.05, v


def test_density_contours_follow_the_points(nb, artifacts_dir):
    plot = Plot(nb.page)
    before = plot.screenshot()
    redrawn(nb.page, nb.page.locator(".mm-toggle-show_density").click)
    nb.kernel.wait_for("w.show_density", lambda v: v is True)
    after = plot.screenshot(artifacts_dir / "map_density.png")
    changed = np.abs(after - before).max(axis=2) > 40
    ys, xs = np.nonzero(changed)
    assert changed.sum() > 300
    # contour strokes are drawn around the points (data x in [0, 6]), not over the empty right side
    x, _ = screen_to_data(plot.view, plot.size, xs + 0.5, ys + 0.5)
    assert np.mean(x < 6.8) > 0.95


def test_follows_the_jupyterlab_theme_and_resizes_with_its_container(nb, artifacts_dir):
    page = nb.page

    def background() -> np.ndarray:
        css = page.locator(".mm-root").evaluate("e => getComputedStyle(e).backgroundColor")
        return np.array([int(v) for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3]])

    def theme(name: str) -> None:
        page.locator(".lm-MenuBar-itemLabel", has_text="Settings").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Theme").first.hover()
        page.locator(".lm-Menu-itemLabel", has_text=name).first.click()

    assert background().mean() > 200
    theme("JupyterLab Dark")
    try:
        page.wait_for_function("document.body.dataset.jpThemeLight === 'false'")
        # the dark theme's stylesheet lands after the attribute flips
        page.wait_for_function(
            "(() => { const m = getComputedStyle(document.querySelector('.mm-root'))"
            ".backgroundColor.match(/\\d+/g).slice(0, 3).map(Number);"
            " return m.reduce((a, b) => a + b) / 3 < 80; })()"
        )
        assert background().mean() < 80
        Plot.settled(page).screenshot(artifacts_dir / "map_dark.png")
    finally:
        theme("JupyterLab Light")
        page.wait_for_function("document.body.dataset.jpThemeLight === 'true'")
    width = Plot(page).size[0]
    page.set_viewport_size({"width": 1000, "height": 1100})
    try:
        page.wait_for_function(
            f"Number(document.querySelector('.mm-root').dataset.size.split(',')[0]) < {width - 100}"
        )
        plot = Plot(page)
        canvas_w = page.locator(".mm-points").evaluate("c => c.getBoundingClientRect().width")
        assert abs(canvas_w - plot.size[0]) < 1
    finally:
        page.set_viewport_size({"width": 1280, "height": 1100})


def test_keyboard_tools_and_escape_stay_inside_the_map(nb):
    page = nb.page
    cells = page.locator(".jp-Notebook .jp-Cell").count()
    nb.run("w.selection = [1, 2, 3]")
    page.wait_for_selector(".mm-root[data-selected='3']", state="attached")
    page.locator(".mm-root").focus()
    page.keyboard.press("l")
    assert page.locator(".mm-mode[data-mode='lasso']").get_attribute("aria-pressed") == "true"
    assert nb.kernel.wait_for("w.mode", lambda v: v == "lasso") == "lasso"
    page.keyboard.press("b")  # would insert a cell below in JupyterLab's command mode
    assert page.locator(".mm-mode[data-mode='box']").get_attribute("aria-pressed") == "true"
    page.keyboard.press("Escape")
    assert nb.kernel.wait_for("w.selection.tolist()", lambda v: v == []) == []
    assert page.locator(".jp-Notebook .jp-Cell").count() == cells
    label = page.locator(".mm-root").get_attribute("aria-label")
    assert "lasso" in label.lower() and "escape" in label.lower()
