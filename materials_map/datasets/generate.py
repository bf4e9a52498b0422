"""Build the embedded ``li-o`` dataset: a deterministic virtual library of Li–O compounds.

These are GENERATED, UNRELAXED CANDIDATES (the virtual-library approach of inverse-design
studies), not database entries. Recipe, in order, with no randomness anywhere:

1. every prototype of :data:`materials_map.prototypes.PROTOTYPES` keeps its Li sites as Li and
   its anion sites as O; each cation site (label) may take an ion of the paper's 25 elements
   whose Shannon radius at the site's coordination fits the prototype's own ion there
   (:func:`~materials_map.datasets.generate_chemistry.candidate_ions`);
2. only charge-balanced assignments survive (common oxide oxidation states);
3. per prototype at most ``cap`` assignments are kept, chosen by a hash of their text, and the
   cap shrinks with the cell size so that big cells (garnet, NASICON) cost no more in total;
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
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pymatgen.core import Species, Structure

from .generate_chemistry import (
    OXIDATION_STATES,
    PAPER_ELEMENTS,
    bv_length_scale,
    candidate_ions,
    reference_states,
)

GENERATOR_VERSION = 1
# Per-prototype cap: CAP_SITES / (sites in the primitive cell), clipped to [CAP_MIN, CAP_MAX].
CAP_SITES = 1800
CAP_MIN = 6
CAP_MAX = 120
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
    assignment: tuple[tuple[str, str, int], ...]  # (site label, element, oxidation state)
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


def assignments(proto: Any) -> list[tuple[tuple[str, str, int], ...]]:
    """Every charge-balanced decoration of a prototype's cation sites (sorted, deterministic)."""
    ref = reference_states(proto.formula)
    base = proto.structure(None)
    counts: dict[str, int] = defaultdict(int)
    for site in proto.sites:
        counts[site.label] = 0
    # multiplicity of each label in the prototype cell: count sites by their label property
    labels = base.site_properties.get("label") or [s.label for s in base]
    for lab in labels:
        counts[lab] += 1
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
            options.append((site.label, n, ions))
    if not options:
        return [] if charge else [()]
    out = []
    for combo in itertools.product(*[o[2] for o in options]):
        total = charge + sum(n * q for (_, n, _), (_, q) in zip(options, combo, strict=True))
        if total == 0:
            out.append(tuple((lab, el, q) for (lab, _, _), (el, q) in
                             zip(options, combo, strict=True)))
    return sorted(out)


def _cap(n_sites: int) -> int:
    return int(min(CAP_MAX, max(CAP_MIN, CAP_SITES // max(n_sites, 1))))


def decorate(proto: Any, assignment: tuple[tuple[str, str, int], ...]) -> tuple[Structure, float, float]:
    """Build the decorated, BV-scaled standard primitive structure of one assignment."""
    from materials_map.labels.guards import standard_cell

    species: dict[str, str] = {}
    states: dict[str, int] = {}
    for site in proto.sites:
        if site.role == "Li":
            species[site.label], states[site.label] = "Li", 1
        elif site.role == "anion":
            species[site.label], states[site.label] = "O", -2
    for lab, el, q in assignment:
        species[lab], states[lab] = el, q
    s = proto.structure(species)
    labels = s.site_properties.get("label")
    if labels is None:
        raise ValueError(f"prototype {proto.name}: structure() must set the 'label' site property")
    s = Structure(
        s.lattice,
        [Species(species[lab], states[lab]) for lab in labels],
        s.frac_coords,
    )
    scale, rms = bv_length_scale(s)
    s.scale_lattice(s.volume * scale**3)
    cell = standard_cell(s)
    return cell, scale, rms


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
    matcher = StructureMatcher(ltol=0.2, stol=0.3, angle_tol=5, primitive_cell=True,
                               scale=True, attempt_supercell=False)
    kept: list[Candidate] = []
    for name in tqdm(names, desc="prototypes", disable=not progress):
        proto = lib[name]
        fam = _family(proto)
        combos = assignments(proto)
        if not combos:
            continue
        n_sites = len(proto.structure(None).get_primitive_structure())
        combos = sorted(combos, key=lambda c: _stable_hash(f"{name}|{c}", 16))
        by_formula: dict[str, list[Candidate]] = defaultdict(list)
        n_keep = _cap(n_sites)
        taken = 0
        for combo in combos:
            if taken >= n_keep:
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
    return _dedup_across(kept, matcher)


def _dedup_across(cands: list[Candidate], matcher) -> list[Candidate]:
    """Drop a candidate matching one of an earlier prototype (fixed prototype order)."""
    by_formula: dict[str, list[Candidate]] = defaultdict(list)
    out = []
    for c in cands:
        formula = c.structure.composition.element_composition.reduced_formula
        if any(o.prototype != c.prototype and matcher.fit(c.structure, o.structure)
               for o in by_formula[formula]):
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
        rows.append({
            "id": c.id,
            "structure": c.structure,
            "formula": c.structure.composition.element_composition.reduced_formula,
            "source": "generated",
            "structure_type": c.family,
            "prototype": c.prototype,
            "li_fraction": li,
            "o_fraction": o,
            "oxidation_states": json.dumps({lab: [el, q] for lab, el, q in c.assignment}),
            "bv_length_scale": round(c.length_scale, 6),
            "bvs_rms": round(c.bvs_rms, 4),
        })
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

    Returns the ``MapDataset`` (or the DataFrame when the dataset class is unavailable).
    """
    from materials_map.labels import migration_energy

    t0 = time.perf_counter()
    cands = generate_candidates(prototypes, families, progress=progress)
    df = candidates_frame(cands)
    t_gen = time.perf_counter() - t0
    labels = migration_energy(
        df["structure"], resolution=resolution, n_jobs=n_jobs, client=client,
        cache=None if cache is None else str(cache), time_limit=time_limit,
        memory_limit=memory_limit, progress=progress,
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
        "label": {"method": "BVSE percolation barrier (bvlain)", "mobile_ion": "Li1+",
                  "resolution_A": resolution, "cell": "spglib standard primitive",
                  "units": "eV", "target": "migration_energy = e_3d"},
        "n_candidates": int(len(ok)),
        "n_labelled": int(ok.sum()),
        "n_left_out": int((~ok).sum()),
        "left_out_reasons": {str(k): int(v) for k, v in
                             reasons.str.slice(0, 60).value_counts().items()},
        "families": {str(k): int(v) for k, v in df["structure_type"].value_counts().items()},
        "build_seconds": {"generate": round(t_gen, 1),
                          "total": round(time.perf_counter() - t0, 1)},
    }
    ds = _to_dataset(df, metadata)
    if out_path is not None:
        _write(ds, df, metadata, Path(out_path))
    return ds


def _to_dataset(df: pd.DataFrame, metadata: dict):
    try:
        from materials_map.datasets.dataset import MapDataset
    except ImportError:
        df.attrs["metadata"] = metadata
        return df
    return MapDataset(df, metadata=metadata, target="migration_energy")


def _write(ds, df: pd.DataFrame, metadata: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    if hasattr(ds, "to_parquet"):
        ds.to_parquet(tmp)
    else:  # dataset class not available: a self-describing parquet of the same columns
        out = df.copy()
        out["structure"] = [json.dumps(s.as_dict()) for s in out["structure"]]
        out.attrs = {"metadata": metadata}
        out.to_parquet(tmp, index=False)
    os.replace(tmp, path)
