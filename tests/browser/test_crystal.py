"""The crystal viewer in real JupyterLab + Chromium: linked to the map, Li pathways, offline.

Kernel side: the Explorer of tests/widgets/test_explorer.py (seven Li–O families, real
structures, one disordered rock salt). Every check compares what the browser drew, read back
from the 3Dmol model (data-* probe) and from screen pixels, with the kernel's structures.
Kernel-less side: a map document carrying pymatgen's shipped crystals and the Li pathway
volume of LiFePO4, opened as an exported HTML page (network blocked) and in the .mmap viewer.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from .conftest import (
    EXPLORER_SETUP,
    Plot,
    click,
    data_to_screen,
    expected_atoms,
    point_in_polygon,
    press,
    redrawn,
    screen_to_data,
    settle,
)
from .pages import mmap_in_lab, offline_page

SETUP = (
    EXPLORER_SETUP
    + """ex.crystal.pathway_options = {"cache": str(pathlib.Path.cwd().parent / "pathway-cache")}
w = ex.map
ex
"""
)

# the kernel's expectation for a drawn crystal: sites with their boundary images, element
# counts and VESTA colours (the same rule as js/src/crystal/geometry.ts replicate())
EXPECT = """
def _expect(s):
    import yaml, pymatgen.vis
    vesta = yaml.safe_load((pathlib.Path(pymatgen.vis.__file__).parent / "ElementColorSchemes.yaml").read_text())["VESTA"]
    out = {}
    for site in s:
        f = np.mod(site.frac_coords, 1.0)
        f[f > 1 - 1e-3] = 0
        n = 2 ** int((f < 1e-3).sum())
        el = max(site.species.items(), key=lambda kv: kv[1])[0].symbol
        c = out.setdefault(el, [0, "#{:02x}{:02x}{:02x}".format(*vesta[el])])
        c[0] += n
    return out
