"""The headless main job: the map of an embedded dataset written as HTML, PNG and .mmap."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np


def save_png(result: Any, path: str | os.PathLike, dpi: int = 150) -> Path:
    """A static PNG of a map (Fig. 7 style): predicted-target background + points coloured by it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .io.atomic import write_bytes_atomic

    table = result.table
    y = table[result.target].to_numpy(dtype=float) if result.target in table else None
    finite = np.isfinite(result.grid)
    vals = [result.grid[finite]] + ([y[np.isfinite(y)]] if y is not None else [])
    vmin, vmax = (float(np.min(np.concatenate(vals))), float(np.max(np.concatenate(vals))))

    fig, ax = plt.subplots(figsize=(7.5, 6.2), layout="constrained")
    im = ax.imshow(result.grid, extent=result.extent, origin="lower", aspect="auto",
                   cmap="viridis", vmin=vmin, vmax=vmax, alpha=0.55, interpolation="nearest")
    if y is not None:
        ax.scatter(result.coords[:, 0], result.coords[:, 1], c=y, cmap="viridis", vmin=vmin, vmax=vmax,
                   s=10, edgecolors="black", linewidths=0.25)
    else:
        ax.scatter(result.coords[:, 0], result.coords[:, 1], s=8, c="black")
    ax.set_xlim(result.extent[:2])
    ax.set_ylim(result.extent[2:])
    ax.set_xlabel("x_comp (compositional axis)")
    ax.set_ylabel("x_struct (structural axis)")
    ax.set_title(f"materials map: {len(table)} materials, background = predicted {result.target}")
    fig.colorbar(im, ax=ax, label=f"{result.target} (eV)" if "energy" in result.target else result.target)
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return write_bytes_atomic(path, buf.getvalue())


def export_demo(out_dir: str | os.PathLike, dataset: str = "li-o", progress: bool = True) -> list[Path]:
    """Build the map of ``dataset`` and write ``map.mmap``, ``map.html`` and ``map.png`` in ``out_dir``."""
    from .io.document import MapDocument
    from .pipeline import build_map

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = build_map(dataset, n_jobs=2, progress=progress)
    widget = result.to_widget()
    meta = {
        "title": f"materials map — {dataset} ({len(result.table)} materials)",
        "dataset": dataset,
        "target": result.target,
        "model": result.info,
    }
    doc = MapDocument.from_widget(widget, table=result.table, metadata=meta)
    return [doc.save(out / "map.mmap"), doc.to_html(out / "map.html"), save_png(result, out / "map.png")]
