"""Li pathway volumes: the label's own grid and barriers, the drawn volume's percolation.

Real structures: pymatgen's shipped LiFePO4 (olivine; a slightly distorted cell, P2_1/c at
spglib's 0.01 Å tolerance) and the ideal olivine built from its Pnma Wyckoff positions. Li
diffuses along the b axis of Pnma (the 1-D channels of Islam et al., Chem. Mater. 2005, and
of every BVSE study since), which the volume must show on its own data.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pymatgen.core
import pytest
from pymatgen.core import Lattice, Structure

from materials_map.labels import (
    LabelRefused,
    assign_oxidation_states,
    migration_energy,
    standard_cell,
)
from materials_map.labels.bvse_grid import bvse_grid
from materials_map.labels.pathways import (
    PathwayError,
    PathwayVolume,
    coarsen_min,
    compute_pathway,
    li_pathways,
    pathway_key,
    periodic_grid,
    quantise,
)
from materials_map.labels.percolation import (
    percolation,
    percolation_barriers,
    percolation_dimension,
)

PMG = Path(pymatgen.core.__file__).parents[1] / "util" / "structures"
IMAGES_TO_DIM = {1: 0, 2: 1, 4: 2, 8: 3}


def _shipped(name: str) -> Structure:
    return Structure.from_file(PMG / f"{name}.json")


def olivine_pnma() -> Structure:
    """LiFePO4 in Pnma (No. 62), a = 10.33, b = 6.01, c = 4.69 Å; Wyckoff positions of
    Streltsov et al., Acta Cryst. B 49 (1993) 147."""
    return Structure.from_spacegroup(
        "Pnma",
        Lattice.orthorhombic(10.33, 6.01, 4.69),
        ["Li", "Fe", "P", "O", "O", "O"],
        [
            [0.0, 0.0, 0.0],
            [0.2822, 0.25, 0.9747],
            [0.0948, 0.25, 0.4182],
            [0.0967, 0.25, 0.7428],
            [0.4574, 0.25, 0.2065],
            [0.1656, 0.0464, 0.2854],
        ],
    )


def _channel_vectors(vol: PathwayVolume, level: float) -> np.ndarray:
    """Cartesian translation vectors along which the region below ``level`` percolates."""
    dim, dirs = vol.percolation(level)
    return dirs @ vol.cell.lattice.matrix, dim


@pytest.fixture(scope="module")
def lfp(tmp_path_factory):
    cache = tmp_path_factory.mktemp("pathways")
    return li_pathways(_shipped("LiFePO4"), cache=cache), cache


def test_barriers_are_the_labels_own(lfp):
    vol, _ = lfp
    label = migration_energy([_shipped("LiFePO4")], progress=False).iloc[0]
    assert vol.barriers == {k: pytest.approx(label[k], abs=0) for k in ("e_1d", "e_2d", "e_3d")}
    # BVSE literature for olivine LiFePO4: 1-D barrier of a few tenths of an eV, 3-D far higher
    assert 0.2 < vol.barriers["e_1d"] < 0.7 < 2.0 < vol.barriers["e_3d"]


def test_shipped_lifepo4_surface_percolates_in_1d_along_pnma_b(lfp):
    vol, _ = lfp
    e1 = vol.barriers["e_1d"]
    vecs, dim = _channel_vectors(vol, e1 + 0.05)
    assert dim == 1 and vol.dimension_at(e1 + 0.05) == 1
    # one channel direction: the 6.07 Å axis (b of Pnma; a of the label's monoclinic cell)
    assert len(vecs) == 1
    assert np.linalg.norm(vecs[0]) == pytest.approx(6.0658, abs=1e-3)
    # below the barrier nothing percolates; above E_3D everything does
    assert vol.percolation(e1 - 0.05)[0] == 0
    assert vol.percolation(vol.barriers["e_3d"] + 0.05)[0] == 3


def test_ideal_pnma_olivine_channel_is_along_b():
    s = olivine_pnma()
    assert s.get_space_group_info()[0] == "Pnma" and len(s) == 28
    vol = compute_pathway(s)
    vecs, dim = _channel_vectors(vol, vol.barriers["e_1d"] + 0.05)
    assert dim == 1 and len(vecs) == 1
    b = s.lattice.matrix[1]
    v = vecs[0]
    # the label cell is rotated against the input: compare lengths and the angle to a and c
    assert np.linalg.norm(v) == pytest.approx(6.01, abs=1e-3)
    abc = vol.cell.lattice.abc
    k = int(np.argmin([abs(x - np.linalg.norm(b)) for x in abc]))
    np.testing.assert_allclose(np.abs(v), np.abs(vol.cell.lattice.matrix[k]), atol=1e-6)


def test_volume_is_the_label_grid_without_its_repeated_planes():
    s = _shipped("Li2O")
    vol = compute_pathway(s)
    from bvlain import Lain

    lain = Lain(verbose=False)
    lain.read_structure(assign_oxidation_states(standard_cell(s)), oxi_check=False)
    data = bvse_grid(lain, 0.2)
    # bvlain samples linspace(0, 1, n): the last plane repeats the first
    np.testing.assert_allclose(data[-1], data[0], rtol=1e-9)
    rel = periodic_grid(data - data.min())
    assert vol.energy.shape == rel.shape == tuple(n - 1 for n in data.shape)
    np.testing.assert_array_equal(vol.energy, quantise(rel, vol.top))
    assert vol.barriers["e_1d"] == pytest.approx(percolation_barriers(data)["E_1D"], abs=0)


@pytest.mark.parametrize("name", ["LiFePO4", "Li2O"])
def test_periodic_percolation_agrees_with_the_labels_image_count(name):
    """Two independent tests of percolation on the same grid: ours (cell-offset windings of a
    periodic union-find) and the label's (images of a point held in a 2x2x2 tiling)."""
    from bvlain import Lain

    lain = Lain(verbose=False)
    lain.read_structure(assign_oxidation_states(standard_cell(_shipped(name))), oxi_check=False)
    data = bvse_grid(lain, 0.2)
    data = data - data.min()
    grid = periodic_grid(data)
    b = percolation_barriers(data)
    levels = np.linspace(0.05, min(b["E_3D"], 5.0) + 0.4, 18)
    ours = [percolation(grid <= lv)[0] for lv in levels]
    theirs = [IMAGES_TO_DIM[percolation_dimension(data, lv)] for lv in levels]
    assert ours == theirs
    assert len(set(ours)) >= 2  # the levels cross at least one barrier


