"""Checking and normalising what users pass to `MapModel` (X and y)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..features.descriptors import Block, Descriptors


@dataclass
class Parts:
    """The pieces of an X that the model needs, whatever form X came in."""

    comp: np.ndarray
    struct: np.ndarray
    blocks: list[Block]
    columns: dict[str, list[str]]
    ids: np.ndarray


def _check_matrix(a, name: str) -> np.ndarray:
    try:
        a = np.asarray(a, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} descriptors are not numeric: {exc}") from None
    if a.ndim != 2:
        raise ValueError(f"{name} descriptors must be 2-D (rows x columns), got shape {a.shape}")
    bad = np.flatnonzero(~np.isfinite(a).all(axis=1))
    if bad.size:
        raise ValueError(
            f"{name} descriptors hold NaN or infinite values in rows {bad[:10].tolist()}"
            f"{' ...' if bad.size > 10 else ''}; drop or fix those rows first"
        )
    return a


def as_parts(X) -> Parts:
    """Accept a :class:`Descriptors` or a ``(comp, struct)`` pair of arrays.

    A plain pair treats each branch as one scaling family.
    """
    if isinstance(X, Descriptors):
        comp = _check_matrix(X.comp, "compositional")
        struct = _check_matrix(X.struct, "structural")
        blocks = list(X.blocks) or _whole_branch_blocks(comp.shape[1], struct.shape[1])
        return Parts(comp, struct, blocks, dict(X.columns), np.asarray(X.ids, dtype=object))
    if isinstance(X, (tuple, list)) and len(X) == 2:
        comp = _check_matrix(X[0], "compositional")
        struct = _check_matrix(X[1], "structural")
        if len(comp) != len(struct):
            raise ValueError(
                f"compositional and structural descriptors have different row counts: "
                f"{len(comp)} vs {len(struct)}"
            )
        n_c, n_s = comp.shape[1], struct.shape[1]
        columns = {
            "comp": [f"comp_{i}" for i in range(n_c)],
            "struct": [f"struct_{i}" for i in range(n_s)],
        }
        return Parts(
            comp,
            struct,
            _whole_branch_blocks(n_c, n_s),
            columns,
            np.arange(len(comp)).astype(object),
        )
    raise TypeError(
        f"X must be a materials_map.Descriptors or a (comp_array, struct_array) pair, got {type(X).__name__}"
    )


def _whole_branch_blocks(n_comp: int, n_struct: int) -> list[Block]:
    return [
        Block("comp", "comp", "comp", 0, n_comp),
        Block("struct", "struct", "struct", 0, n_struct),
    ]


def as_target(y, n: int) -> np.ndarray:
    """Float vector of length ``n``; NaN (or None) marks unlabelled rows; ``y=None`` means no labels."""
    if y is None:
        return np.full(n, np.nan)
    try:
        arr = np.asarray(
            [np.nan if v is None else v for v in np.asarray(y, dtype=object).ravel()], dtype=float
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(f"y must be numeric (NaN for unlabelled rows): {exc}") from None
    if arr.shape != (n,):
        raise ValueError(f"y has {arr.size} values but X has {n} rows")
    bad = np.flatnonzero(np.isinf(arr))
    if bad.size:
        raise ValueError(f"y is infinite in rows {bad[:10].tolist()}; use NaN for unlabelled rows")
    return arr
