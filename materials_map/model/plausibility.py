"""Is a map coordinate plausible? Two layers that show where the decoder extrapolates.

* **Cycle distance** — decode a coordinate to descriptors, encode them again, and measure how
  far the code lands from where it started. On the data the autoencoder is (nearly) a
  round trip; where the decoder invents descriptors it never had to reproduce, the encoder
  no longer sends them back home.
* **Reconstruction error** — how badly the autoencoder reproduces the descriptors of the real
  materials, spread over the map by kernel averaging (Nadaraya–Watson) and left empty (NaN)
  where no material is near enough to judge.

Both are measured in units that do not depend on the data set: coordinate distances are
divided by the per-axis standard deviation of the materials' codes, reconstruction errors are
mean squared errors of the model's *scaled* descriptors (what the training loss sees).
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: kernel mass below the weight of one material at this many bandwidths: "nothing near"
_EMPTY_AT = 3.0


def coordinate_scale(coords: Any) -> np.ndarray:
    """Per-axis standard deviation of the materials' codes (1 where an axis is constant)."""
    c = np.asarray(coords, dtype=float)
    s = c.std(axis=0)
    return np.where(s > 0, s, 1.0)


def cycle_distance(model: Any, coords: Any, scale: Any = None) -> np.ndarray:
    """``|encode(decode(c)) - c|`` for each coordinate ``c`` of ``coords`` (n, 2), with each
    axis divided by ``scale`` (e.g. :func:`coordinate_scale` of the data; default 1)."""
    c = np.asarray(coords, dtype=float)
    decoded = model.inverse_transform(c)
    again = model.transform(decoded)
    s = np.ones(2) if scale is None else np.asarray(scale, dtype=float).reshape(2)
    return np.sqrt((((again - c) / s) ** 2).sum(axis=1))


def reconstruction_error(model: Any, X: Any) -> np.ndarray:
    """Per-material mean squared reconstruction error over all scaled descriptor columns
    (compositional and structural together)."""
    r = model.reconstruct_scaled(X)
    sse = ((r["comp_out"] - r["comp_in"]) ** 2).sum(axis=1)
    sse += ((r["struct_out"] - r["struct_in"]) ** 2).sum(axis=1)
    return sse / (r["comp_in"].shape[1] + r["struct_in"].shape[1])


def kernel_average(
    points: Any, values: Any, query: Any, bandwidth: float = 0.25, scale: Any = None
) -> np.ndarray:
    """Gaussian-kernel weighted mean of ``values`` (at ``points``) at each ``query`` point.

    Distances are divided by ``scale`` per axis (default: :func:`coordinate_scale` of
    ``points``); ``bandwidth`` is in those units. Where the kernel mass is below that of one
    point at three bandwidths the result is NaN: no material is near enough to judge.
    """
    p = np.asarray(points, dtype=float)
    v = np.asarray(values, dtype=float).reshape(-1)
    q = np.asarray(query, dtype=float)
    s = coordinate_scale(p) if scale is None else np.asarray(scale, dtype=float).reshape(2)
    ps, qs = p / s, q / s
    out = np.empty(len(q))
    floor = np.exp(-0.5 * _EMPTY_AT**2)
    for start in range(0, len(q), 2048):  # (2048 x n) blocks keep memory flat
        d2 = ((qs[start : start + 2048, None, :] - ps[None, :, :]) ** 2).sum(axis=2)
        w = np.exp(-0.5 * d2 / bandwidth**2)
        mass = w.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start : start + 2048] = np.where(mass >= floor, (w @ v) / mass, np.nan)
    return out


def _axis_weights(centres: np.ndarray, at: np.ndarray, bandwidth: float) -> np.ndarray:
    return np.exp(-0.5 * ((centres[:, None] - at[None, :]) / bandwidth) ** 2)


def kernel_average_grid(
    points: Any, values: Any, xs: Any, ys: Any, bandwidth: float = 0.25, scale: Any = None
) -> np.ndarray:
    """:func:`kernel_average` on the product grid ``xs`` × ``ys``, as a ``(len(ys), len(xs))``
    array (row ``j`` at ``ys[j]``). The Gaussian kernel factorises over the two axes, so the
    grid costs two small matrix products instead of one distance per cell and point."""
    p = np.asarray(points, dtype=float)
    v = np.asarray(values, dtype=float).reshape(-1)
    s = coordinate_scale(p) if scale is None else np.asarray(scale, dtype=float).reshape(2)
    wx = _axis_weights(np.asarray(xs, float) / s[0], p[:, 0] / s[0], bandwidth)  # (nx, n)
    wy = _axis_weights(np.asarray(ys, float) / s[1], p[:, 1] / s[1], bandwidth)  # (ny, n)
    mass = wy @ wx.T
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = (wy * v) @ wx.T / mass
    return np.where(mass >= np.exp(-0.5 * _EMPTY_AT**2), avg, np.nan)


def cycle_distance_grid(model: Any, xs: Any, ys: Any, scale: Any = None) -> np.ndarray:
    """:func:`cycle_distance` on the product grid ``xs`` × ``ys`` (``(len(ys), len(xs))``).

    The map model's branches are separate autoencoders (x_comp decodes to the compositional
    descriptor only, which encodes back to x_comp alone), so the round trip moves each axis
    by an amount that depends on that axis only: the grid needs ``len(xs) + len(ys)`` round
    trips, not their product. Checked on a few cells against the full round trip; a model
    whose axes are coupled falls back to decoding every cell.
    """
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    s = np.ones(2) if scale is None else np.asarray(scale, dtype=float).reshape(2)
    n = max(len(xs), len(ys))
    pairs = np.column_stack([np.resize(xs, n), np.resize(ys, n)])
    moved = model.transform(model.inverse_transform(pairs)) - pairs
    dx, dy = moved[: len(xs), 0] / s[0], moved[: len(ys), 1] / s[1]
    grid = np.sqrt(dx[None, :] ** 2 + dy[:, None] ** 2)
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, len(xs), 8), rng.integers(0, len(ys), 8)
    check = cycle_distance(model, np.column_stack([xs[i], ys[j]]), s)
    if np.allclose(check, grid[j, i], rtol=1e-4, atol=1e-6):
        return grid
    gx, gy = np.meshgrid(xs, ys)
    full = cycle_distance(model, np.column_stack([gx.ravel(), gy.ravel()]), s)
    return full.reshape(len(ys), len(xs))


def plausibility_layers(
    model: Any, X: Any, xs: Any, ys: Any, bandwidth: float = 0.25
) -> dict[str, np.ndarray]:
    """Both layers on the product grid ``xs`` × ``ys`` (arrays ``(len(ys), len(xs))``):
    ``{"cycle": ..., "reconstruction": ...}``, distances scaled by the spread of the codes
    of the materials ``X``."""
    coords = model.transform(X)
    scale = coordinate_scale(coords)
    return {
        "cycle": cycle_distance_grid(model, xs, ys, scale),
        "reconstruction": kernel_average_grid(
            coords, reconstruction_error(model, X), xs, ys, bandwidth, scale
        ),
    }
