"""Build a MapDataset from CIF folders, Structure lists or DataFrames.

One rule for all three: every input is kept or refused with its id and a reason (in
``ds.failures``); one bad item never stops the batch; the call ends with one summary line
(a ``UserWarning`` when anything was refused) that groups the reasons. A call raises only when
it cannot work at all: a missing folder, no matching file, nothing usable.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from pymatgen.core import Structure

from .._util.outcome import report
from .._util.validate import structure_problem
from .cif_reading import MAX_BYTES, TIME_LIMIT, CifRefused, parse_cif_text, read_cif
from .dataset import MapDataset

#: file name endings read by default (compressed CIFs are read transparently)
CIF_SUFFIXES = (".cif", ".cif.gz", ".cif.bz2", ".cif.xz")


def _cif_id(path: Path) -> str:
    name = path.name
    for suffix in sorted(CIF_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def _keep_or_record(
    ident: str,
    pos: int,
    kind: str,
    reason: str | None,
    seen: dict[str, int],
    keep: list[int],
    failures: list[dict],
) -> bool:
    """Keep item ``pos`` (True) or record it with its reason; a repeated id is a reason."""
    if reason is None and ident in seen:
        reason = f"duplicate id: {ident!r} is already used by {kind} {seen[ident]}"
    if reason:
        failures.append(_failure(ident, f"{kind} {pos}", reason))
        return False
    seen[ident] = pos
    keep.append(pos)
    return True


def _failure(ident: str, item: str, reason: str) -> dict[str, str]:
    return {"id": ident, "item": item, "error": reason}


def _finish(
    what: str, unit: str, total: int, failures: list[dict], metadata: dict[str, Any]
) -> dict[str, Any]:
    line = report(what, unit, total, [f["error"] for f in failures], "see ds.failures")
    metadata["failures"] = failures
    metadata["summary"] = line
    return metadata


def from_cifs(
    folder: str | os.PathLike,
    pattern: str | None = None,
    source: str = "cif",
    progress: bool = True,
    classify: bool = False,
    *,
    blocks: str = "first",
    max_bytes: int = MAX_BYTES,
    time_limit: float | None = TIME_LIMIT,
    check_formula: bool = True,
) -> MapDataset:
    """Load every CIF in ``folder`` (ids are file names without ``.cif`` / ``.cif.gz``).

    Files that cannot be used are refused with a reason, listed in ``ds.failures`` (each
    ``{"id", "item", "error"}``) and summarised in one warning; notes on files that were kept
    (encoding, compression, merged sites) are in ``ds.metadata["notes"]``. Raises
    ``FileNotFoundError`` for a missing folder and ``ValueError`` when no file matches or none
    could be read. Rules and limits: ``docs/reliability.md``.

    Parameters
    ----------
    folder : the folder to read.
    pattern : a glob pattern (e.g. ``"**/*.cif"``); default: names ending in ``.cif``,
        ``.cif.gz``, ``.cif.bz2`` or ``.cif.xz`` (any case) directly in ``folder``.
    source : value of the ``source`` column.
    progress : show a progress bar.
    classify : fill ``structure_type`` (see :meth:`MapDataset.classify`).
    blocks : ``"first"`` reads the first data block with atom sites of each file; ``"all"``
        reads each block as its own material, with id ``"<file id>/<block name>"``.
    max_bytes, time_limit : per-file limits (bytes after decompression, seconds).
    check_formula : refuse a file whose declared ``_chemical_formula_sum`` disagrees with its
        atom sites (a truncated or edited file); hydrogen left out is only noted.
    """
    from tqdm.auto import tqdm

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"CIF folder not found: {folder}")
    if pattern is None:
        files = sorted(
            p for p in folder.iterdir() if p.name.lower().endswith(CIF_SUFFIXES) and p.is_file()
        )
        described = "files ending in " + " / ".join(CIF_SUFFIXES)
    else:
        files = sorted(p for p in folder.glob(pattern) if p.is_file())
        described = f"files matching {pattern!r}"
    if not files:
        raise ValueError(f"no {described} in {folder}")
    rows, failures, notes = [], [], {}
    seen: dict[str, str] = {}
    for f in tqdm(files, desc="reading CIFs", disable=not progress):
        ident = _cif_id(f)
        try:
            entries = read_cif(
                f,
                blocks=blocks,
                max_bytes=max_bytes,
                time_limit=time_limit,
                check_formula=check_formula,
            )
        except CifRefused as exc:
            failures.append(_failure(ident, str(f), str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - a reader bug must not lose the batch
            failures.append(
                _failure(ident, str(f), f"unexpected error: {type(exc).__name__}: {exc}")
            )
            continue
        for entry in entries:
            eid = ident if blocks == "first" or len(entries) == 1 else f"{ident}/{entry.block}"
            if eid in seen:
                failures.append(
                    _failure(eid, str(f), f"duplicate id: {eid!r} is already used by {seen[eid]}")
                )
                continue
            seen[eid] = f.name
            rows.append({"id": eid, "structure": entry.structure, "source": source, "path": str(f)})
            if entry.notes:
                notes[eid] = "; ".join(entry.notes)
    metadata = _finish("from_cifs", "CIF files", len(files), failures, {"source": str(folder)})
    metadata["notes"] = notes
    if not rows:
        raise ValueError(
            f"none of the {len(files)} CIF files in {folder} could be read: "
            + "; ".join(f"{Path(x['item']).name}: {x['error']}" for x in failures[:5])
        )
    ds = MapDataset(pd.DataFrame(rows), metadata=metadata)
    return ds.classify(progress=progress) if classify else ds


def _check_structure(value: Any, row: Any) -> tuple[Structure | None, str | None]:
    if not isinstance(value, Structure):
        return None, (
            f"not a structure: row {row} holds a {type(value).__name__}, not a pymatgen Structure"
        )
    return value, structure_problem(value)


def from_structures(
    structures: Sequence[Structure],
    ids: Sequence[str] | None = None,
    source: str = "structures",
    target: str | None = None,
    classify: bool = False,
    **labels: Sequence[Any],
) -> MapDataset:
    """Dataset from a list of Structures; keyword arguments become label columns.

    ``target`` names the default target among the labels. Items that are not Structures, are
    not physical crystals (:func:`materials_map._util.validate.structure_problem`) or repeat an
    id are refused with a reason (``ds.failures``) and the rest kept. Raises ``ValueError``
    when label or id lengths do not match or nothing is usable.
    """
    structures = list(structures)
    n = len(structures)
    labels = {k: list(v) for k, v in labels.items()}
    for k, v in labels.items():
        if len(v) != n:
            raise ValueError(f"label {k!r} has {len(v)} values for {n} structures")
    if ids is not None and len(ids) != n:
        raise ValueError(f"{len(ids)} ids for {n} structures")
    id_list = [str(i) for i in ids] if ids is not None else [f"s{i}" for i in range(n)]
    keep, failures, seen = [], [], {}
    for i, (ident, s) in enumerate(zip(id_list, structures, strict=True)):
        _, reason = _check_structure(s, i)
        _keep_or_record(ident, i, "item", reason, seen, keep, failures)
    metadata = _finish("from_structures", "structures", n, failures, {})
    if n and not keep:
        wrong_type = all(x["error"].startswith("not a structure") for x in failures)
        raise (TypeError if wrong_type else ValueError)(
            f"none of the {n} structures is usable: "
            + "; ".join(f"{x['id']}: {x['error']}" for x in failures[:5])
        )
    df = pd.DataFrame(
        {
            "id": [id_list[i] for i in keep],
            "structure": [structures[i] for i in keep],
            "source": source,
            **{k: [v[i] for i in keep] for k, v in labels.items()},
        }
    )
    ds = MapDataset(df, target=target, metadata=metadata)
    return ds.classify(progress=False) if classify else ds


def _to_structure(value: Any, row: Any) -> Structure | None:
    """A Structure from a DataFrame cell; ``None`` for an empty cell; ``ValueError`` with the
    reason otherwise."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, Structure):
        return value
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pymatgen warns on every rounded CIF coordinate
            if isinstance(value, dict):
                return Structure.from_dict(value)
            if isinstance(value, str):
                text = value.strip()
                if not text:
                    return None
                if text.startswith("{"):
                    return Structure.from_dict(json.loads(text))
                if "_cell_length_a" in text or text.lower().startswith("data_"):
                    return parse_cif_text(text)
                return Structure.from_str(text, fmt="poscar")
    except CifRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - the parser's own words become the reason
        kind = "dict" if isinstance(value, dict) else "text"
        raise ValueError(
            f"unreadable structure: row {row} {kind} could not be read "
            f"({type(exc).__name__}: {exc})"
        ) from None
    raise ValueError(
        f"not a structure: row {row} holds a {type(value).__name__}, not a Structure, "
        "its dict / JSON, or CIF / POSCAR text"
    )


