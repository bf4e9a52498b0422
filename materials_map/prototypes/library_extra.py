"""Extra ordered Li–O structure families for the prototype library (all occupancies 1).

Each entry is a real, ordered Li–O compound, written as crystallographic facts (space group,
lattice, symmetry-independent Wyckoff sites) in the same form as :mod:`.library` (which adds them to ``PROTOTYPES``). The facts were
taken from the ordered OBELiX CIFs of the cited entries (Therrien et al. 2025; source: the
ICSD entry and publication named in each ``reference``): the OBELiX positions carry a small
random perturbation added by the dataset authors, so they were symmetrised with spglib
(``SpacegroupAnalyzer(symprec=0.1).get_refined_structure()``) and rounded to 4 decimals. In
high-symmetry cells the averaging removes most of that noise; in the monoclinic cells a residual
of a few hundredths of an Angstrom remains (bond lengths can differ by up to ~0.1 A from the
published refinement), which the generator's bond-valence volume scaling does not need to be
finer than. Coordination numbers are the crystal-chemical ones (for Shannon radii).

``garnet-tetragonal`` is the ordered Li-stuffed garnet; its ``family`` is ``"garnet"``, so the
classifier and the dataset generator report it as a garnet.
"""

from __future__ import annotations

from .prototype import Prototype
from .prototype import entry as _p

_SOURCE = "coordinates symmetrised from the ordered OBELiX CIF {ident} (randomised positions)"

