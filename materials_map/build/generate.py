"""Build the embedded ``li-o`` dataset: a deterministic virtual library of Li–O compounds.

These are GENERATED, UNRELAXED CANDIDATES (the virtual-library approach of inverse-design
studies), not database entries. Recipe, in order, with no randomness anywhere:

1. every prototype of :data:`materials_map.prototypes.PROTOTYPES` keeps its Li sites as Li and
   its anion sites as O; each cation site (label) may take an ion of the paper's 25 elements
   whose Shannon radius at the site's coordination fits the prototype's own ion there
   (:func:`~materials_map.build.chemistry.candidate_ions`);
2. only charge-balanced assignments survive (common oxide oxidation states);
3. per prototype, assignments are taken in the order of a hash of their text until
   ``CAP_MAX`` candidates or ``ATOM_BUDGET`` atoms are kept, so big cells (garnet, NASICON)
   get fewer variants and every family costs about the same to label;
4. the lattice is scaled isotropically to the bond-valence-consistent volume and the structure
   is put in the standard primitive cell (the labels' cell convention);
5. duplicates are removed with pymatgen's ``StructureMatcher`` (within a family and formula,
   then across families in the fixed family order);
6. each candidate is labelled with guarded BVSE barriers
   (:func:`materials_map.labels.migration_energy`); candidates without a finite ``e_3d`` are
   left out and counted in the metadata.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from pymatgen.core import Species, Structure

from .chemistry import (
    OXIDATION_STATES,
    PAPER_ELEMENTS,
    bv_length_scale,
    candidate_ions,
    reference_states,
)

GENERATOR_VERSION = 3
# Per-prototype cap: at most CAP_MAX candidates and about ATOM_BUDGET atoms in their cells
# (BVSE cost grows with cell size, so big cells get fewer variants).
ATOM_BUDGET = 6000
CAP_MAX = 220
# decorations tried per prototype: most NASICON and perovskite ones fail the BV check, and
# big cells (garnet) are slow to decorate, so they get fewer tries
MAX_TRIES = 2000
MAX_TRIES_LARGE = 900
# A labelled cell of more than LARGE_CELL atoms (the 96-atom tetragonal garnet) costs about a
# minute of BVSE each: such prototypes keep at most CAP_LARGE candidates.
LARGE_CELL = 60
CAP_LARGE = 12
MAX_SPLIT_SITES = 12  # at most C(12, 6) = 924 orderings to compare
MAX_BVS_RMS = 0.6  # valence units; worse fits are not chemically sensible candidates
TARGET = "e_3d"

DESCRIPTION = (
    "Generated, unrelaxed hypothetical Li–O compounds (a virtual library in the spirit of "
    "inverse-design studies), NOT database entries: structure-type prototypes decorated with "
    "Li, O and the paper's 25 elements, charge balanced with common oxidation states, sites "
    "assigned by Shannon radii, lattice scaled to a bond-valence-consistent volume, duplicates "
    "removed with StructureMatcher. Labels are bvlain BVSE Li percolation barriers (eV) in the "
    "standard primitive cell at 0.2 Å; migration_energy = e_3d. For real structures use the "
    "Materials Project, OBELiX and CIF loaders."
)


@dataclass(frozen=True)
class Candidate:
    """One decorated prototype before labelling."""

    id: str
    family: str
    prototype: str
    assignment: tuple  # ((site label, ((element, oxidation state), ...)), ...)
    structure: Structure
    bvs_rms: float
    length_scale: float


def _stable_hash(text: str, n: int = 10) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def _prototype_library(prototypes: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if prototypes is not None:
        return prototypes
    from materials_map.prototypes import PROTOTYPES

    return PROTOTYPES


def _family(proto: Any) -> str:
    """Structure-type family of a prototype (its classifier name when it has one)."""
    return getattr(proto, "family", None) or getattr(proto, "structure_type", None) or proto.name


Ion = tuple[str, int]
# (site label, ions, (k, d)): one ion fills the site (k = d = 1), or two ions share it, the
# first on k/d of its sites, in an ordered pattern
Assignment = tuple[tuple[str, tuple[Ion, ...], tuple[int, int]], ...]
SPLIT_FRACTIONS: tuple[tuple[int, int], ...] = ((1, 2), (1, 3), (2, 3), (1, 4), (3, 4))
MAX_MULTIPLIER = 4  # the labelled primitive cell is repeated at most 4x to host a split
MAX_PATTERNS = 3000  # orderings compared by Ewald energy, at most


def _labelled_primitive(proto: Any) -> Structure:
    """Primitive cell of the prototype, found on site labels (not on elements)."""
    return proto.structure(None).get_primitive_structure(use_site_props=True)


@cache
def _split_base(proto: Any, mult: int) -> Structure:
    """Labelled primitive cell repeated ``mult`` times along its shortest vector (cached per
    prototype: prototypes are frozen, hashable dataclasses)."""
    cell = _labelled_primitive(proto)
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
    for lab in _labelled_primitive(proto).site_properties["label"]:
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
    for lab in proto.structure(None).site_properties["label"]:
        counts[lab] += 1
    return counts


def assignments(proto: Any) -> list[Assignment]:
    """Every charge-balanced decoration of a prototype's cation sites (sorted, deterministic).

    Each cation label takes one fitting ion, or, for at most two labels per decoration, two
    different fitting ions sharing it in a ratio of 1:1, 1:2 or 1:3 (aliovalent pairs such as
    Mg2+/Ti4+ widen the chemistry the way real solid solutions do).
    """
    ref = reference_states(proto.structure(None).composition)
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
            ions = candidate_ions(site.element, ref.get(site.element, 0), int(site.cn))
            singles = [(site.label, (ion,), (1, 1)) for ion in ions]
            pairs = []
            for a, b in itertools.permutations(ions, 2):
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
    splits = [()] + [(k,) for k in range(len(options))]
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


def decorate(proto: Any, assignment: Assignment) -> tuple[Structure, float, float]:
    """Build the decorated, BV-scaled standard primitive structure of one assignment."""
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
    return standard_cell(s), scale, rms


def generate_candidates(
    prototypes: Mapping[str, Any] | None = None,
    families: Iterable[str] | None = None,
    progress: bool = True,
) -> list[Candidate]:
    """All deduplicated candidates of the library (no labels), in a fixed order.

    ``families`` restricts generation to those prototype names (the rest is identical to the
    full build for them, which the regeneration test relies on).
    """
    from pymatgen.analysis.structure_matcher import StructureMatcher
    from tqdm.auto import tqdm

    lib = _prototype_library(prototypes)
    names = sorted(lib) if families is None else sorted(set(families))
    matcher = StructureMatcher(
        ltol=0.2, stol=0.3, angle_tol=5, primitive_cell=True, scale=True, attempt_supercell=False
    )
    kept: list[Candidate] = []
    for name in tqdm(names, desc="prototypes", disable=not progress):
        proto = lib[name]
        fam = _family(proto)
        combos = assignments(proto)
        if not combos:
            continue
        combos = sorted(combos, key=lambda c: _stable_hash(f"{name}|{c}", 16))
        by_formula: dict[str, list[Candidate]] = defaultdict(list)
        taken = atoms = 0
        large = len(_labelled_primitive(proto)) > LARGE_CELL
        cap, max_tries = (CAP_LARGE, MAX_TRIES_LARGE) if large else (CAP_MAX, MAX_TRIES)
        for tried, combo in enumerate(combos):
            if taken >= cap or atoms >= ATOM_BUDGET or tried >= max_tries:
                break
            try:
                s, scale, rms = decorate(proto, combo)
            except Exception:  # an impossible geometry: not a candidate
                continue
            if not math.isfinite(rms) or rms > MAX_BVS_RMS:
                continue
            formula = s.composition.element_composition.reduced_formula
            if any(matcher.fit(s, c.structure) for c in by_formula[formula]):
                continue
            cid = f"lio-{name}-{_stable_hash(f'{name}|{combo}', 8)}"
            cand = Candidate(cid, fam, name, combo, s, rms, scale)
            by_formula[formula].append(cand)
            kept.append(cand)
            taken += 1
            atoms += len(s)
    return _dedup_across(kept, matcher)


def _dedup_across(cands: list[Candidate], matcher) -> list[Candidate]:
    """Drop a candidate matching one of an earlier prototype (fixed prototype order)."""
    by_formula: dict[str, list[Candidate]] = defaultdict(list)
    out = []
    for c in cands:
        formula = c.structure.composition.element_composition.reduced_formula
        if any(
            o.prototype != c.prototype and matcher.fit(c.structure, o.structure)
            for o in by_formula[formula]
        ):
            continue
        by_formula[formula].append(c)
        out.append(c)
    return out


def _fractions(s: Structure) -> tuple[float, float]:
    comp = s.composition.element_composition
    return float(comp.get_atomic_fraction("Li")), float(comp.get_atomic_fraction("O"))


def candidates_frame(cands: list[Candidate]) -> pd.DataFrame:
    """DataFrame of candidates with the dataset's descriptive columns (no labels yet)."""
    rows = []
    for c in cands:
        li, o = _fractions(c.structure)
        rows.append(
            {
                "id": c.id,
                "structure": c.structure,
                "formula": c.structure.composition.element_composition.reduced_formula,
                "source": "generated",
                "structure_type": c.family,
                "prototype": c.prototype,
                "li_fraction": li,
                "o_fraction": o,
                "decoration": json.dumps(
                    {
                        lab: [f"{el}{q:+d}" for el, q in ions] + [f"{k}/{d}"]
                        for lab, ions, (k, d) in c.assignment
                    }
                ),
                "bv_length_scale": round(c.length_scale, 6),
                "bvs_rms": round(c.bvs_rms, 4),
            }
        )
    return pd.DataFrame(rows)


