"""Ids, formulas and family names carrying markup are shown as text in the exported page:
the tooltip, the legend and the page title show the characters, and nothing in them runs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from materials_map.io.document import MapDocument
from materials_map.widgets.map import MapWidget

from .conftest import data_to_screen, settle

EVIL_ID = "<img src=x onerror=\"window.pwned=1;document.title='pwned'\">"
EVIL_FORMULA = "</script><script>window.pwned=2</script>Li<sub>2</sub>O"
EVIL_FAMILY = '<svg onload="window.pwned=3">garnet'


def test_markup_in_ids_never_runs_in_the_exported_page(browser, tmp_path, artifacts_dir):
    xy = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5], [0.5, 2.0]], dtype=np.float32)
    df = pd.DataFrame(
        {
            "id": [EVIL_ID, "b", "c", "d"],
            "formula": [EVIL_FORMULA, "LiCoO2", "Li2O", "LiF"],
            "family": [EVIL_FAMILY, "spinel", EVIL_FAMILY, "spinel"],
            "me": [0.1, 0.2, 0.3, 0.4],
        }
    )
    w = MapWidget.from_dataframe(
        xy,
        df,
        color="me",
        category="family",
        tooltip=["id", "formula", "family"],
        point_size=14,
        opacity=1.0,
        height=420,
    )
    doc = MapDocument.from_widget(w, table=df, metadata={"title": EVIL_ID})
    page_path = doc.to_html(tmp_path / "evil.html")
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(page_path.as_uri())
        page.wait_for_selector("#mm-root .mm-root[data-ready='true']", timeout=30_000)
        root = page.locator("#mm-root .mm-root")
        box = page.locator("#mm-root .mm-plot").bounding_box()
        view = [float(v) for v in root.get_attribute("data-view").split(",")]
        size = tuple(float(v) for v in root.get_attribute("data-size").split(","))
        px, py = data_to_screen(view, size, xy[:, 0], xy[:, 1])
        x0, y0 = box["x"] + float(px[0]), box["y"] + float(py[0])
        page.mouse.move(x0 - 25, y0 - 25)
        page.mouse.move(x0, y0, steps=5)
        page.wait_for_selector(".mm-tooltip td[data-column='id']", state="visible")
        cells = page.locator(".mm-tooltip td").evaluate_all(
            "tds => Object.fromEntries(tds.map(td => [td.dataset.column, td.textContent]))"
        )
        assert cells["id"] == EVIL_ID and cells["formula"] == EVIL_FORMULA
        assert cells["family"] == EVIL_FAMILY
        legend = page.locator("#mm-root .mm-legend").inner_text()
        assert EVIL_FAMILY in legend  # the characters, as text
        # an injected <img onerror> / <svg onload> fires on its load ending: none pending now
        page.wait_for_load_state("networkidle")
        settle(page)
        page.screenshot(path=str(artifacts_dir / "injection_tooltip.png"))
        state = page.evaluate(
            "() => ({pwned: window.pwned ?? null, title: document.title,"
            " imgs: document.querySelectorAll('img[src=\"x\"]').length,"
            " svgs: document.querySelectorAll('svg[onload]').length})"
        )
        assert state == {"pwned": None, "title": EVIL_ID, "imgs": 0, "svgs": 0}, state
        assert dialogs == []
    finally:
        context.close()
