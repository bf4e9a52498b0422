"""Optional extras: a call that needs a package the base install leaves out raises an
ImportError naming the ``pip install 'materials-map[...]'`` to run. Each missing package is
simulated by a ``None`` entry in ``sys.modules`` (what ``import`` treats as not installed)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from pymatgen.core import Lattice, Structure

ROOT = Path(__file__).resolve().parents[1]


def _li2o() -> Structure:
    return Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(4.61), ["Li", "O"], [[0.25] * 3, [0] * 3]
    )


def _missing(monkeypatch, module: str, extra: str):
    monkeypatch.setitem(sys.modules, module, None)
    return pytest.raises(ImportError, match=re.escape(f"pip install 'materials-map[{extra}]'"))


def test_obelix(monkeypatch, tmp_path):
    from materials_map.datasets import obelix

    with _missing(monkeypatch, "obelix", "obelix"):
        obelix(tmp_path)


def test_materials_project(monkeypatch, tmp_path):
    from materials_map.datasets import materials_project

    monkeypatch.setenv("MATERIALS_MAP_CACHE", str(tmp_path))
    with _missing(monkeypatch, "mp_api", "mp"):
        materials_project(api_key="x" * 32, progress=False)


def test_relax(monkeypatch):
    from materials_map.relaxation import relax

    with _missing(monkeypatch, "chgnet", "relax"):
        relax([_li2o()], progress=False)


@pytest.mark.parametrize("call", ["featurize", "labels", "relax"])
def test_dask(monkeypatch, call):
    from materials_map.features.batch import featurize
    from materials_map.labels import migration_energy
    from materials_map.relaxation import relax

    run = {"featurize": featurize, "labels": migration_energy, "relax": relax}[call]
    with _missing(monkeypatch, "distributed", "dask"):
        run([_li2o()], client=object(), progress=False)


def test_base_install_leaves_the_extras_out():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    base = " ".join(meta["dependencies"])
    extras = meta["optional-dependencies"]
    for name in ("dask", "distributed", "mp-api", "obelix-data", "chgnet"):
        assert name not in base, name
    assert "matplotlib" in base
    assert extras["all"] == ["materials-map[dask,mp,obelix,relax]"]
    assert set(extras) >= {"dask", "mp", "obelix", "relax", "all", "test"}