def build_li_o(
    out_path: str | os.PathLike | None,
    *,
    n_jobs: int = 2,
    client: Any = None,
    cache: str | os.PathLike | None = None,
    prototypes: Mapping[str, Any] | None = None,
    families: Iterable[str] | None = None,
    resolution: float = 0.2,
    time_limit: float = 300.0,
    memory_limit: str | int = "3 GiB",
    progress: bool = True,
):
    """Generate and label the ``li-o`` dataset from scratch; write it to ``out_path``.

    Parameters
    ----------
    out_path : parquet file to write (``None``: do not write, just return).
    n_jobs, client, cache, resolution, time_limit, memory_limit : passed to
        :func:`materials_map.labels.migration_energy`; give ``cache`` to make the build
        resumable (a restarted build reuses every label already computed).
    prototypes, families : library to decorate (default: the package's prototypes) and an
        optional subset of prototype names.

    Returns the ``MapDataset``.
    """
    from materials_map.labels import migration_energy

    t0 = time.perf_counter()
    cands = generate_candidates(prototypes, families, progress=progress)
    df = candidates_frame(cands)
    t_gen = time.perf_counter() - t0
    labels = migration_energy(
        df["structure"],
        resolution=resolution,
        n_jobs=n_jobs,
        client=client,
        cache=None if cache is None else str(cache),
        time_limit=time_limit,
        memory_limit=memory_limit,
        progress=progress,
    )
    df = pd.concat([df, labels], axis=1)
    ok = (df["reason"] == "") & np.isfinite(df[TARGET])
    skipped = df.loc[~ok, ["id", "reason"]]
    df = df.loc[ok].drop(columns=["reason"]).reset_index(drop=True)
    df["migration_energy"] = df[TARGET]
    reasons = skipped["reason"].where(skipped["reason"] != "", f"no finite {TARGET}")
    metadata = {
        "name": "li-o",
        "description": DESCRIPTION,
        "generated": True,
        "relaxed": False,
        "generator_version": GENERATOR_VERSION,
        "elements": ["Li", "O", *PAPER_ELEMENTS],
        "oxidation_states": {k: list(v) for k, v in OXIDATION_STATES.items()},
        "label": {
            "method": "BVSE percolation barrier (bvlain)",
            "mobile_ion": "Li1+",
            "resolution_A": resolution,
            "cell": "spglib standard primitive",
            "units": "eV",
            "target": "migration_energy = e_3d",
        },
        "n_candidates": int(len(ok)),
        "n_labelled": int(ok.sum()),
        "n_left_out": int((~ok).sum()),
        "left_out_reasons": {
            str(k): int(v) for k, v in reasons.str.slice(0, 60).value_counts().items()
        },
        "families": {str(k): int(v) for k, v in df["structure_type"].value_counts().items()},
        "build_seconds": {"generate": round(t_gen, 1), "total": round(time.perf_counter() - t0, 1)},
    }
    from materials_map.datasets.dataset import MapDataset

    ds = MapDataset(df, metadata=metadata, target="migration_energy")
    if out_path is not None:
        ds.to_parquet(out_path)  # atomic
    return ds
