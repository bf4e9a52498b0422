"""Prototype library: crystallographic facts reproduce real structures of each family."""

from __future__ import annotations

import gzip
import json
import warnings
from pathlib import Path

import numpy as np
import pymatgen.core
import pytest
from pymatgen.analysis.structure_matcher import StructureMatcher
from pymatgen.core import Structure
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from materials_map.prototypes import PROTOTYPES, Prototype, get_prototype
from materials_map.prototypes.classify import framework

PMG = Path(pymatgen.core.__file__).parents[1]
REQUIRED = {
    "garnet",
    "nasicon",
    "perovskite",
    "lisicon",
    "beta-li3po4",
    "olivine",
    "spinel",
    "layered-rocksalt",
    "antifluorite",
    "linbo3",
}


def _shipped(name: str) -> Structure:
    s = Structure.from_file(PMG / "util" / "structures" / f"{name}.json")
    s.remove_oxidation_states()
    return s


def _aflow(label: str) -> Structure:
    with gzip.open(PMG / "analysis" / "prototypes" / "aflow_prototypes.json.gz") as f:
        for e in json.load(f):
            if e["tags"]["aflow"] == label:
                return Structure.from_dict(e["snl"])
    raise KeyError(label)


def _obelix(obelix_path: Path, ident: str) -> Structure:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Structure.from_file(obelix_path / "all_randomized_cifs" / f"{ident}.cif")


MATCH = StructureMatcher(scale=True)  # pymatgen defaults: ltol 0.2, stol 0.3, angle 5 deg
FRAMEWORK = StructureMatcher(scale=True, ltol=0.25, stol=0.4, angle_tol=8, attempt_supercell=True)


def test_library_contract():
    assert len(PROTOTYPES) >= 12 and REQUIRED <= set(PROTOTYPES)
    for name, p in PROTOTYPES.items():
        assert isinstance(p, Prototype) and p.name == name
        assert p.family == name or p.family in PROTOTYPES, name  # variants name their family
        assert p.reference and p.description and p.li_sites, name
        assert all(s.occupancy == 1.0 for s in p.sites), f"{name} must be ordered"
        s = p.structure()
        assert s.is_ordered
        sga = SpacegroupAnalyzer(s, symprec=0.01)
        assert sga.get_space_group_number() == p.spacegroup, name
        # Wyckoff multiplicities add up to the conventional cell content
        counts = {}
        for site in s:
            counts[site.properties["label"]] = counts.get(site.properties["label"], 0) + 1
        for site in p.sites:
            assert counts[site.label] == int(site.wyckoff[:-1]), (name, site.label)
        # no two atoms closer than 1.2 A (catches a wrong origin or a typo in coordinates)
        d = s.distance_matrix + np.eye(len(s)) * 10
        assert d.min() > 1.2, (name, d.min())
    assert get_prototype("NASICON") is PROTOTYPES["nasicon"]
    with pytest.raises(KeyError, match="available"):
        get_prototype("zeolite")


def test_decoration_and_volume_scale():
    p = PROTOTYPES["nasicon"]
    s = p.structure({"Ti1": "Ge"}, volume_scale=0.9)
    assert s.composition.reduced_formula == "LiGe2(PO4)3"
    assert s.volume == pytest.approx(0.9 * p.structure().volume)
    assert {x.properties["role"] for x in s} == {"Li", "cation", "anion"}
    with pytest.raises(KeyError, match="no site"):
        p.structure({"Zr1": "Zr"})


@pytest.mark.parametrize(
    ("name", "species", "expected"),
    [
        # bond lengths from the cited refinements / standard crystal chemistry (A)
        ("lisicon", "P", 1.54),
        ("olivine", "P", 1.54),
        ("beta-li3po4", "P", 1.55),
        ("spinel", "Mn", 1.96),
        ("layered-rocksalt", "Co", 1.92),
        ("layered-rocksalt", "Li", 2.09),
        ("antifluorite", "Li", 2.00),
        ("garnet", "W", 1.93),
        ("nasicon", "P", 1.52),
    ],
)
def test_mean_bond_lengths(name, species, expected):
    s = PROTOTYPES[name].structure()
    site = next(x for x in s if x.specie.symbol == species)
    cn = site.properties["cn"]
    d = sorted(n.nn_distance for n in s.get_neighbors(site, 3.2) if n.specie.symbol == "O")[:cn]
    assert np.mean(d) == pytest.approx(expected, abs=0.04)


def test_matches_structures_shipped_with_pymatgen():
    assert MATCH.fit(PROTOTYPES["olivine"].structure(), _shipped("LiFePO4"))
    assert MATCH.fit(PROTOTYPES["antifluorite"].structure(), _shipped("Li2O"))
    spinel = PROTOTYPES["spinel"].structure({"Li1": "Mg", "Mn1": "Al"})
    assert MATCH.fit(spinel, _aflow("A2BC4_cF56_227_d_a_e"))  # MgAl2O4, Hill et al. 1979
    linbo3 = _aflow("ABC3_hR10_161_a_a_b")  # LiNbO3, Boysen & Altorfer 1994
    assert MATCH.fit(PROTOTYPES["linbo3"].structure(), linbo3)
    assert MATCH.fit(PROTOTYPES["li3n"].structure(), _aflow("A3B_hP4_191_bc_a"))
    # NASICON framework against the rhombohedral Li3V2(PO4)3 shipped with pymatgen
    lvp = framework(_shipped("Li3V2(PO4)3"))
    assert FRAMEWORK.fit(framework(PROTOTYPES["nasicon"].structure()), lvp)
    # ...and the cubic perovskite framework is not a garnet or spinel
    assert not FRAMEWORK.fit(
        framework(PROTOTYPES["spinel"].structure()), framework(_shipped("SrTiO3"))
    )


@pytest.mark.parametrize(
    ("name", "ident", "species"),
    [
        ("garnet", "etz", None),  # cubic Li7La3Zr2O12 (disordered Li)
        ("garnet", "gkl", None),  # Li5La3Nb2O12
        ("nasicon", "019", {}),  # LiTi2(PO4)3
        ("nasicon", "4ba", {"Ti1": "Ge"}),  # LiGe2(PO4)3
        ("nasicon", "ur9", {"Ti1": "Zr"}),  # LiZr2(PO4)3
        ("perovskite", "s3h", None),  # La0.5Li0.5TiO3 (A sites partly La)
        ("lisicon", "w7d", {}),  # gamma-Li3PO4
        ("lisicon", "9lo", {}),  # gamma-Li3PO4
        ("beta-li3po4", "h6c", {"P1": "V"}),  # beta-Li3VO4
        ("spinel", "m0v", None),  # Li4Ti5O12
        ("li3n", "gvd", {}),  # alpha-Li3N
        ("antiperovskite", "4p7", {}),  # Li3OCl
    ],
)
def test_matches_obelix_structures(obelix_path, name, ident, species):
    real = _obelix(obelix_path, ident)
    proto = PROTOTYPES[name].structure(species or {})
    if species is not None and real.is_ordered:
        assert MATCH.fit(proto, real), f"{name} vs OBELiX {ident}"
    else:  # disordered: compare Li-free frameworks
        assert FRAMEWORK.fit(framework(proto), framework(real)) or FRAMEWORK.fit(
            framework(proto, keep_li=True), framework(real, keep_li=True)
        )