def test_percolation_of_synthetic_channels():
    m = np.zeros((8, 9, 10), bool)
    assert percolation(m) == (0, pytest.approx(np.zeros((0, 3))))
    m[:, 3, 4] = True  # straight channel along a
    dim, dirs = percolation(m)
    assert dim == 1 and dirs.tolist() == [[1, 0, 0]]
    m[:] = False
    for i in range(8):  # a diagonal channel wrapping once along a and once along c in 8 steps
        m[i, 2, (i * 10) // 8] = True
        m[i, 2, ((i + 1) * 10) // 8 - 1] = True
    dim, dirs = percolation(m)
    assert dim == 1 and dirs.tolist() == [[1, 0, 1]]
    m[:] = False
    m[:, :, 5] = True  # a slab: 2-D
    assert percolation(m)[0] == 2
    m[:] = False
    m[2:4, 2:4, 2:4] = True  # an isolated pocket does not percolate
    assert percolation(m)[0] == 0
    assert percolation(np.ones((4, 4, 4), bool))[0] == 3


def test_coarsening_keeps_channels_open_and_points_aligned():
    rng = np.random.default_rng(0)
    fine = rng.uniform(2.0, 5.0, (130, 70, 20))
    fine[:, 33, 7] = 0.1  # a one-point-wide channel along a
    coarse = coarsen_min(fine, 64)
    assert coarse.shape == (64, 64, 20)
    assert coarse.min() == fine.min() and percolation(coarse <= 0.1)[0] == 1
    # a smooth periodic field: coarse point j sits at fraction j / m (window of +-half a point)
    n, m = 150, 64
    x = np.cos(2 * np.pi * np.arange(n) / n)[:, None, None] * np.ones((1, 2, 2))
    c = coarsen_min(x, m)[:, 0, 0]
    want = np.cos(2 * np.pi * np.arange(m) / m)
    slack = 2 * np.pi * (0.5 / m + 1 / n)  # |slope| <= 2 pi over the window
    assert np.abs(c - want).max() <= slack
    assert np.abs(np.roll(c, 3) - want).max() > 3 * slack  # a grid shifted by 3 points fails


def test_quantisation_and_bytes_round_trip(lfp):
    vol, _ = lfp
    e = vol.energies()
    assert vol.energy.dtype == np.uint8 and max(vol.energy.shape) <= 64
    finite = np.isfinite(e)
    assert finite.mean() > 0.2 and (vol.energy[~finite] == 255).all()
    assert e[finite].max() <= vol.top + 1e-9
    back = PathwayVolume.from_bytes(vol.to_bytes())
    np.testing.assert_array_equal(back.energy, vol.energy)
    assert back.barriers == vol.barriers and back.cell == vol.cell and back.top == vol.top
    assert math.isclose(vol.step, vol.top / 254)


def test_cache_serves_the_same_volume(lfp, monkeypatch):
    import materials_map.labels.pathways as pw

    vol, cache = lfp
    s = _shipped("LiFePO4")
    key = pathway_key(s, 0.2, 10.0, 64)
    assert (cache / key[:2] / f"{key}.npz").is_file()

    def no_compute(*a, **k):
        raise AssertionError("a cache hit must not compute")

    monkeypatch.setattr(pw, "_volume_of", no_compute)
    monkeypatch.setattr(pw, "_run_guarded", no_compute)
    again = li_pathways(s, cache=cache)
    np.testing.assert_array_equal(again.energy, vol.energy)


def test_large_grids_run_in_a_limited_subprocess(lfp, monkeypatch):
    import materials_map.labels.pathways as pw

    vol, _ = lfp
    monkeypatch.setattr(pw, "IN_PROCESS_BYTES", 0)  # as if LiFePO4's grid were large
    sub = li_pathways(_shipped("LiFePO4"), use_cache=False)
    np.testing.assert_array_equal(sub.energy, vol.energy)
    assert sub.barriers == vol.barriers and sub.cell == vol.cell
    with pytest.raises(PathwayError, match="time limit of 0.5 s"):
        li_pathways(_shipped("LiFePO4"), use_cache=False, time_limit=0.5)


def test_disordered_crystal_gets_the_volume_of_its_label():
    """Li split over two half-occupied sites (antifluorite + octahedral site): the label's
    occupancy-weighted framework gives the grid, the barriers are the label's."""
    s = _shipped("Li2O")
    i = next(k for k, site in enumerate(s) if site.specie.symbol == "Li")
    s.replace(i, {"Li": 0.5})
    s.append({"Li": 0.5}, [0.5, 0.5, 0.5])
    assert not s.is_ordered
    vol = li_pathways(s, use_cache=False)
    label = migration_energy([s], progress=False).iloc[0]
    assert vol.barriers == {k: pytest.approx(label[k], abs=0) for k in ("e_1d", "e_2d", "e_3d")}
    assert vol.percolation(vol.barriers["e_3d"] + 0.05)[0] == 3


def test_refusals_name_the_reason():
    with pytest.raises(LabelRefused, match="no Li"):
        li_pathways(_shipped("SrTiO3"), use_cache=False)
    s = _shipped("Li2O").copy()
    s.replace(0, {"Li": 0.5})
    with pytest.raises(LabelRefused, match="disordered"):
        li_pathways(s, use_cache=False)
