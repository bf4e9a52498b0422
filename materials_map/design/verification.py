"""Verify candidates: relax each one, label it with the guarded BVSE barrier, re-encode it.

Relaxation uses :func:`materials_map.relaxation.relax` (CHGNet, in a guarded subprocess) when that
module and its potential are available; otherwise the unrelaxed structure is labelled and the
row says so (``relaxed`` False, ``verify_reason`` names why). Labels come from
:func:`materials_map.labels.migration_energy` (bvlain BVSE percolation barriers in guarded
subprocesses). A verified row's ``me`` is the BVSE ``e_3d`` barrier, replacing the map's
prediction; a failed step keeps the prediction and records the reason.

Candidates are verified one after another, and ``callback(position, row)`` is called after each,
so a caller (the Explorer's Design panel) can show results as they come.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .candidates import Candidates


def _relaxer() -> tuple[Callable[..., pd.DataFrame] | None, str]:
    """The relax function, or ``None`` and why it cannot be used here."""
    try:
        from ..relaxation import relax
    except ImportError as err:  # the relax layer or chgnet missing
        return None, f"relaxation unavailable ({err})"
    return relax, ""


def _relax_one(relax: Callable[..., pd.DataFrame], structure: Any, opts: dict) -> tuple[Any, str]:
    """(relaxed structure or None, note) for one structure."""
    try:
        rec = relax([structure], progress=False, **opts).iloc[0]
    except Exception as err:  # a crashed worker must not stop the other candidates
        return None, f"relaxation failed: {type(err).__name__}: {err}"
    if rec["reason"]:
        return None, f"relaxation failed: {rec['reason']}"
    note = f"relaxed (flagged: {rec['flag']})" if rec["flag"] else ""
    return rec["structure"], note


def verify(
    candidates: Candidates,
    model: Any = None,
    *,
    relax: bool = True,
    resolution: float = 0.2,
    time_limit: float = 300.0,
    memory_limit: str | int = "3 GiB",
    relax_options: dict[str, Any] | None = None,
    cache: str | None = None,
    progress: bool = True,
    callback: Callable[[int, dict], None] | None = None,
    stop: threading.Event | None = None,
) -> Candidates:
    """Relax, label and re-encode each candidate; returns a new :class:`Candidates`.

    Parameters
    ----------
    candidates : the table from :func:`materials_map.propose` (or a subset of it).
    model : the map's MapModel, to re-encode relaxed structures (default: the designer's
        model the table came from; without one the coordinates stay those of the unrelaxed
        structures).
    relax : relax with CHGNet first (when :mod:`materials_map.relaxation` is available).
    resolution, time_limit, memory_limit : BVSE label settings (per structure).
    relax_options : extra keyword arguments for :func:`materials_map.relaxation.relax`.
    cache : folder of a resumable label cache.
    callback : ``callback(position, row_dict)`` after each candidate (row_dict = the new row).
    stop : a ``threading.Event``; when set, the remaining candidates are left unverified
        with the reason "stopped".
    """
    from tqdm.auto import tqdm

    from ..labels import migration_energy

    df = candidates.df.copy()
    for col, kind in (("e_1d", float), ("e_2d", float), ("e_3d", float), ("verify_seconds", float)):
        if col not in df:
            df[col] = np.nan if kind is float else None
    df["structure_generated"] = df.get("structure_generated", df["structure"])
    encoder = getattr(candidates.designer, "encoder", None)
    if model is not None and (encoder is None or encoder.model is not model):
        from .encode import MapEncoder

        encoder = MapEncoder(model, getattr(encoder, "known_errors", None))
    relax_fn, unavailable = _relaxer() if relax else (None, "relaxation not requested")
    spacing = candidates.info.get("nn_spacing", math.nan)
    target = candidates.target

    bar = tqdm(total=len(df), desc="verify", unit="candidate", disable=not progress)
    for pos in range(len(df)):
        if stop is not None and stop.is_set():
            df.loc[df.index[pos], "verify_reason"] = "stopped"
            bar.update(1)
            continue
        t0 = time.perf_counter()
        row = df.iloc[pos].to_dict()
        s = row["structure_generated"]
        notes = []
        relaxed = None
        if relax_fn is not None:
            relaxed, note = _relax_one(relax_fn, s, dict(relax_options or {}))
            if note:
                notes.append(note)
        else:
            notes.append(f"not relaxed: {unavailable}")
        use = relaxed if relaxed is not None else s
        lab = migration_energy(
            [use],
            resolution=resolution,
            time_limit=time_limit,
            memory_limit=memory_limit,
            cache=cache,
            progress=False,
        ).iloc[0]
        row.update(e_1d=lab["e_1d"], e_2d=lab["e_2d"], e_3d=lab["e_3d"])
        row["relaxed"] = relaxed is not None
        row["structure"] = use
        row["verified"] = not lab["reason"]
        if lab["reason"]:
            notes.append(f"label failed: {lab['reason']}")
        else:
            row["me"], row["me_source"] = float(lab["e_3d"]), _source(relaxed)
            if not math.isfinite(row["me"]):
                notes.append("no 3D Li percolation path below the energy window (e_3d = inf)")
        if relaxed is not None and encoder is not None:
            enc = encoder.encode([relaxed])
            if enc.ok[0]:
                row["x_comp"], row["x_struct"] = (float(v) for v in enc.coords[0])
                row["predicted"] = float(enc.predicted[0])
                row["recon_error"] = float(enc.recon_error[0])
                row["plausibility"] = float(encoder.plausibility(enc.recon_error[:1])[0])
                if target is not None:
                    row["distance"] = float(target.distance(enc.coords[:1])[0])
                    if spacing and math.isfinite(spacing):
                        row["distance_nn"] = row["distance"] / spacing
            else:
                notes.append(f"relaxed structure not re-encoded: {enc.reasons[0]}")
        row["verify_reason"] = "; ".join(notes)
        row["verify_seconds"] = time.perf_counter() - t0
        for k, v in row.items():
            df.at[df.index[pos], k] = v
        if callback is not None:
            callback(pos, row)
        bar.update(1)
    bar.close()
    return Candidates(df, candidates.target, candidates.info, candidates.designer)


def _source(relaxed: Any) -> str:
    return "BVSE e_3d, relaxed (CHGNet)" if relaxed is not None else "BVSE e_3d, unrelaxed"
