"""A colour for every family: the default categorical palette ("auto") is Okabe-Ito up to its 8
colours, else ``glasbey-cb`` (24 colours that keep Okabe-Ito's first 8), and its colours stay
apart for readers with a colour-vision deficiency (Machado et al. 2009 simulation, CIELAB)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from materials_map.widgets.map import MapWidget
from materials_map.widgets.map.colormaps import AUTO, CATEGORICAL, categorical_colors
from materials_map.widgets.panels.style import family_colour

# Machado, Oliveira & Fernandes (2009), severity 1 (dichromacy), on linear sRGB
SIMULATIONS = {
    "normal": np.eye(3),
    "protan": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deutan": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritan": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}  # fmt: skip
SRGB_TO_XYZ = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
)


def _lab(hexes: list[str], simulation: str) -> np.ndarray:
    """CIELAB (D65) of sRGB hex colours as seen under ``simulation``."""
    rgb = np.array([[int(h[i : i + 2], 16) for i in (1, 3, 5)] for h in hexes]) / 255
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    lin = np.clip(lin @ np.asarray(SIMULATIONS[simulation]).T, 0, 1)
    xyz = lin @ SRGB_TO_XYZ.T / [0.95047, 1.0, 1.08883]
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.column_stack(
        [116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])]
    )


def _closest_pair(hexes: list[str], simulation: str) -> float:
    """The smallest CIE76 colour difference between two of ``hexes``."""
    lab = _lab(hexes, simulation)
    d = np.linalg.norm(lab[:, None] - lab[None], axis=2)
    return float(d[~np.eye(len(hexes), dtype=bool)].min())


def test_auto_is_okabe_ito_up_to_8_then_glasbey_with_a_colour_per_category():
    assert AUTO == ("okabe-ito", "glasbey-cb")
    for n in range(1, 9):
        assert categorical_colors("auto", n) == list(CATEGORICAL["okabe-ito"][:n])
    for n in range(9, 25):
        colours = categorical_colors("auto", n)
        assert len(set(colours)) == n, n
        assert colours[:8] == list(CATEGORICAL["okabe-ito"])  # the first families keep theirs
    assert categorical_colors("auto", 26)[24:] == categorical_colors("auto", 2)  # then cycles
    assert categorical_colors("tab10", 3) == ["#1F77B4", "#FF7F0E", "#2CA02C"]
    assert categorical_colors("no-such-palette", 12) == categorical_colors("auto", 12)


@pytest.mark.parametrize("simulation", list(SIMULATIONS))
def test_glasbey_colours_stay_apart_under_colour_vision_deficiency(simulation):
    # every pair of the 24 differs by >= 10 CIE76 units, also in simulated dichromacy; the
    # plain Glasbey list (colorcet's glasbey_category10) falls to 4.6 for protanopes
    assert _closest_pair(list(CATEGORICAL["glasbey-cb"]), simulation) >= 10
    assert _closest_pair(list(CATEGORICAL["okabe-ito"]), simulation) >= 16


def test_sixteen_families_get_sixteen_colours_in_the_map_and_the_panels():
    # the li-o map's 16 structure types: the map legend and the families panel agree
    n = 16
    df = pd.DataFrame({"family": [f"type-{i:02d}" for i in range(n)] * 3})
    w = MapWidget.from_dataframe(
        np.random.default_rng(0).normal(size=(3 * n, 2)), df, category="family"
    )
    assert w.category_palette == "auto" and len(w.category_names) == n
    swatches = [family_colour(code, w.category_palette, n) for code in range(n)]
    assert swatches == categorical_colors("glasbey-cb", n)
    assert len(set(swatches)) == n
    assert family_colour(3, "auto", 5) == CATEGORICAL["okabe-ito"][3]
