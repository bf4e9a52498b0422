"""Packaging: the wheel carries the front end, installs into a clean venv, and the
prebuilt JupyterLab extension is installed and enabled."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_labextension_listed_and_enabled():
    out = subprocess.run(
        [str(BIN / "jupyter"), "labextension", "list"], capture_output=True, text=True, check=True
    )
    text = out.stdout + out.stderr
    line = next((ln for ln in text.splitlines() if "materials-map" in ln), None)
    assert line is not None, f"materials-map not in `jupyter labextension list`:\n{text}"
    assert "enabled" in line and "OK" in line, line


@pytest.mark.slow
def test_wheel_carries_bundle_and_installs_in_clean_venv(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
    (wheel,) = dist.glob("materials_map-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("materials_map/static/widget.js", "materials_map/static/standalone.js"):
        assert required in names, f"{required} missing from {wheel.name}"
    data = "materials_map-{v}.data/data/share/jupyter/labextensions/materials-map/".format(
        v=wheel.name.split("-")[1]
    )
    assert data + "package.json" in names
    assert any(n.startswith(data + "static/remoteEntry.") for n in names), (
        "labextension bundle missing"
    )
    bundle = zipfile.ZipFile(wheel).read("materials_map/static/widget.js").decode()
    assert "cdn." not in bundle and "unpkg.com" not in bundle and "jsdelivr" not in bundle

    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    py = env / "bin" / "python"
    # --no-deps: the point is what the wheel itself carries; dependencies are PyPI's business
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, timeout=300
    )
    out = subprocess.run(
        [
            str(py),
            "-c",
            "import materials_map, pathlib; print(materials_map.__version__); "
            "print(pathlib.Path(materials_map.__file__).parent.joinpath('static', 'widget.js').stat().st_size)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    version, size = out.stdout.split()
    assert version == materials_map_version()
    assert int(size) > 10_000
    assert (env / "share/jupyter/labextensions/materials-map/package.json").is_file()


def materials_map_version() -> str:
    from materials_map import __version__

    return __version__
