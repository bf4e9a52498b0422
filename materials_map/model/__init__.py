"""The map model: the two-branch autoencoder (``autoencoder``), its scikit-learn style
estimator :class:`MapModel` (``estimator``), its file format (``persist``) and the studies
of a fitted model (``studies``: W sweep, parity diagnostics, PCA baseline)."""

from .estimator import MapModel
from .studies import Diagnostics, diagnostics, pca_baseline, sweep_w

__all__ = ["Diagnostics", "MapModel", "diagnostics", "pca_baseline", "sweep_w"]
