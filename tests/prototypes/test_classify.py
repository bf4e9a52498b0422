"""structure_type: framework matching on ordered and disordered real structures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pymatgen.core import Lattice, Structure

from materials_map import structure_type
from materials_map.prototypes import PROTOTYPES, framework, match_prototypes

sys.path.insert(0, str(Path(__file__).parent))
from obelix_eval import evaluate  # noqa: E402


@pytest.mark.parametrize(
    "name",
    [
        "olivine",
        "spinel",
        "layered-rocksalt",
        "linbo3",
        "lisicon",
        "beta-li3po4",
        "antifluorite",
        "li3n",
        "antiperovskite",
    ],
)
def test_prototypes_classify_as_themselves_when_decorated_and_strained(name):
    p = PROTOTYPES[name]
    other = {
        s.label: {"Fe": "Mn", "Mn": "Ni", "Co": "Ni", "Nb": "Ta", "P": "As", "Cl": "Br"}.get(
            s.element, s.element
        )
        for s in p.sites
    }
    s = p.structure(other, volume_scale=1.07)
    s.apply_strain([0.02, -0.01, 0.0])
    assert structure_type(s) == p.family


def test_framework_handles_disorder():
    # Li-stuffed garnet site with 8 % Al: still a Li site, not framework
    s = Structure(
        Lattice.cubic(4.0),
        [{"Li": 0.9, "Al": 0.08}, {"La": 0.5, "Li": 0.3}, "O"],
        [[0, 0, 0], [0.5, 0.5, 0.5], [0.5, 0, 0]],
    )
    fw = framework(s)
    assert fw.composition.reduced_formula == "SiO"  # La/Li site kept as cation, Li/Al dropped
    assert len(framework(s, keep_li=True)) == 3
    assert framework(Structure(Lattice.cubic(3), ["Li"], [[0, 0, 0]])) is None


def test_unrelated_structures_are_other():
    nacl = Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(5.64), ["Na", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    )
    assert structure_type(nacl) == "other"
    rutile = Structure.from_spacegroup(
        "P4_2/mnm", Lattice.tetragonal(4.59, 2.96), ["Ti", "O"], [[0, 0, 0], [0.305, 0.305, 0]]
    )
    assert structure_type(rutile) == "other"
    with pytest.raises(TypeError, match="Structure"):
        structure_type("LiCoO2")


def test_best_match_is_ranked_first(obelix_path):
    s = Structure.from_file(obelix_path / "all_randomized_cifs" / "h6c.cif")  # beta-Li3VO4
    hits = match_prototypes(s)
    assert hits[0][0] == "beta-li3po4"
    assert [h[1] for h in hits] == sorted(h[1] for h in hits)


SAMPLE = ["gz8", "wyu", "kbq", "019", "yqu", "0fh", "s3h", "hta", "u2y", "w7d", "pbz", "h6c"]


def test_obelix_sample(obelix_path):
    res = evaluate(obelix_path, SAMPLE)
    assert len(res) == len(SAMPLE)
    assert res["correct"].all(), res[~res["correct"]]


@pytest.mark.slow
def test_obelix_accuracy_four_families(obelix_path):
    res = evaluate(obelix_path)
    assert len(res) >= 110
    assert res["correct"].mean() >= 0.90
    for fam in ("garnet", "NASICON"):
        assert res[res["family"] == fam]["correct"].mean() >= 0.9
