"""The map's background grids: the model's prediction on a regular grid over the map, the
data support of each cell (where the background may be trusted), and the cell centres."""

from __future__ import annotations

from typing import Any

import numpy as np


def prediction_grid(
    model: Any, coords: np.ndarray, n: int = 128, pad: float = 0.08
) -> tuple[np.ndarray, list[float]]:
    """The model's target prediction on an ``n × n`` grid covering ``coords`` plus a margin.

    Returns ``(grid, extent)`` with ``grid[j, i]`` the value at the centre of cell (i, j) and
    ``extent = [x0, x1, y0, y1]`` the outer cell edges, so a renderer can align the image with
    the data exactly.
    """
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - pad * span, hi + pad * span
    extent = [float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])]
    gx, gy = np.meshgrid(*grid_axes(extent, (n, n)))
    values = model.predict_coords(np.column_stack([gx.ravel(), gy.ravel()]))
    return np.asarray(values, dtype=np.float32).reshape(n, n), extent


SUPPORT_BANDWIDTH = 0.04  # Gaussian kernel width, as a fraction of each axis' span
SUPPORT_LEVEL = 0.25  # density (relative to the median at the data points) that is opaque


def support_grid(coords: np.ndarray, extent: list[float], shape: tuple[int, int]) -> np.ndarray:
    """Data support of each grid cell, in [0, 1]: a Gaussian kernel density of the points
    (bandwidth ``SUPPORT_BANDWIDTH`` of each axis' span) divided by ``SUPPORT_LEVEL`` times
    its median over the points themselves, clipped at 1. Cells as dense as a quarter of a
    typical point's neighbourhood are fully supported; the value falls smoothly to 0 about
    three bandwidths away from the nearest material (docs/datasets.md, "The default map")."""
    pts = np.asarray(coords, dtype=float)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) == 0:
        return np.zeros(shape, dtype=np.float32)
    x0, x1, y0, y1 = extent
    h = SUPPORT_BANDWIDTH * np.array([x1 - x0, y1 - y0], dtype=float)
    h = np.where(h > 0, h, 1.0)
    gx, gy = np.meshgrid(*grid_axes(extent, shape))
    cells = np.column_stack([gx.ravel(), gy.ravel()]) / h
    p = pts / h

    def density(at: np.ndarray) -> np.ndarray:
        out = np.empty(len(at))
        for lo in range(0, len(at), 2048):  # (2048 x n) blocks keep memory small
            d2 = ((at[lo : lo + 2048, None, :] - p[None, :, :]) ** 2).sum(axis=2)
            out[lo : lo + 2048] = np.exp(-0.5 * d2).sum(axis=1)
        return out

    ref = float(np.median(density(p))) * SUPPORT_LEVEL
    return np.clip(density(cells) / ref, 0.0, 1.0).astype(np.float32).reshape(shape)


def grid_axes(extent: list[float], shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Cell-centre coordinates ``(xs, ys)`` of a grid with outer edges ``extent`` and shape
    ``(ny, nx)`` (the cells :func:`prediction_grid` evaluates)."""
    x0, x1, y0, y1 = extent
    ny, nx = int(shape[0]), int(shape[1])
    return x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx, y0 + (np.arange(ny) + 0.5) * (y1 - y0) / ny
