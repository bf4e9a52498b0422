"""Ion substitution into known structures, ranked by data-mined substitution probabilities.

The probabilities are pymatgen's ``SubstitutionProbability`` (Hautier et al., Inorg. Chem. 50,
656 (2011)): a table of pair weights lambda mined from the ICSD that ships inside pymatgen
(``pymatgen/core/structure_prediction/data/lambda.json``), so nothing is downloaded.

Every cation species of the parent (all its sites at once, like pymatgen's ``Substitutor``)
may be replaced; Li+ and O2- stay, because the map is about Li–O conductors. One species is
replaced by an ion of the same charge, or two species at once with charges that still balance,
or one species by a higher-valent ion with the extra charge compensated by Li vacancies (the
way Ta5+ for Zr4+ makes Li6.5La3Zr1.5Ta0.5O12 from Li7La3Zr2O12): whole symmetry orbits of Li
sites whose sizes add up to the charge are emptied.
Each substituted structure is rescaled isotropically to its bond-valence-consistent volume;
what is built is an unrelaxed guess in the parent's geometry.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from pymatgen.core import Composition, Species, Structure

from .chemistry import bv_length_scale, radius_fits, shannon_radius

#: species that substitution never replaces (the map's mobile ion and anion)
FIXED = ("Li", "O")


@dataclass(frozen=True)
class Substitution:
    """Replace every site of each ``old`` species by the ``new`` one: ``((old, new), ...)``
    as pymatgen species strings, with the product of the conditional probabilities."""

    pairs: tuple[tuple[str, str], ...]
    probability: float
    li_vacancies: int = 0  # Li+ removed per cell to balance a higher-valent ion

    @property
    def text(self) -> str:
        """Readable form, e.g. ``"Ti4+→Ge4+, Al3+→Ga3+"`` or ``"Zr4+→Ta5+ + 16 Li vacancies"``."""
        out = ", ".join(f"{a}→{b}" for a, b in self.pairs)
        return out + (f" + {self.li_vacancies} Li vacancies" if self.li_vacancies else "")


@cache
def _probability_table():
    # cached_class inside pymatgen too; reading lambda.json once is ~0.3 s
    from pymatgen.analysis.structure_prediction.substitution_probability import (
        SubstitutionProbability,
    )

    return SubstitutionProbability()


def cond_probability(new: str, old: str) -> float:
    """P(new replaces old) from the shipped lambda table; 0 for a species the table lacks."""
    table = _probability_table()
    a, b = Species.from_str(new), Species.from_str(old)
    if a not in table.species or b not in table.species:
        return 0.0
    return float(table.cond_prob(a, b))


def has_oxidation_states(structure: Structure) -> bool:
    """Whether every species on every site is a pymatgen ``Species`` with a charge."""
    return all(
        isinstance(sp, Species) and sp.oxi_state is not None
        for site in structure
        for sp in site.species
    )


def _species_counts(structure: Structure) -> dict[str, float]:
    counts: dict[str, float] = {}
    for site in structure:
        for sp, occ in site.species.items():
            counts[str(sp)] = counts.get(str(sp), 0.0) + occ
    return counts


def substitutions(
    structure: Structure,
    ions: tuple[tuple[str, int], ...],
    threshold: float = 1e-3,
    max_species: int = 2,
    li_vacancies: bool = True,
) -> list[Substitution]:
    """Charge-balanced substitutions of the parent's cation species by ions of ``ions``.

    ``structure`` must carry oxidation states (pymatgen ``Species``). Returns the substitutions
    whose probability is at least ``threshold``, most probable first (ties in text order),
    replacing one species (same charge; or, with ``li_vacancies``, a higher charge balanced by
    as many Li vacancies) or, with ``max_species=2``, two species whose charge changes cancel.
    Whether the vacancies fit the parent's Li orbits is decided when it is built
    (:func:`apply`). Raises ``ValueError`` when the parent has no oxidation states.
    """
    if not has_oxidation_states(structure):
        raise ValueError(f"parent {structure.formula} has no oxidation states on its sites")
    counts = _species_counts(structure)
    olds = sorted(
        sp
        for sp in counts
        if Species.from_str(sp).symbol not in FIXED and Species.from_str(sp).oxi_state
    )
    pool = [str(Species(el, q)) for el, q in ions if el not in FIXED]
    options: dict[str, list[tuple[str, float, float]]] = {}
    for old in olds:
        q_old = Species.from_str(old).oxi_state
        opts = []
        for new in pool:
            if new == old:
                continue
            p = cond_probability(new, old)
            if p > 0:
                dq = (Species.from_str(new).oxi_state - q_old) * counts[old]
                opts.append((new, p, dq))
        options[old] = opts
    out: list[Substitution] = []
    n_li = sum(n for sp, n in counts.items() if Species.from_str(sp).symbol == "Li")
    for old in olds:
        for new, p, dq in options[old]:
            if p < threshold:
                continue
            if abs(dq) < 1e-9:
                out.append(Substitution(((old, new),), p))
            elif li_vacancies and dq > 0 and abs(dq - round(dq)) < 1e-9 and dq < n_li:
                out.append(Substitution(((old, new),), p, int(round(dq))))
    if max_species >= 2:
        for a, b in itertools.combinations(olds, 2):
            for (na, pa, da), (nb, pb, db) in itertools.product(options[a], options[b]):
                if na == nb or abs(da + db) > 1e-9 or pa * pb < threshold:
                    continue
                out.append(Substitution(((a, na), (b, nb)), pa * pb))
    out.sort(key=lambda s: (-s.probability, s.text))
    return out


def substituted_composition(structure: Structure, sub: Substitution) -> Composition:
    """Composition of the parent after ``sub`` (without building the structure)."""
    counts = _species_counts(structure)
    mapping = dict(sub.pairs)
    amounts: dict[str, float] = {}
    for sp, n in counts.items():
        el = Species.from_str(mapping.get(sp, sp)).symbol
        amounts[el] = amounts.get(el, 0.0) + n
    if sub.li_vacancies:
        amounts["Li"] -= sub.li_vacancies
    return Composition({k: v for k, v in amounts.items() if v > 1e-9})


#: Li orbits of recent parents by structure fingerprint (symmetry analysis of a 96-atom
#: garnet takes ~0.5 s and every vacancy move of that parent needs it)
_ORBITS: dict[str, tuple[tuple[int, ...], ...]] = {}


def _li_orbits(structure: Structure) -> tuple[tuple[int, ...], ...]:
    """Symmetry orbits (site indices) of the Li sites."""
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    from .._util import structure_fingerprint

    key = structure_fingerprint(structure)
    if key not in _ORBITS:
        sym = SpacegroupAnalyzer(structure, symprec=0.01).get_symmetrized_structure()
        if len(_ORBITS) >= 64:
            _ORBITS.pop(next(iter(_ORBITS)))
        _ORBITS[key] = tuple(
            tuple(sorted(group))
            for group in sym.equivalent_indices
            if structure[group[0]].specie.symbol == "Li"
        )
    return _ORBITS[key]


def li_vacancy_sites(structure: Structure, k: int) -> list[int]:
    """Indices of ``k`` Li sites to empty: one symmetry orbit of exactly ``k`` sites, else two
    whose sizes add up to ``k`` (smallest orbits first, then lowest indices); ``ValueError``
    when no such orbits exist."""
    orbits = sorted(_li_orbits(structure), key=lambda o: (len(o), o))
    for o in orbits:
        if len(o) == k:
            return list(o)
    for a, b in itertools.combinations(orbits, 2):
        if len(a) + len(b) == k:
            return sorted(a + b)
    sizes = sorted(len(o) for o in orbits)
    raise ValueError(f"Li vacancies: no Li orbits add up to {k} (orbit sizes {sizes})")


def _cation_cn(structure: Structure, species: str, bond_tol: float = 1.25) -> int:
    """Median number of O neighbours of the sites of ``species`` (within ``bond_tol`` x the
    shortest cation–O distance, the bond rule of :func:`~.chemistry.bv_length_scale`)."""
    idx = [i for i, site in enumerate(structure) if species in {str(s) for s in site.species}]
    cns = []
    for i in idx[:8]:  # symmetry-equivalent sites repeat; a few are enough
        d = np.array(
            sorted(
                n.nn_distance
                for n in structure.get_neighbors(structure[i], 4.0)
                if n.specie.symbol == "O"
            )
        )
        cns.append(int((d <= bond_tol * d[0]).sum()) if d.size else 0)
    return int(np.median(cns)) if cns else 0


def radius_check(structure: Structure, sub: Substitution) -> tuple[bool, str]:
    """Shannon-radius rule (:func:`~.chemistry.radius_fits`) for each replaced species at the
    coordination it has in the parent: ``(passed, reason)``."""
    for old, new in sub.pairs:
        a, b = Species.from_str(old), Species.from_str(new)
        cn = _cation_cn(structure, old)
        r_old = shannon_radius(a.symbol, int(a.oxi_state), cn)
        r_new = shannon_radius(b.symbol, int(b.oxi_state), cn)
        if r_new is None:
            return False, f"no Shannon radius for {new}"
        if r_old is not None and not radius_fits(r_new, r_old):
            return False, f"{new} ({r_new:.2f} Å) does not fit a CN{cn} {old} site ({r_old:.2f} Å)"
    return True, ""


def apply(structure: Structure, sub: Substitution) -> tuple[Structure, float, float]:
    """The substituted structure, scaled to its bond-valence volume: ``(structure, scale,
    rms BVS mismatch)``."""
    mapping = {Species.from_str(a): Species.from_str(b) for a, b in sub.pairs}
    s = structure.copy()
    if sub.li_vacancies:
        s.remove_sites(li_vacancy_sites(structure, sub.li_vacancies))
    s.replace_species(mapping)
    scale, rms = bv_length_scale(s)
    if math.isfinite(scale) and scale > 0:
        s.scale_lattice(s.volume * scale**3)
    return s, scale, rms


def charge(structure: Structure) -> float:
    """Total formal charge of the cell (0 for a charge-balanced structure)."""
    total = 0.0
    for site in structure:
        for sp, occ in site.species.items():
            total += occ * float(getattr(sp, "oxi_state", 0) or 0)
    return total
