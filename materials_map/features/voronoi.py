"""Periodic Voronoi tessellation from ONE qhull call on a padded point cloud.

pymatgen's ``VoronoiNN`` runs qhull once per site; here every site of the cell is
tessellated together: the cell's points plus every periodic image within ``padding`` Å of
the cell go to :class:`scipy.spatial.Voronoi`, and only the faces of the original points
are kept. Face areas come from fan triangulation of qhull's (ordered) ridge polygons and
cell volumes from the pyramid rule V = sum(A * d / 6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import Voronoi


@dataclass
class VoronoiFaces:
    """Faces of the Voronoi cells of the sites in one unit cell.

    ``site`` (n_faces,) index of the site owning the face; ``neighbor`` (n_faces,) index
    (in the cell) of the site across the face; ``area`` (n_faces,) Å²; ``distance``
    (n_faces,) site–neighbour distance (the face is at half of it); ``volume`` (n_sites,) Å³.
    """

    site: np.ndarray
    neighbor: np.ndarray
    area: np.ndarray
    distance: np.ndarray
    volume: np.ndarray


def padded_images(
    frac: np.ndarray, matrix: np.ndarray, padding: float
) -> tuple[np.ndarray, np.ndarray]:
    """Cartesian points of the cell plus its images within ``padding`` Å of the cell.

    Returns (points, owner) with the ``len(frac)`` original points first.
    """
    frac = np.mod(frac, 1.0)
    # distance between opposite cell faces is 1/|b_k| (reciprocal vectors without 2 pi)
    recip_len = np.linalg.norm(np.linalg.inv(matrix).T, axis=1)
    margin = padding * recip_len  # padding in fractional units, per axis
    n = np.ceil(margin).astype(int)
    ranges = [np.arange(-k, k + 1) for k in n]
    shifts = np.stack(np.meshgrid(*ranges, indexing="ij"), -1).reshape(-1, 3)
    shifts = shifts[np.argsort(np.abs(shifts).sum(1), kind="stable")]  # (0,0,0) first
    f = frac[None, :, :] + shifts[:, None, :]
    keep = np.all((f >= -margin) & (f <= 1 + margin), axis=2)
    keep[0] = True
    owner = np.broadcast_to(np.arange(len(frac)), keep.shape)[keep]
    return f[keep] @ matrix, owner


def voronoi_faces(frac: np.ndarray, matrix: np.ndarray, padding: float = 6.0) -> VoronoiFaces:
    """Voronoi faces and cell volumes of all sites of a periodic cell (one qhull call).

    Raises ``ValueError`` when the padding is too small to close every cell (the caller
    may retry with more padding).
    """
    n_sites = len(frac)
    points, owner = padded_images(frac, matrix, padding)
    vor = Voronoi(points)
    rp = vor.ridge_points
    sel = np.flatnonzero((rp[:, 0] < n_sites) | (rp[:, 1] < n_sites))
    verts = [vor.ridge_vertices[r] for r in sel]
    lengths = np.fromiter((len(v) for v in verts), int, len(verts))
    flat = np.fromiter((i for v in verts for i in v), int, int(lengths.sum()))
    if (flat < 0).any():
        raise ValueError(f"Voronoi cell not closed with {padding} Å padding")
    starts = np.cumsum(lengths) - lengths
    # fan triangles (v0, v_k, v_k+1) of each convex face polygon
    n_tri = lengths - 2
    rid = np.repeat(np.arange(len(sel)), n_tri)
    k = np.arange(len(rid)) - np.repeat(np.cumsum(n_tri) - n_tri, n_tri) + 1
    vv = vor.vertices
    a = vv[flat[starts[rid]]]
    b = vv[flat[starts[rid] + k]]
    c = vv[flat[starts[rid] + k + 1]]
    tri = 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1)
    area = np.bincount(rid, tri, minlength=len(sel))
    p, q = rp[sel, 0], rp[sel, 1]
    dist = np.linalg.norm(points[p] - points[q], axis=1)
    # a ridge between two original points is a face of both cells
    site = np.concatenate([p[p < n_sites], q[q < n_sites]])
    other = np.concatenate([q[p < n_sites], p[q < n_sites]])
    area = np.concatenate([area[p < n_sites], area[q < n_sites]])
    dist = np.concatenate([dist[p < n_sites], dist[q < n_sites]])
    volume = np.bincount(site, area * dist / 6.0, minlength=n_sites)
    return VoronoiFaces(site, owner[other], area, dist, volume)


def periodic_voronoi(
    frac: np.ndarray, matrix: np.ndarray, padding: float = 6.0, rtol: float = 1e-6
) -> VoronoiFaces:
    """:func:`voronoi_faces` with a closure check: volumes must sum to the cell volume.

    Retries with doubled padding (twice) when a cell is open or the sum is off, which
    only happens for very sparse cells.
    """
    cell_volume = abs(np.linalg.det(matrix))
    err = "not tried"
    for attempt in range(3):
        pad = padding * 2**attempt
        try:
            faces = voronoi_faces(frac, matrix, pad)
        except ValueError as e:
            err = str(e)
            continue
        rel = abs(faces.volume.sum() - cell_volume) / cell_volume
        if rel < rtol:
            return faces
        err = f"Voronoi volumes sum to {faces.volume.sum():.6g} Å³, cell is {cell_volume:.6g} Å³"
    raise ValueError(f"periodic Voronoi tessellation failed: {err}")
