"""``show_category_labels`` (family names on the map, js/src/map/catlabels.ts) travels with the
map's synced state: on by default, kept in saved ``.mmap`` documents and read back."""

from __future__ import annotations

import numpy as np
import pandas as pd

from materials_map.io.document import MapDocument
from materials_map.widgets.map import MapWidget


def test_labels_are_on_by_default_and_kept_in_documents(tmp_path):
    df = pd.DataFrame({"family": ["garnet", "nasicon", "olivine"] * 4})
    w = MapWidget.from_dataframe(
        np.random.default_rng(0).normal(size=(12, 2)), df, category="family"
    )
    assert w.show_category_labels is True
    assert MapDocument.from_widget(w).traits["show_category_labels"] is True
    w.show_category_labels = False
    path = MapDocument.from_widget(w).save(tmp_path / "map.mmap")
    doc = MapDocument.load(path)
    assert doc.traits["show_category_labels"] is False
    back = MapWidget.from_document(doc)
    assert back.show_category_labels is False and back.category_names == [
        "garnet",
        "nasicon",
        "olivine",
    ]
    # a document saved before the trait existed opens with the labels on
    old = {k: v for k, v in doc.traits.items() if k != "show_category_labels"}
    assert MapWidget.from_document(MapDocument(traits=old)).show_category_labels is True
