"""Datasets: sources -> MapDataset (CIF folders, Structures, DataFrames, OBELiX, Materials
Project, embedded data)."""

from .dataset import MapDataset
from .loaders import from_cifs, from_dataframe, from_structures
from .materials_project import MaterialsProjectError, materials_project
from .obelix import obelix
from .registry import available, load

__all__ = [
    "MapDataset",
    "from_cifs",
    "from_structures",
    "from_dataframe",
    "obelix",
    "materials_project",
    "MaterialsProjectError",
    "load",
    "available",
]
