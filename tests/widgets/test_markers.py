"""Marker groups of the map widget (real vs generated materials): codes, names, validation,
the ``source`` default of ``from_result`` and saved documents. The drawing and the legend are
checked in Chromium by tests/browser/test_markers.py."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import traitlets

from materials_map.io.document import MapDocument
from materials_map.pipeline import MapResult
from materials_map.widgets.map import MapWidget
from materials_map.widgets.map.markers import MARKER_SHAPES


def _df(sources):
    n = len(sources)
    return pd.DataFrame(
        {
            "id": [f"m{i}" for i in range(n)],
            "formula": ["Li2O"] * n,
            "structure_type": ["antifluorite"] * n,
            "source": sources,
            "me": np.linspace(0.1, 0.9, n),
        }
    )


def test_set_markers_codes_sorted_groups_and_missing():
    w = MapWidget(np.zeros((5, 2)))
    w.set_markers(["obelix", "generated", None, "obelix", "generated"], label="source")
    assert w.marker_names == ["generated", "obelix", "(none)"]
    assert w.markers.tolist() == [1, 0, 2, 1, 0] and w.markers.dtype == np.uint8
    assert w.marker_label == "source"
    w.hidden_markers = [1]
    assert w.visible_by_marker.tolist() == [False, True, True, False, True]
    w.set_markers(None)
    assert w.markers is None and w.marker_names == [] and w.visible_by_marker.all()


def test_more_groups_than_shapes_and_wrong_lengths_are_refused():
    w = MapWidget(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="5 groups .* only 4 shapes"):
        w.set_markers(list("abcde"))
    assert len(MARKER_SHAPES) == 4
    with pytest.raises(traitlets.TraitError, match="markers: has 2 entries but there are 5"):
        w.markers = [0, 1]


def test_from_result_tells_sources_apart_only_when_there_are_two():
    xy = np.random.default_rng(0).normal(size=(6, 2))
    mixed = MapResult(
        SimpleNamespace(df=_df(["generated"] * 4 + ["obelix"] * 2)),
        None,
        None,
        xy,
        None,
        None,
        "me",
    )
    w = MapWidget.from_result(mixed)
    assert w.marker_label == "source" and w.marker_names == ["generated", "obelix"]
    assert w.markers.tolist() == [0, 0, 0, 0, 1, 1]
    assert w.category_label == "structure_type" and w.color_label == "me"  # colour unchanged
    one = MapResult(SimpleNamespace(df=_df(["generated"] * 6)), None, None, xy, None, None, "me")
    assert MapWidget.from_result(one).markers is None
    assert MapWidget.from_result(mixed, marker=None).markers is None  # opt out


def test_documents_keep_markers_and_hidden_groups(tmp_path):
    df = _df(["generated", "obelix", "generated"])
    w = MapWidget.from_dataframe(np.eye(3, 2), df, color="me", marker="source")
    w.hidden_markers = [1]
    path = MapDocument.from_widget(w).save(tmp_path / "m.mmap")
    w2 = MapWidget.from_document(MapDocument.load(path))
    np.testing.assert_array_equal(w2.markers, w.markers)
    assert w2.marker_names == ["generated", "obelix"] and w2.hidden_markers == [1]
    assert w2.marker_label == "source"