_EXTRA = [
    _p(
        "garnet-tetragonal",
        "Li7La3Zr2O12",
        142,
        (13.1279, 13.1279, 12.6715, 90, 90, 90),
        [
            ("Li1", "Li", "8a", (0.0, 0.0, 0.0), "Li", 4),
            ("Li2", "Li", "16f", (0.1797, 0.1797, 0.25), "Li", 6),
            ("Li3", "Li", "32g", (0.0806, 0.1643, 0.4291), "Li", 6),
            ("La1", "La", "8b", (0.0, 0.0, 0.25), "cation", 8),
            ("La2", "La", "16e", (0.127, 0.25, 0.875), "cation", 8),
            ("Zr1", "Zr", "16c", (0.0, 0.25, 0.125), "cation", 6),
            ("O1", "O", "32g", (0.0338, 0.1952, 0.2774), "anion", 4),
            ("O2", "O", "32g", (0.0541, 0.1029, 0.5912), "anion", 4),
            ("O3", "O", "32g", (0.1496, 0.2224, 0.0714), "anion", 4),
        ],
        "Tetragonal Li7La3Zr2O12, I41/acd: J. Awaka, N. Kijima, H. Hayakawa, J. Akimoto, "
        "J. Solid State Chem. 182 (2009) 2046, DOI 10.1016/j.jssc.2009.05.020 (ICSD 246816); "
        + _SOURCE.format(ident="wyu")
        + ".",
        "Li-stuffed garnet with fully ordered Li: tetrahedral 8a and octahedral 16f/32g Li "
        "(the low-temperature, tetragonal form of LLZO).",
        family="garnet",
        aliases=("llzo-tetragonal",),
    ),
    _p(
        "gamma-lifeo2",
        "LiScO2",
        141,
        (4.1791, 4.1791, 9.361, 90, 90, 90),
        [
            ("Li1", "Li", "4b", (0.0, 0.0, 0.5), "Li", 6),
            ("Sc1", "Sc", "4a", (0.0, 0.0, 0.0), "cation", 6),
            ("O1", "O", "8e", (0.0, 0.0, 0.2392), "anion", 6),
        ],
        "LiScO2, I41/amd (origin choice 1), DOI 10.2320/matertrans.y-m2016816 (ICSD 257819); "
        + _SOURCE.format(ident="sg0")
        + ".",
        "gamma-LiFeO2 type: rocksalt with Li and M ordered on the octahedral sites in a "
        "three-dimensional (tetragonal) pattern (LiScO2, LiInO2 at high pressure).",
        aliases=("lisco2",),
    ),
    _p(
        "li2zro3",
        "Li2ZrO3",
        15,
        (5.4163, 9.0262, 5.4156, 90, 112.615, 90),
        [
            ("Li1", "Li", "4e", (0.0, 0.2578, 0.75), "Li", 6),
            ("Li2", "Li", "4e", (0.0, 0.4195, 0.25), "Li", 6),
            ("Zr1", "Zr", "4e", (0.0, 0.0861, 0.25), "cation", 6),
            ("O1", "O", "8f", (0.2417, 0.0811, 0.0), "anion", 6),
            ("O2", "O", "4d", (0.25, 0.25, 0.5), "anion", 6),
        ],
        "Li2ZrO3, C2/c, DOI 10.1016/0167-2738(81)90021-7 (ICSD 94894); "
        + _SOURCE.format(ident="t0h")
        + ".",
        "Li2MO3 ordered rocksalt (Li2ZrO3 type, Z = 4): all cations octahedral, ZrO6 in zigzag "
        "chains; the Li-rich member of the rocksalt-superstructure family.",
    ),
    _p(
        "beta-ligao2",
        "LiGaO2",
        33,
        (5.402, 6.372, 5.007, 90, 90, 90),
        [
            ("Li1", "Li", "4a", (0.0788, 0.6151, 0.9764), "Li", 4),
            ("Ga1", "Ga", "4a", (0.0798, 0.1346, 0.0014), "cation", 4),
            ("O1", "O", "4a", (0.0871, 0.0976, 0.381), "anion", 4),
            ("O2", "O", "4a", (0.1215, 0.6406, 0.3963), "anion", 4),
        ],
        "beta-LiGaO2, Pna21, DOI 10.1007/bf00549810 (ICSD 18152); "
        + _SOURCE.format(ident="bsa")
        + ".",
        "beta-NaFeO2 type: ordered wurtzite superstructure, Li and M in corner-sharing "
        "tetrahedra all pointing along c (LiGaO2, LiAlO2 high-pressure forms).",
    ),
    _p(
        "lilao2",
        "LiLaO2",
        14,
        (5.874, 6.2129, 5.8481, 90, 102.453, 90),
        [
            ("Li1", "Li", "4e", (0.3619, 0.6197, 0.3276), "Li", 4),
            ("La1", "La", "4e", (0.1976, 0.0583, 0.2956), "cation", 7),
            ("O1", "O", "4e", (0.088, 0.744, 0.5076), "anion", 6),
            ("O2", "O", "4e", (0.4228, 0.1311, 0.7074), "anion", 4),
        ],
        "LaLiO2, P21/c, DOI 10.1016/j.ssi.2015.09.001 (ICSD 239278); "
        + _SOURCE.format(ident="ecp")
        + ".",
        "LiEuO2-type LiLnO2 for large Ln: sevenfold La, Li in edge-sharing LiO4 tetrahedra.",
    ),
    _p(
        "li6zr2o7",
        "Li6Zr2O7",
        15,
        (10.44, 5.991, 10.204, 90, 100.25, 90),
        [
            ("Li1", "Li", "8f", (0.0795, 0.1184, 0.1024), "Li", 4),
            ("Li2", "Li", "8f", (0.0892, 0.3505, 0.5768), "Li", 4),
            ("Li3", "Li", "8f", (0.1811, 0.3675, 0.4002), "Li", 4),
            ("Zr1", "Zr", "8f", (0.1551, 0.1102, 0.8672), "cation", 6),
            ("O1", "O", "8f", (0.1189, 0.1335, 0.4911), "anion", 4),
            ("O2", "O", "8f", (0.1412, 0.3622, 0.0039), "anion", 4),
            ("O3", "O", "8f", (0.241, 0.397, 0.7588), "anion", 4),
            ("O4", "O", "4e", (0.0, 0.1596, 0.75), "anion", 2),
        ],
        "Li6Zr2O7, C2/c, DOI 10.3103/s1062873810050199 (ICSD 73835); "
        + _SOURCE.format(ident="tws")
        + ".",
        "Li6M2O7: pairs of edge-sharing ZrO6 octahedra (Zr2O10 dimers) linked by Li in "
        "tetrahedral sites; a Li-rich oxide with a bridging O (4e).",
    ),
]

EXTRA_PROTOTYPES: dict[str, Prototype] = {p.name: p for p in _EXTRA}

__all__ = ["EXTRA_PROTOTYPES"]
