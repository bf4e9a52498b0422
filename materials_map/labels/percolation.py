"""Percolation barriers of a BVSE grid: bvlain's search, without its quadratic steps.

``bvlain.Lain.percolation_barriers`` (0.25) bisects the energy threshold; at each probe it
labels the connected low-energy region of a 2x2x2 tiling of the grid, merges labels across
the tiling's periodic faces, and asks whether some component holds 2 (1D), 4 (2D) or 8 (3D)
of the 8 images of its first point. Its face merge rewrites the whole grid once per merged
label and its dimension test scans the whole grid once per component, so on our generated
cells it took more than half of the labelling time (18.8 of 35.8 s for 40 candidates).

:func:`percolation_barriers` follows the same steps in the same order and returns the same
numbers (tests/labels/test_bvlain_parity.py compares them with bvlain's): the merge updates a
label map instead of the grid, each component's first point comes from one ``np.unique``,
and a probe's dimension is computed once for the three searches.
"""

from __future__ import annotations

import itertools
from collections import deque

import numpy as np
from scipy.ndimage import generate_binary_structure, label

_CONNECTIVITY = generate_binary_structure(3, 3)  # 26 neighbours, as bvlain
_CORNERS = np.array(list(itertools.product([0, 1], [0, 1], [0, 1])))
_DIMS = {"E_1D": 2, "E_2D": 4, "E_3D": 8}  # images of a point a component must hold


def _merge_periodic_faces(labels: np.ndarray) -> np.ndarray:
    """bvlain's ``_apply_pbc``: merge labels that meet across the tiling's opposite faces.

    Same single ordered pass (a later face sees the merges of earlier ones); relabelling
    ``c`` as ``s`` updates ``m`` (label -> current label) instead of the whole grid.
    Returns ``m``; the merged grid is ``m[labels]``.
    """
    m = np.arange(int(labels.max()) + 1)
    faces = [
        (labels[-1, :, :], labels[0, :, :]),
        (labels[:, -1, :], labels[:, 0, :]),
        (labels[:, :, -1], labels[:, :, 0]),
    ]
    for f1, f2 in faces:
        for s in np.unique(m[f1]):  # taken once per face, as bvlain's loop does
            if s == 0:
                continue
            for c in np.unique(m[f2][m[f1] == s]):
                if c != 0:
                    m[m == c] = s
    return m


def percolation_dimension(data: np.ndarray, threshold: float) -> int:
    """How many of its 8 images (2x2x2 tiling) the best component below ``threshold`` holds."""
    # bvlain tiles the grid, then shifts it to a zero minimum: the same per-point numbers
    below = (data - data.min()) < threshold
    raw, _ = label(np.tile(below, (2, 2, 2)), structure=_CONNECTIVITY)
    m = _merge_periodic_faces(raw)
    # ndimage numbers components in raster order, so the running maximum of the labels
    # steps up exactly at each component's first point: O(n), where np.unique sorts
    flat = raw.ravel()
    acc = np.maximum.accumulate(flat)
    first_raw = np.flatnonzero(acc[1:] != acc[:-1]) + 1
    if flat[0]:
        first_raw = np.concatenate([[0], first_raw])
    # a merged component starts at the first point of its earliest raw component
    first = np.full(len(m), flat.size)
    np.minimum.at(first, m[1:], first_raw)
    feats = np.flatnonzero(first[1:] < flat.size) + 1  # components left after the merge
    if not len(feats):
        return 0
    # each component's first point (C order) and its 8 images in the tiling
    size = np.array(data.shape)
    base = np.stack(np.unravel_index(first[feats], raw.shape), axis=1) % size
    images = base[:, None, :] + _CORNERS[None, :, :] * size  # (n, 8, 3)
    held = m[raw[images[..., 0], images[..., 1], images[..., 2]]] == feats[:, None]
    return int(held.sum(axis=1).max())


