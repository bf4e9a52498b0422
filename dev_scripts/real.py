"""The real-materials part of the default map: OBELiX entries in the paper's Li–O chemistry.

``python -m dev_scripts.real [OBELIX_DIR]`` (maintainers; the OBELiX folder is not
shipped) writes ``materials_map/datasets/data/obelix-li-o.parquet``: every OBELiX entry with a
CIF whose elements are Li, O and the paper's 25 (121 in OBELiX 1.0), with its measured
room-temperature conductivity (``log10_sigma``, S/cm) and our guarded BVSE labels (ordered and
disordered CIFs, the latter through the occupancy-weighted framework of
:mod:`materials_map.labels.disorder`). OBELiX is CC-BY-4.0 (Therrien et al. 2025); the licence
and attribution ship next to the file (``OBELIX-LICENSE.txt``, ``README.md``).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from materials_map.datasets.dataset import CORE_COLUMNS

# the package's embedded data folder of this source checkout (dev_scripts/ sits beside it)
DATA = Path(__file__).resolve().parents[1] / "materials_map" / "datasets" / "data"
OUT = DATA / "obelix-li-o.parquet"
CITATION = (
    "F. Therrien, J. A. Haibeh, D. Sharma, R. Hendley, L. Hernandez Mejia, S. Sun, A. Wang, "
    "H. Anouar, A. Hernández-García, Y. Bengio, O. Delaire, A. Kireev, "
    '"OBELiX: A Curated Dataset of Crystal Structures and Experimentally Measured Ionic '
    'Conductivities for Lithium Solid-State Electrolytes", arXiv:2502.14234 (2025). CC-BY-4.0.'
)
KEEP = [
    *CORE_COLUMNS,
    "log10_sigma",
    "sigma_upper_bound",
    "family",
    "doi",
    "split",
]


def build_real_li_o(
    obelix_dir: str | os.PathLike,
    out_path: str | os.PathLike | None = OUT,
    *,
    n_jobs: int = 1,
    cache: str | None = None,
    time_limit: float = 1800.0,
    cached_only: bool = False,
    source=None,
    progress: bool = True,
):
    """Select, classify and label the OBELiX Li–O entries; write them (atomically) and return
    the ``MapDataset``. Unlabelled entries stay, with NaN labels and their ``label_reason``.
    ``cached_only`` takes labels from ``cache`` only (entries not labelled yet get the reason
    :data:`NOT_LABELLED`, counted in the metadata), for a build that ran out of time;
    ``source`` is the classified selection when it was already made
    (``paper_li_o(obelix_dir, classify=True)``)."""
    from materials_map.datasets.dataset import MapDataset
    from materials_map.datasets.obelix import paper_li_o
    from materials_map.labels import migration_energy
    from materials_map.labels.disorder import disorder_kind

    t0 = time.perf_counter()
    src = source if source is not None else paper_li_o(obelix_dir, progress=False, classify=True)
    df = src.df[KEEP].reset_index(drop=True).copy()
    df["id"] = "obelix-" + df["id"].astype(str)
    df["source"] = "obelix"
    df["disorder"] = df["structure"].map(disorder_kind)
    if cached_only:
        labels = _cached_labels(df["structure"], cache, time_limit)
    else:
        # the 192-site garnet CIFs take minutes each on a busy machine: a generous time limit
        labels = migration_energy(
            df["structure"], n_jobs=n_jobs, cache=cache, time_limit=time_limit, progress=progress
        )
    df[["e_1d", "e_2d", "e_3d"]] = labels[["e_1d", "e_2d", "e_3d"]].to_numpy()
    df["label_reason"] = labels["reason"].to_numpy()
    df["migration_energy"] = df["e_3d"]
    labelled = np.isfinite(df["e_3d"].to_numpy(float))
    metadata = {
        "name": "obelix-li-o",
        "description": (
            "Real Li-ion conductors from OBELiX (measured room-temperature ionic conductivity, "
            "CIFs with slightly randomised coordinates) in the paper's Li-O chemistry, with "
            "BVSE labels computed here (disordered CIFs through an occupancy-weighted "
            "framework). Not relaxed."
        ),
        "citation": CITATION,
        "licence": "CC-BY-4.0 (OBELIX-LICENSE.txt)",
        "generated": False,
        "relaxed": False,
        "n_entries": int(len(df)),
        "n_labelled": int(labelled.sum()),
        "disorder": {str(k): int(v) for k, v in df["disorder"].value_counts().items()},
        "unlabelled_reasons": {
            str(k): int(v)
            for k, v in df.loc[~labelled, "label_reason"].str.slice(0, 60).value_counts().items()
        },
        "build_seconds": round(time.perf_counter() - t0, 1),
    }
    ds = MapDataset(df, target="migration_energy", metadata=metadata)
    if out_path is not None:
        ds.to_parquet(out_path)
    return ds


NOT_LABELLED = "not labelled yet (build time budget); rerun python -m dev_scripts.real"


def _cached_labels(structures: pd.Series, cache: str | None, time_limit: float) -> pd.DataFrame:
    """Labels of ``structures`` from a label cache only (no computation)."""
    from materials_map.labels.bvse import DEFAULT_MEMORY_LIMIT, _record_row
    from materials_map.labels.cache import LabelCache, label_key
    from materials_map.labels.guards import quick_refusal

    store = LabelCache(cache) if cache is not None else None
    rows = []
    for s in structures:
        reason = quick_refusal(s)
        rec = None
        if not reason and store is not None:
            rec = store.get(label_key(s, 0.2, 10.0), time_limit, DEFAULT_MEMORY_LIMIT)
        if rec is None:
            rec = {"kind": "refused", "reason": reason or NOT_LABELLED}
        rows.append(_record_row(rec))
    return pd.DataFrame(rows, index=structures.index)


def main() -> None:  # pragma: no cover - maintainer tool
    """Build the shipped file from the OBELiX folder given on the command line."""
    from materials_map._util import cache_dir

    src = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/obelix"
    ds = build_real_li_o(src, cache=str(cache_dir("labels")))
    print(
        pd.Series(ds.metadata["disorder"]), ds.metadata["n_labelled"], ds.metadata["build_seconds"]
    )


if __name__ == "__main__":
    main()
