"""The public names of ``import materials_map as mm``, checked in a fresh interpreter: every
name of ``__all__`` resolves (submodules included) without an explicit submodule import, and
the import itself pulls in neither torch nor pymatgen."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

PROBE = """
import json, sys
import materials_map as mm
eager = sorted(m for m in ("torch", "pymatgen", "sklearn", "pandas", "ipywidgets") if m in sys.modules)
kinds = {}
for name in mm.__all__:
    obj = getattr(mm, name)
    kinds[name] = (
        "module" if isinstance(obj, type(sys)) else "class" if isinstance(obj, type)
        else "function" if callable(obj) else type(obj).__name__
    )
print(json.dumps({"eager": eager, "kinds": kinds, "dir": sorted(dir(mm))}))
"""


@pytest.fixture(scope="module")
def probe() -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_pulls_in_no_heavy_library(probe):
    assert probe["eager"] == []


def test_every_public_name_resolves(probe):
    import materials_map as mm

    assert set(probe["kinds"]) == set(mm.__all__)
    assert probe["dir"] == sorted(mm.__all__)
    for name in ("design", "pipeline", "sweep", "model", "features", "datasets", "relaxation"):
        assert probe["kinds"][name] == "module", name
    for name in ("MapModel", "Descriptors", "MapResult", "Explorer", "MapWidget"):
        assert probe["kinds"][name] == "class", name
    for name in ("featurize", "build_map", "map_result", "w_sweep", "explore", "propose", "relax"):
        assert probe["kinds"][name] == "function", name


def test_submodule_attributes_are_the_modules():
    import materials_map as mm
    import materials_map.pipeline

    assert isinstance(mm.design, types.ModuleType)
    assert mm.pipeline is materials_map.pipeline
    assert mm.pipeline.prediction_grid is mm.model.grid.prediction_grid
    # a function is never shadowed by a sub-package of its name (issue 24: no callable module)
    import materials_map.relaxation.core

    assert mm.relax is mm.relaxation.relax is materials_map.relaxation.core.relax


def test_unknown_name_is_an_attribute_error():
    import materials_map as mm

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        mm.nope  # noqa: B018


def test_api_reference_names_every_public_name():
    """docs/api.md (rendered by `make docs`) documents each public class and function."""
    import materials_map as mm

    api = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^::: materials_map\.[\w.]*\.(\w+)$", api, flags=re.M))
    public = {n for n in mm.__all__ if not n.startswith("_") and n not in mm._SUBMODULES}
    assert public <= documented, sorted(public - documented)
