"""Tampering and injection: model files and .mmap documents that are truncated, edited or
carry a pickle payload are refused with a ValueError naming the file (and nothing in them
runs); ids and formulas with markup stay text in the exported page."""

from __future__ import annotations

import html
import json
import pickle
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from faults import small_obelix

import materials_map as mm
from materials_map.io.document import MapDocument, MapDocumentError

MARKUP = [
    "<img src=x onerror=\"document.title='pwned'\">",
    "</script><script>window.pwned=1</script>",
    "<!--<script>",
    "Li<sub>7</sub>La3Zr2O12 & <b>bold</b>",
]


class _Payload:
    """Unpickled, it creates ``marker``: proof that nothing unpickles a tampered file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X = mm.featurize(small_obelix(4, max_sites=40), progress=False)
    model = mm.MapModel(max_epochs=3, patience=2, progress=False).fit(X, [0.3, 0.5, 0.4, 0.6])
    return model.save(tmp_path_factory.mktemp("model") / "map.mmodel").read_bytes()


def _refused(load, path: Path, marker: Path | None = None) -> str:
    with pytest.raises(ValueError) as err:
        load(path)
    assert str(path) in str(err.value), err.value
    assert marker is None or not marker.exists()
    return str(err.value)


def test_model_file_truncated_anywhere_or_bit_flipped_is_refused(model_file, tmp_path):
    path = tmp_path / "m.mmodel"
    rng = np.random.default_rng(0)
    n = len(model_file)
    for cut in sorted({0, 1, 7, 8, 9, n // 2, n - 1, *rng.integers(1, n, 30).tolist()}):
        path.write_bytes(model_file[:cut])
        _refused(mm.MapModel.load, path)
    header = int.from_bytes(model_file[:8], "little") + 8
    for pos in rng.integers(0, n, 40).tolist():
        data = bytearray(model_file)
        data[pos] ^= 1 << int(rng.integers(8))
        path.write_bytes(bytes(data))
        if pos >= header:  # weights: always caught by the checksum
            assert "checksum" in _refused(mm.MapModel.load, path)
        else:
            _refused(mm.MapModel.load, path)


def test_model_file_with_a_pickle_payload_is_refused(model_file, tmp_path):
    import torch

    marker = tmp_path / "pwned"
    path = tmp_path / "evil.mmodel"
    path.write_bytes(pickle.dumps(_Payload(marker)))
    assert "not a MapModel file" in _refused(mm.MapModel.load, path, marker)
    torch.save({"x": _Payload(marker)}, path)  # torch's pickle-in-zip format
    assert "not a MapModel file" in _refused(mm.MapModel.load, path, marker)
    # a genuine model whose metadata gets a pickled object smuggled in: checksum
    n = int.from_bytes(model_file[:8], "little")
    head = json.loads(model_file[8 : 8 + n])
    head["__metadata__"]["scaler"] = pickle.dumps(_Payload(marker)).hex()
    blob = json.dumps(head).encode()
    path.write_bytes(len(blob).to_bytes(8, "little") + blob + model_file[8 + n :])
    assert "checksum" in _refused(mm.MapModel.load, path, marker)


@pytest.fixture()
def document(tmp_path):
    from materials_map.widgets.map import MapWidget

    coords = np.array([[0.0, 0.0], [1.0, 0.5], [0.5, 1.0], [0.2, 0.8]])
    w = MapWidget(coords)
    table = pd.DataFrame(
        {"id": MARKUP, "formula": MARKUP[::-1], "x_comp": coords[:, 0], "x_struct": coords[:, 1]}
    )
    return MapDocument.from_widget(w, table=table, metadata={"title": MARKUP[0]})


def test_map_documents_truncated_edited_or_pickled_are_refused(document, tmp_path):
    path = document.save(tmp_path / "map.mmap")
    good = path.read_bytes()
    assert MapDocument.load(path).table["id"].tolist() == MARKUP  # round trip, markup as text
    for cut in (0, 1, len(good) // 3, len(good) - 1):
        path.write_bytes(good[:cut])
        _refused(MapDocument.load, path)
    # edits that keep valid JSON: a title, a number, a binary trait
    for old, new in (('"title":"<img', '"title":"<IMG'), ('"x_comp"', '"y_comp"')):
        assert old.encode() in good
        path.write_bytes(good.replace(old.encode(), new.encode(), 1))
        assert "checksum" in _refused(MapDocument.load, path)
    b64 = re.search(rb'"b64":"([A-Za-z0-9+/]{8})', good)
    swapped = (b"B" if b64.group(1)[:1] == b"A" else b"A") + b64.group(1)[1:]
    path.write_bytes(good[: b64.start(1)] + swapped + good[b64.end(1) :])  # one value changed
    assert "checksum" in _refused(MapDocument.load, path)
    marker = tmp_path / "pwned"
    path.write_bytes(pickle.dumps(_Payload(marker)))
    assert "not UTF-8 JSON" in _refused(MapDocument.load, path, marker)
    path.write_bytes(pickle.dumps({"format": "materials-map"}, protocol=0))  # ASCII pickle
    assert "invalid JSON" in _refused(MapDocument.load, path, marker)
    # a document saved before checksums existed still loads
    doc = json.loads(good)
    doc.pop("sha256")
    path.write_text(json.dumps(doc))
    assert MapDocument.load(path).table["id"].tolist() == MARKUP
    assert issubclass(MapDocumentError, ValueError)


def test_markup_in_ids_stays_text_in_the_exported_page(document, tmp_path):
    from materials_map.io import html

    if not (html.STATIC / "standalone.js").is_file():
        pytest.skip("front-end bundle not built (run `npm run build`)")
    page = document.to_html(tmp_path / "map.html").read_text()
    start = page.index('<script type="application/json" id="mm-doc">') + len(
        '<script type="application/json" id="mm-doc">'
    )
    embedded = page[start : page.index("</script>", start)]
    assert "<" not in embedded  # nothing in the data can open or close an element
    doc = json.loads(embedded)  # and it is the same JSON, markup and all
    assert doc["table"]["data"][0][0] == MARKUP[0] and doc["metadata"]["title"] == MARKUP[0]
    head = page.split('<script type="application/json"', 1)[0]
    assert "<img" not in head and "&lt;img src=x" in head  # the title is escaped
    assert page.count("<script") == 3 and page.count("</script>") == 3


def test_markup_in_ids_stays_text_in_the_explorer_panels(monkeypatch, tmp_path):
    import ipywidgets as ipw

    from materials_map.datasets import from_structures
    from materials_map.pipeline import build_map
    from materials_map.widgets.explorer import Explorer

    monkeypatch.setenv("MATERIALS_MAP_CACHE", str(tmp_path))
    structures = small_obelix(3, max_sites=40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = from_structures(structures, ids=MARKUP[:3], target="y", y=[0.2, 0.4, 0.3])
        model = mm.MapModel(max_epochs=3, patience=2, progress=False)
        ex = Explorer.from_result(build_map(ds, model=model, use_cache=False, progress=False))

    def html_values(w) -> list[str]:
        out = [w.value] if isinstance(w, ipw.HTML) else []
        for child in getattr(w, "children", ()):
            out += html_values(child)
        return out

    ex.selection = [0, 1, 2]  # the table panel lists them
    for i in range(3):
        ex.focus_material(i)  # the structure caption and the status line name them
        shown = "\n".join(html_values(ex.widget))
        for evil in MARKUP[:3]:
            assert evil not in shown  # never as markup ...
        assert html.escape(MARKUP[i]) in shown  # ... always as text
