"""OBELiX experimental ionic conductivities (via the ``obelix-data`` package)."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd

from .._util import cache_dir
from .._util.extras import need
from .dataset import MapDataset

SUPERIONIC_S_PER_CM = 1e-4


def parse_conductivity(value: object) -> tuple[float, bool]:
    """Conductivity in S/cm from an OBELiX cell, and whether it is only an upper bound.

    Accepts numbers and strings such as ``"3.2e-4"`` or ``"<1E-10"`` (returned as 1e-10 with
    the bound flag set). Raises ``ValueError`` naming the text when it cannot be read.
    """
    if isinstance(value, int | float | np.floating):
        return float(value), False
    text = str(value).strip()
    bound = text.startswith("<")
    try:
        return float(text.lstrip("<").strip()), bound
    except ValueError:
        raise ValueError(f"unreadable ionic conductivity {value!r}") from None


def obelix(
    path: str | os.PathLike | None = None,
    progress: bool = True,
    classify: bool = False,
    structures: bool = True,
) -> MapDataset:
    """OBELiX (599 Li conductors, 321 with CIF) as a MapDataset.

    ``path`` is a folder with ``all.csv``, ``test.csv`` and ``all_randomized_cifs/``; when
    ``None`` the ``obelix-data`` package downloads it into ``cache_dir() / "obelix"``.
    Adds ``sigma`` (S/cm), ``sigma_upper_bound`` ("<1E-10" entries), ``log10_sigma``,
    ``superionic`` (sigma > 1e-4 S/cm), ``family``, ``split`` ("train"/"test") and bibliographic
    columns. Default target: ``log10_sigma``. Rows without a CIF have ``structure=None``;
    ``has_cif`` marks the 321 rows with one. ``structures=False`` skips reading the CIFs
    (about a minute for all of them), leaving every ``structure`` ``None``.
    """
    need("obelix", "obelix", "datasets.obelix()")
    from obelix import OBELiX

    # the sub-folder is left to obelix-data, which downloads into it when it is missing
    path = Path(path) if path is not None else cache_dir() / "obelix"
    if path.exists() and not (path / "all.csv").is_file():
        raise FileNotFoundError(f"{path} exists but holds no OBELiX all.csv")
    # the package prints progress text (kept out of notebooks) and shows tqdm bars
    quiet = {} if progress else {"TQDM_DISABLE": "1"}
    with contextlib.redirect_stdout(io.StringIO()), mock.patch.dict(os.environ, quiet):
        ob = OBELiX(data_path=str(path), unspecified_low_value=None, no_cifs=not structures)
    raw = ob.dataframe
    parsed = [parse_conductivity(v) for v in raw["Ionic conductivity (S cm-1)"]]
    sigma = np.array([p[0] for p in parsed])
    test_ids = set(ob.test_dataset.dataframe.index)
    df = pd.DataFrame(
        {
            "id": raw.index.astype(str),
            "structure": list(raw["structure"]) if structures else None,
            "has_cif": (raw["Cif ID"] == "done").values,
            "formula": raw["Reduced Composition"].astype(str).values,
            "source": "obelix",
            "sigma": sigma,
            "sigma_upper_bound": [p[1] for p in parsed],
            "log10_sigma": np.log10(sigma),
            "superionic": sigma > SUPERIONIC_S_PER_CM,
            "family": raw["Family"].values,
            "true_composition": raw["True Composition"].values,
            "spacegroup_number": pd.to_numeric(raw["Space group #"], errors="coerce").values,
            "doi": raw["DOI"].values,
            "split": ["test" if i in test_ids else "train" for i in raw.index],
        }
    )
    # li/o fractions from the true composition where no CIF exists
    ds = MapDataset(
        df,
        target="log10_sigma",
        metadata={
            "source": "OBELiX",
            "path": str(path),
            "superionic_threshold_S_per_cm": SUPERIONIC_S_PER_CM,
        },
    )
    no_struct = ds.df["structure"].isna()
    from .dataset import _composition, _fraction

    comps = [_composition(None, f) for f in ds.df.loc[no_struct, "true_composition"]]
    ds.df.loc[no_struct, "li_fraction"] = [_fraction(c, "Li") for c in comps]
    ds.df.loc[no_struct, "o_fraction"] = [_fraction(c, "O") for c in comps]
    return ds.classify(progress=progress) if classify else ds


def paper_li_o(
    path: str | os.PathLike | None = None, progress: bool = False, classify: bool = False
) -> MapDataset:
    """The OBELiX entries with a CIF in the paper's Li–O chemistry (121 in OBELiX 1.0).

    Kept: a structure holding Li and O whose other elements all belong to the paper's 25
    (:data:`materials_map.datasets.materials_project.PAPER_ELEMENTS`). Ordered and disordered
    CIFs alike; ``disorder`` tells ``ordered``, ``li-only``, ``framework`` or ``anion``
    (:func:`materials_map.labels.disorder.disorder_kind` is the same rule, one layer up).
    """
    from .materials_project import PAPER_ELEMENTS

    ds = obelix(path, progress=progress, structures=True)
    allowed = {"Li", "O", *PAPER_ELEMENTS}

    def keep(s: object) -> bool:
        if s is None:
            return False
        els = {e.symbol for e in s.composition.element_composition}
        return {"Li", "O"} <= els <= allowed

    mask = ds.df["structure"].map(keep).to_numpy()
    sub = ds.subset(mask)
    sub.metadata["selection"] = "Li and O, other elements among the paper's 25; CIF present"
    return sub.classify(progress=progress) if classify else sub
