"""The `materials-map` command line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from materials_map import __version__
from materials_map.cli import main


def test_version_entry_point():
    out = subprocess.run(
        [sys.executable, "-m", "materials_map.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"materials-map {__version__}"


def test_export_reports_bad_document(tmp_path, capsys):
    bad = tmp_path / "x.mmap"
    bad.write_text("{}")
    assert main(["export", str(bad), "--html", str(tmp_path / "o.html")]) == 2
    assert "x.mmap" in capsys.readouterr().err
    assert not (tmp_path / "o.html").exists()


def test_the_dataset_builder_is_not_a_command(capsys):
    """Regenerating the embedded data is maintainers' tooling (``python -m dev_scripts.generate``
    from a source checkout), not part of the installed command."""
    with pytest.raises(SystemExit) as exit_:
        main(["datasets", "build", "li-o"])
    assert exit_.value.code == 2
    assert "invalid choice: 'datasets'" in capsys.readouterr().err
