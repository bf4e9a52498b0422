"""BVSE energy grid of a Li+ probe: bvlain's sums, in cache-sized blocks of grid points.

``bvlain.Lain.bvse_distribution`` (0.25) evaluates the Morse and Coulomb terms of every grid
point with its 100 nearest framework ions in one go: a dozen (points x 100) float arrays of
~20–200 MB each, so the work is bound by memory traffic, and two labelling workers slow each
other down. :func:`bvse_grid` takes the same neighbours from bvlain's own search and does the
same arithmetic on blocks of :data:`BLOCK` points, and only where a term can be non-zero (Morse
for anions, Coulomb for cations; bvlain's NaN and zero terms add 0), giving the same grid:
tests/labels/test_bvlain_parity.py checks it against bvlain's element for element.

A disordered crystal arrives as an occupancy-weighted framework
(:mod:`materials_map.labels.disorder`): several species may share a position and every ion
carries a ``weight`` (its occupancy). Each Morse and Coulomb term is then multiplied by the
weight of its ion, and ``k`` grows by the number of species per position so that the same
physical neighbour shell is summed. Without weights the arithmetic is bvlain's, unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import erfc

BLOCK = 2048  # grid points per block: (2048 x 100) float64 = 1.6 MB per array


def bvse_grid(
    lain: Any,
    resolution: float = 0.2,
    r_cut: float = 10.0,
    k: int = 100,
    f: float = 0.74,
    mobile_ion: str = "Li1+",
) -> np.ndarray:
    """What ``lain.bvse_distribution(mobile_ion, r_cut, resolution, k, f)`` returns (and sets).

    ``lain`` is a ``bvlain.Lain`` that has read its structure; when that structure has a
    ``weight`` site property (an occupancy-weighted framework) every term is weighted.
    """
    lain._get_params(mobile_ion)
    weighted = "weight" in lain.atoms.arrays
    if weighted:
        k = int(np.ceil(k * species_per_position(lain.atoms.get_scaled_positions())))
    lain.k, lain.r_cut, lain.resolution = k, r_cut, resolution
    _, distances, ids, _ = lain._neighbors(r_cut=r_cut, resolution=resolution, k=k)
    r_min, alpha, d0, q, r_c, n = (
        lain._get_array(a) for a in ("r_min", "alpha", "d0", "oxi_states", "r_c", "n")
    )
    # per framework ion (index len = "no neighbour", bvlain's NaN): which term it has
    morse_ion = np.isfinite(r_min) & np.isfinite(alpha) & np.isfinite(d0)
    coul_q = np.where(q * lain.q_mi > 0, q, 0)
    coul_ion = coul_q != 0
    weight = lain._get_array("weight") if weighted else None
    q1, rc1, n1 = lain.q_mi, lain.rc_mi, lain.n_mi
    energy = np.empty(len(distances))
    for lo in range(0, len(distances), BLOCK):
        r, idx = distances[lo : lo + BLOCK], ids[lo : lo + BLOCK]
        morse = np.zeros(r.shape)
        m = morse_ion[idx]
        i, rr = idx[m], r[m]
        morse[m] = d0[i] * ((np.exp(alpha[i] * (r_min[i] - rr)) - 1) ** 2 - 1) / 2
        if weight is not None:
            morse[m] *= weight[i]
        coul = np.zeros(r.shape)
        c = coul_ion[idx]
        i, rr = idx[c], r[c]
        coul[c] = (
            14.4
            * (q1 * coul_q[i] / (n1 * n[i]) ** (1 / 2))
            * (1 / rr)
            * erfc(rr / (f * (rc1 + r_c[i])))
        )
        if weight is not None:
            coul[c] *= weight[i]
        # bvlain's nan_to_num: an ion on a grid point gives +-inf -> the largest float
        energy[lo : lo + BLOCK] = np.nan_to_num(morse, copy=False).sum(axis=1) + np.nan_to_num(
            coul, copy=False
        ).sum(axis=1)
    lain.distribution = energy
    lain.data = energy.reshape(lain.size)
    return lain.data


def species_per_position(frac_coords: np.ndarray, decimals: int = 4) -> float:
    """Mean number of ions sharing a position (1.0 for an ordered framework)."""
    wrapped = np.round(np.mod(np.round(frac_coords, decimals), 1.0), decimals) % 1.0
    n_unique = len(np.unique(wrapped, axis=0))
    return len(frac_coords) / max(n_unique, 1)
