"""Marker shapes of the map's points: a second, independent grouping beside the colour.

The map colours points by a value (e.g. the migration energy) or a category; ``markers``
tells groups apart by the outline drawn around each point (circle, square, diamond,
triangle: ``MARKER_SHAPES``), with a legend of its own that toggles each group. The default
use is the ``source`` of a material — a real, measured compound (OBELiX) against a generated
candidate — so both can be read on one map coloured by the same quantity.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import traitlets

from .wire import buffer_trait

#: outline shapes, by marker code (js/src/map/markers.ts draws them in this order)
MARKER_SHAPES = ("circle", "square", "diamond", "triangle")


class MarkerTraits(traitlets.HasTraits):
    """Mixin of :class:`~materials_map.MapWidget`: per-point marker codes and their legend."""

    markers = buffer_trait("uint8")
    marker_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    marker_label = traitlets.Unicode("").tag(sync=True)
    hidden_markers = traitlets.List(traitlets.Int()).tag(sync=True)

    @traitlets.validate("markers")
    def _valid_markers(self, proposal: Any) -> np.ndarray | None:
        m = proposal["value"]
        if m is not None:
            m = m.reshape(-1)
            self._check_length("markers", m)  # type: ignore[attr-defined]
        return m

    def set_markers(self, labels: Any, label: str | None = None) -> None:
        """Draw each point with the outline of its group: ``labels`` (one per point, e.g. the
        ``source`` column) are sorted and given the shapes of ``MARKER_SHAPES`` in order;
        missing labels form a ``"(none)"`` group. At most four groups. ``None`` removes the
        markers (every point a circle)."""
        if labels is None:
            with self.hold_sync():  # type: ignore[attr-defined]
                self.markers = None
                self.marker_names = []
                self.hidden_markers = []
            return
        cat = pd.Categorical(pd.Series(np.asarray(labels, dtype=object)).astype("string"))
        codes = np.asarray(cat.codes, dtype=np.int64)
        names = [str(c) for c in cat.categories]
        if (codes < 0).any():
            codes = np.where(codes < 0, len(names), codes)
            names = [*names, "(none)"]
        if len(names) > len(MARKER_SHAPES):
            raise ValueError(
                f"markers: {len(names)} groups ({', '.join(names[:6])}...) but only "
                f"{len(MARKER_SHAPES)} shapes ({', '.join(MARKER_SHAPES)}); use a category "
                "(colour) for more groups"
            )
        with self.hold_sync():  # type: ignore[attr-defined]
            self.marker_names = names
            self.markers = codes.astype(np.uint8)
            self.hidden_markers = []
            if label is not None:
                self.marker_label = label

    @property
    def visible_by_marker(self) -> np.ndarray:
        """Boolean mask of the points whose marker group is not hidden in the legend."""
        n = len(self.coords)  # type: ignore[attr-defined]
        if self.markers is None or not self.hidden_markers:
            return np.ones(n, dtype=bool)
        return ~np.isin(self.markers, np.asarray(self.hidden_markers, dtype=np.int64))
