"""Colour maps shared by the map widget's Python side and its front end.

The front end carries 256-entry lookup tables (``js/src/map/colormap_data.ts``), generated
from matplotlib by ``python -m dev_scripts.colormaps`` so that a value drawn in the browser gets exactly
the colour ``matplotlib.colormaps[name](norm(value))`` gives in Python. Categorical palettes
are fixed lists of hex colours (Okabe & Ito 2008; Glasbey from colorcet; Tableau 10); the
default, ``"auto"``, is Okabe-Ito up to 8 categories, else ``glasbey-cb``.
"""

from __future__ import annotations

import numpy as np

#: continuous maps offered by the widget (perceptually uniform first; colour-blind safe)
CONTINUOUS = ("viridis", "cividis", "magma", "inferno", "plasma", "coolwarm", "RdBu_r", "Greys")
_OKABE_ITO = tuple("#E69F00 #56B4E9 #009E73 #F0E442 #0072B2 #D55E00 #CC79A7 #000000".split())
#: categorical palettes (colour-blind-safe Okabe-Ito first)
CATEGORICAL = {
    "okabe-ito": _OKABE_ITO,
    # Okabe-Ito, then 16 colours of colorcet 3.2.1's Glasbey palettes (CC-BY 4.0), each picked
    # to maximise the smallest CAM02-UCS distance to those before it under normal vision and
    # simulated deutan, protan and tritan dichromacy (colorspacious; 20 <= J' <= 80)
    "glasbey-cb": _OKABE_ITO
    + tuple(
        "#643328 #3A0182 #5D5762 #A5C4A8 #0100F7 #8C564B #AC3F13 #AE6DFF #2F5282 #A8B869 "
        "#626D89 #D4AFC4 #590F01 #B69597 #8C2800 #CC00B3".split()
    ),
    "tableau10": tuple(
        "#4E79A7 #F28E2B #E15759 #76B7B2 #59A14F #EDC948 #B07AA1 #FF9DA7 #9C755F #BAB0AC".split()
    ),
    "tab10": tuple(
        "#1F77B4 #FF7F0E #2CA02C #D62728 #9467BD #8C564B #E377C2 #7F7F7F #BCBD22 #17BECF".split()
    ),
}
#: ``category_palette="auto"`` (the default): the first of these with a colour per category
AUTO = ("okabe-ito", "glasbey-cb")
LUT_SIZE = 256


def lut(name: str) -> np.ndarray:
    """The (256, 3) uint8 RGB lookup table of a continuous colour map, taken from matplotlib."""
    if name not in CONTINUOUS:
        raise ValueError(f"unknown colormap {name!r}; choose one of {', '.join(CONTINUOUS)}")
    from matplotlib import colormaps

    cmap = colormaps[name].resampled(LUT_SIZE)
    rgba = cmap(np.arange(LUT_SIZE))
    return np.round(rgba[:, :3] * 255).astype(np.uint8)


def categorical_colors(name: str, n: int) -> list[str]:
    """``n`` colours of palette ``name``, cycling past its end. ``"auto"`` (and an unknown name)
    takes the first palette of :data:`AUTO` with ``n`` colours, else the last; the front end's
    ``categoricalPalette`` (js/src/map/colormaps.ts) follows the same rule."""
    if name not in CATEGORICAL:
        name = next((p for p in AUTO if len(CATEGORICAL[p]) >= n), AUTO[-1])
    colors = CATEGORICAL[name]
    return [colors[i % len(colors)] for i in range(n)]
