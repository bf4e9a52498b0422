"""The headless main job: the map of an embedded dataset written as HTML, PNG and .mmap."""

from __future__ import annotations

import os
from pathlib import Path


def export_demo(
    out_dir: str | os.PathLike, dataset: str = "li-o", progress: bool = True
) -> list[Path]:
    """Build the map of ``dataset`` and write ``map.mmap``, ``map.html`` and ``map.png`` in ``out_dir``."""
    from .figures import save_png
    from .io.document import MapDocument
    from .pipeline import build_map
    from .widgets.map import MapWidget

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = build_map(dataset, n_jobs=2, progress=progress)
    widget = MapWidget.from_result(result)
    meta = {
        "title": f"materials map — {dataset} ({len(result.table)} materials)",
        "dataset": dataset,
        "target": result.target,
        "model": result.info,
    }
    doc = MapDocument.from_widget(widget, table=result.table, metadata=meta)
    return [
        doc.save(out / "map.mmap"),
        doc.to_html(out / "map.html"),
        save_png(result, out / "map.png"),
    ]
