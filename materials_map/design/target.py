"""Where candidates should land: a point of the map, or a region (polygon or map points).

x_comp and x_struct come from two separate one-number encoders, so their units are not
comparable (x_struct spans about four times the range of x_comp on the li-o map). Distances
are therefore measured with each axis divided by the standard deviation of the map's
materials along it (:func:`coordinate_scale`), much as the drawn map fits each axis to the
plot; :func:`nn_spacing` gives the map's own scale in those units, the median distance from a
material to its nearest neighbour, so results read as "within one typical spacing".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Target:
    """A point (``polygon`` is None) or a polygon region of the map.

    ``point`` is the point itself, or the region's centroid (used to rank candidates inside
    the region and to find the known materials nearest to it).
    """

    point: np.ndarray
    polygon: np.ndarray | None = None
    description: str = ""
    scale: np.ndarray = field(default_factory=lambda: np.ones(2))

    def distance(self, xy: Any) -> np.ndarray:
        """Distance of each row of ``xy`` (n, 2) to the target, each axis divided by
        ``scale``: to the point, or to the polygon (0 inside it)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2) / self.scale
        if self.polygon is None:
            return np.linalg.norm(xy - self.point / self.scale, axis=1)
        poly = self.polygon / self.scale
        inside = points_in_polygon(xy, poly)
        d = _distance_to_edges(xy, poly)
        return np.where(inside, 0.0, d)

    def rank_key(self, xy: Any) -> np.ndarray:
        """Sort key: distance to the target, then (inside a region) distance to its centroid."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        d = self.distance(xy)
        if self.polygon is None:
            return d
        # inside the region the centroid distance breaks ties; scaled below any outside gap
        return d + 1e-6 * np.linalg.norm((xy - self.point) / self.scale, axis=1)


def points_in_polygon(xy: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Even-odd rule test of each point against a closed polygon (vertices in order)."""
    x, y = xy[:, 0][:, None], xy[:, 1][:, None]
    px, py = polygon[:, 0], polygon[:, 1]
    qx, qy = np.roll(px, -1), np.roll(py, -1)
    crosses = (py > y) != (qy > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        xint = px + (y - py) * (qx - px) / (qy - py)
    return (crosses & (x < xint)).sum(axis=1) % 2 == 1


def _distance_to_edges(xy: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    a = polygon[None, :, :]
    b = np.roll(polygon, -1, axis=0)[None, :, :]
    p = xy[:, None, :]
    ab = b - a
    denom = np.maximum((ab**2).sum(-1), 1e-300)
    t = np.clip(((p - a) * ab).sum(-1) / denom, 0.0, 1.0)
    proj = a + t[..., None] * ab
    return np.linalg.norm(p - proj, axis=-1).min(axis=1)


def _cross(a: np.ndarray, b: np.ndarray) -> float:
    return float(a[0] * b[1] - a[1] * b[0])


def _convex_hull(points: np.ndarray) -> np.ndarray:
    """Vertices of the convex hull in order (monotone chain); fewer than 3 -> the points."""
    pts = np.unique(points, axis=0)
    if len(pts) < 3:
        return pts
    pts = pts[np.lexsort((pts[:, 1], pts[:, 0]))]

    def half(seq: np.ndarray) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        for p in seq:
            while len(out) >= 2 and _cross(out[-1] - out[-2], p - out[-2]) <= 0:
                out.pop()
            out.append(p)
        return out

    lower, upper = half(pts), half(pts[::-1])
    return np.array(lower[:-1] + upper[:-1])


def as_target(
    at: Any = None,
    region: Any = None,
    coords: np.ndarray | None = None,
    scale: Any = None,
) -> Target:
    """The :class:`Target` of ``propose(at=...)`` or ``propose(region=...)``.

    ``at`` is one ``(x_comp, x_struct)`` pair. ``region`` is either a polygon (an (m, 2)
    array of vertices, m >= 3) or indices of map materials (their convex hull is the region;
    one or two materials make a point target at their mean). ``scale``: per-axis divisor of
    distances (default 1, 1). Raises ``ValueError`` naming the problem otherwise.
    """
    sc = np.ones(2) if scale is None else np.asarray(scale, dtype=float).reshape(2)
    if not (np.isfinite(sc).all() and (sc > 0).all()):
        raise ValueError(f"scale must be two positive numbers, got {scale!r}")
    if (at is None) == (region is None):
        raise ValueError("give exactly one of at=(x_comp, x_struct) or region=...")
    if at is not None:
        p = np.asarray(at, dtype=float).reshape(-1)
        if p.size != 2 or not np.isfinite(p).all():
            raise ValueError(f"at must be one finite (x_comp, x_struct) pair, got {at!r}")
        return Target(p, None, f"point ({p[0]:.3f}, {p[1]:.3f})", sc)
    r = np.asarray(region)
    if r.ndim == 2 and r.shape[1] == 2 and r.dtype.kind == "f":
        poly = r.astype(float)
        if len(poly) < 3 or not np.isfinite(poly).all():
            raise ValueError(f"a region polygon needs >= 3 finite vertices, got {len(poly)}")
        return Target(_centroid(poly), poly, f"polygon of {len(poly)} vertices", sc)
    idx = r.reshape(-1)
    if idx.size == 0 or idx.dtype.kind not in "iu":
        raise ValueError(
            "region must be an (m, 2) float polygon or a non-empty list of map point indices"
        )
    if coords is None:
        raise ValueError("region given as point indices needs the map's coordinates")
    if idx.min() < 0 or idx.max() >= len(coords):
        raise ValueError(f"region index out of range (0..{len(coords) - 1}): {idx.max()}")
    pts = np.asarray(coords, dtype=float)[idx]
    hull = _convex_hull(pts)
    if len(hull) < 3 or _area(hull) <= 0:
        p = pts.mean(axis=0)
        return Target(p, None, f"mean of {idx.size} selected material(s)", sc)
    return Target(_centroid(hull), hull, f"convex hull of {idx.size} selected materials", sc)


def _area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _centroid(poly: np.ndarray) -> np.ndarray:
    a = _area(poly)
    if abs(a) < 1e-300:
        return poly.mean(axis=0)
    x, y = poly[:, 0], poly[:, 1]
    xn, yn = np.roll(x, -1), np.roll(y, -1)
    c = x * yn - xn * y
    return np.array([((x + xn) * c).sum(), ((y + yn) * c).sum()]) / (6.0 * a)


def coordinate_scale(coords: Any) -> np.ndarray:
    """Per-axis standard deviation of the map's coordinates (1 where an axis is constant)."""
    c = np.asarray(coords, dtype=float).reshape(-1, 2)
    s = c.std(axis=0) if len(c) else np.ones(2)
    return np.where(s > 0, s, 1.0)


def nn_spacing(coords: Any, scale: Any = None) -> float:
    """Median distance from each map material to its nearest other material, each axis
    divided by ``scale`` (default 1, 1)."""
    from scipy.spatial import cKDTree

    c = np.asarray(coords, dtype=float) / (1.0 if scale is None else np.asarray(scale, float))
    if len(c) < 2:
        raise ValueError("the map needs at least two materials to have a spacing")
    d, _ = cKDTree(c).query(c, k=2)
    return float(np.median(d[:, 1]))