def from_dataframe(
    df: pd.DataFrame,
    structure_col: str = "structure",
    id_col: str | None = "id",
    target: str | None = None,
    source: str = "dataframe",
    classify: bool = False,
) -> MapDataset:
    """Dataset from a DataFrame whose ``structure_col`` holds Structures, their dicts / JSON,
    or CIF / POSCAR text. Other columns are kept as labels.

    A row whose structure cannot be read or is not a physical crystal is refused with its id
    (the ``id_col`` value, else the row label) and the reason (``ds.failures``); so is a row
    repeating an id. Empty cells (``None`` / NaN) are kept as rows without a structure.
    Raises ``KeyError`` for a missing column and ``ValueError`` when no row is usable.
    """
    if structure_col not in df.columns:
        raise KeyError(f"no column {structure_col!r} in DataFrame (columns: {list(df.columns)})")
    has_ids = id_col is not None and id_col in df.columns
    out = df.copy().reset_index(drop=has_ids)
    if has_ids and id_col != "id":
        out["id"] = out.pop(id_col)
    elif "id" not in out.columns and "index" in out.columns:
        out["id"] = out.pop("index")
    elif "id" not in out.columns:
        out["id"] = [f"m{i}" for i in range(len(out))]
    out["id"] = out["id"].astype(str)
    values = list(out.pop(structure_col))
    structures, keep, failures, seen = [], [], [], {}
    for pos, (ident, value) in enumerate(zip(out["id"], values, strict=True)):
        label = f"{ident!r} (row {pos})"
        try:
            s = _to_structure(value, label)
            reason = None if s is None else structure_problem(s)
        except ValueError as exc:  # CifRefused is one
            s, reason = None, str(exc)
        if _keep_or_record(ident, pos, "row", reason, seen, keep, failures):
            structures.append(s)
    metadata = _finish("from_dataframe", "rows", len(out), failures, {})
    if len(out) and not keep:
        raise ValueError(
            f"none of the {len(out)} rows is usable: "
            + "; ".join(f"{x['id']}: {x['error']}" for x in failures[:5])
        )
    out = out.iloc[keep].reset_index(drop=True)
    out["structure"] = structures
    if "source" not in out.columns:
        out["source"] = source
    ds = MapDataset(out, target=target, metadata=metadata)
    return ds.classify(progress=False) if classify else ds
