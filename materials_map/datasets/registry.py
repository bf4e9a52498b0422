"""Registry of datasets embedded in the package (offline, no download)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .dataset import MapDataset

# name -> (parquet file inside materials_map/datasets/data, one-line description)
REGISTRY: dict[str, tuple[str, str]] = {
    "li-o": (
        "li-o.parquet",
        "Li-O compounds decorated from the prototype library, "
        "bond-valence migration energies (the default map).",
    ),
}


def data_path(name: str) -> Path:
    """Path of the packaged parquet file for dataset ``name`` (may not exist yet)."""
    key = name.strip().lower()
    if key not in REGISTRY:
        raise KeyError(f"unknown dataset {name!r}; available: {available()}")
    return Path(str(resources.files("materials_map.datasets") / "data" / REGISTRY[key][0]))


def available() -> list[str]:
    """Names of registered embedded datasets."""
    return sorted(REGISTRY)


def load(name: str = "li-o") -> MapDataset:
    """Load an embedded dataset by name (``"li-o"`` is the default map's data)."""
    path = data_path(name)
    if not path.is_file():
        present = [n for n in available() if data_path(n).is_file()]
        raise FileNotFoundError(
            f"embedded dataset {name!r} is registered but its file {path.name} is missing from "
            f"{path.parent} (this install is incomplete or the data was not built). "
            f"Datasets present: {present or 'none'}"
        )
    return MapDataset.from_parquet(path)
