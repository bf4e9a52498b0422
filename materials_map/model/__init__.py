"""The map model: the two-branch autoencoder (``autoencoder``), its scikit-learn style
estimator :class:`MapModel` (``estimator``), its file format (``persist``) and the studies
of a fitted model (``studies``: parity diagnostics, PCA baseline; the W sweep of a map is
:func:`materials_map.w_sweep`)."""

from .estimator import MapModel
from .studies import Diagnostics, diagnostics, pca_baseline

__all__ = ["Diagnostics", "MapModel", "diagnostics", "pca_baseline"]
