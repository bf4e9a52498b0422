"""Classifier accuracy on the OBELiX Li-O entries of four families (helper for tests and docs).

Run as a script to print the confusion table: ``python tests/prototypes/obelix_eval.py``.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import pandas as pd

# OBELiX family label -> structure types counted as correct
FAMILIES = {
    "garnet": {"garnet"},
    "NASICON": {"nasicon"},
    "perovskites": {"perovskite"},
    "LISICON": {"lisicon", "beta-li3po4"},
}


def entries(obelix_path: Path) -> pd.DataFrame:
    """OBELiX rows with a CIF, containing Li and O, in one of the four families."""
    from pymatgen.core import Composition

    df = pd.read_csv(obelix_path / "all.csv")
    df = df[df["Family"].isin(FAMILIES) & (df["Cif ID"] == "done")]
    keep = [("Li" in (c := Composition(f)) and "O" in c) for f in df["True Composition"]]
    return df[keep].reset_index(drop=True)


def evaluate(obelix_path: Path, ids: list[str] | None = None) -> pd.DataFrame:
    """Predicted structure type and seconds per structure for each selected entry."""
    from pymatgen.core import Structure

    from materials_map.prototypes import structure_type

    df = entries(obelix_path)
    if ids is not None:
        df = df[df["ID"].isin(ids)]
    rows = []
    for _, r in df.iterrows():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = Structure.from_file(obelix_path / "all_randomized_cifs" / f"{r['ID']}.cif")
        t = time.perf_counter()
        pred = structure_type(s)
        rows.append(
            {
                "id": r["ID"],
                "family": r["Family"],
                "formula": r["Reduced Composition"],
                "predicted": pred,
                "correct": pred in FAMILIES[r["Family"]],
                "seconds": time.perf_counter() - t,
            }
        )
    return pd.DataFrame(rows)


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else root.parent / "shared" / "data" / "obelix"
    res = evaluate(path)
    print(pd.crosstab(res["family"], res["predicted"], margins=True).to_markdown())
    print()
    print(res.groupby("family")["correct"].agg(["sum", "count", "mean"]).to_markdown())
    print(f"\npooled accuracy: {res['correct'].mean():.3f} ({res['correct'].sum()}/{len(res)})")
    strict = res["predicted"].eq(
        res["family"].map(
            {
                "garnet": "garnet",
                "NASICON": "nasicon",
                "perovskites": "perovskite",
                "LISICON": "lisicon",
            }
        )
    )
    print(f"strict accuracy (LISICON only as 'lisicon'): {strict.mean():.3f}")
    print(
        f"seconds per structure: mean {res['seconds'].mean():.2f}, median "
        f"{res['seconds'].median():.2f}, max {res['seconds'].max():.2f}"
    )
    print("\nmisclassified:")
    print(res[~res["correct"]].to_markdown(index=False))
