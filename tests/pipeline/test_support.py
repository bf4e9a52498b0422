"""MapResult.support: the background fades where the map has no materials (issue 14)."""

from __future__ import annotations

import numpy as np

from materials_map.pipeline import SUPPORT_BANDWIDTH, support_grid


def test_support_is_one_on_the_data_and_zero_far_away():
    rng = np.random.default_rng(0)
    pts = np.vstack([rng.normal([0, 0], 0.05, (200, 2)), rng.normal([1, 1], 0.05, (200, 2))])
    extent = [-0.5, 1.5, -0.5, 1.5]
    g = support_grid(pts, extent, (64, 64))
    assert g.shape == (64, 64) and g.dtype == np.float32
    assert g.min() >= 0 and g.max() <= 1

    def at(x, y):  # value of the cell holding (x, y)
        i = int((x - extent[0]) / 2.0 * 64)
        j = int((y - extent[2]) / 2.0 * 64)
        return g[j, i]

    assert at(0, 0) == 1 and at(1, 1) == 1  # on both clusters
    assert at(1, 0) < 0.01 and at(0, 1) < 0.01  # the empty corners of the map
    # fades with distance: ~3 bandwidths out from a cluster edge it is nearly gone
    h = SUPPORT_BANDWIDTH * 2.0
    assert at(0, 0) >= at(0.15 + h, 0) >= at(0.15 + 3 * h, 0)
    assert at(0.15 + 3 * h, 0) < 0.05


def test_support_is_invariant_to_scaling_the_map():
    rng = np.random.default_rng(1)
    pts = rng.uniform(0, 1, (100, 2))
    a = support_grid(pts, [0, 1, 0, 1], (32, 32))
    b = support_grid(pts * [10, 0.1], [0, 10, 0, 0.1], (32, 32))
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert support_grid(np.empty((0, 2)), [0, 1, 0, 1], (4, 4)).max() == 0
