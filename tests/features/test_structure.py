"""StructureDescriptor: known crystallography, Voronoi closure, invariances, disorder, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from featurize_helpers import distorted_doped, li2o, shipped_li_o
from pymatgen.analysis.local_env import VoronoiNN
from pymatgen.core import Lattice, Structure
from scipy.spatial.transform import Rotation

from materials_map.features.structure import StructureDescriptor, StructureError
from materials_map.features.voronoi import periodic_voronoi

F = StructureDescriptor()
A = 4.61


def block(f: StructureDescriptor, vec: np.ndarray, name: str) -> tuple[np.ndarray, list[str]]:
    b = next(b for b in f.blocks() if b.name == name)
    return vec[b.slice], f.feature_labels()[b.slice]


def test_paper_858_layout():
    labels = F.feature_labels()
    assert len(labels) == len(set(labels)) == 858
    fam = {}
    for b in F.blocks():
        fam[b.group] = fam.get(b.group, 0) + len(b)
    assert fam == {"rdf": 120, "adf": 648, "voronoi": 90}
    assert "rdf[Li-O][2.25,2.5)" in labels
    assert "adf[Li][O-O][105,110)" in labels
    assert "voronoi[O][volume][0,2.5)" in labels


def test_li2o_first_li_o_rdf_peak_at_a_sqrt3_over_4():
    v = F.featurize(li2o(A))
    rdf, labels = block(F, v, "rdf[Li-O]")
    k = int(np.argmax(rdf))
    lo, hi = 1.0 + 0.25 * k, 1.0 + 0.25 * (k + 1)
    d = A * math.sqrt(3) / 4  # 1.996 Å
    assert lo <= d < hi, labels[k]
    # 8 Li x 4 O bonds, counted from both ends, per atom (12) and per Å^3 of shell
    shell = 4 / 3 * math.pi * (hi**3 - lo**3)
    assert rdf[k] == pytest.approx(64 / 12 / shell, rel=1e-12)
    assert rdf[:k].sum() == 0.0  # nothing shorter


def test_li2o_o_li_o_adf_peak_at_tetrahedral_angle():
    v = F.featurize(li2o(A))
    adf, labels = block(F, v, "adf[Li][O-O]")
    k = int(np.argmax(adf))
    assert 5 * k <= 109.47 < 5 * (k + 1), labels[k]
    assert adf[k] == pytest.approx(6 * 8 / 12, rel=1e-12)  # 6 O-O pairs per Li, 8 Li of 12 atoms
    assert adf.sum() == pytest.approx(adf[k])  # only 4 O within 3.5 Å of Li: one angle


def test_voronoi_volumes_sum_to_cell_and_match_pymatgen():
    for s in (li2o(A), distorted_doped(1)):
        faces = periodic_voronoi(s.frac_coords, s.lattice.matrix)
        assert abs(faces.volume.sum() - s.volume) / s.volume < 1e-8
        ref = [
            sum(p["volume"] for p in VoronoiNN(cutoff=8).get_voronoi_polyhedra(s, i).values())
            for i in range(len(s))
        ]
        np.testing.assert_allclose(faces.volume, ref, rtol=1e-8)
    # Li2O: Li and O cells by symmetry; all cells of one species equal
    faces = periodic_voronoi(li2o(A).frac_coords, li2o(A).lattice.matrix)
    assert np.ptp(faces.volume[:8]) < 1e-9 and np.ptp(faces.volume[8:]) < 1e-9


def test_voronoi_closure_on_obelix_cifs():
    for ident, _, s in shipped_li_o()[:8]:
        faces = periodic_voronoi(s.frac_coords, s.lattice.matrix)
        assert abs(faces.volume.sum() - s.volume) / s.volume < 1e-8, ident


@pytest.mark.parametrize("make", [li2o, distorted_doped])
def test_invariant_to_supercell_permutation_rotation(make):
    s = make()
    ref = F.featurize(s)
    assert np.count_nonzero(ref) > 20
    np.testing.assert_allclose(F.featurize(s * (2, 1, 1)), ref, atol=1e-10)
    np.testing.assert_allclose(F.featurize(s * (1, 2, 2)), ref, atol=1e-10)
    perm = np.random.default_rng(0).permutation(len(s))
    shuffled = Structure.from_sites([s[i] for i in perm])
    np.testing.assert_allclose(F.featurize(shuffled), ref, atol=1e-10)
    R = Rotation.from_euler("zyx", [31, -47, 12], degrees=True).as_matrix()
    rotated = Structure(
        Lattice(s.lattice.matrix @ R.T),
        [site.species for site in s],
        s.cart_coords @ R.T,
        coords_are_cartesian=True,
    )
    np.testing.assert_allclose(F.featurize(rotated), ref, atol=1e-10)


def test_half_occupied_site_is_mean_of_ordered_end_members():
    # 2x2x2 Li2O (a' = 9.22 Å > RDF cutoff): a site's own images are out of range, so the
    # occupancy-weighted descriptor must be linear in that site's occupancy.
    base = li2o() * (2, 2, 2)
    li_end, na_end, mixed = base.copy(), base.copy(), base.copy()
    na_end.replace(0, "Na")
    mixed.replace(0, {"Li": 0.5, "Na": 0.5})
    v_li, v_na, v_mix = (F.featurize(x) for x in (li_end, na_end, mixed))
    assert not np.allclose(v_li, v_na)
    np.testing.assert_allclose(v_mix, 0.5 * (v_li + v_na), atol=1e-12)


def test_disordered_obelix_cif_needs_no_ordering():
    done = 0
    for _, _, s in shipped_li_o():
        if s.is_ordered:
            continue
        v = F.featurize(s)
        assert np.isfinite(v).all() and v.min() >= 0
        # Voronoi volume histograms of all classes hold one unit of weight per atom
        vol = sum(block(F, v, f"voronoi[{c}][volume]")[0].sum() for c in ("Li", "O", "X"))
        assert vol == pytest.approx(1.0, abs=1e-12)
        done += 1
        if done == 3:
            break
    assert done == 3


def test_every_range_and_bin_count_is_a_parameter():
    f = StructureDescriptor(
        rdf_bins=10,
        rdf_range=(1.5, 4.0),
        adf_bins=18,
        adf_cutoff=3.0,
        voronoi_bins=5,
        species=("Li",),
    )
    v = f.featurize(li2o())
    # classes Li, X -> 3 pair classes
    assert len(v) == len(f.feature_labels()) == 3 * 10 + 2 * 3 * 18 + 2 * 3 * 5
    assert f.feature_labels()[0] == "rdf[Li-Li][1.5,1.75)"


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Structure(Lattice.cubic(4), [], []), "zero sites"),
        (
            lambda: Structure(Lattice.cubic(4), ["Li", "O"], [[0, 0, 0], [0.05, 0, 0]]),
            "overlapping atoms",
        ),
        (
            lambda: Structure(
                np.array([[np.nan, 0, 0], [0, 4, 0], [0, 0, 4]]), ["Li"], [[0, 0, 0]]
            ),
            "non-finite",
        ),
    ],
)
def test_bad_structures_raise_clear_errors(make, match):
    with pytest.raises(StructureError, match=match):
        F.featurize(make())


def test_split_site_is_not_an_overlap():
    # two half-occupied Li positions 0.3 Å apart are one atom's alternatives
    s = Structure(
        Lattice.cubic(5),
        [{"Li": 0.5}, {"Li": 0.5}, "O"],
        [[0, 0, 0], [0.06, 0, 0], [0.5, 0.5, 0.5]],
    )
    assert np.isfinite(F.featurize(s)).all()


def test_cell_too_large_for_budget():
    with pytest.raises(StructureError, match="memory budget"):
        StructureDescriptor(max_neighbour_pairs=1000).featurize(li2o() * (2, 2, 2))
