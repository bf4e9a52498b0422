"""The final ranking of :func:`~materials_map.propose`: distinct candidates, novelty, the table.

Candidates are ranked by distance to the target; another volume of a better-ranked candidate,
or a StructureMatcher match of one, is left out; so is a match of a map material (novelty)
unless asked for. Fits run on structures reduced once (:func:`~.known.reduced`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .candidates import COLUMNS
from .known import KnownMaterials, fits, formula_key, matcher, reduced
from .search import Built, SearchLog
from .target import Target


def candidate_table(
    pool: list[Built],
    target: Target,
    n: int,
    include_known: bool,
    log: SearchLog,
    known: KnownMaterials,
    encoder: Any,
    spacing: float,
) -> pd.DataFrame:
    """The best ``n`` distinct candidates of ``pool`` as the table of
    :class:`~.candidates.Candidates` (``spacing``: the map's nearest-neighbour spacing)."""

    sm = matcher()
    ranked = sorted(pool, key=lambda b: (float(target.rank_key(b.xy)[0]), b.id))
    kept: list[tuple[Built, str]] = []
    by_formula: dict[str, list[Any]] = {}
    bases: set[str] = set()
    for b in ranked:
        if len(kept) >= n:
            break
        base = b.base or b.id
        if base in bases:  # another volume of a better-ranked candidate
            log.skip("same structure as a better candidate")
            continue
        bases.add(base)
        key = formula_key(b.structure)
        mine = reduced(b.structure)
        if any(fits(sm, mine, o) for o in by_formula.get(key, [])):
            log.skip("same structure as a better candidate")
            continue
        by_formula.setdefault(key, []).append(mine)
        match = known.match(b.structure, sm, mine) or ""
        if match and not include_known:
            log.skip("matches a map material")
            continue
        kept.append((b, match))
    xy = np.array([b.xy for b, _ in kept]).reshape(-1, 2)
    dist = target.distance(xy) if len(kept) else np.zeros(0)
    recon = np.array([b.recon_error for b, _ in kept], dtype=float)
    plaus = encoder.plausibility(recon)
    rows = []
    for i, (b, match) in enumerate(kept):
        m = b.move
        rows.append(
            {
                "id": b.id,
                "formula": b.structure.composition.reduced_formula,
                "structure": b.structure,
                "method": m.method,
                "parent": m.parent,
                "change": m.change,
                "provenance": m.provenance,
                "structure_type": m.structure_type,
                "round": b.round,
                "probability": m.probability,
                "x_comp": float(b.xy[0]),
                "x_struct": float(b.xy[1]),
                "distance": float(dist[i]),
                "distance_nn": float(dist[i] / spacing)
                if spacing and math.isfinite(spacing)
                else math.nan,
                "predicted": b.predicted,
                "me": b.predicted,
                "me_source": "predicted by the map" if math.isfinite(b.predicted) else "unknown",
                "recon_error": b.recon_error,
                "plausibility": float(plaus[i]),
                "novel": not match,
                "match": match,
                "charge_balanced": b.charge_balanced,
                "radius_ok": b.radius_ok,
                "radius_note": b.radius_note,
                "bvs_rms": b.bvs_rms,
                "volume_factor": b.volume_factor,
                "verified": False,
                "relaxed": False,
                "verify_reason": "",
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
