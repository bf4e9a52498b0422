"""Build the embedded ``li-o`` dataset: a deterministic virtual library of Li–O compounds.

``python -m dev_scripts.generate li-o [--jobs 2] [--relax-budget S] [--no-relax] [--no-real]``
from a source checkout (maintainers; then ``python -m dev_scripts.pretrain li-o``).

These are GENERATED, UNRELAXED CANDIDATES (the virtual-library approach of inverse-design
studies), not database entries. Recipe, in order, with no randomness anywhere:

1. every prototype of :data:`materials_map.prototypes.PROTOTYPES` keeps its Li sites as Li and
   its anion sites as O; each cation site (label) may take an ion of the paper's 25 elements
   whose Shannon radius at the site's coordination fits the prototype's own ion there
   (:func:`~materials_map.design.chemistry.candidate_ions`);
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

import argparse
import hashlib
import json
import math
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pymatgen.core import Structure

from materials_map.design.chemistry import OXIDATION_STATES, PAPER_ELEMENTS
from materials_map.design.decorate import (
    MAX_BVS_RMS,
    assignments,
    decorate,
    labelled_primitive,
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
TARGET = "e_3d"

DESCRIPTION = (
    "Two sources, told apart by the source column. source='generated': hypothetical Li–O "
    "compounds (a virtual library in the spirit of inverse-design studies), NOT database "
    "entries: structure-type prototypes decorated with Li, O and the paper's 25 elements, "
    "charge balanced with common oxidation states, sites assigned by Shannon radii, lattice "
    "scaled to a bond-valence-consistent volume, duplicates removed with StructureMatcher; a "
    "planned subset relaxed with CHGNet 0.3.0 (relaxed=True), the rest unrelaxed (see "
    "metadata['relaxed']). source='obelix': real Li-ion conductors from OBELiX (CC-BY-4.0, "
    "Therrien et al. 2025) with measured room-temperature conductivity (log10_sigma). Labels "
    "are bvlain BVSE Li percolation barriers (eV) in the standard primitive cell at 0.2 Å "
    "(disordered CIFs: occupancy-weighted framework); migration_energy = e_3d."
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
        large = len(labelled_primitive(proto)) > LARGE_CELL
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
    relax: bool = True,
    relax_budget_s: float | None = None,
    relax_records: str | os.PathLike | None = None,
    real: str | os.PathLike | None = "shipped",
):
    """Generate, relax and label the ``li-o`` dataset; write it to ``out_path``.

    Parameters
    ----------
    out_path : parquet file to write (``None``: do not write, just return).
    n_jobs, client, cache, resolution, time_limit, memory_limit : passed to
        :func:`materials_map.labels.migration_energy`; give ``cache`` to make the build
        resumable (a restarted build reuses every label already computed).
    prototypes, families : library to decorate (default: the package's prototypes) and an
        optional subset of prototype names.
    relax : run the CHGNet relaxation step (:mod:`dev_scripts.relaxed`) on the
        planned candidates; ``relax_records`` is its record file (default: the committed one,
        so a rebuild relaxes only what is missing), ``relax_budget_s`` a time budget after
        which the remaining candidates stay unrelaxed (counted in the metadata).
    real : the real-materials rows to add (a parquet written by
        :func:`dev_scripts.real.build_real_li_o`; ``"shipped"``: the packaged
        ``obelix-li-o.parquet``; ``None``: generated candidates only).

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
    return assemble_li_o(
        df,
        out_path,
        label_kwargs={
            "resolution": resolution,
            "n_jobs": n_jobs,
            "client": client,
            "cache": None if cache is None else str(cache),
            "time_limit": time_limit,
            "memory_limit": memory_limit,
            "progress": progress,
        },
        relax=relax,
        relax_budget_s=relax_budget_s,
        relax_records=relax_records,
        real=real,
        seconds={"generate": round(t_gen, 1)},
        t0=t0,
    )


def labelled(df: pd.DataFrame) -> pd.Series:
    """The candidates the build keeps after labelling: no refusal ``reason`` and a finite
    ``TARGET`` barrier (the rest are counted as left out)."""
    return (df["reason"] == "") & np.isfinite(df[TARGET].astype(float))


def assemble_li_o(
    df: pd.DataFrame,
    out_path: str | os.PathLike | None,
    *,
    label_kwargs: dict[str, Any],
    relax: bool = True,
    relax_budget_s: float | None = None,
    relax_records: str | os.PathLike | None = None,
    real: str | os.PathLike | None = "shipped",
    seconds: dict[str, float] | None = None,
    t0: float | None = None,
    left_out: Mapping[str, int] | None = None,
):
    """Steps after labelling: keep candidates with a finite ``e_3d``, relax, relabel, add the
    real rows, write. ``df`` holds the labelled candidates with a ``reason`` column."""
    t0 = time.perf_counter() if t0 is None else t0
    resolution = label_kwargs.get("resolution", 0.2)
    ok = labelled(df)
    skipped = df.loc[~ok, ["id", "reason"]]
    df = df.loc[ok].drop(columns=["reason"]).reset_index(drop=True)
    df["migration_energy"] = df[TARGET]
    reasons = skipped["reason"].where(skipped["reason"] != "", f"no finite {TARGET}")
    relax_meta: dict[str, Any] = {"run": False}
    if relax:
        from dev_scripts.relaxed import relax_step

        df, relax_meta = relax_step(
            df,
            records=relax_records,
            budget_s=relax_budget_s,
            label_kwargs=label_kwargs,
            progress=label_kwargs.get("progress", True),
        )
    n_generated = len(df)
    real_meta: dict[str, Any] = {}
    if real is not None:
        df, real_meta = _add_real(df, real)
    metadata = {
        "name": "li-o",
        "description": DESCRIPTION,
        "generated": True,
        "relaxed": relax_meta,
        "real": real_meta,
        "n_generated": int(n_generated),
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
        "n_candidates": int(len(ok)) + sum((left_out or {}).values()),
        "n_labelled": int(ok.sum()),
        "n_left_out": int((~ok).sum()) + sum((left_out or {}).values()),
        "left_out_reasons": dict(left_out)
        if left_out is not None
        else {str(k): int(v) for k, v in reasons.str.slice(0, 60).value_counts().items()},
        "families": {
            str(k): int(v)
            for k, v in df.loc[df["source"] == "generated", "structure_type"].value_counts().items()
        },
        "build_seconds": {**(seconds or {}), "total": round(time.perf_counter() - t0, 1)},
    }
    from materials_map.datasets.dataset import MapDataset

    ds = MapDataset(df, metadata=metadata, target="migration_energy")
    if out_path is not None:
        ds.to_parquet(out_path)  # atomic
    return ds


def _add_real(df: pd.DataFrame, real: str | os.PathLike) -> tuple[pd.DataFrame, dict]:
    """Append the real-materials rows (OBELiX Li–O) to the generated ones."""
    from dev_scripts.real import OUT
    from materials_map.datasets.dataset import MapDataset

    path = OUT if str(real) == "shipped" else real
    rds = MapDataset.from_parquet(path)
    rdf = rds.df.copy()
    # the target is masked (NaN) where there is no finite barrier: refused, or inf ("no
    # percolating path below encut")
    e3 = pd.to_numeric(rdf["e_3d"], errors="coerce")
    rdf["migration_energy"] = e3.where(np.isfinite(e3))
    if "relaxed" in df:  # the real CIFs are as measured, never relaxed: keep the column bool
        rdf["relaxed"] = False
    out = pd.concat([df, rdf], ignore_index=True, sort=False)
    meta = {
        k: rds.metadata.get(k)
        for k in ("name", "citation", "licence", "n_entries", "n_labelled", "disorder")
    }
    return out, meta


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m dev_scripts.generate NAME``: regenerate an embedded dataset from scratch."""
    from materials_map._util import cache_dir
    from materials_map.datasets.registry import data_path

    ap = argparse.ArgumentParser(
        prog="python -m dev_scripts.generate",
        description="regenerate an embedded dataset from scratch",
    )
    ap.add_argument("name", help="dataset name (li-o)")
    ap.add_argument(
        "--out", type=Path, default=None, help="output parquet (default: the packaged file)"
    )
    ap.add_argument("--jobs", type=int, default=2, help="labelling worker processes (default 2)")
    ap.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="label cache folder, makes an interrupted build resumable "
        "(default: the labels folder of the materials-map cache, $MATERIALS_MAP_CACHE)",
    )
    ap.add_argument(
        "--relax-budget",
        type=float,
        default=None,
        help="seconds of CHGNet relaxation at most; the committed record file is reused and "
        "extended, candidates not reached stay unrelaxed (default: relax the whole plan)",
    )
    ap.add_argument("--no-relax", action="store_true", help="skip the relaxation step")
    ap.add_argument(
        "--no-real", action="store_true", help="generated candidates only (no OBELiX rows)"
    )
    ap.add_argument("--quiet", action="store_true", help="no progress bars")
    args = ap.parse_args(argv)
    if args.name != "li-o":
        print(f"{ap.prog}: unknown dataset {args.name!r} (known: li-o)", file=sys.stderr)
        return 2
    out = args.out or data_path("li-o")
    build_li_o(
        out,
        n_jobs=args.jobs,
        cache=args.cache or cache_dir("labels"),
        progress=not args.quiet,
        relax=not args.no_relax,
        relax_budget_s=args.relax_budget,
        real=None if args.no_real else "shipped",
    )
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
