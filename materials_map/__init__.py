"""materials-map: decodable, property-aware 2-D maps of Li–O materials in Jupyter.

Public names are imported lazily so that ``import materials_map`` stays fast and does
not pull torch or pymatgen until they are needed.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__

# public name -> module that defines it
_LAZY = {
    "Descriptors": "materials_map.features.descriptors",
    "Block": "materials_map.features.descriptors",
    "CompositionHistogram": "materials_map.features.composition",
    "StructureDescriptor": "materials_map.features.structure",
    "featurize": "materials_map.features.batch",
    "DescriptorScaler": "materials_map.features.scaling",
    "MapDataset": "materials_map.datasets.dataset",
    "structure_type": "materials_map.prototypes.classify",
    "MapModel": "materials_map.model.estimator",
    "HeadEnsemble": "materials_map.model.ensemble",
    "SuperionicClassifier": "materials_map.model.superionic",
    "relax": "materials_map.relaxation.core",
    "screen": "materials_map.model.screening",
    "propose": "materials_map.design",
    "build_map": "materials_map.pipeline",
    "map_result": "materials_map.pipeline",
    "MapResult": "materials_map.pipeline",
    "place": "materials_map.placement",
    "w_sweep": "materials_map.sweep",
    "MapDocument": "materials_map.io.document",
    "cache_dir": "materials_map._util.cache",
    "MapWidget": "materials_map.widgets.map",
    "Explorer": "materials_map.widgets.explorer",
    "explore": "materials_map.widgets.explorer",
    "CrystalWidget": "materials_map.widgets.crystal",
}
# the layers of docs/architecture.md a user may reach as ``mm.<name>`` without importing them
_SUBMODULES = {
    "datasets",
    "prototypes",
    "labels",
    "relaxation",
    "features",
    "model",
    "design",
    "pipeline",
    "sweep",
    "io",
    "widgets",
    "figures",
}

__all__ = ["__version__", *_LAZY, *sorted(_SUBMODULES)]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"materials_map.{name}")
    raise AttributeError(f"module 'materials_map' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "materials-map"}]
