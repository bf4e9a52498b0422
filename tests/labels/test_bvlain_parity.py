"""Our BVSE grid and percolation search give bvlain's numbers exactly (real and generated cells)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pymatgen.core
import pytest
from pymatgen.core import Structure
from scipy.ndimage import generate_binary_structure, label

from materials_map.labels import assign_oxidation_states
from materials_map.labels.bvse_grid import bvse_grid
from materials_map.labels.guards import standard_cell
from materials_map.labels.percolation import percolation_barriers, percolation_dimension

PMG = Path(pymatgen.core.__file__).parents[1] / "util" / "structures"


def _lain(s: Structure):
    """bvlain on s, with its own grid; our grid of the same cell must equal it exactly."""
    from bvlain import Lain

    cell = assign_oxidation_states(standard_cell(s))
    lain, ours = Lain(verbose=False), Lain(verbose=False)
    lain.read_structure(cell, oxi_check=False)
    ours.read_structure(cell, oxi_check=False)
    lain.bvse_distribution(mobile_ion="Li1+", resolution=0.2)
    np.testing.assert_array_equal(bvse_grid(ours, 0.2), lain.data)
    assert ours.data.shape == tuple(lain.size)
    return lain


def _generated(n: int) -> list[Structure]:
    from materials_map.datasets import load

    df = load("li-o").df
    # one small cell from each of n families: 1-D, 2-D and 3-D networks and barriers of 0.3-7 eV
    small = df[df["structure"].map(len) <= 40].sort_values("id").drop_duplicates("structure_type")
    return list(small["structure"][:n])


@pytest.mark.parametrize("name", ["LiFePO4", "Li2O", "Li3V2(PO4)3"])
def test_same_barriers_as_bvlain_on_real_structures(name):
    lain = _lain(Structure.from_file(PMG / f"{name}.json"))
    assert percolation_barriers(lain.data) == lain.percolation_barriers()


def test_same_barriers_as_bvlain_on_generated_families():
    cells = _generated(8)
    assert len(cells) == 8
    kinds = set()
    for s in cells:
        lain = _lain(s)
        ours = percolation_barriers(lain.data, encut=10.0)
        assert ours == lain.percolation_barriers(encut=10.0), s.composition.reduced_formula
        kinds.add((ours["E_1D"] < ours["E_3D"], np.isinf(ours["E_3D"])))
    assert len(kinds) >= 2  # anisotropic and isotropic networks were both compared


def test_dimension_counts_images_of_a_periodic_channel():
    # a straight channel along x through a 6x6x6 grid percolates in 1-D only: its first point
    # has 2 of 8 images in the 2x2x2 tiling; a slab (x, y) has 4; the whole grid has 8
    grid = np.full((6, 6, 6), 5.0)
    grid[:, 2, 3] = 0.0
    assert percolation_dimension(grid, 1.0) == 2
    grid[:, :, 3] = 0.0
    assert percolation_dimension(grid, 1.0) == 4
    assert percolation_dimension(grid, 6.0) == 8
    grid[:] = 5.0
    grid[1, 1, 1] = 0.0  # an isolated pocket does not percolate
    assert percolation_dimension(grid, 1.0) == 1
    assert percolation_barriers(grid, encut=3.0) == {"E_1D": np.inf, "E_2D": np.inf, "E_3D": np.inf}


def test_ndimage_numbers_components_in_raster_order():
    # percolation_dimension relies on it to find each component's first point in O(n)
    rng = np.random.default_rng(0)
    for p in (0.03, 0.06, 0.1, 0.15):  # 8 to 27 components
        lab, n = label(rng.random((9, 10, 11)) < p, structure=generate_binary_structure(3, 3))
        _, first = np.unique(lab.ravel(), return_index=True)
        assert n > 1 and np.all(np.diff(first[1:]) > 0)
