"""Put candidates on the map: descriptors -> (x_comp, x_struct), predicted target, plausibility.

The map's encoder has two independent branches (paper Fig. 1): x_comp is a function of the
compositional descriptor alone and x_struct of the structural one alone. The search uses that
to screen many compositions cheaply (a composition histogram takes milliseconds, a structural
descriptor ~0.1 s) before building and featurizing structures.

Plausibility is the autoencoder's reconstruction error of a candidate's own descriptors: the
map's group reports that reconstruction error tracks thermodynamic stability (Makino et al.,
J. Phys. Chem. Lett. 2026). It is given raw (``recon_error``: mean squared error over the
scaled descriptor columns, the measure of the map's plausibility layer) and as the fraction of
the map's materials that reconstruct worse (``plausibility``, 1 = better than every known
material).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pymatgen.core import Composition, Structure


def _featurizers_of(model: Any) -> tuple[Any, Any]:
    """Default featurizers, checked against the columns the model was fitted on."""
    from ..features.composition import CompositionHistogram
    from ..features.structure import StructureDescriptor

    comp_f, struct_f = CompositionHistogram(), StructureDescriptor()
    cols = getattr(model, "columns_", None)
    if cols is not None:
        if list(cols.get("comp", [])) != comp_f.feature_labels():
            raise ValueError(
                "the model was not fitted on the default composition descriptor "
                "(CompositionHistogram()); propose cannot featurize candidates for it"
            )
        if list(cols.get("struct", [])) != struct_f.feature_labels():
            raise ValueError(
                "the model was not fitted on the default structure descriptor "
                "(StructureDescriptor()); propose cannot featurize candidates for it"
            )
    return comp_f, struct_f


def reconstruction_errors(model: Any, X: Any) -> np.ndarray:
    """Per-row reconstruction error of descriptors ``X``: the mean squared error over all
    scaled descriptor columns, the map's own plausibility measure
    (:func:`materials_map.model.plausibility.reconstruction_error`)."""
    from ..model.plausibility import reconstruction_error

    return reconstruction_error(model, X)


@dataclass
class Encoded:
    """Rows that could be put on the map (``ok``) and why the others could not."""

    coords: np.ndarray  # (n, 2), NaN where not ok
    predicted: np.ndarray  # (n,), NaN where not ok or no target head
    recon_error: np.ndarray  # (n,)
    ok: np.ndarray  # (n,) bool
    reasons: list[str] = field(default_factory=list)


class MapEncoder:
    """Encodes compositions and structures with a fitted MapModel (one per map).

    ``known_errors`` (reconstruction errors of the map's materials) turn raw errors into the
    ``plausibility`` percentile.
    """

    def __init__(self, model: Any, known_errors: np.ndarray | None = None) -> None:
        self.model = model
        self.comp_f, self.struct_f = _featurizers_of(model)
        self.n_struct = len(self.struct_f.feature_labels())
        self.known_errors = None if known_errors is None else np.sort(np.asarray(known_errors))
        self._x_comp: dict[str, float] = {}

    def x_comp(self, compositions: Sequence[Composition]) -> np.ndarray:
        """x_comp of each composition (cached by formula): only the composition branch runs."""
        keys = [Composition(c).formula for c in compositions]
        todo = sorted({k for k in keys if k not in self._x_comp})
        if todo:
            comp = np.array([self.comp_f.featurize(Composition(k)) for k in todo])
            zeros = np.zeros((len(todo), self.n_struct))
            xc = self.model.transform((comp, zeros))[:, 0]
            self._x_comp.update(zip(todo, xc.tolist(), strict=True))
        return np.array([self._x_comp[k] for k in keys], dtype=float)

    def encode(self, structures: Sequence[Structure], n_jobs: int = 1) -> Encoded:
        """Featurize structures and put them on the map; failures get a reason."""
        from ..features.batch import featurize

        n = len(structures)
        coords = np.full((n, 2), np.nan)
        pred = np.full(n, np.nan)
        err = np.full(n, np.nan)
        ok = np.zeros(n, dtype=bool)
        reasons = [""] * n
        if n == 0:
            return Encoded(coords, pred, err, ok, reasons)
        ids = [str(i) for i in range(n)]
        X = featurize(
            list(structures),
            n_jobs=n_jobs,
            progress=False,
            ids=ids,
            composition=self.comp_f,
            structure=self.struct_f,
        )
        for _, row in X.failures.iterrows():
            reasons[int(row["id"])] = f"not featurized: {row['reason']}"
        if len(X):
            rows = np.array([int(i) for i in X.ids])
            c = self.model.transform(X)
            good = np.isfinite(c).all(axis=1)
            for i in rows[~good]:
                reasons[i] = "descriptors gave a non-finite coordinate"
            coords[rows] = c
            ok[rows[good]] = True
            err[rows] = reconstruction_errors(self.model, X)
            if getattr(self.model, "has_target_", False) and good.any():
                pred[rows[good]] = self.model.predict_coords(c[good])
        return Encoded(coords, pred, err, ok, reasons)

    def plausibility(self, errors: np.ndarray) -> np.ndarray:
        """Fraction of the map's materials whose reconstruction error is larger (NaN when the
        map's errors are unknown or the error is)."""
        e = np.asarray(errors, dtype=float)
        if self.known_errors is None or not len(self.known_errors):
            return np.full(e.shape, np.nan)
        larger = len(self.known_errors) - np.searchsorted(self.known_errors, e, side="right")
        return np.where(np.isfinite(e), larger / len(self.known_errors), np.nan)
