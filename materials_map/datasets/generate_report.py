"""Markdown sanity table of the built li-o dataset: migration energy per structure family.

``python -m materials_map.datasets.generate_report [path/to/li-o.parquet]`` prints the table
pasted into docs/labels.md, so the figures there come from the shipped file, not from memory.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd


def family_table(df: pd.DataFrame, target: str = "migration_energy") -> str:
    """Count, quartiles and range of ``target`` (eV) per ``structure_type``, as Markdown."""
    lines = ["| family | n | min | 25 % | median | 75 % | max |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for fam, y in sorted(df.groupby("structure_type")[target], key=lambda kv: kv[0]):
        q = np.percentile(y, [0, 25, 50, 75, 100])
        lines.append(f"| {fam} | {len(y)} | " + " | ".join(f"{v:.2f}" for v in q) + " |")
    y = df[target]
    q = np.percentile(y, [0, 25, 50, 75, 100])
    lines.append(f"| **all** | {len(y)} | " + " | ".join(f"{v:.2f}" for v in q) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Print the family table of the dataset file given (default: the embedded one)."""
    from materials_map.datasets.dataset import MapDataset
    from materials_map.datasets.registry import data_path

    argv = sys.argv[1:] if argv is None else argv
    path = argv[0] if argv else data_path("li-o")
    ds = MapDataset.from_parquet(path)
    print(family_table(ds.df, ds.target or "migration_energy"))


if __name__ == "__main__":
    main()
