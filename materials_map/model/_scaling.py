"""The model's view of descriptor scaling: a thin adapter over the public
:class:`~materials_map.features.scaling.DescriptorScaler` (per-group max scaling, paper:
"All descriptors and Emig values were scaled by the maximum value for each type"),
taking and returning the two branch arrays the model works with."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..features.descriptors import Block
from ..features.scaling import DescriptorScaler


class BranchScaler:
    """Scales ``(comp, struct)`` array pairs with a fitted :class:`DescriptorScaler`."""

    def __init__(self, scaler: DescriptorScaler | None = None) -> None:
        self.scaler = scaler

    def fit(self, comp: np.ndarray, struct: np.ndarray, blocks: Sequence[Block]) -> BranchScaler:
        """Learn one maximum per group from the training rows."""
        self.scaler = DescriptorScaler().fit_branches(comp, struct, list(blocks))
        return self

    def transform(self, comp: np.ndarray, struct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Original units -> scaled."""
        return self.scaler.transform(comp, branch="comp"), self.scaler.transform(
            struct, branch="struct"
        )

    def inverse_transform(
        self, comp: np.ndarray, struct: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scaled -> original units."""
        return (
            self.scaler.inverse_transform(comp, branch="comp"),
            self.scaler.inverse_transform(struct, branch="struct"),
        )

    def to_dict(self) -> dict:
        """JSON-safe state (the DescriptorScaler's own dict)."""
        return self.scaler.to_dict()


def make_descriptor_scaler() -> BranchScaler:
    """The scaler `MapModel` uses for descriptors."""
    return BranchScaler()


def scaler_from_dict(d: dict) -> BranchScaler:
    """Rebuild the scaler saved by :meth:`BranchScaler.to_dict`."""
    return BranchScaler(DescriptorScaler.from_dict(d))
