"""Markdown sanity tables for docs/labels.md, computed, not typed from memory.

``python -m dev_scripts.report [path/to/li-o.parquet]`` prints the
migration energy per structure family of the built dataset; ``--real [OBELIX_DIR]`` prints the
BVSE barriers of real structures (pymatgen's shipped Li2O, LiFePO4, Li3V2(PO4)3 and OBELiX's
ordered garnet and NASICON entries) beside published activation energies.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd


def family_table(df: pd.DataFrame, target: str = "migration_energy") -> str:
    """Count, quartiles and range of ``target`` (eV) per ``structure_type``, as Markdown."""
    lines = [
        "| family | n | min | 25 % | median | 75 % | max |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for fam, y in sorted(df.groupby("structure_type")[target], key=lambda kv: kv[0]):
        q = np.percentile(y, [0, 25, 50, 75, 100])
        lines.append(f"| {fam} | {len(y)} | " + " | ".join(f"{v:.2f}" for v in q) + " |")
    y = df[target]
    q = np.percentile(y, [0, 25, 50, 75, 100])
    lines.append(f"| **all** | {len(y)} | " + " | ".join(f"{v:.2f}" for v in q) + " |")
    return "\n".join(lines)


# (label, source, published value, reference): activation energies and computed migration
# barriers from the literature, for comparison only
REAL_STRUCTURES: list[tuple[str, str, str, str]] = [
    (
        "Li2O (antifluorite)",
        "pymatgen:Li2O",
        "– (vacancy mechanism)",
        "J. Chem. Soc. Faraday Trans. 86, 1239 (1990): Li⁺ moves by cation vacancies",
    ),
    (
        "LiFePO4 (olivine)",
        "pymatgen:LiFePO4",
        "0.27 eV (DFT, [010] channel); 0.55–0.6 eV (potentials / DFT)",
        "Morgan et al., ESSL 7, A30 (2004); Islam et al., Chem. Mater. 17, 5085 (2005); "
        "Ouyang et al., PRB 69, 104303 (2004)",
    ),
    ("Li3V2(PO4)3 (monoclinic)", "pymatgen:Li3V2(PO4)3", "–", "no value we could check offline"),
    (
        "Li7La3Zr2O12 (tetragonal garnet)",
        "obelix:wyu",
        "0.40 eV (bulk, experiment)",
        "Awaka et al., J. Solid State Chem. 182, 2046 (2009), doi:10.1016/j.jssc.2009.05.020",
    ),
    ("Li7La3Hf2O12 (tetragonal garnet)", "obelix:ipo", "–", "doi:10.1016/j.jssc.2009.10.030"),
    ("LiTi2(PO4)3 (NASICON)", "obelix:019", "–", "doi:10.1021/ic400577v"),
    ("LiZr2(PO4)3 (NASICON)", "obelix:ur9", "–", "doi:10.1016/0025-5408(86)90194-7"),
    ("LiGe2(PO4)3 (NASICON)", "obelix:4ba", "–", "doi:10.1002/chin.199345017"),
]


def _real_structure(source: str, obelix: Path):
    from pymatgen.core import Structure

    kind, name = source.split(":", 1)
    if kind == "pymatgen":
        import pymatgen.core

        root = Path(pymatgen.core.__file__).parents[1] / "util" / "structures"
        return Structure.from_file(root / f"{name}.json")
    return Structure.from_file(obelix / "all_randomized_cifs" / f"{name}.cif")


def real_table(obelix: str | Path) -> str:
    """BVSE barriers of real structures beside published values, as Markdown.

    OBELiX rows also show the measured room-temperature conductivity from the database.
    """
    from materials_map.labels import migration_energy

    obelix = Path(obelix)
    sigma = {}
    if (obelix / "all.csv").is_file():
        db = pd.read_csv(obelix / "all.csv")
        sigma = dict(zip(db["ID"], db["Ionic conductivity (S cm-1)"], strict=True))
    structures, rows = [], []
    for label, source, published, ref in REAL_STRUCTURES:
        try:
            structures.append(_real_structure(source, obelix))
        except Exception as e:  # a missing OBELiX CIF: say so in the row
            structures.append(f"unreadable: {type(e).__name__}")
        rows.append((label, source, published, ref))
    df = migration_energy(structures, progress=False)
    lines = [
        "| structure | source | E_1D | E_2D | E_3D (eV) | σ_RT (OBELiX, S/cm) | published | reference |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for (label, source, published, ref), (_, r) in zip(rows, df.iterrows(), strict=True):
        if r["reason"]:
            vals = f"skipped: {r['reason'][:60]} | | "
        else:
            vals = " | ".join(f"{r[k]:.2f}" for k in ("e_1d", "e_2d", "e_3d"))
        sig = sigma.get(source.split(":", 1)[1], "") if source.startswith("obelix") else ""
        lines.append(f"| {label} | `{source}` | {vals} | {sig} | {published} | {ref} |")
    return "\n".join(lines)


DISORDER_CHECK = Path(__file__).with_name("data") / "disorder_check.json"


def disorder_table(path: str | Path = DISORDER_CHECK) -> str:
    """Markdown table of the occupancy-weighted labels vs explicit orderings
    (``python -m dev_scripts.disorder_check`` writes the JSON)."""
    import json

    import numpy as np

    recs = json.loads(Path(path).read_text())
    lines = [
        "| OBELiX | composition (CIF) | disorder | supercell | max rounding | weighted "
        "E_3D | orderings E_3D (mean, range) | Δ E_3D | weighted E_1D | orderings E_1D | Δ E_1D |",
        "|---|---|---|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for k, r in recs.items():
        if "error" in r:
            lines.append(f"| {k} | {r['formula']} | {r['kind']} | – | | {r['error'][:50]} |||||")
            continue
        o3, o1 = np.array(r["orderings_e_3d"]), np.array(r["orderings_e_1d"])
        lines.append(
            f"| {k} | {r['formula']} | {r['kind']} | {'×'.join(map(str, r['scaling']))} | "
            f"{r['rounding']:.3f} | {r['weighted_e_3d']:.2f} | {o3.mean():.2f} "
            f"({o3.min():.2f}–{o3.max():.2f}, n={len(o3)}) | {r['weighted_e_3d'] - o3.mean():+.2f} | "
            f"{r['weighted_e_1d']:.2f} | {o1.mean():.2f} | {r['weighted_e_1d'] - o1.mean():+.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Print the family table of the dataset file given (default: the embedded one), or with
    ``--real [OBELIX_DIR]`` the real-structure table."""
    from materials_map.datasets.dataset import MapDataset
    from materials_map.datasets.registry import data_path

    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--disorder":
        print(disorder_table(argv[1] if len(argv) > 1 else DISORDER_CHECK))
        return
    if argv and argv[0] == "--real":
        default = Path(__file__).resolve().parents[2] / "shared" / "data" / "obelix"
        print(real_table(argv[1] if len(argv) > 1 else default))
        return
    path = argv[0] if argv else data_path("li-o")
    ds = MapDataset.from_parquet(path)
    print(family_table(ds.df, ds.target or "migration_energy"))


if __name__ == "__main__":
    main()
