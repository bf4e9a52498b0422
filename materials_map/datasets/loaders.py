"""Build a MapDataset from CIF folders, Structure lists or DataFrames."""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from pymatgen.core import Structure

from .dataset import MapDataset


def _read_cif(path: Path) -> Structure:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pymatgen warns on every rounding of CIF occupancies
        return Structure.from_file(path)


def from_cifs(
    folder: str | os.PathLike,
    pattern: str = "*.cif",
    source: str = "cif",
    progress: bool = True,
    classify: bool = False,
) -> MapDataset:
    """Load every CIF in ``folder`` (ids are file stems).

    Files that cannot be read are skipped and reported per file in ``ds.failures`` (and one
    warning); the rest are loaded. Raises ``FileNotFoundError`` for a missing folder and
    ``ValueError`` when no file matches or none could be read.
    """
    from tqdm.auto import tqdm

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"CIF folder not found: {folder}")
    files = sorted(folder.glob(pattern))
    if not files:
        raise ValueError(f"no files matching {pattern!r} in {folder}")
    rows, failures = [], []
    for f in tqdm(files, desc="reading CIFs", disable=not progress):
        try:
            s = _read_cif(f)
            if len(s) == 0:
                raise ValueError("no atoms")
        except Exception as exc:  # noqa: BLE001 - any parse failure is recorded, not fatal
            failures.append({"item": str(f), "error": f"{type(exc).__name__}: {exc}"})
            continue
        rows.append({"id": f.stem, "structure": s, "source": source, "path": str(f)})
    if failures:
        warnings.warn(
            f"{len(failures)} of {len(files)} CIF files could not be read and were "
            f"skipped (see .failures): "
            + "; ".join(f"{Path(x['item']).name}: {x['error']}" for x in failures[:3]),
            stacklevel=2,
        )
    if not rows:
        raise ValueError(
            f"none of the {len(files)} CIF files in {folder} could be read: "
            + "; ".join(f"{Path(x['item']).name}: {x['error']}" for x in failures[:5])
        )
    ds = MapDataset(pd.DataFrame(rows), metadata={"source": str(folder), "failures": failures})
    return ds.classify(progress=progress) if classify else ds


def from_structures(
    structures: Sequence[Structure],
    ids: Sequence[str] | None = None,
    source: str = "structures",
    target: str | None = None,
    classify: bool = False,
    **labels: Sequence[Any],
) -> MapDataset:
    """Dataset from a list of Structures; keyword arguments become label columns.

    ``target`` names the default target among the labels.
    """
    structures = list(structures)
    for i, s in enumerate(structures):
        if not isinstance(s, Structure):
            raise TypeError(f"item {i} is a {type(s).__name__}, not a pymatgen Structure")
    n = len(structures)
    for k, v in labels.items():
        if len(v) != n:
            raise ValueError(f"label {k!r} has {len(v)} values for {n} structures")
    if ids is not None and len(ids) != n:
        raise ValueError(f"{len(ids)} ids for {n} structures")
    df = pd.DataFrame(
        {
            "id": list(ids) if ids is not None else [f"s{i}" for i in range(n)],
            "structure": structures,
            "source": source,
            **{k: list(v) for k, v in labels.items()},
        }
    )
    ds = MapDataset(df, target=target)
    return ds.classify(progress=False) if classify else ds


def _to_structure(value: Any, row: int) -> Structure | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, Structure):
        return value
    if isinstance(value, dict):
        return Structure.from_dict(value)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            return Structure.from_dict(json.loads(text))
        if "_cell_length_a" in text:
            return Structure.from_str(text, fmt="cif")
        return Structure.from_str(text, fmt="poscar")
    raise TypeError(f"row {row}: cannot make a Structure from {type(value).__name__}")


def from_dataframe(
    df: pd.DataFrame,
    structure_col: str = "structure",
    id_col: str | None = "id",
    target: str | None = None,
    source: str = "dataframe",
    classify: bool = False,
) -> MapDataset:
    """Dataset from a DataFrame whose ``structure_col`` holds Structures, their dicts / JSON,
    or CIF / POSCAR text. Other columns are kept as labels."""
    if structure_col not in df.columns:
        raise KeyError(f"no column {structure_col!r} in DataFrame (columns: {list(df.columns)})")
    out = df.copy().reset_index(drop=id_col is not None and id_col in df.columns)
    out["structure"] = [_to_structure(v, i) for i, v in enumerate(out.pop(structure_col))]
    if id_col is not None and id_col in out.columns and id_col != "id":
        out["id"] = out.pop(id_col)
    elif "id" not in out.columns and "index" in out.columns:
        out["id"] = out.pop("index")
    if "source" not in out.columns:
        out["source"] = source
    ds = MapDataset(out, target=target)
    return ds.classify(progress=False) if classify else ds
