"""`Candidates`: the table :func:`materials_map.propose` returns, and its exports.

One row per candidate, best first (closest to the target). Columns:

=================  ==========================================================================
id                 ``cand-`` + structure fingerprint (stable across runs)
formula            reduced formula
structure          pymatgen Structure (generated, unrelaxed; relaxed after ``verify``)
method             "substitution" or "decoration"
parent             the known material's or candidate's id, or the prototype's name
change             the ions swapped ("Ti4+→Ge4+") or the decoration ("M1=Ge4+; ...")
provenance         the whole recipe in words, from the known material or prototype on
structure_type     family (inherited from the parent, or the prototype's)
round              search round that produced it (0 = first)
probability        product of the lambda-table substitution probabilities (NaN: decoration)
x_comp, x_struct   encoded map coordinate
distance           distance to the target, each axis divided by the standard deviation of
                   the map's coordinates along it (``info["scale"]``); ``distance_nn``: in
                   units of the map's median nearest-neighbour spacing (same metric)
predicted          the map's prediction of its target (e.g. ME, eV) at the coordinate
me, me_source      best known migration energy: the prediction, replaced by the BVSE
                   barrier (e_3d) after verification; where it came from
recon_error        autoencoder reconstruction error of its own descriptors (scaled units)
plausibility       fraction of the map's materials that reconstruct worse (1 = best)
novel, match       no StructureMatcher match among the map's materials / the id it matched
charge_balanced    formal charges sum to zero
radius_ok          Shannon-radius fit of every new ion (``radius_note`` says why not)
bvs_rms            bond-valence-sum mismatch after volume scaling (valence units)
volume_factor      cell volume relative to the bond-valence volume (1: as scaled; the
                   search tries others for close candidates, see ``search.volume_variants``)
verified, relaxed  set by :meth:`Candidates.verify`; ``verify_reason`` when it failed
=================  ==========================================================================
"""

from __future__ import annotations

import html
import io
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._util import write_bytes_atomic, write_text_atomic

#: the columns a summary of the candidates shows (the notebook table, the Design panel)
SUMMARY_COLUMNS = [
    "id",
    "formula",
    "method",
    "structure_type",
    "distance_nn",
    "me",
    "me_source",
    "plausibility",
    "novel",
    "verified",
]
COLUMNS = [
    "id",
    "formula",
    "structure",
    "method",
    "parent",
    "change",
    "provenance",
    "structure_type",
    "round",
    "probability",
    "x_comp",
    "x_struct",
    "distance",
    "distance_nn",
    "predicted",
    "me",
    "me_source",
    "recon_error",
    "plausibility",
    "novel",
    "match",
    "charge_balanced",
    "radius_ok",
    "radius_note",
    "bvs_rms",
    "volume_factor",
    "verified",
    "relaxed",
    "verify_reason",
]


class Candidates:
    """Candidate materials proposed for a map coordinate or region.

    Attributes
    ----------
    df : the table (see the module docstring for the columns), best first
    target : the :class:`~materials_map.design.target.Target` they were proposed for
    info : what the search did: rounds, moves, built, skipped (reason -> count), seconds,
        the map's nearest-neighbour spacing, the map's target name, the parameters
    designer : the :class:`~materials_map.design.Designer` that made them (used by
        :meth:`verify` to re-encode relaxed structures), or ``None``
    """

    def __init__(
        self,
        df: pd.DataFrame,
        target: Any = None,
        info: dict | None = None,
        designer: Any = None,
    ) -> None:
        missing = [c for c in COLUMNS if c not in df.columns]
        if missing:
            raise ValueError(f"candidate table lacks columns {missing}")
        self.df = df.reset_index(drop=True)
        self.target = target
        self.info = dict(info or {})
        self.designer = designer

    def __len__(self) -> int:
        return len(self.df)

    def __repr__(self) -> str:
        where = getattr(self.target, "description", "")
        return f"Candidates({len(self)} for {where}, {int(self.df['verified'].sum())} verified)"

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>" + self.df[SUMMARY_COLUMNS].to_html(
            index=False, float_format=lambda v: f"{v:.3g}"
        )

    @property
    def coords(self) -> np.ndarray:
        """(n, 2) encoded coordinates."""
        return self.df[["x_comp", "x_struct"]].to_numpy(dtype=float)

    @property
    def structures(self) -> list[Any]:
        """The candidate structures, in table order."""
        return list(self.df["structure"])

    def subset(self, rows: Any) -> Candidates:
        """The candidates at the given row positions (or boolean mask), same target and info."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        return Candidates(self.df.iloc[rows.astype(int)], self.target, self.info, self.designer)

    # ------------------------------------------------------------------ verification
    def verify(self, model: Any = None, **kwargs: Any) -> Candidates:
        """Relax and label every candidate (see :func:`materials_map.design.verify`); returns
        a new table whose verified rows carry the BVSE barrier in ``me``."""
        from .verification import verify

        return verify(self, model=model, **kwargs)

    # ------------------------------------------------------------------ export
    def to_cifs(self, path: str | os.PathLike, symprec: float | None = None) -> Path:
        """Write one CIF per candidate (``<id>.cif``) into a folder, or into a ``.zip`` file
        when ``path`` ends with ``.zip``; every file is written atomically. Returns ``path``."""
        from pymatgen.io.cif import CifWriter

        path = Path(path)
        texts = {
            f"{cid}.cif": str(CifWriter(s, symprec=symprec))
            for cid, s in zip(self.df["id"], self.df["structure"], strict=True)
        }
        if path.suffix.lower() == ".zip":
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                for name, text in texts.items():
                    zf.writestr(name, text)
            write_bytes_atomic(path, buf.getvalue())
            return path
        path.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            write_text_atomic(path / name, text)
        return path

    def to_dataset(self) -> Any:
        """The candidates as a :class:`~materials_map.MapDataset` (``source="proposed"``),
        ready to be added to a map; ``migration_energy`` holds verified barriers only."""
        from ..datasets.dataset import MapDataset

        df = self.df
        verified = df["verified"].to_numpy(bool)
        out = pd.DataFrame(
            {
                "id": df["id"],
                "structure": df["structure"],
                "formula": df["formula"],
                "source": "proposed",
                "structure_type": df["structure_type"],
                "provenance": df["provenance"],
                "method": df["method"],
                "relaxed": df["relaxed"].astype(bool),
                "plausibility": df["plausibility"],
                "migration_energy": np.where(verified, df["me"].to_numpy(float), np.nan),
            }
        )
        meta = {
            "name": "proposed candidates",
            "description": (
                "Candidates proposed by materials_map.propose: ion substitution into known "
                "structures and decoration of structure-type prototypes, volume scaled by "
                "bond valence; relaxed only where 'relaxed' is true. Hypothetical materials, "
                "NOT database entries. migration_energy: BVSE barrier e_3d of verified rows."
            ),
            "generated": True,
            "target_point": None
            if self.target is None
            else [float(v) for v in np.asarray(self.target.point).reshape(-1)],
        }
        return MapDataset(out, metadata=meta, target="migration_energy")
