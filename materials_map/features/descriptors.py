"""`Descriptors`: the arrays that flow from featurization into the model.

Kept in its own small module because the model, the widgets and the featurizers all
depend on it, while it depends on nothing but numpy and pandas.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Block:
    """A contiguous span of descriptor columns that belong together.

    ``branch`` is ``"comp"`` or ``"struct"``; ``start``/``stop`` index into that branch's
    array. ``group`` is the scaling group (``"comp"``, ``"rdf"``, ``"adf"``, ``"voronoi"``):
    the paper scales each group by its own maximum. (A *family* is a structure type.)
    """

    name: str
    branch: str
    group: str
    start: int
    stop: int

    @property
    def family(self) -> str:
        """Deprecated name of :attr:`group` (docs before 0.2 called it ``Block.family``)."""
        warnings.warn("Block.family is deprecated: use Block.group", FutureWarning, stacklevel=2)
        return self.group

    @property
    def slice(self) -> slice:
        return slice(self.start, self.stop)

    def __len__(self) -> int:
        return self.stop - self.start


@dataclass
class Descriptors:
    """Compositional and structural descriptors of a set of materials.

    Attributes
    ----------
    comp : (n, n_comp) float array
    struct : (n, n_struct) float array
    columns : dict with keys ``"comp"`` and ``"struct"``, each a list of column names
        (the featurizers' ``feature_labels()``)
    blocks : list of :class:`Block` covering both branches
    ids : (n,) array of material ids, aligned with the rows
    failures : DataFrame with columns ``id`` and ``reason`` (items that could not be featurized)
    """

    comp: np.ndarray
    struct: np.ndarray
    columns: dict[str, list[str]]
    blocks: list[Block]
    ids: np.ndarray
    failures: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {"id": pd.Series(dtype=object), "reason": pd.Series(dtype=str)}
        )
    )

    def __post_init__(self) -> None:
        self.comp = np.asarray(self.comp, dtype=float)
        self.struct = np.asarray(self.struct, dtype=float)
        self.ids = np.asarray(self.ids, dtype=object)
        if not (len(self.comp) == len(self.struct) == len(self.ids)):
            raise ValueError(
                f"Descriptors rows disagree: comp {len(self.comp)}, struct {len(self.struct)}, "
                f"ids {len(self.ids)}"
            )

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, comp + struct columns)``: what scikit-learn's model selection reads."""
        return (len(self), self.comp.shape[1] + self.struct.shape[1])

    def __getitem__(self, idx) -> Descriptors:
        """The rows ``idx`` (an int, a slice, positions or a boolean mask) as Descriptors.

        ``X[idx, ...]`` works too, as scikit-learn indexes arrays (``cross_val_score``,
        ``GridSearchCV``, ``train_test_split``)."""
        if isinstance(idx, tuple) and len(idx) == 2 and idx[1] is Ellipsis:
            idx = idx[0]
        if isinstance(idx, slice):
            idx = np.arange(len(self))[idx]
        idx = np.atleast_1d(np.asarray(idx))
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        elif idx.size and not np.issubdtype(idx.dtype, np.integer):
            raise IndexError(f"Descriptors rows are indexed by position, got {idx.dtype} keys")
        idx = idx.astype(int)
        return Descriptors(
            comp=self.comp[idx],
            struct=self.struct[idx],
            columns=self.columns,
            blocks=self.blocks,
            ids=self.ids[idx],
            failures=self.failures,
        )

    def blocks_of(self, branch: str) -> list[Block]:
        """The blocks of one branch (``"comp"`` or ``"struct"``), in column order."""
        return [b for b in self.blocks if b.branch == branch]

    def __repr__(self) -> str:
        def branch(name: str, a: np.ndarray) -> str:
            kinds = dict.fromkeys(b.name.split("[")[0] for b in self.blocks_of(name))
            return f"{name} {a.shape[1]} columns ({'/'.join(kinds)})"

        n = f"{len(self)} material{'s' * (len(self) != 1)}"
        return (
            f"Descriptors({n}; {branch('comp', self.comp)}; "
            f"{branch('struct', self.struct)}; {len(self.failures)} failures)"
        )