def percolation_barriers(data: np.ndarray, encut: float = 10.0) -> dict[str, float]:
    """``{"E_1D", "E_2D", "E_3D"}`` in eV (``inf``: no path below ``encut``), as bvlain."""
    data = data - data.min()
    seen: dict[float, int] = {}
    out = {}
    for name, dim in _DIMS.items():
        emin = data.min()
        emax = emin + encut
        barrier = np.inf
        while (emax - emin) > 0.01:
            probe = (emin + emax) / 2
            if probe not in seen:
                seen[probe] = percolation_dimension(data, probe)
            if seen[probe] >= dim:
                emax = probe
                barrier = round(emax, 4)
            else:
                emin = probe
        out[name] = barrier
    return out


# -- windings: which lattice directions a periodic region percolates along (the Li pathway
# layer, labels/pathways.py) ---------------------------------------------------------------
def _label_graph(mask: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
    """Components of the periodic ``mask`` and the cell offsets that join them.

    The grid padded by one wrapped plane on each high side is labelled (26 neighbours); every
    padded voxel is the image, shifted by one cell along some axes, of a voxel inside, so each
    gives an edge ``(inner label, padded label, offset)``. Any adjacent pair of the infinite
    crystal translates into the padded box, so the edges hold every periodic contact.
    """
    n = np.array(mask.shape)
    padded = np.pad(mask, [(0, 1)] * 3, mode="wrap")
    lab, count = label(padded, structure=_CONNECTIVITY)
    border = np.zeros(padded.shape, bool)
    border[-1, :, :] = border[:, -1, :] = border[:, :, -1] = True
    idx = np.argwhere(border & (lab > 0))
    inner = idx % n
    offset = idx // n
    edges = np.column_stack(
        [lab[tuple(inner.T)], lab[tuple(idx.T)], offset]
    )  # (k, 5): inner label, padded label, offset a b c
    return lab, count, np.unique(edges, axis=0)


def percolation(mask: np.ndarray) -> tuple[int, np.ndarray]:
    """Percolation of the periodic region ``mask`` (True = below the level).

    Returns the largest dimension over connected components (0: no component percolates) and
    the winding vectors of that component: integer lattice translations (reduced, sign
    normalised) that map the component onto itself.
    """
    if mask.ndim != 3:
        raise ValueError(f"mask must be 3-D, got shape {mask.shape}")
    _, count, edges = _label_graph(np.asarray(mask, bool))
    adj: dict[int, list[tuple[int, np.ndarray]]] = {}
    for a, b, *s in edges.tolist():
        s = np.array(s)
        adj.setdefault(a, []).append((b, s))
        adj.setdefault(b, []).append((a, -s))
    pos: dict[int, np.ndarray] = {}
    best_dim, best = 0, np.zeros((0, 3), int)
    for root in adj:
        if root in pos:
            continue
        pos[root] = np.zeros(3, int)
        windings = []
        queue = deque([root])
        while queue:
            u = queue.popleft()
            for v, s in adj[u]:
                want = pos[u] + s
                if v not in pos:
                    pos[v] = want
                    queue.append(v)
                elif not np.array_equal(pos[v], want):
                    windings.append(want - pos[v])
        if not windings:
            continue
        w = np.array(windings)
        dim = int(np.linalg.matrix_rank(w))
        if dim > best_dim:
            best_dim, best = dim, _reduce(w)
    return best_dim, best


def _reduce(w: np.ndarray) -> np.ndarray:
    """Distinct primitive directions of winding vectors (gcd 1, first non-zero positive)."""
    out = set()
    for v in w:
        g = np.gcd.reduce(np.abs(v))
        if g == 0:
            continue
        v = v // g
        if v[np.flatnonzero(v)[0]] < 0:
            v = -v
        out.add(tuple(int(x) for x in v))
    return np.array(sorted(out), dtype=int).reshape(-1, 3)
