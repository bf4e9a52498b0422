"""Preparing the Explorer's inputs: a MapResult from (dataset, descriptors, model), and the
per-point table the panels read (Li / O fractions filled in when a dataset lacks them)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


class FrameDataset:
    """A plain DataFrame seen as a dataset (``.df``, ``.subset``), for Explorer inputs that are
    not :class:`~materials_map.MapDataset` objects."""

    def __init__(self, df: pd.DataFrame, target: str | None = None, metadata: dict | None = None) -> None:
        df = df.reset_index(drop=True)
        if "id" not in df:
            df.insert(0, "id", [str(i) for i in range(len(df))])
        self.df = df
        self.target = target
        self.metadata = dict(metadata or {})

    def subset(self, rows: Any) -> FrameDataset:
        """The rows at positions ``rows``."""
        return FrameDataset(self.df.iloc[np.asarray(rows, dtype=int)], self.target, self.metadata)

    def __len__(self) -> int:
        return len(self.df)


def as_dataset(dataset: Any) -> Any:
    """A dataset object with ``.df``: MapDatasets pass through, DataFrames are wrapped."""
    if isinstance(dataset, pd.DataFrame):
        return FrameDataset(dataset)
    if isinstance(getattr(dataset, "df", None), pd.DataFrame):
        return dataset
    raise TypeError(f"expected a MapDataset or a pandas DataFrame, got {type(dataset).__name__}")


def align(dataset: Any, descriptors: Any) -> Any:
    """The dataset rows in the order of ``descriptors.ids`` (featurization drops failures).

    Raises ``ValueError`` naming descriptor ids that the dataset does not have.
    """
    ids = pd.Index(dataset.df["id"].astype(str))
    want = pd.Index(np.asarray(descriptors.ids).astype(str))
    pos = ids.get_indexer(want)
    if (pos < 0).any():
        missing = list(want[pos < 0][:5])
        raise ValueError(f"{int((pos < 0).sum())} descriptor row(s) have ids not in the dataset, e.g. {missing}")
    if len(pos) == len(ids) and (pos == np.arange(len(ids))).all():
        return dataset
    if hasattr(dataset, "subset"):
        return dataset.subset(pos)
    return FrameDataset(dataset.df.iloc[pos])


def make_result(dataset: Any, descriptors: Any, model: Any, target: str | None = None) -> Any:
    """A :class:`~materials_map.pipeline.MapResult` from already computed parts."""
    from ..pipeline import MapResult, prediction_grid

    ds = align(as_dataset(dataset), descriptors)
    target = target or getattr(ds, "target", None) or "migration_energy"
    coords = model.transform(descriptors)
    if getattr(model, "has_target_", True):
        grid, extent = prediction_grid(model, coords)
    else:  # a pure autoencoder has no prediction head worth drawing
        grid, extent = None, None
    return MapResult(ds, descriptors, model, coords, grid, extent, target, {"model": "given"})


def atomic_fraction(structure: Any, formula: Any, element: str) -> float:
    """Molar (atomic) fraction of ``element``: occupancy-weighted from a structure when there is
    one, else from the formula; NaN when neither can be read."""
    from pymatgen.core import Composition

    try:
        if structure is not None and hasattr(structure, "composition"):
            comp = structure.composition
        elif isinstance(formula, str) and formula:
            comp = Composition(formula)
        else:
            return float("nan")
        return float(comp.get_atomic_fraction(element))
    except Exception:  # unreadable formula: the point simply has no fraction
        return float("nan")


def point_table(result: Any) -> pd.DataFrame:
    """``result.table`` plus ``li_fraction`` / ``o_fraction`` / ``formula`` when the dataset lacks them."""
    table = result.table
    df = result.dataset.df.reset_index(drop=True)
    structures = list(df["structure"]) if "structure" in df else [None] * len(df)
    formulas = list(df["formula"]) if "formula" in df else [None] * len(df)
    if "formula" not in table:
        table["formula"] = [
            s.composition.reduced_formula if hasattr(s, "composition") else None for s in structures
        ]
        formulas = list(table["formula"])
    for col, el in (("li_fraction", "Li"), ("o_fraction", "O")):
        if col not in table:
            table[col] = [atomic_fraction(s, f, el) for s, f in zip(structures, formulas, strict=True)]
    return table


def structures_of(result: Any) -> list | None:
    """The per-point pymatgen Structures (None entries for composition-only rows), or None."""
    df = result.dataset.df
    return list(df["structure"].reset_index(drop=True)) if "structure" in df else None
