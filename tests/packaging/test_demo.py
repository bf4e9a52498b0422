"""`make demo` starts JupyterLab for every user, root included.

The server test runs the Makefile's own ``demo`` recipe (``make -o <stamp> demo``: the
install step is not redone, the recipe line is the one a user runs) with a free port, a token
and no browser, waits until JupyterLab answers on 127.0.0.1, and stops it. On this test
machine (and in containers / CI) the user is root, which JupyterLab refuses without
``--allow-root``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from materials_map import cli

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"token {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""


@pytest.mark.parametrize("uid, root_flag", [(0, True), (1000, False)])
def test_demo_command_adds_allow_root_only_for_root(monkeypatch, uid, root_flag):
    monkeypatch.setattr(os, "geteuid", lambda: uid)
    cmd = cli.demo_command(port=8899, token="t", open_browser=False)
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert ("--allow-root" in cmd) is root_flag
    assert "--ip=127.0.0.1" in cmd and "--port=8899" in cmd and "--no-browser" in cmd
    # from a source checkout it opens the quickstart notebook
    assert str(ROOT / "notebooks" / "01_quickstart.ipynb") in cmd


def test_print_command_is_the_command(capsys, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert cli.main(["demo", "--print-command", "--port", "8899", "--no-browser"]) == 0
    printed = capsys.readouterr().out.strip()
    import shlex

    assert shlex.split(printed) == cli.demo_command(8899, None, open_browser=False)


@pytest.mark.slow
def test_make_demo_starts_jupyterlab(tmp_path):
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    venv = Path(sys.prefix)
    if not (venv / "bin" / "materials-map").is_file():
        pytest.skip(f"no materials-map entry point in {venv} (package not installed)")
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    for name in ("config", "data", "runtime"):  # a private Jupyter profile, as a fresh user has
        (tmp_path / name).mkdir()
    env.update(
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
    )
    log = tmp_path / "demo.log"
    stamp = venv / ".installed"
    cmd = [
        make,
        "-s",
        "-o",
        str(stamp),  # the install step is a prerequisite of demo: do not redo it here
        "demo",
        f"VENV={venv}",
        f"DEMO_ARGS=--port {port} --token {token} --no-browser",
    ]
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 120
        status = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"make demo exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                status = _get(f"http://127.0.0.1:{port}/api/status", token)
                if status[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        assert status is not None and status[0] == 200, log.read_text()[-3000:]
        assert "started" in json.loads(status[1])
        # the token is the one we gave: without it the API refuses
        assert _get(f"http://127.0.0.1:{port}/api/status")[0] in (401, 403)
        # the quickstart notebook is served from the root folder
        code, body = _get(f"http://127.0.0.1:{port}/api/contents/notebooks", token)
        assert code == 200
        assert "01_quickstart.ipynb" in {c["name"] for c in json.loads(body)["content"]}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
            killed = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
            killed = True
    text = log.read_text()
    assert "Running as root is not recommended" not in text
    # Ctrl-C's cousin stops it: make ends on the SIGTERM itself, no SIGKILL was needed
    assert not killed, f"make demo still running 20 s after SIGTERM:\n{text[-3000:]}"
    assert proc.returncode == -signal.SIGTERM, (proc.returncode, text[-3000:])
    # the server is gone
    with pytest.raises(OSError):
        _get(f"http://127.0.0.1:{port}/api/status", token)
