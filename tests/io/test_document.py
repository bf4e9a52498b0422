"""`.mmap` documents: exact round trips, clear errors, atomic writes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from materials_map._util.atomic import write_text_atomic
from materials_map.io.document import MapDocument, MapDocumentError


def _doc() -> MapDocument:
    xy = np.array([[0.1, 0.2], [0.3, -1.5], [2.0, 4.0]], dtype=np.float32)
    sel = np.array([2, 0], dtype=np.uint32)
    traits = {
        "x": xy[:, 0].tobytes(),
        "y": xy[:, 1].tobytes(),
        "selection": sel.tobytes(),
        "colormap": "viridis",
        "category_names": ["garnet", "nasicon"],
    }
    table = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "formula": ["Li2O", "LiNbO3", "Li7La3Zr2O12"],
            "migration_energy": [0.5, np.nan, 0.31],
        }
    )
    return MapDocument(traits=traits, table=table, metadata={"title": "t </script> & <b>"})


def test_round_trip_is_exact(tmp_path):
    doc = _doc()
    path = doc.save(tmp_path / "m.mmap")
    back = MapDocument.load(path)
    assert back.traits["x"] == doc.traits["x"]
    assert np.frombuffer(back.traits["selection"], dtype=np.uint32).tolist() == [2, 0]
    assert np.frombuffer(back.traits["y"], dtype=np.float32)[1] == np.float32(-1.5)
    assert back.traits["category_names"] == ["garnet", "nasicon"]
    assert back.metadata == doc.metadata
    assert back.table["formula"].tolist() == ["Li2O", "LiNbO3", "Li7La3Zr2O12"]
    # NaN is stored as JSON null (strict JSON), and comes back missing
    assert pd.isna(back.table["migration_energy"][1])
    json.loads(path.read_text())  # strict JSON, no NaN tokens


@pytest.mark.parametrize(
    "text, reason",
    [
        ("{not json", "invalid JSON"),
        (json.dumps({"hello": 1}), "no format marker"),
        (json.dumps({"format": "materials-map", "version": 99, "traits": {}}), "unsupported"),
        (json.dumps({"format": "materials-map", "version": 1}), "no traits"),
        (
            json.dumps({"format": "materials-map", "version": 1, "traits": {"x": {"b64": "!!!"}}}),
            "corrupted",
        ),
    ],
)
def test_bad_documents_name_file_and_reason(tmp_path, text, reason):
    path = tmp_path / "bad.mmap"
    path.write_text(text)
    with pytest.raises(MapDocumentError, match=reason) as err:
        MapDocument.load(path)
    assert "bad.mmap" in str(err.value)


def test_atomic_write_leaves_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "f.txt"
    write_text_atomic(path, "old")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_text_atomic(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]  # no temp file left behind


def test_html_escapes_script_end(tmp_path):
    from materials_map.io import html

    if not (html.STATIC / "standalone.js").is_file():
        pytest.skip("front-end bundle not built (run `npm run build`)")
    page = _doc().to_html(tmp_path / "m.html").read_text()
    assert page.count("</script>") == 3  # doc, bundle, mount — the title's "</script>" is escaped
    assert "t &lt;/script&gt; &amp; &lt;b&gt;" in page
    assert "http://" not in page.split("<script>", 1)[0]  # nothing fetched from a CDN
