"""Packaging: the wheel carries the front end, installs on its own, and the prebuilt
JupyterLab extension is installed and enabled."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# the front-end bundles that ship in the wheel (package.json scripts build them)
STATIC = (
    "materials_map/static/widget.js",
    "materials_map/static/standalone.js",
    "materials_map/static/crystal.js",
    "materials_map/static/crystal-viewer.js",
)


def test_labextension_listed_and_enabled():
    out = subprocess.run(
        [str(BIN / "jupyter"), "labextension", "list"], capture_output=True, text=True, check=True
    )
    text = out.stdout + out.stderr
    line = next((ln for ln in text.splitlines() if "materials-map" in ln), None)
    assert line is not None, f"materials-map not in `jupyter labextension list`:\n{text}"
    assert "enabled" in line and "OK" in line, line


def test_wheel_carries_bundle_and_installs(tmp_path):
    """The wheel of the working tree, built from the front end `make install` already built
    (no npm, no isolated build environment: hatchling and the Jupyter builder of the test
    extra), carries the bundles and the labextension; installed on its own into a bare venv
    (no dependencies), ``import materials_map`` finds its files there."""
    for required in STATIC:
        assert (ROOT / required).is_file(), f"{required} not built (run `make install`)"
    dist = tmp_path / "dist"
    env = {**os.environ, "HATCH_JUPYTER_BUILDER_SKIP_NPM": "1"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    (wheel,) = dist.glob("materials_map-*.whl")
    zf = zipfile.ZipFile(wheel)
    names = set(zf.namelist())
    for required in STATIC:
        assert required in names, f"{required} missing from {wheel.name}"
    data = "materials_map-{v}.data/data/share/jupyter/labextensions/materials-map/".format(
        v=wheel.name.split("-")[1]
    )
    assert data + "package.json" in names
    assert any(n.startswith(data + "static/remoteEntry.") for n in names), (
        "labextension bundle missing"
    )
    # the maintainers' build tooling stays in the source tree
    tooling = [n for n in names if n.startswith(("dev_scripts/", "materials_map/build/"))]
    assert not tooling, tooling
    labext = [
        n
        for n in names
        if n.startswith(data + "static/") and n.endswith(".js") and "remoteEntry." not in n
    ]
    js = {n: zf.read(n).decode() for n in [*STATIC, *labext]}
    for name, code in js.items():  # everything runs offline: no CDN anywhere
        assert "cdn." not in code and "unpkg.com" not in code and "jsdelivr" not in code, name
    # the crystal viewer: crystal.js (anywidget entry) stays a small loader, and the viewer
    # module it imports carries 3Dmol.js and the panel; the labextension (the .mmap viewer)
    # and the standalone page bundle the same panel
    assert len(js["materials_map/static/crystal.js"]) < 10_000
    viewer = js["materials_map/static/crystal-viewer.js"]
    assert len(viewer) > 200_000 and "createViewer" in viewer and "mmc-root" in viewer
    assert any("mmc-root" in js[n] and "createViewer" in js[n] for n in labext), (
        f"no labextension chunk carries the crystal viewer: {labext}"
    )
    standalone = js["materials_map/static/standalone.js"]
    assert "mmc-root" in standalone and "createViewer" in standalone

    # installed on its own into a bare venv (no pip of its own: this venv's pip installs into
    # it with --python, so nothing here is touched); --no-deps: the point is what the wheel
    # itself carries, dependencies are PyPI's business
    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    py = env / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        check=True,
        timeout=120,
    )  # fmt: skip
    out = subprocess.run(
        [
            str(py),
            "-c",
            "import materials_map, pathlib; print(materials_map.__version__); "
            "pkg = pathlib.Path(materials_map.__file__).parent; print(pkg); "
            "print(*[(pkg / 'static' / n).stat().st_size for n in ('widget.js', 'crystal.js', 'crystal-viewer.js')])",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    version, pkg, widget, crystal, viewer = out.stdout.split()
    assert Path(pkg).is_relative_to(env), pkg
    assert version == materials_map_version()
    assert int(widget) > 10_000 and int(crystal) > 500 and int(viewer) > 200_000
    assert (env / "share/jupyter/labextensions/materials-map/package.json").is_file()
    # and the working tree's own (editable) install is untouched
    assert Path(importlib.metadata.distribution("materials-map").locate_file("")).exists()
    here = subprocess.run(
        [sys.executable, "-c", "import materials_map; print(materials_map.__file__)"],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    )  # fmt: skip
    assert Path(here.stdout.strip()).is_relative_to(ROOT), here.stdout


def materials_map_version() -> str:
    from materials_map import __version__

    return __version__
