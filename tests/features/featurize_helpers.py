"""Structures and OBELiX subsets shared by the featurize tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pymatgen.core import Composition, Lattice, Structure

#: the paper's 25 non-Li/O elements
PAPER_ELEMENTS = set(
    "Mg Ca Sr Ba Sc Y La Ti Zr Hf Nb Ta Zn B Al Ga In C Si Ge Sn P As Sb S".split()
)


def li2o(a: float = 4.61) -> Structure:
    """Antifluorite Li2O, conventional cubic cell (8 Li + 4 O)."""
    return Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(a), ["Li", "O"], [[0.25, 0.25, 0.25], [0, 0, 0]]
    )


def distorted_doped(seed: int = 0) -> Structure:
    """A low-symmetry, partly disordered cell: strained Li2O, rattled, one mixed Li/Mg site."""
    rng = np.random.default_rng(seed)
    s = li2o()
    s.lattice = Lattice(s.lattice.matrix @ (np.eye(3) + rng.normal(0, 0.03, (3, 3))))
    s.perturb(0.15, min_distance=0.05, seed=seed)
    s.replace(0, {"Li": 0.5, "Mg": 0.25})
    s.replace(9, {"O": 0.9, "S": 0.1})
    return s


def shipped_li_o() -> list[tuple[str, str, Structure]]:
    """(id, formula, structure) of the OBELiX Li–O entries shipped in the package (those with
    only the paper's elements; their CIF structures as OBELiX ships them, mostly disordered)."""
    from materials_map.datasets import MapDataset
    from materials_map.datasets.registry import data_path

    df = MapDataset.from_parquet(data_path("li-o").with_name("obelix-li-o.parquet")).df
    return list(zip(df["id"], df["formula"], df["structure"], strict=True))


def obelix_li_o(path: Path) -> list[tuple[str, str, Path]]:
    """(id, formula, CIF path) of OBELiX Li–O entries with only the paper's elements."""
    df = pd.read_csv(path / "all.csv")
    out = []
    for ident, formula in zip(df["ID"], df["True Composition"], strict=True):
        try:
            els = {e.symbol for e in Composition(formula)}
        except Exception:
            continue
        cif = path / "all_randomized_cifs" / f"{ident}.cif"
        if {"Li", "O"} <= els <= PAPER_ELEMENTS | {"Li", "O"} and cif.is_file():
            out.append((ident, formula, cif))
    return out


def spy_on_malloc(monkeypatch) -> list:
    """Record every malloc tuning call of ``features.allocator`` (forwarded to glibc); the
    returned list fills as they happen. Empty and inert where the C library is not glibc."""
    from materials_map.features import allocator

    calls: list = []
    real = allocator._LIBC
    if real is None:
        return calls

    class Spy:
        def mallopt(self, param, value):
            calls.append((param, value))
            return real.mallopt(param, value)

        def malloc_trim(self, pad):
            calls.append(("trim", pad))
            return real.malloc_trim(pad)

    monkeypatch.setattr(allocator, "_LIBC", Spy())
    return calls
