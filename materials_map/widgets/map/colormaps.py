"""Colour maps shared by the map widget's Python side and its front end.

The front end carries 256-entry lookup tables (``js/src/map/colormap_data.ts``), generated
from matplotlib by ``python -m materials_map.build.colormaps`` so that a value drawn in the browser gets exactly
the colour ``matplotlib.colormaps[name](norm(value))`` gives in Python. Categorical palettes
are fixed lists of hex colours (Okabe & Ito 2008; Tableau 10).
"""

from __future__ import annotations

import numpy as np

#: continuous maps offered by the widget (perceptually uniform first; colour-blind safe)
CONTINUOUS = ("viridis", "cividis", "magma", "inferno", "plasma", "coolwarm", "RdBu_r", "Greys")
#: categorical palettes (colour-blind-safe Okabe-Ito first)
CATEGORICAL = {
    "okabe-ito": (
        "#E69F00",
        "#56B4E9",
        "#009E73",
        "#F0E442",
        "#0072B2",
        "#D55E00",
        "#CC79A7",
        "#000000",
    ),
    "tableau10": (
        "#4E79A7",
        "#F28E2B",
        "#E15759",
        "#76B7B2",
        "#59A14F",
        "#EDC948",
        "#B07AA1",
        "#FF9DA7",
        "#9C755F",
        "#BAB0AC",
    ),
    "tab10": (
        "#1F77B4",
        "#FF7F0E",
        "#2CA02C",
        "#D62728",
        "#9467BD",
        "#8C564B",
        "#E377C2",
        "#7F7F7F",
        "#BCBD22",
        "#17BECF",
    ),
}
LUT_SIZE = 256


def lut(name: str) -> np.ndarray:
    """The (256, 3) uint8 RGB lookup table of a continuous colour map, taken from matplotlib."""
    if name not in CONTINUOUS:
        raise ValueError(f"unknown colormap {name!r}; choose one of {', '.join(CONTINUOUS)}")
    from matplotlib import colormaps

    cmap = colormaps[name].resampled(LUT_SIZE)
    rgba = cmap(np.arange(LUT_SIZE))
    return np.round(rgba[:, :3] * 255).astype(np.uint8)


def lut_index(values: np.ndarray, vmin: float, vmax: float) -> np.ndarray:
    """Index into a 256-entry table for each value, matplotlib's rule (``int(t * N)``, clipped).

    NaN maps to -1. This is the rule the front end uses too (``js/src/map/colormaps.ts``).
    """
    v = np.asarray(values, dtype=np.float64)
    span = vmax - vmin
    t = (v - vmin) / span if span > 0 else np.zeros_like(v)
    idx = np.clip(np.floor(t * LUT_SIZE), 0, LUT_SIZE - 1)
    idx = np.where(np.isfinite(v), idx, -1)
    return idx.astype(np.int64)


def colors_for(values: np.ndarray, name: str, vmin: float, vmax: float) -> np.ndarray:
    """(n, 3) uint8 RGB colours of ``values`` under colour map ``name`` (NaN -> grey 128)."""
    table = lut(name)
    idx = lut_index(values, vmin, vmax)
    out = table[np.clip(idx, 0, LUT_SIZE - 1)]
    out[idx < 0] = 128
    return out
