"""`score` for scikit-learn's model selection (``cross_val_score``, ``GridSearchCV``)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import r2_score

from ._inputs import as_parts, as_target


class ScoreMixin:
    """Adds ``score(X, y)`` to :class:`~materials_map.MapModel` (higher is better)."""

    def score(self, X, y=None, sample_weight=None) -> float:
        """R² of the predicted target on the rows of ``y`` that are labelled (NaN: not), as a
        scikit-learn regressor scores; without labels (``y`` None or all NaN, or a model fitted
        without a target) the mean reconstruction R² of the two branches."""
        parts = as_parts(X)
        target = as_target(y, len(parts.comp))
        labelled = ~np.isnan(target)
        if labelled.any() and self.has_target_:
            w = None if sample_weight is None else np.asarray(sample_weight)[labelled]
            return float(
                r2_score(
                    target[labelled],
                    self.predict((parts.comp[labelled], parts.struct[labelled])),
                    sample_weight=w,
                )
            )
        return float(np.mean(list(self.score_reconstruction(X).values())))
