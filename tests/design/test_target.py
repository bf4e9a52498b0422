"""Targets of propose: point and polygon distances, regions from map points, the map spacing."""

from __future__ import annotations

import numpy as np
import pytest

from materials_map.design.target import (
    as_target,
    coordinate_scale,
    nn_spacing,
    points_in_polygon,
)

SQUARE = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]])


def test_point_distance_is_euclidean():
    t = as_target(at=(1.0, 2.0))
    np.testing.assert_allclose(t.distance([[4.0, 6.0], [1.0, 2.0]]), [5.0, 0.0])


def test_polygon_distance_is_zero_inside_and_to_the_nearest_edge_outside():
    t = as_target(region=SQUARE)
    np.testing.assert_allclose(t.point, [1.0, 1.0])
    d = t.distance([[1.0, 1.0], [3.0, 1.0], [3.0, 3.0], [-0.5, 1.9]])
    np.testing.assert_allclose(d, [0.0, 1.0, np.sqrt(2.0), 0.5])
    # inside, the centroid breaks ties: the centre ranks before a point near the edge
    k = t.rank_key([[1.0, 1.0], [1.9, 1.9]])
    assert k[0] < k[1] < 1e-5


def test_scale_divides_each_axis():
    t = as_target(at=(0.0, 0.0), scale=(1.0, 4.0))
    np.testing.assert_allclose(t.distance([[3.0, 16.0]]), [5.0])
    poly = as_target(region=SQUARE * [1, 4], scale=(1.0, 4.0))
    np.testing.assert_allclose(poly.distance([[3.0, 4.0], [1.0, 12.0]]), [1.0, 1.0])
    g = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 8.0], [1.0, 8.0]])
    assert nn_spacing(g, scale=(1.0, 8.0)) == pytest.approx(1.0)
    assert coordinate_scale(g).tolist() == [0.5, 4.0]
    with pytest.raises(ValueError, match="scale"):
        as_target(at=(0, 0), scale=(1.0, 0.0))


def test_even_odd_rule_on_a_concave_polygon():
    u = np.array([[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3]], float)
    inside = points_in_polygon(np.array([[0.5, 2.0], [1.5, 2.0], [2.5, 2.0], [1.5, 0.5]]), u)
    assert inside.tolist() == [True, False, True, True]


def test_region_from_point_indices_is_their_convex_hull():
    coords = np.array([[0, 0], [2, 0], [2, 2], [0, 2], [1, 1], [5, 5]], float)
    t = as_target(region=[0, 1, 2, 3, 4], coords=coords)
    assert t.polygon is not None and len(t.polygon) == 4  # the interior point is not a vertex
    assert t.distance([[1.0, 1.0]])[0] == 0.0 and t.distance([[5.0, 5.0]])[0] == pytest.approx(
        np.hypot(3.0, 3.0)
    )
    # two materials span no area: their mean is a point target
    t2 = as_target(region=[0, 1], coords=coords)
    assert t2.polygon is None and t2.point.tolist() == [1.0, 0.0]


def test_nn_spacing_of_a_square_grid():
    g = np.stack(np.meshgrid(np.arange(5.0), np.arange(4.0)), -1).reshape(-1, 2) * 0.25
    assert nn_spacing(g) == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one"),
        ({"at": (0, 0), "region": SQUARE}, "exactly one"),
        ({"at": (0, np.nan)}, "finite"),
        ({"at": (1, 2, 3)}, "one finite"),
        ({"region": SQUARE[:2]}, ">= 3"),
        ({"region": [0, 99], "coords": SQUARE}, "out of range"),
        ({"region": [0, 1]}, "coordinates"),
    ],
)
def test_bad_targets_say_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        as_target(**kwargs)
