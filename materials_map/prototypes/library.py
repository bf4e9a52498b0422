"""The structure-type library: Li-conductor families written as crystallographic facts.

Every entry is an ordered archetype (all occupancies 1) given by its space group, lattice
parameters and the symmetry-independent Wyckoff sites, each with a role ("Li", "cation",
"anion") and a coordination number (for Shannon radii). ``Prototype.structure()`` expands the
sites with pymatgen's ``Structure.from_spacegroup`` and returns the CONVENTIONAL cell of the
space group in its standard ITA setting (hexagonal axes for rhombohedral groups, origin choice 2
for Fd-3m).

Coordinates follow the cited refinements; where a value is an idealisation or comes from a
computed (Materials Project) structure the ``reference`` says so.
"""

from __future__ import annotations

from .library_extra import EXTRA_PROTOTYPES
from .prototype import Prototype, Site
from .prototype import entry as _p

__all__ = ["PROTOTYPES", "Prototype", "Site", "get_prototype"]

_LIBRARY = [
    _p(
        "garnet",
        "Li3Nd3W2O12",
        230,
        (12.46869, 12.46869, 12.46869, 90, 90, 90),
        [
            ("Li1", "Li", "24d", (0.375, 0.0, 0.25), "Li", 4),
            ("Nd1", "Nd", "24c", (0.125, 0.0, 0.25), "cation", 8),
            ("W1", "W", "16a", (0.0, 0.0, 0.0), "cation", 6),
            ("O1", "O", "96h", (-0.0379, 0.0648, 0.1342), "anion", 4),
        ],
        "E. J. Cussen, T. W. S. Yip, J. Solid State Chem. 180 (2007) 1832 (Li3Nd3W2O12, "
        "Ia-3d, a = 12.46869 A, Li fully on tetrahedral 24d). The O 96h parameters are NOT "
        "from that paper: they were solved here so that the bond-valence sums (Brese & O'Keeffe "
        "1991) of Li, Nd and W are exactly 1, 3 and 6, starting from the archetypal garnet "
        "Y3Al5O12 values (-0.0306, 0.0512, 0.1500).",
        "Garnet A3B2(LiO4)3: 8-coordinate A (24c), octahedral B (16a), tetrahedral Li (24d). "
        "Li-stuffed garnets (Li5La3Ta2O12, Li7La3Zr2O12) add Li on 96h octahedral sites.",
    ),
    _p(
        "nasicon",
        "LiTi2(PO4)3",
        167,
        (8.5110, 8.5110, 20.843, 90, 90, 120),
        [
            ("Li1", "Li", "6b", (0.0, 0.0, 0.0), "Li", 6),
            ("Ti1", "Ti", "12c", (0.0, 0.0, 0.1418), "cation", 6),
            ("P1", "P", "18e", (0.2902, 0.0, 0.25), "cation", 4),
            ("O1", "O", "36f", (0.1849, -0.0008, 0.1919), "anion", 2),
            ("O2", "O", "36f", (0.1908, 0.1680, 0.0830), "anion", 2),
        ],
        "LiTi2(PO4)3, R-3c (hexagonal axes), rounded representative refinement values "
        "(cf. A. Aatiq, M. Menetrier, L. Croguennec, E. Suard, C. Delmas, J. Mater. Chem. 12 "
        "(2002) 2971). Lanterns of two TiO6 octahedra and three PO4 tetrahedra; Li on M1 (6b).",
        "NASICON framework M2(TO4)3 of corner-sharing octahedra and tetrahedra, Li in the "
        "antiprismatic M1 site (6b); Li-rich members (Li1+xAlxTi2-x(PO4)3) add Li on M2/M3.",
    ),
    _p(
        "perovskite",
        "Li0.5La0.5TiO3",
        123,
        (3.8688, 3.8688, 7.7463, 90, 90, 90),
        [
            ("La1", "La", "1a", (0.0, 0.0, 0.0), "cation", 12),
            ("Li1", "Li", "1b", (0.0, 0.0, 0.5), "Li", 12),
            ("Ti1", "Ti", "2h", (0.5, 0.5, 0.2625), "cation", 6),
            ("O1", "O", "1c", (0.5, 0.5, 0.0), "anion", 6),
            ("O2", "O", "1d", (0.5, 0.5, 0.5), "anion", 6),
            ("O3", "O", "4i", (0.0, 0.5, 0.2380), "anion", 6),
        ],
        "A-site-ordered La0.5Li0.5TiO3, P4/mmm (ap x ap x 2ap), cell after J. Ibarra, A. Varez, "
        "C. Leon, J. Santamaria, L. M. Torres-Martinez, J. Sanz, Solid State Ionics 134 (2000) 219 "
        "(ICSD 92237). Idealised: the La-rich and La-poor A layers are taken fully ordered "
        "(La on 1a, Li on 1b); Ti/O z parameters are rounded literature values for "
        "La(2/3-x)Li(3x)TiO3 (Ti shifted towards the Li layer).",
        "ABO3 perovskite with A-site deficiency/ordering along c (Li-La-Ti-O, LLTO); the simple "
        "cubic ABO3 cell is the classifier's second perovskite reference.",
    ),
    _p(
        "lisicon",
        "Li3PO4",
        62,
        (10.475, 6.1147, 4.9228, 90, 90, 90),
        [
            ("Li1", "Li", "8d", (0.163, 0.503, 0.699), "Li", 4),
            ("Li2", "Li", "4c", (0.423, 0.75, 0.798), "Li", 4),
            ("P1", "P", "4c", (0.4115, 0.25, 0.6912), "cation", 4),
            ("O1", "O", "8d", (0.3419, 0.0422, 0.7945), "anion", 4),
            ("O2", "O", "4c", (0.0518, 0.25, 0.7064), "anion", 4),
            ("O3", "O", "4c", (0.09, 0.75, 0.8777), "anion", 4),
        ],
        "gamma-Li3PO4 (high-temperature form), W. H. Baur, Inorg. Nucl. Chem. Lett. 16 (1980) 525 "
        "(AMCSD 0012724), transformed from Pmnb to the standard Pnma setting.",
        "LISICON / gamma-Li3PO4: all cations tetrahedral in a distorted hcp O array, TO4 tetrahedra "
        "pointing both ways along c (Li14Zn(GeO4)4, Li3+x(P,Si,Ge,V)O4).",
    ),
    _p(
        "beta-li3po4",
        "Li3PO4",
        31,
        (6.1761, 5.2964, 4.9224, 90, 90, 90),
        [
            ("Li1", "Li", "2a", (0.0, 0.84452, 0.50942), "Li", 4),
            ("Li2", "Li", "4b", (0.25287, 0.32643, 0.50836), "Li", 4),
            ("P1", "P", "2a", (0.5, 0.82426, 0.50142), "cation", 4),
            ("O1", "O", "4b", (0.79286, 0.31351, 0.10701), "anion", 4),
            ("O2", "O", "2a", (0.5, 0.10351, 0.60213), "anion", 4),
            ("O3", "O", "2a", (0.5, 0.81840, 0.18519), "anion", 4),
        ],
        "beta-Li3PO4 (low-temperature form, Pmn21; structure type: C. Keffer, A. Mighell, F. Mauer, "
        "H. Swanson, S. Block, Inorg. Chem. 6 (1967) 119). Cell and coordinates from the "
        "DFT-relaxed Materials Project entry mp-13725 (A. Jain et al., APL Mater. 1 (2013) "
        "011002), symmetrised; PBE cell is ~1 % larger than experiment.",
        "Wurtzite-derived orthorhombic superstructure: all cations tetrahedral, all tetrahedra "
        "pointing the same way along c (beta-Li3VO4, Li3AsO4).",
    ),
    _p(
        "olivine",
        "LiFePO4",
        62,
        (10.3377, 6.0112, 4.6950, 90, 90, 90),
        [
            ("Li1", "Li", "4a", (0.0, 0.0, 0.0), "Li", 6),
            ("Fe1", "Fe", "4c", (0.28222, 0.25, 0.97472), "cation", 6),
            ("P1", "P", "4c", (0.09486, 0.25, 0.41820), "cation", 4),
            ("O1", "O", "4c", (0.09678, 0.25, 0.74279), "anion", 4),
            ("O2", "O", "4c", (0.45710, 0.25, 0.20602), "anion", 4),
            ("O3", "O", "8d", (0.16558, 0.04646, 0.28478), "anion", 4),
        ],
        "LiFePO4 (triphylite), Pnma: V. A. Streltsov, E. L. Belokoneva, V. G. Tsirelson, "
        "N. K. Hansen, Acta Cryst. B 49 (1993) 147.",
        "Olivine M2(TO4): hcp O, Li in edge-sharing octahedral chains along b (1-D channels).",
    ),
    _p(
        "spinel",
        "LiMn2O4",
        227,
        (8.2476, 8.2476, 8.2476, 90, 90, 90),
        [
            ("Li1", "Li", "8a", (0.125, 0.125, 0.125), "Li", 4),
            ("Mn1", "Mn", "16d", (0.5, 0.5, 0.5), "cation", 6),
            ("O1", "O", "32e", (0.2631, 0.2631, 0.2631), "anion", 4),
        ],
        setting="Fd-3m:2",
        reference="LiMn2O4, Fd-3m (origin choice 2): J. Akimoto, Y. Takahashi, Y. Gotoh, S. Mizuta, "
        "Chem. Mater. 12 (2000) 3246 (single crystal; x(O) rounded).",
        description="Spinel AB2O4: ccp O, Li tetrahedral (8a), B octahedral (16d); 3-D Li paths 8a-16c-8a "
        "(Li4Ti5O12, LiMn2O4).",
    ),
    _p(
        "layered-rocksalt",
        "LiCoO2",
        166,
        (2.8156, 2.8156, 14.0542, 90, 90, 120),
        [
            ("Li1", "Li", "3a", (0.0, 0.0, 0.0), "Li", 6),
            ("Co1", "Co", "3b", (0.0, 0.0, 0.5), "cation", 6),
            ("O1", "O", "6c", (0.0, 0.0, 0.2396), "anion", 6),
        ],
        "alpha-NaFeO2-type LiCoO2, R-3m (hexagonal axes): J. Akimoto, Y. Gotoh, Y. Oosawa, "
        "J. Solid State Chem. 141 (1998) 298.",
        "Ordered rocksalt with alternating Li and M octahedral layers (O3 stacking): 2-D Li "
        "diffusion.",
    ),
    _p(
        "antifluorite",
        "Li2O",
        225,
        (4.6114, 4.6114, 4.6114, 90, 90, 90),
        [
            ("Li1", "Li", "8c", (0.25, 0.25, 0.25), "Li", 4),
            ("O1", "O", "4a", (0.0, 0.0, 0.0), "anion", 8),
        ],
        "Li2O, Fm-3m: T. W. D. Farley, W. Hayes, S. Hull, M. T. Hutchings, M. Vrtis, "
        "J. Phys.: Condens. Matter 3 (1991) 4761 (a at room temperature).",
        "Antifluorite: ccp anions with Li in all tetrahedral holes (Li2O, Li5AlO4 and Li6ZnO4 "
        "are ordered-vacancy derivatives).",
    ),
    _p(
        "linbo3",
        "LiNbO3",
        161,
        (5.14829, 5.14829, 13.8631, 90, 90, 120),
        [
            ("Nb1", "Nb", "6a", (0.0, 0.0, 0.0), "cation", 6),
            ("Li1", "Li", "6a", (0.0, 0.0, 0.2829), "Li", 6),
            ("O1", "O", "18b", (0.0492, 0.3446, 0.0647), "anion", 4),
        ],
        "Ferroelectric LiNbO3, R3c (hexagonal axes): S. C. Abrahams, J. M. Reddy, J. L. Bernstein, "
        "J. Phys. Chem. Solids 27 (1966) 997; S. C. Abrahams, W. C. Hamilton, J. M. Reddy, ibid. "
        "1013.",
        "LiNbO3 / ilmenite family: hcp O with 2/3 of the octahedral holes filled by Li and M "
        "(LiTaO3; ilmenite orders Li and M in alternate layers).",
    ),
    _p(
        "antiperovskite",
        "Li3OCl",
        221,
        (3.9091, 3.9091, 3.9091, 90, 90, 90),
        [
            ("O1", "O", "1b", (0.5, 0.5, 0.5), "anion", 6),
            ("Cl1", "Cl", "1a", (0.0, 0.0, 0.0), "anion", 12),
            ("Li1", "Li", "3c", (0.0, 0.5, 0.5), "Li", 2),
        ],
        "Li3OCl, Pm-3m: Y. Zhao, L. L. Daemen, J. Am. Chem. Soc. 134 (2012) 15042.",
        "Anti-perovskite: OLi6 octahedra sharing corners, halide in the A site (Li3OCl, Li3OBr).",
    ),
    _p(
        "li3n",
        "Li3N",
        191,
        (3.648, 3.648, 3.875, 90, 90, 120),
        [
            ("N1", "N", "1a", (0.0, 0.0, 0.0), "anion", 8),
            ("Li1", "Li", "1b", (0.0, 0.0, 0.5), "Li", 2),
            ("Li2", "Li", "2c", (1 / 3, 2 / 3, 0.0), "Li", 3),
        ],
        "alpha-Li3N, P6/mmm: A. Rabenau, H. Schulz, J. Less-Common Met. 50 (1976) 155; all "
        "positions fixed by symmetry.",
        "Li2N layers (graphite-like Li around N) bridged by Li along c; a fast 2-D Li conductor.",
    ),
]

PROTOTYPES: dict[str, Prototype] = {**{p.name: p for p in _LIBRARY}, **EXTRA_PROTOTYPES}


def get_prototype(name: str) -> Prototype:
    """Return the prototype called ``name`` (case-insensitive; aliases accepted)."""
    key = name.strip().lower()
    if key in PROTOTYPES:
        return PROTOTYPES[key]
    for p in PROTOTYPES.values():
        if key in p.aliases:
            return p
    raise KeyError(f"unknown prototype {name!r}; available: {sorted(PROTOTYPES)}")