"""

EDGES = [(a, b) for a in range(8) for b in range(a + 1, 8) if bin(a ^ b).count("1") == 1]


@pytest.fixture(scope="module")
def nb(lab):
    session = lab.open_notebook("crystal.ipynb", [SETUP], viewport=(1500, 1300))
    session.page.wait_for_selector(
        ".materials-map-explorer .mmc-root[data-ready='true']", state="attached"
    )
    session.run(EXPECT)
    session.page.locator(".materials-map-explorer .lm-TabBar-tab", has_text="Crystal").first.click()
    yield session
    session.close()


def _shot(page, locator) -> np.ndarray:
    png = locator.screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _hex(c: str) -> np.ndarray:
    return np.array([int(c[i : i + 2], 16) for i in (1, 3, 5)])


def _edge_hits(img: np.ndarray, corners: np.ndarray, colour: np.ndarray, offset: float = 0.0):
    """Fraction of points along the 12 projected cell edges (or ``offset`` px beside them)
    whose 3x3 neighbourhood holds the edge colour."""
    hits = []
    for a, b in EDGES:
        d = corners[b] - corners[a]
        n = np.array([-d[1], d[0]]) / (np.linalg.norm(d) + 1e-9)
        for t in np.linspace(0.2, 0.8, 13):
            x, y = corners[a] + t * d + offset * n
            if not (1 <= x < img.shape[1] - 1 and 1 <= y < img.shape[0] - 1):
                continue
            patch = img[int(y) - 1 : int(y) + 2, int(x) - 1 : int(x) + 2].reshape(-1, 3)
            hits.append(np.abs(patch - colour).max(axis=1).min() < 60)
    return float(np.mean(hits))


def _click_point(nb, i: int) -> None:
    """Click map point ``i`` where the browser drew it (once the map's layout has settled)."""
    plot = Plot.settled(nb.page)
    coords = np.asarray(nb.kernel.value("ex.coords.tolist()"))
    px, py = data_to_screen(plot.view, plot.size, coords[:, 0], coords[:, 1])
    click(nb.page, *plot.to_page(float(px[i]), float(py[i])))


def _kernel_wait(nb, artifacts_dir, expr: str, predicate) -> Any:
    """``nb.kernel.wait_for``, with a screenshot of the page (and the map's data-* state in
    the message) when the browser's action never reached the kernel."""
    try:
        return nb.kernel.wait_for(expr, predicate)
    except AssertionError as err:
        nb.page.screenshot(path=str(artifacts_dir / "crystal_action_lost.png"))
        state = nb.page.locator(".mm-root").first.evaluate("r => ({...r.dataset})")
        raise AssertionError(f"{err}; map state {state}") from None


def _isolated_point(nb) -> int:
    plot = Plot.settled(nb.page)
    coords = np.asarray(nb.kernel.value("ex.coords.tolist()"))
    px, py = data_to_screen(plot.view, plot.size, coords[:, 0], coords[:, 1])
    d = np.hypot(px[:, None] - px[None, :], py[:, None] - py[None, :]) + np.eye(len(px)) * 1e9
    inside = (px > 10) & (px < plot.size[0] - 10) & (py > 10) & (py < plot.size[1] - 10)
    return int(np.argmax(np.where(inside, d.min(axis=1), -1)))


def test_click_on_map_shows_that_crystal(nb, artifacts_dir):
    page = nb.page
    nb.run("w.selection = []; w.focused = -1")
    i = _isolated_point(nb)
    _click_point(nb, i)
    assert _kernel_wait(nb, artifacts_dir, "w.focused", lambda v: v == i) == i
    sid = nb.kernel.value(f"ex.table['id'].iloc[{i}]")
    view = page.locator(f".materials-map-explorer .mmc-view[data-id='{sid}']")
    view.wait_for(state="attached", timeout=30_000)
    settle(page)
    d = view.evaluate("e => ({...e.dataset})")
    want = nb.kernel.value(f"_expect(ex._structure({i}))")
    got = json.loads(d["elements"])
    partial = int(d["partial"])
    if partial == 0:  # every site in the 3Dmol model, coloured by element
        assert got == {k: v for k, v in want.items()}
    assert int(d["atoms"]) == sum(v[0] for v in want.values())
    assert int(d["sites"]) == nb.kernel.value(f"len(ex._structure({i}))")
    assert d["edges"] == "12" and d["index"] == str(i)
    canvas = view.locator(".mmc-canvas canvas")
    img = _shot(page, canvas)
    Image.fromarray(img.astype(np.uint8)).save(artifacts_dir / "crystal_click.png")
    # the cell edges are drawn where the 3Dmol camera puts the cell's corners ...
    corners = np.asarray(json.loads(d["corners"]))
    fg = _hex(d["foreground"])
    on, beside = _edge_hits(img, corners, fg), _edge_hits(img, corners, fg, offset=15)
    assert on >= 0.6 and on > beside + 0.3, (on, beside)
    # ... and every element's colour is on screen
    flat = img.reshape(-1, 3)
    for el, (_, colour) in want.items():
        assert (np.abs(flat - _hex(colour)).max(axis=1) < 30).sum() >= 20, el
    # the legend lists the same elements
    chips = page.locator(".materials-map-explorer .mmc-legend .mmc-chip[data-element]")
    assert sorted(chips.evaluate_all("cs => cs.map(c => c.dataset.element)")) == sorted(want)


def test_pathway_layer_of_lifepo4(nb, artifacts_dir):
    page = nb.page
    i = nb.kernel.value("int(np.flatnonzero(df['formula'] == 'LiFePO4')[0])")
    nb.run(f"w.selection = []; w.focused = {i}; ex.crystal.margin = 0.05")
    sid = nb.kernel.value(f"ex.table['id'].iloc[{i}]")
    root = page.locator(".materials-map-explorer .mmc-root")
    view = root.locator(f".mmc-view[data-id='{sid}']")
    view.wait_for(state="attached", timeout=30_000)
    settle(page)
    canvas = view.locator(".mmc-canvas canvas")
    before = _shot(page, canvas)
    root.locator(".mmc-pathway input").check()
    assert nb.kernel.wait_for("ex.crystal.show_pathway", bool)
    page.wait_for_selector(
        f".materials-map-explorer .mmc-view[data-id='{sid}'][data-pathway='drawn']", timeout=180_000
    )
    settle(page)
    on = _shot(page, canvas)
    Image.fromarray(on.astype(np.uint8)).save(artifacts_dir / "crystal_pathway.png")
    assert (np.abs(on - before).max(axis=2) > 40).mean() > 0.01
    d = view.evaluate("e => ({...e.dataset})")
    assert d["dim"] == "1"  # the olivine surface at E_1D + margin: 1-D channels
    e1 = nb.kernel.value(f"ex.crystal.volumes['{sid}'].barriers['e_1d']")
    assert float(d["level"]) == pytest.approx(e1 + 0.05, abs=1e-4)
    # the channels in the volume the browser drew run along Pnma b (6.01 Å)
    length = nb.kernel.value(
        f"float(np.linalg.norm((lambda v: (v.percolation({e1} + 0.05)[1] @ v.cell.lattice.matrix))"
        f"(ex.crystal.volumes['{sid}'])[0]))"
    )
    assert length == pytest.approx(6.01, abs=0.01)
    # a higher surface (margin 0.5 eV) changes only the surface: same camera, same atoms
    nb.run("ex.crystal.margin = 0.5")
    page.wait_for_selector(
        f".materials-map-explorer .mmc-view[data-id='{sid}'][data-level='{e1 + 0.5:.4f}']"
    )
    settle(page)
    wide = _shot(page, canvas)
    assert (np.abs(wide - on).max(axis=2) > 40).mean() > 0.002
    # layer off: the original picture comes back, and the margin no longer changes anything
    root.locator(".mmc-pathway input").uncheck()
    page.wait_for_selector(
        f".materials-map-explorer .mmc-view[data-id='{sid}'][data-pathway='off']"
    )
    settle(page)
    off = _shot(page, canvas)
    assert (np.abs(off - before).max(axis=2) > 40).mean() < 0.002
    # the margin no longer changes anything: the kernel's change arrives, nothing is redrawn
    # differently (the panel re-renders the same picture)
    redrawn(page, lambda: nb.run("ex.crystal.margin = 0.05"))
    assert (np.abs(_shot(page, canvas) - off).max(axis=2) > 40).mean() < 0.002


def test_lasso_fills_grid_with_exactly_the_selection(nb, artifacts_dir):
    page = nb.page
    nb.run("w.selection = []; w.focused = -1; w.mode = 'pan'")
    page.locator(".materials-map-explorer .mm-mode[data-mode='lasso']").click()
    plot = Plot.settled(page)
    coords = np.asarray(nb.kernel.value("ex.coords.tolist()"))
    px, _ = data_to_screen(plot.view, plot.size, coords[:, 0], coords[:, 1])
    cx = float(np.median(px)) / plot.size[0]
    frac = [(0.02, 0.02), (cx, 0.02), (cx, 0.98), (0.02, 0.98)]
    pts = [
        (round(plot.left + fx * plot.size[0]), round(plot.top + fy * plot.size[1]))
        for fx, fy in frac
    ]
    press(page, *pts[0])
    for p in pts[1:]:
        page.mouse.move(*p, steps=4)
    page.mouse.up()
    sel = _kernel_wait(nb, artifacts_dir, "w.selection.tolist()", lambda v: len(v) >= 2)
    poly = np.array(
        [screen_to_data(plot.view, plot.size, x - plot.left, y - plot.top) for x, y in pts]
    )
    assert sel == np.flatnonzero(point_in_polygon(coords[:, 0], coords[:, 1], poly)).tolist()
    ids = nb.kernel.value(f"ex.table['id'].iloc[{sel[:9]}].tolist()")
    root = page.locator(".materials-map-explorer .mmc-root[data-mode='grid']")
    root.wait_for(state="attached", timeout=30_000)
    assert root.get_attribute("data-ids").split(",") == ids
    views = root.locator(".mmc-view")
    assert views.count() == len(ids)
    assert views.evaluate_all("vs => vs.map(v => v.dataset.id)") == ids
    page.screenshot(path=str(artifacts_dir / "crystal_grid.png"))
    # a click on the second small viewer focuses that material on the map
    views.nth(1).click()
    assert nb.kernel.wait_for("w.focused", lambda v: v == sel[1]) == sel[1]
    page.wait_for_selector(
        f".materials-map-explorer .mmc-root[data-mode='single'][data-ids='{ids[1]}']",
        timeout=30_000,
    )
    page.locator(".materials-map-explorer .mm-mode[data-mode='pan']").click()


def test_hover_png_rotate_and_reset(nb, artifacts_dir):
    page = nb.page
    i = nb.kernel.value("int(np.flatnonzero(df['formula'] == 'LiFePO4')[0])")
    nb.run(f"w.selection = []; w.focused = {i}; ex.crystal.show_pathway = False")
    sid = nb.kernel.value(f"ex.table['id'].iloc[{i}]")
    root = page.locator(".materials-map-explorer .mmc-root")
    view = root.locator(f".mmc-view[data-id='{sid}'][data-pathway='off']")
    try:
        view.wait_for(state="attached", timeout=60_000)
    except Exception:
        page.screenshot(path=str(artifacts_dir / "crystal_hover_not_ready.png"))
        state = root.evaluate("r => ({...r.dataset})")
        shown = nb.kernel.value("[c['id'] for c in ex.crystal.structures]")
        raise AssertionError(f"crystal {sid} not shown: {state}, kernel: {shown}") from None
    settle(page)
    canvas = view.locator(".mmc-canvas canvas")
    img = _shot(page, canvas)
    # hover the middle of an Fe sphere: the tip names the species, occupancy and site
    fe = _hex(json.loads(view.get_attribute("data-elements"))["Fe"][1])
    mask = np.abs(img - fe).max(axis=2) < 30
    inner = mask[2:-2, 2:-2] & mask[:-4, 2:-2] & mask[4:, 2:-2] & mask[2:-2, :-4] & mask[2:-2, 4:]
    ys, xs = np.nonzero(inner)
    assert len(xs), "no Fe sphere on screen"
    box = canvas.bounding_box()
    x, y = box["x"] + float(xs[len(xs) // 2]) + 2, box["y"] + float(ys[len(ys) // 2]) + 2
    page.mouse.move(x, y)
    page.mouse.move(x + 1, y)
    view.locator(".mmc-tip:not([hidden])").wait_for(timeout=10_000)
    tip = view.locator(".mmc-tip").inner_text()
    assert tip.startswith("Fe") and "Fe 1" in tip and "site" in tip and "frac (" in tip, tip
    # PNG export downloads the drawn view
    with page.expect_download() as dl:
        root.locator(".mmc-png").click()
    png = Image.open(dl.value.path())
    assert png.format == "PNG" and abs(png.size[0] - box["width"]) <= 2
    # drag rotates; reset brings back the first picture
    press(page, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(box["x"] + box["width"] / 2 + 90, box["y"] + box["height"] / 2 + 30, steps=6)
    page.mouse.up()
    page.mouse.move(5, 5)
    settle(page)
    turned = _shot(page, canvas)
    assert (np.abs(turned - img).max(axis=2) > 40).mean() > 0.02
    root.locator(".mmc-reset").click()
    settle(page)
    assert (np.abs(_shot(page, canvas) - img).max(axis=2) > 40).mean() < 0.002


def test_compare_pins_one_crystal_beside_the_next(nb, artifacts_dir):
    page = nb.page
    b = _isolated_point(nb)  # clicked on the map: a point no other one overlaps
    a = nb.kernel.value(f"int(np.flatnonzero(df['formula'] != df['formula'].iloc[{b}])[0])")
    nb.run(f"w.selection = []; w.focused = {a}; ex.crystal.show_pathway = False")
    ida, idb = nb.kernel.value(f"ex.table['id'].iloc[[{a}, {b}]].tolist()")
    root = page.locator(".materials-map-explorer .mmc-root")
    root.locator(f".mmc-view[data-id='{ida}']").wait_for(state="attached", timeout=30_000)
    pin = root.locator(".mmc-btn.mmc-compare")
    pin.click()
    assert "mmc-on" in pin.get_attribute("class")
    # the next point clicked on the map shows beside the pinned one
    _click_point(nb, b)
    assert nb.kernel.wait_for("w.focused", lambda v: v == b) == b
    page.wait_for_selector(
        f".materials-map-explorer .mmc-root[data-mode='compare'][data-ids='{ida},{idb}']",
        state="attached",
        timeout=30_000,
    )
    views = root.locator(".mmc-view")
    assert views.evaluate_all("vs => vs.map(v => v.dataset.id)") == [ida, idb]
    assert views.evaluate_all("vs => vs.map(v => Number(v.dataset.index))") == [a, b]
    for k, i in enumerate((a, b)):  # each viewer drew its own material in full
        d = views.nth(k).evaluate("e => ({...e.dataset})")
        want = nb.kernel.value(f"_expect(ex._structure({i}))")
        assert int(d["atoms"]) == sum(v[0] for v in want.values()), (k, d["id"])
        assert int(d["sites"]) == nb.kernel.value(f"len(ex._structure({i}))")
        assert d["edges"] == "12"
        if int(d["partial"]) == 0:
            assert json.loads(d["elements"]) == want
    # side by side: one row, two equal columns that do not overlap
    boxes = [views.nth(k).locator(".mmc-canvas canvas").bounding_box() for k in (0, 1)]
    assert abs(boxes[0]["y"] - boxes[1]["y"]) <= 1
    assert boxes[1]["x"] >= boxes[0]["x"] + boxes[0]["width"]
    assert abs(boxes[0]["width"] - boxes[1]["width"]) <= 2 and boxes[0]["width"] > 150
    page.screenshot(path=str(artifacts_dir / "crystal_compare.png"))
    # the two canvases show different pictures (not one view drawn twice)
    left, right = (_shot(page, views.nth(k).locator(".mmc-canvas canvas")) for k in (0, 1))
    h, w = min(left.shape[0], right.shape[0]), min(left.shape[1], right.shape[1])
    assert (np.abs(left[:h, :w] - right[:h, :w]).max(axis=2) > 40).mean() > 0.01
    # unpinning leaves the focused material alone
    pin.click()
    page.wait_for_selector(
        f".materials-map-explorer .mmc-root[data-mode='single'][data-ids='{idb}']",
        state="attached",
        timeout=30_000,
    )
    assert views.count() == 1 and "mmc-on" not in pin.get_attribute("class")


def _occ(v: float) -> str:
    """An occupancy as the tip writes it: 3 decimals, trailing zeros dropped."""
    return "1" if v >= 0.9995 else f"{v:.3f}".rstrip("0")


def test_hover_on_partially_occupied_site(nb, artifacts_dir):
    page = nb.page
    i = nb.kernel.value("int(np.flatnonzero([not s.is_ordered for s in df['structure']])[0])")
    nb.run(
        f"w.selection = []; w.focused = {i}; ex.crystal.show_pathway = False; "
        "ex.crystal.supercell = [1, 1, 1]"
    )
    sid = nb.kernel.value(f"ex.table['id'].iloc[{i}]")
    # the kernel's account of the disordered site: species, occupancies, fractional position
    site = nb.kernel.value(
        f"(lambda s: [dict(k=k, frac=np.mod(x.frac_coords, 1).round(3).tolist(), "
        "occ=[[str(sp), float(o)] for sp, o in x.species.items()]) "
        f"for k, x in enumerate(s) if not x.is_ordered][0])(ex._structure({i}))"
    )
    n_sites = nb.kernel.value(f"len(ex._structure({i}))")
    view = page.locator(f".materials-map-explorer .mmc-view[data-id='{sid}'][data-pathway='off']")
    view.wait_for(state="attached", timeout=30_000)
    canvas = view.locator(".mmc-canvas canvas")
    tip = view.locator(".mmc-tip:not([hidden])")
    # a loaded machine may still be redrawing (the four trait changes can each draw), which
    # drops a pending hover: wait for the drawing count to settle, and retry the hover. The
    # sectors face the camera, so the site's projected centre is the pole where every sector
    # meets (a ray through it can miss them all): the retries go a few pixels off it, one
    # direction each, and at least one lands on an occupied sector, not the vacancy's wedge
    offsets = [(0, 0), (4, 1), (-1, 4), (-4, -1), (1, -4), (3, 3)]
    for attempt, (dx, dy) in enumerate(offsets):
        settle(page)
        d = view.evaluate("e => ({...e.dataset})")
        assert int(d["partial"]) >= 1
        far, on_screen, box = _partial_site_on_screen(d, site, canvas)
        x, y = box["x"] + float(far[0]) + dx, box["y"] + float(far[1]) + dy
        page.mouse.move(box["x"] + 3, box["y"] + 3)
        page.mouse.move(x, y)
        page.mouse.move(x + 1, y)
        try:
            tip.wait_for(timeout=5_000)
            break
        except Exception:
            if attempt < len(offsets) - 1:
                continue
            img = _shot(page, canvas).astype(np.uint8)
            for p in on_screen:  # where the site's images were expected, for the artifact
                img[int(p[1]) - 1 : int(p[1]) + 2, int(p[0]) - 6 : int(p[0]) + 7] = (0, 0, 255)
            Image.fromarray(img).save(artifacts_dir / "crystal_partial_no_tip.png")
            raise AssertionError(f"no tip at {far} (images at {on_screen.tolist()}): {d}") from None
    lines = tip.inner_text().splitlines()
    page.screenshot(path=str(artifacts_dir / "crystal_partial_hover.png"))
    # species and occupancy of every occupant, the vacancy, and which site it is
    occ = " + ".join(f"{sp} {_occ(o)}" for sp, o in site["occ"])
    total = sum(o for _, o in site["occ"])
    assert total < 0.999  # the test crystal's mixed site has vacancies
    assert lines[1] == f"{occ} (vacant {_occ(1 - total)})", lines
    assert lines[0].endswith(f"site {site['k'] + 1} of {n_sites}"), lines
    assert lines[0].startswith(",".join(sp for sp, _ in site["occ"])), lines
    frac = [float(v) for v in lines[2].removeprefix("frac (").removesuffix(")").split(",")]
    assert np.allclose(frac, site["frac"], atol=1e-3), lines
    assert view.get_attribute("data-hover") == lines[0].split(" · ")[0]
    # leaving the sphere hides the tip
    page.mouse.move(box["x"] + 3, box["y"] + 3)
    page.mouse.move(box["x"] + 4, box["y"] + 3)
    view.locator(".mmc-tip[hidden]").wait_for(state="attached", timeout=10_000)
    # the sectors face the default camera: both species on screen in about their shares (the
    # Li shells, which would tint the Li sector, off; only this site holds Li and Ni)
    drawn = int(page.locator(".materials-map-explorer .mmc-root").get_attribute("data-drawn"))
    try:
        nb.run("ex.crystal.highlight_li = False")
        page.wait_for_function(
            "n => Number(document.querySelector('.materials-map-explorer .mmc-root')"
            ".dataset.drawn) > n",
            arg=drawn,
        )
        settle(page)
        img = _shot(page, canvas)
        Image.fromarray(img.astype(np.uint8)).save(artifacts_dir / "crystal_partial_sectors.png")
        colours = nb.kernel.value(
            "(lambda v: {e: '#%02x%02x%02x' % tuple(v[e]) for e in ('Li', 'Ni')})(__import__("
            "'yaml').safe_load((pathlib.Path(__import__('pymatgen.vis').vis.__file__).parent"
            " / 'ElementColorSchemes.yaml').read_text())['VESTA'])"
        )
    finally:
        nb.run("ex.crystal.highlight_li = True")
    flat = img.reshape(-1, 3)
    px = {e: int((np.abs(flat - _hex(c)).max(axis=1) < 30).sum()) for e, c in colours.items()}
    share = px["Li"] / max(1, px["Li"] + px["Ni"])
    want_share = dict(site["occ"])["Li"] / total
    assert min(px.values()) >= 50 and abs(share - want_share) < 0.2, (px, share, want_share)


def _partial_site_on_screen(d: dict, site: dict, canvas):
    """Screen position of the disordered site's image to hover, all its images, the canvas box.

    The camera is orthographic, so a fractional position maps affinely through the published
    cell corners (corner 4i+2j+k = (i, j, k)).
    """
    corners = np.asarray(json.loads(d["corners"]))
    origin, axes = corners[0], corners[[4, 2, 1]] - corners[0]
    f0 = np.asarray(site["frac"])
    images = [
        f0 + np.array(shift)
        for shift in np.ndindex(2, 2, 2)
        if np.all(f0 + np.array(shift) <= 1 + 1e-3)
    ]
    on_screen = np.array([origin + f @ axes for f in images])
    others = on_screen.mean(axis=0)  # the rock salt's anion sits at the cell centre
    box = canvas.bounding_box()
    inside = [
        p for p in on_screen if 20 < p[0] < box["width"] - 20 and 20 < p[1] < box["height"] - 20
    ]
    assert inside, on_screen
    # the image farthest from the anion and from the other images
    far = max(
        inside,
        key=lambda p: min(
            [np.linalg.norm(p - others)]
            + [np.linalg.norm(p - q) for q in on_screen if np.linalg.norm(p - q) > 1e-6]
        ),
    )
    return far, on_screen, box


def _theme(page, name: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Theme").first.hover()
    page.locator(".lm-Menu-itemLabel", has_text=name).first.click()


def test_follows_the_jupyterlab_theme(nb, artifacts_dir):
    page = nb.page
    i = nb.kernel.value("int(np.flatnonzero(df['formula'] == 'LiFePO4')[0])")
    nb.run(f"w.selection = []; w.focused = {i}")
    sid = nb.kernel.value(f"ex.table['id'].iloc[{i}]")
    view = page.locator(f".materials-map-explorer .mmc-view[data-id='{sid}']")
    view.wait_for(state="attached", timeout=30_000)
    canvas = view.locator(".mmc-canvas canvas")

    def corner() -> np.ndarray:
        return _shot(page, canvas)[3:12, 3:12].reshape(-1, 3).mean(axis=0)

    assert corner().min() > 200  # light theme: a white background
    try:
        _theme(page, "JupyterLab Dark")
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
        page.wait_for_function(
            "() => { const v = document.querySelector('.materials-map-explorer .mmc-view');"
            " return v && parseInt(v.dataset.foreground.slice(1, 3), 16) > 150; }",
            timeout=30_000,
        )
        settle(page)
        dark = corner()
        page.screenshot(path=str(artifacts_dir / "crystal_dark.png"))
        assert dark.max() < 80, dark  # the background follows --jp-layout-color0
    finally:
        _theme(page, "JupyterLab Light")
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")


# ---------------------------------------------------------------------------- no kernel
N_DOC = 6


@pytest.fixture(scope="module")
def document(tmp_path_factory):
    """A map of six shipped pymatgen crystals, with LiFePO4's Li pathway volume."""
    import pymatgen.core
    from pymatgen.core import Structure

    from materials_map.io.document import MapDocument
    from materials_map.labels.pathways import li_pathways
    from materials_map.widgets.crystal import pathway_json, structure_json
    from materials_map.widgets.map import MapWidget

    pmg = Path(pymatgen.core.__file__).parents[1] / "util" / "structures"
    names = ["LiFePO4", "Li2O", "Li3V2(PO4)3", "SrTiO3", "NaFePO4", "Li2O2"][:N_DOC]
    structures = [Structure.from_file(pmg / f"{n}.json") for n in names]
    xy = np.array([[k, (k % 2) * 1.5] for k in range(N_DOC)], dtype=np.float32)
    import pandas as pd

    table = pd.DataFrame(
        {"id": names, "formula": [s.composition.reduced_formula for s in structures]}
    )
    w = MapWidget.from_dataframe(xy, table, point_size=14, height=420)
    vol = li_pathways(structures[0], cache=tmp_path_factory.mktemp("pathways"))
    doc = MapDocument.from_widget(
        w,
        table=table,
        structures=[
            structure_json(s, id=n, index=k)
            for k, (n, s) in enumerate(zip(names, structures, strict=True))
        ],
        pathways={0: pathway_json(vol, names[0])},
    )
    return doc, structures, xy.astype(float)


def _click_doc_point(page, scope: str, xy: np.ndarray, i: int) -> None:
    # the geometry once the page stopped drawing: the crystal panel opening beside the map
    # resizes it, and under load the re-fit lands after data-ready
    plot = Plot.settled(page, scope=scope)
    px, py = data_to_screen(plot.view, plot.size, xy[:, 0], xy[:, 1])
    click(page, *plot.to_page(float(px[i]), float(py[i])))


def test_exported_html_shows_crystal_and_pathway_offline(
    document, browser, tmp_path, artifacts_dir
):
    doc, structures, xy = document
    page_path = doc.to_html(tmp_path / "crystal.html")
    context, page, requested = offline_page(browser, (1200, 1300))
    try:
        page.goto(page_path.as_uri())
        page.wait_for_selector("#mm-root .mm-root[data-ready='true']", timeout=30_000)
        page.wait_for_selector("#mm-root .mmc-root[data-ready='true']", state="attached")
        for i in (1, 0):
            _click_doc_point(page, "#mm-root", xy, i)
            view = page.locator(f"#mm-root .mmc-view[data-id='{doc.structures[i]['id']}']")
            view.wait_for(state="attached", timeout=30_000)
            assert int(view.get_attribute("data-atoms")) == expected_atoms(structures[i])
            assert view.get_attribute("data-edges") == "12"
        # the embedded pathway volume draws without a kernel
        page.locator("#mm-root .mmc-pathway input").check()
        page.wait_for_selector(
            "#mm-root .mmc-view[data-pathway='drawn'][data-dim='1']", timeout=30_000
        )
        page.screenshot(path=str(artifacts_dir / "crystal_export_html.png"), full_page=True)
        assert all(u.startswith("file://") for u in requested), requested
    finally:
        context.close()


def test_mmap_viewer_shows_crystal_of_clicked_point(document, lab_server, browser, artifacts_dir):
    doc, structures, xy = document
    doc.save(lab_server.root / "crystals.mmap")
    kernels = sorted(k["id"] for k in lab_server.api("/api/kernels"))
    with mmap_in_lab(browser, lab_server, "crystals.mmap", (1300, 1200)) as page:
        _click_doc_point(page, ".mm-mmap-view", xy, 2)
        view = page.locator(f".mm-mmap-view .mmc-view[data-id='{doc.structures[2]['id']}']")
        view.wait_for(state="attached", timeout=30_000)
        assert int(view.get_attribute("data-atoms")) == expected_atoms(structures[2])
        page.screenshot(path=str(artifacts_dir / "crystal_mmap_viewer.png"))
        # no kernel was started (a notebook of another test may still run its own)
        assert sorted(k["id"] for k in lab_server.api("/api/kernels")) == kernels
