"""Decoration of structure-type prototypes: charge-balanced ion assignments and the decorated,
bond-valence-scaled structure of each (the reusable core of the generated ``li-o`` library and of
:func:`materials_map.propose`).

A prototype's Li sites stay Li and its anion sites O; each cation site takes one fitting ion, or
two ions share it in an ordered pattern of lowest Ewald energy. Nothing here is random.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from functools import cache
from typing import Any

import numpy as np
from pymatgen.core import Composition, Species, Structure

from .chemistry import bv_length_scale, candidate_ions, reference_states

MAX_BVS_RMS = 0.6  # valence units; worse fits are not chemically sensible candidates

Ion = tuple[str, int]
# (site label, ions, (k, d)): one ion fills the site (k = d = 1), or two ions share it, the
# first on k/d of its sites, in an ordered pattern
Assignment = tuple[tuple[str, tuple[Ion, ...], tuple[int, int]], ...]
SPLIT_FRACTIONS: tuple[tuple[int, int], ...] = ((1, 2), (1, 3), (2, 3), (1, 4), (3, 4))
MAX_MULTIPLIER = 4  # the labelled primitive cell is repeated at most 4x to host a split
MAX_PATTERNS = 3000  # orderings compared by Ewald energy, at most


@cache
def _archetype(proto: Any) -> Structure:
    # building a prototype goes through pymatgen's SpaceGroup (~0.4 s): once per prototype
    return proto.structure(None)


@cache
def _primitive(proto: Any) -> Structure:
    return _archetype(proto).get_primitive_structure(use_site_props=True)


def labelled_primitive(proto: Any) -> Structure:
    """Primitive cell of the prototype, found on site labels (not on elements); a fresh copy."""
    return _primitive(proto).copy()


@cache
def _split_base(proto: Any, mult: int) -> Structure:
    """Labelled primitive cell repeated ``mult`` times along its shortest vector (cached per
    prototype: prototypes are frozen, hashable dataclasses)."""
    cell = labelled_primitive(proto)
    if mult > 1:
        k = int(np.argmin(cell.lattice.abc))
        cell.make_supercell([mult if j == k else 1 for j in range(3)])
    return cell


@cache
def _split_pattern(proto: Any, mult: int, label: str, k: int, d: int) -> tuple[int, ...]:
    """Sites of ``label`` taking the first ion of a k/d split in ``_split_base(proto, mult)``.

    Of all ways to give k/d of the label's sites the first ion, the one with the lowest Ewald
    energy of the point-charge pattern is chosen (for a symmetric orbit the ordering energy
    does not depend on which two ions share it, only on the pattern); ties go to the
    lexicographically first pattern, so the choice is deterministic.
    """
    from math import comb

    from pymatgen.analysis.ewald import EwaldSummation

    cell = _split_base(proto, mult)
    name = proto.name
    idx = [i for i, lab in enumerate(cell.site_properties["label"]) if lab == label]
    m = len(idx)
    n_first = m * k // d
    if n_first * d != m * k or comb(m, n_first) > MAX_PATTERNS:
        raise ValueError(f"{name}:{label} has {m} sites: cannot split it {k}/{d} here")
    sub = Structure(cell.lattice, [Species("Na", 1)] * m, cell.frac_coords[idx])
    pair = EwaldSummation(sub, compute_forces=False).total_energy_matrix
    best, best_e = None, np.inf
    for chosen in itertools.combinations(range(m), n_first):
        delta = np.full(m, -k / d)
        delta[list(chosen)] += 1.0
        e = float(delta @ pair @ delta)
        if e < best_e - 1e-9:
            best, best_e = chosen, e
    assert best is not None
    return tuple(idx[i] for i in best)


@cache
def _prim_label_counts(proto: Any) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for lab in labelled_primitive(proto).site_properties["label"]:
        counts[lab] += 1
    return counts


def _multiplier(proto: Any, assignment: Assignment) -> int | None:
    prim = _prim_label_counts(proto)
    for mult in range(1, MAX_MULTIPLIER + 1):
        if all((prim[lab] * mult * k) % d == 0 for lab, _, (k, d) in assignment):
            return mult
    return None


def _label_counts(proto: Any) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for lab in _archetype(proto).site_properties["label"]:
        counts[lab] += 1
    return counts


def assignments(
    proto: Any, ions: tuple[Ion, ...] | None = None, max_split_labels: int = 2
) -> list[Assignment]:
    """Every charge-balanced decoration of a prototype's cation sites (sorted, deterministic).

    Each cation label takes one fitting ion, or, for at most ``max_split_labels`` labels per
    decoration (0, 1 or 2), two different fitting ions sharing it in a ratio of 1:1, 1:2 or 1:3
    (aliovalent pairs such as Mg2+/Ti4+ widen the chemistry the way real solid solutions do).
    ``ions`` is the pool of cation-site ions (default: Li+ and the paper's 25 elements in their
    common oxide states, :data:`~.chemistry.CATION_SITE_IONS`).
    """
    if max_split_labels not in (0, 1, 2):
        raise ValueError(f"max_split_labels must be 0, 1 or 2, got {max_split_labels!r}")
    ref = reference_states(_archetype(proto).composition)
    counts = _label_counts(proto)
    charge = 0
    options = []
    for site in sorted(proto.sites, key=lambda s: s.label):
        n = counts[site.label]
        if site.role == "Li":
            charge += n
        elif site.role == "anion":
            charge -= 2 * n
        else:
            fits = candidate_ions(site.element, ref.get(site.element, 0), int(site.cn), ions)
            singles = [(site.label, (ion,), (1, 1)) for ion in fits]
            pairs = []
            for a, b in itertools.permutations(fits, 2):
                if a[0] == b[0]:
                    continue
                for k, d in SPLIT_FRACTIONS:
                    if (k, d) == (1, 2) and a > b:
                        continue  # 1:1 is symmetric
                    pairs.append((site.label, (a, b), (k, d)))
            options.append((n, singles, pairs))
    if not options:
        return [] if charge else [()]
    prim = _prim_label_counts(proto)

    def info(n: int, opt) -> tuple[float, int]:
        lab, ions, (k, d) = opt
        q = n * (k * ions[0][1] + (d - k) * ions[-1][1]) / d
        mask = sum(1 << m for m in range(1, MAX_MULTIPLIER + 1) if (prim[lab] * m * k) % d == 0)
        return q, mask

    out: list[Assignment] = []
    splits: list[tuple[int, ...]] = [()]
    if max_split_labels >= 1:
        splits += [(k,) for k in range(len(options))]
    if max_split_labels >= 2:
        splits += list(itertools.combinations(range(len(options)), 2))
    for split in splits:
        choices = [
            [(opt, *info(o[0], opt)) for opt in (o[2] if k in split else o[1])]
            for k, o in enumerate(options)
        ]
        for combo in itertools.product(*choices):
            total = charge + sum(c[1] for c in combo)
            if abs(total) > 1e-9:
                continue
            mask = (1 << (MAX_MULTIPLIER + 1)) - 2
            for c in combo:
                mask &= c[2]
            if mask:
                out.append(tuple(c[0] for c in combo))
    return sorted(out)


def decorate(
    proto: Any, assignment: Assignment, standardize: bool = True
) -> tuple[Structure, float, float]:
    """Build the decorated, BV-scaled structure of one assignment: ``(structure, scale, rms
    BVS mismatch)``, in the standard primitive cell (the labels' convention) unless
    ``standardize`` is False (then the labelled primitive cell, or its supercell hosting a
    split; pymatgen's standardisation takes ~0.4 s of the ~0.6 s a decoration costs)."""
    from materials_map.labels.guards import standard_cell

    ions: dict[str, tuple[tuple[Ion, ...], tuple[int, int]]] = {}
    for site in proto.sites:
        if site.role == "Li":
            ions[site.label] = ((("Li", 1),), (1, 1))
        elif site.role == "anion":
            ions[site.label] = ((("O", -2),), (1, 1))
    for lab, v, frac in assignment:
        ions[lab] = (v, frac)
    mult = _multiplier(proto, assignment)
    if mult is None:
        raise ValueError(f"{proto.name}: no cell up to {MAX_MULTIPLIER}x hosts {assignment}")
    cell = _split_base(proto, mult)
    first_set = {
        i
        for lab, (v, (k, d)) in sorted(ions.items())
        if len(v) == 2
        for i in _split_pattern(proto, mult, lab, k, d)
    }
    species = []
    for i, lab in enumerate(cell.site_properties["label"]):
        v, _ = ions[lab]
        el, q = v[0] if (len(v) == 1 or i in first_set) else v[1]
        species.append(Species(el, q))
    s = Structure(cell.lattice, species, cell.frac_coords)
    scale, rms = bv_length_scale(s)
    s.scale_lattice(s.volume * scale**3)
    return (standard_cell(s) if standardize else s), scale, rms


@cache
def _label_counts_cached(proto: Any) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(_label_counts(proto).items()))


def assignment_composition(proto: Any, assignment: Assignment) -> Composition:
    """Composition of a decoration (conventional cell), without building the structure."""
    counts = dict(_label_counts_cached(proto))
    roles = {s.label: s.role for s in proto.sites}
    amounts: dict[str, float] = defaultdict(float)
    for lab, n in counts.items():
        if roles[lab] == "Li":
            amounts["Li"] += n
        elif roles[lab] == "anion":
            amounts["O"] += n
    for lab, ions, (k, d) in assignment:
        n = counts[lab]
        if len(ions) == 1:
            amounts[ions[0][0]] += n
        else:
            amounts[ions[0][0]] += n * k / d
            amounts[ions[1][0]] += n * (d - k) / d
    return Composition(dict(amounts))


def assignment_text(assignment: Assignment) -> str:
    """Readable decoration, e.g. ``"M1=Ge4+; M2=Al3+/Ti4+ (1/2)"``."""
    parts = []
    for lab, ions, (k, d) in assignment:
        names = "/".join(f"{el}{q}{'+' if q > 0 else '-'}" for el, q in ions)
        parts.append(f"{lab}={names}" + (f" ({k}/{d})" if len(ions) == 2 else ""))
    return "; ".join(parts) if parts else "archetype (Li and O only)"
