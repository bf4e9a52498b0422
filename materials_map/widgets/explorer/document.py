"""What the Explorer writes out: its saved map document and its status line."""

from __future__ import annotations

import html
import json
from typing import Any

import numpy as np


def explorer_document(ex: Any, metadata: dict[str, Any] | None, structures: bool) -> Any:
    """The Explorer ``ex`` as a :class:`~materials_map.MapDocument` (see ``Explorer.save``):
    map traits, table, metadata (title, target, dataset, model parameters, the Design
    candidates' table), the model's decoders and head with the points' descriptors and,
    with ``structures``, every crystal and the pathway volumes computed so far."""
    from ..._version import __version__
    from ...io.document import MapDocument

    ds_meta = getattr(ex.result.dataset, "metadata", {}) or {}
    meta = {
        "title": ex.map.title,
        "target": ex.target,
        "n_points": int(len(ex.coords)),
        "dataset": ds_meta.get("name", ds_meta.get("description", "")),
        "model": {
            k: (list(v) if isinstance(v, tuple) else v) for k, v in ex.model.get_params().items()
        },
        "materials_map": __version__,
    }
    if ex.design.candidates is not None:  # the candidate layer's table, without crystals
        cols = ["id", "formula", "method", "provenance", "x_comp", "x_struct"]
        cols += ["distance_nn", "me", "me_source", "plausibility", "novel", "verified"]
        cand = ex.design.candidates.df[cols]
        meta["candidates"] = json.loads(cand.to_json(orient="records"))
    meta.update(metadata or {})
    crystals, volumes = document_crystals(ex) if structures else (None, None)
    return MapDocument.from_widget(
        ex.map,
        table=ex.table,
        metadata=meta,
        structures=crystals,
        pathways=volumes,
        model=ex.model,  # decoders + head: the page decodes and predicts without Python
        descriptors=ex.descriptors,
        ensemble=getattr(ex.result, "ensemble", None),
    )


def document_crystals(ex: Any) -> tuple[list | None, dict | None]:
    """Compact crystals of every point of ``ex`` and the pathway volumes computed so far."""
    from ..crystal import pathway_json, structure_json

    if ex.structures is None:
        return None, None
    crystals: list[dict | None] = []
    volumes: dict[int, dict] = {}
    for i in range(len(ex.coords)):
        s = ex._structure(i)
        if s is None:
            crystals.append(None)
            continue
        crystals.append(structure_json(s, id=ex._id(i), title=ex._title(i), index=i))
        vol = ex.crystal.volume_of(s)
        if vol is not None:
            volumes[i] = pathway_json(vol, ex._id(i), ex._title(i))
    return crystals, volumes or None


def status_html(ex: Any) -> str:
    """The Explorer's status line: counts, the focused material, the clicked coordinate with
    the predicted target there (and the head ensemble's mean ± sigma). Text is escaped."""
    parts = [f"{len(ex.coords)} materials", f"{ex.selection.size} selected"]
    i = ex.focused
    if i >= 0:
        row = ex.table.iloc[i]
        val = row.get(ex.target, np.nan)
        val = (
            f", {ex.target} = {val:.3f}"
            if isinstance(val, (float, np.floating)) and np.isfinite(val)
            else ""
        )
        parts.append(
            f"focused: <b>{html.escape(str(row.get('id', i)))}</b> "
            f"{html.escape(str(row.get('formula', '')))}{val}"
        )
    if ex.clicked is not None:
        x, y = ex.clicked
        pred = ""
        if getattr(ex.model, "has_target_", False):
            pred = f" → predicted {ex.target} {float(ex.model.predict_coords([[x, y]])[0]):.3f}"
            ens = getattr(ex.result, "ensemble", None)
            if ens is not None:  # the head ensemble's mean ± sigma at the same coordinate
                mean, sd = ens.predict([[x, y]], return_std=True)
                pred += f" (ensemble {float(mean[0]):.3f} ± {float(sd[0]):.3f})"
        parts.append(f"clicked ({x:.2f}, {y:.2f}){pred}")
    return "<span style='font-size:13px'>" + " · ".join(parts) + "</span>"
