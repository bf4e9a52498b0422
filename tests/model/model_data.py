"""Synthetic descriptors with a known one-dimensional structure per branch.

Each compositional row is a histogram-like profile (two Gaussian bumps) whose position is
set by one hidden number t_comp; each structural row likewise by t_struct. A 1-unit code
can therefore describe each branch exactly, while one linear component (PCA) cannot
follow a moving bump. The target depends on both hidden numbers.
"""

from __future__ import annotations

import numpy as np

from materials_map.features.descriptors import Block, Descriptors


def _bumps(t: np.ndarray, n_cols: int, width: float, offset: float, amp: np.ndarray) -> np.ndarray:
    x = np.arange(n_cols)[None, :]
    c1 = (0.1 + 0.6 * t)[:, None] * n_cols
    c2 = (offset + 0.3 * t)[:, None] * n_cols
    a = amp[:, None]
    return np.exp(-0.5 * ((x - c1) / width) ** 2) + a * np.exp(-0.5 * ((x - c2) / width) ** 2)


def manifold_data(
    n: int = 200,
    n_comp: int = 60,
    n_struct: int = 45,
    seed: int = 0,
    noise: float = 0.01,
    extra: float = 0.0,
):
    """Returns ``(Descriptors, y, t)`` with ``t`` the (n, 2) hidden coordinates.

    The structural branch has three families (rdf/adf/voronoi) on very different scales,
    so per-family scaling matters. ``extra`` > 0 makes the second bump's height vary
    independently (a second hidden number per branch that one code cannot hold), as in
    real descriptors, where the held-out loss levels off.
    """
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 1, size=(n, 2))
    amp = 0.5 + extra * np.random.default_rng(seed + 1).uniform(-0.5, 0.5, size=(2, n))
    comp = 3.0 * _bumps(t[:, 0], n_comp, width=n_comp / 12, offset=0.55, amp=amp[0])
    struct = _bumps(t[:, 1], n_struct, width=n_struct / 10, offset=0.6, amp=amp[1])
    comp += noise * rng.normal(size=comp.shape) * comp.max()
    struct += noise * rng.normal(size=struct.shape) * struct.max()
    comp, struct = np.clip(comp, 0, None), np.clip(struct, 0, None)
    a, b = n_struct // 3, 2 * n_struct // 3
    struct[:, :a] *= 40.0  # rdf-like counts
    struct[:, b:] *= 0.05  # voronoi-like small values
    blocks = [
        Block("comp", "comp", "comp", 0, n_comp),
        Block("rdf", "struct", "rdf", 0, a),
        Block("adf", "struct", "adf", a, b),
        Block("voronoi", "struct", "voronoi", b, n_struct),
    ]
    labels = {
        "comp": [f"c{i}" for i in range(n_comp)],
        "struct": [f"s{i}" for i in range(n_struct)],
    }
    ids = np.array([f"m-{i}" for i in range(n)], dtype=object)
    y = 0.2 + 0.8 * t[:, 1] + 0.3 * t[:, 0] ** 2 + 0.02 * rng.normal(size=n)
    return Descriptors(comp=comp, struct=struct, columns=labels, blocks=blocks, ids=ids), y, t
