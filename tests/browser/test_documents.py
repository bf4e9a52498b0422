"""Saved maps without a kernel: the standalone HTML export in Chromium (offline) and the
`.mmap` viewer of the JupyterLab extension, opened from the file browser."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from matplotlib import colormaps
from PIL import Image

from materials_map.io.document import MapDocument
from materials_map.widgets.map import MapWidget

from .conftest import data_to_screen, press, screen_to_data, settle
from .pages import mmap_in_lab, offline_page

N = 800


def _widget() -> tuple[MapWidget, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    xy = np.vstack(
        [
            np.column_stack([rng.uniform(0, 5, N), rng.uniform(0, 5, N)]),
            [[7.0, 1.0], [8.0, 3.0], [9.0, 4.5]],
        ]
    ).astype(np.float32)
    values = np.concatenate([rng.uniform(0, 1, N), [0.0, 0.5, 1.0]]).astype(np.float32)
    df = pd.DataFrame(
        {
            "id": [f"p{i}" for i in range(len(xy))],
            "formula": [f"Li{i % 5 + 1}O{i % 3 + 1}" for i in range(len(xy))],
            "family": np.array(["garnet", "spinel"])[np.arange(len(xy)) % 2],
            "me": values,
        }
    )
    w = MapWidget.from_dataframe(
        xy,
        df,
        color="me",
        category="family",
        point_size=8,
        opacity=1.0,
        vmin=0.0,
        vmax=1.0,
        height=500,
    )
    return w, xy.astype(np.float64), values


def _table(w: MapWidget, xy: np.ndarray) -> pd.DataFrame:
    """The document table: map axes plus Li/O fractions, as the Explorer saves it."""
    t = w.table.copy()
    t["x_comp"], t["x_struct"] = xy[:, 0], xy[:, 1]
    t["li_fraction"] = (np.arange(len(t)) % 5 + 1) / 10
    t["o_fraction"] = 1 - t["li_fraction"] - 0.05 * (np.arange(len(t)) % 3)
    return t


def _image(page, locator: str) -> tuple[np.ndarray, dict, list[float], tuple[float, float]]:
    root = page.locator(locator + " .mm-root")
    box = page.locator(locator + " .mm-plot").bounding_box()
    view = [float(v) for v in root.get_attribute("data-view").split(",")]
    size = tuple(float(v) for v in root.get_attribute("data-size").split(","))
    png = page.screenshot(clip={"x": box["x"], "y": box["y"], "width": size[0], "height": size[1]})
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int), box, view, size


def _assert_markers_drawn(img, view, size, xy, values) -> None:
    px, py = data_to_screen(view, size, xy[:, 0], xy[:, 1])
    cmap = colormaps["viridis"]
    for i in range(N, N + 3):
        want = np.round(np.array(cmap(min(float(values[i]), 0.999999))[:3]) * 255)
        got = img[int(py[i]), int(px[i])]
        assert np.abs(got - want).max() <= 3, (i, got, want)


def test_exported_html_draws_and_selects_offline(browser, tmp_path, artifacts_dir):
    w, xy, values = _widget()
    table = _table(w, xy)
    doc = MapDocument.from_widget(w, table=table, metadata={"title": "export test"})
    page_path = doc.to_html(tmp_path / "map.html")
    context, page, requested = offline_page(browser, (1100, 800))
    try:
        page.goto(page_path.as_uri())
        page.wait_for_selector("#mm-root .mm-root[data-ready='true']", timeout=30_000)
        settle(page)
        img, box, view, size = _image(page, "#mm-root")
        Image.fromarray(img.astype(np.uint8)).save(artifacts_dir / "export_html.png")
        _assert_markers_drawn(img, view, size, xy, values)
        assert all(u.startswith("file://") for u in requested), (
            requested
        )  # nothing from the network

        # box selection works in the standalone page: compare with the geometry
        page.locator("#mm-root .mm-mode[data-mode='box']").click()
        a = (round(0.1 * size[0]), round(0.15 * size[1]))
        b = (round(0.4 * size[0]), round(0.6 * size[1]))
        press(page, box["x"] + a[0], box["y"] + a[1])
        page.mouse.move(box["x"] + a[0] + 30, box["y"] + a[1] + 30)
        page.mouse.move(box["x"] + b[0], box["y"] + b[1])
        page.mouse.up()
        page.wait_for_function(
            "() => { const v = window.mmModel.get('selection'); return v && v.byteLength > 0; }"
        )
        got = page.evaluate(
            "() => { const v = window.mmModel.get('selection');"
            " return Array.from(new Uint32Array(v.buffer, v.byteOffset, v.byteLength / 4)); }"
        )
        (x0, y0), (x1, y1) = screen_to_data(view, size, *a), screen_to_data(view, size, *b)
        inside = (
            (xy[:, 0] >= min(x0, x1))
            & (xy[:, 0] <= max(x0, x1))
            & (xy[:, 1] >= min(y0, y1))
            & (xy[:, 1] <= max(y0, y1))
        )
        assert 20 < inside.sum() < N
        np.testing.assert_array_equal(np.sort(got), np.flatnonzero(inside))
        # the Li/O panels highlight the map selection ...
        page.wait_for_selector(f".mm-ratio-panels[data-selected='{inside.sum()}']")
        # ... and a brush in the Li-vs-x_comp panel selects on the map
        panel = page.locator(".mm-ratio-panel[data-x='x_comp'][data-y='li_fraction']")
        pb = panel.bounding_box()
        panel.scroll_into_view_if_needed()
        pb = panel.bounding_box()
        press(page, pb["x"] + 40, pb["y"] + 5)
        page.mouse.move(pb["x"] + 120, pb["y"] + 60)
        page.mouse.move(pb["x"] + 150, pb["y"] + 100)
        page.mouse.up()
        page.wait_for_function(
            f"() => window.mmModel.get('selection').byteLength / 4 !== {inside.sum()}"
        )
        got2 = page.evaluate(
            "() => { const v = window.mmModel.get('selection');"
            " return Array.from(new Uint32Array(v.buffer, v.byteOffset, v.byteLength / 4)); }"
        )
        # same arithmetic as the panel: 40 px left/8 right/8 top/30 bottom padding, 5 % margins
        W, H, L, R, T, B = 250, 170, 40, 8, 8, 30
        x, y = table["x_comp"].to_numpy(), table["li_fraction"].to_numpy()

        def ext(a):
            pad = (a.max() - a.min()) * 0.05
            return a.min() - pad, a.max() + pad

        (xa, xb), (ya, yb) = ext(x), ext(y)
        bx = [xa + (px - L) / (W - L - R) * (xb - xa) for px in (40, 150)]
        by = [ya + (H - B - py) / (H - T - B) * (yb - ya) for py in (5, 100)]
        want2 = np.flatnonzero((x >= min(bx)) & (x <= max(bx)) & (y >= min(by)) & (y <= max(by)))
        assert 0 < len(want2) < len(x)
        np.testing.assert_array_equal(np.sort(got2), want2)
        page.screenshot(path=str(artifacts_dir / "export_html_panels.png"), full_page=True)
    finally:
        context.close()


def test_mmap_opens_from_the_jupyterlab_file_browser(lab_server, browser, artifacts_dir):
    w, xy, values = _widget()
    MapDocument.from_widget(w, table=w.table).save(lab_server.root / "saved.mmap")
    # notebooks of earlier tests in this server may still hold their kernels
    kernels_before = {k["id"] for k in lab_server.api("/api/kernels")}
    with mmap_in_lab(browser, lab_server, "saved.mmap", (1300, 900)) as page:
        settle(page)
        img, _, view, size = _image(page, ".mm-mmap-view")
        page.screenshot(path=str(artifacts_dir / "mmap_viewer.png"))
        _assert_markers_drawn(img, view, size, xy, values)
        # no kernel was started to show it
        assert {k["id"] for k in lab_server.api("/api/kernels")} <= kernels_before


def test_mmap_picture_for_the_readme(lab_server, browser, picture_dir):
    """docs/img/mmap-viewer.png: the default li-o map saved by its Explorer, opened from the
    file browser without a kernel (into docs/img under `make docs-img`)."""
    import materials_map as mm

    result = mm.build_map("li-o", progress=False)
    mm.Explorer(result).save(lab_server.root / "li-o.mmap")
    with mmap_in_lab(browser, lab_server, "li-o.mmap", (1300, 820)) as page:
        settle(page)
        img, _, _, size = _image(page, ".mm-mmap-view")
        page.screenshot(path=str(picture_dir / "mmap-viewer.png"))
    # the plot shows the background's colour scale and the points, not a blank canvas
    colours = {tuple(c) for c in img.reshape(-1, 3)[::7]}
    assert len(colours) > 200 and min(size) > 300, (len(colours), size)


@pytest.fixture(autouse=True)
def _bundle_built():
    from materials_map.io import html

    if not (html.STATIC / "standalone.js").is_file():
        pytest.fail("front-end bundle missing: run `npm run build`")
