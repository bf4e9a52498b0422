"""Real-browser harness: a JupyterLab server on 127.0.0.1 driven by Debian Chromium.

One JupyterLab server and one Chromium per test session. A test opens a notebook through
the JupyterLab UI (``lab.open_notebook``), runs it, and talks to the same kernel directly over
the server's kernel websocket (``NotebookSession.run``) to read or set widget state, so every
assertion compares what the browser drew or did with what the kernel holds.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
WIDGET_JS = ROOT / "materials_map" / "static" / "widget.js"
CHROMIUM_ARGS = [
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--no-sandbox",
    "--disable-gpu-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# JupyterLab user settings for the test profile: no news/update pop-ups over the notebook
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_bundle() -> None:
    if WIDGET_JS.is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(
            f"{WIDGET_JS} is missing and npm is not available to build it (`npm run build:widget`)"
        )
    subprocess.run([npm, "run", "build:widget"], cwd=ROOT, check=True, capture_output=True)


@dataclass
class LabServer:
    """A running JupyterLab: base URL, token and its root folder (notebooks go there)."""

    url: str
    token: str
    root: Path
    proc: subprocess.Popen
    log: Path

    def api(self, path: str) -> Any:
        req = urllib.request.Request(
            f"{self.url}{path}", headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())


def start_lab(base: Path) -> LabServer:
    """Start JupyterLab on a free port with a private config/data/settings profile under ``base``."""
    root = base / "root"
    settings = base / "settings"
    for d in (
        root,
        settings,
        base / "config",
        base / "data",
        base / "runtime",
        base / "workspaces",
        base / "ipython",
    ):
        d.mkdir(parents=True, exist_ok=True)
    for rel, value in LAB_SETTINGS.items():
        p = settings / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(value))
    env = dict(os.environ)
    env.update(
        # private profile: the user's config can't change the server; the venv's
        # share/jupyter (anywidget + ipywidgets lab extensions, kernelspec) is still found
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_DATA_DIR=str(base / "data"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
        IPYTHONDIR=str(base / "ipython"),
        # the package is importable from the working tree in the kernel
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        MPLBACKEND="agg",
    )
    port = _free_port()
    token = secrets.token_hex(16)
    log = base / "jupyter.log"
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.port_retries=0",
        "--LabApp.news_url=",
        "--ServerApp.terminals_enabled=False",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers / CI run as root
        cmd.append("--allow-root")
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=fh, stderr=subprocess.STDOUT)
    server = LabServer(f"http://127.0.0.1:{port}", token, root, proc, log)
    deadline = time.monotonic() + 90
    while True:
        try:
            server.api("/api/status")
            return server
        except Exception:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(
                    f"JupyterLab did not start:\n{log.read_text()[-3000:]}"
                ) from None
            time.sleep(0.3)  # poll interval of a bounded wait on an explicit condition


def stop_lab(server: LabServer) -> None:
    """Stop a server started by :func:`start_lab`."""
    server.proc.terminate()
    try:
        server.proc.wait(15)
    except subprocess.TimeoutExpired:
        server.proc.kill()


def launch_chromium(playwright: Any) -> Any:
    """Headless Debian Chromium with SwiftShader WebGL."""
    return playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab on a free port with a private config/data/settings profile."""
    pytest.importorskip(
        "playwright.sync_api", reason="python playwright is needed for browser tests"
    )
    if shutil.which("chromium") is None:
        pytest.skip("Debian chromium not installed (`make chromium`); browser tests need it")
    _ensure_bundle()
    for attempt in range(3):
        # a free port can be taken between asking for it and binding it (another pytest
        # worker starts its own JupyterLab at the same time): ask again
        try:
            server = start_lab(tmp_path_factory.mktemp("lab"))
            break
        except RuntimeError as e:
            if attempt == 2:
                pytest.fail(str(e))
    yield server
    stop_lab(server)


#: Playwright's default wait in every context (its own default is 30 s): a loaded CI machine
#: takes longer than that to load JupyterLab or a 3 MB exported page; a wait ends as soon as
#: its condition holds, so only a real failure costs this
DEFAULT_TIMEOUT_MS = 90_000


class _Browser:
    """The session's Chromium; its contexts wait up to :data:`DEFAULT_TIMEOUT_MS`."""

    def __init__(self, browser: Any):
        self._browser = browser

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        return context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium (SwiftShader WebGL) through Playwright."""
    from playwright.sync_api import sync_playwright

    if shutil.which("chromium") is None:
        pytest.skip("Debian chromium not installed (`make chromium`); browser tests need it")
    with sync_playwright() as p:
        b = launch_chromium(p)
        yield _Browser(b)
        b.close()


class KernelError(RuntimeError):
    """Code sent to the notebook's kernel raised."""


class KernelChannel:
    """Execute code in a running kernel through the Jupyter server's kernel websocket."""

    def __init__(self, server: LabServer, kernel_id: str):
        self.server = server
        self.kernel_id = kernel_id
        self.session = uuid.uuid4().hex
        self.ws = self._connect()

    def _connect(self) -> Any:
        import websocket  # websocket-client, a jupyter_server dependency

        ws_url = self.server.url.replace("http://", "ws://")
        return websocket.create_connection(
            f"{ws_url}/api/kernels/{self.kernel_id}/channels?session_id={self.session}",
            header=[f"Authorization: token {self.server.token}"],
            timeout=60,
        )

    def run(self, code: str, timeout: float = 60) -> str:
        """Run ``code``; return its stdout; raise KernelError with the traceback on error."""
        import websocket

        try:
            return self._run(code, timeout)
        except (OSError, websocket.WebSocketException):
            # the server drops sockets that stayed idle through its pings: reconnect, run again
            self.close()
            self.ws = self._connect()
            return self._run(code, timeout)

    def _run(self, code: str, timeout: float) -> str:
        msg_id = uuid.uuid4().hex
        request = json.dumps(
            {
                "header": {
                    "msg_id": msg_id,
                    "username": "test",
                    "session": self.session,
                    "msg_type": "execute_request",
                    "version": "5.3",
                },
                "parent_header": {},
                "metadata": {},
                "channel": "shell",
                "buffers": [],
                "content": {
                    "code": code,
                    "silent": False,
                    "store_history": False,
                    "user_expressions": {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
            }
        )
        self.ws.send(request)
        out = io.StringIO()
        error = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            frame = self.ws.recv()
            if isinstance(frame, bytes):  # messages with binary buffers (widget comms): not ours
                continue
            msg = json.loads(frame)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "stream" and msg["content"]["name"] == "stdout":
                out.write(msg["content"]["text"])
            elif kind == "error":
                error = "\n".join(msg["content"]["traceback"])
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                if error:
                    raise KernelError(error)
                return out.getvalue()
        raise TimeoutError(f"kernel did not answer within {timeout} s: {code[:200]}")

    def value(self, expr: str) -> Any:
        """JSON value of a Python expression evaluated in the kernel."""
        return json.loads(
            self.run(f"import json as _j; print(_j.dumps({expr}))").strip().splitlines()[-1]
        )

    def wait_for(self, expr: str, predicate: Callable[[Any], bool], timeout: float = 15) -> Any:
        """Poll ``expr`` until ``predicate(value)``: browser -> kernel updates arrive asynchronously."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.value(expr)
            if predicate(value):
                return value
            time.sleep(0.2)  # poll interval of a bounded wait on an explicit condition
        raise AssertionError(
            f"kernel value {expr} never satisfied the condition; last value: {str(value)[:500]}"
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()


@dataclass
class NotebookSession:
    """A notebook open in JupyterLab: the Playwright page and a channel to its kernel."""

    page: Any
    kernel: KernelChannel
    name: str
    server: LabServer
    context: Any = field(repr=False, default=None)

    def run(self, code: str) -> str:
        return self.kernel.run(code)

    def close(self) -> None:
        self.kernel.close()
        with contextlib.suppress(Exception):
            self.kernel.run("pass", timeout=1)
        self.context.close()


def _write_notebook(path: Path, cells: list[str]) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)


class Lab:
    """Opens notebooks in the session's JupyterLab and Chromium."""

    def __init__(self, server: LabServer, browser: Any, artifacts: Path, shared: Path):
        self.server = server
        self.browser = browser
        self.artifacts = artifacts
        self.shared = shared

    def open_notebook(
        self,
        name: str,
        cells: list[str],
        ready_selector: str = ".mm-root[data-ready='true']",
        viewport: tuple[int, int] = (1280, 1100),
        ui: str = "lab",
    ) -> NotebookSession:
        """Write a notebook, open it in JupyterLab (``ui="lab"``) or Notebook 7 (``ui="notebook"``),
        run all cells, wait for ``ready_selector``."""
        fixture = self.server.root.parent / EXPLORER_MAP
        if any(EXPLORER_MAP in c for c in cells) and not fixture.exists():
            # built once per run, for the first notebook using it, and shared by the workers
            fixture.symlink_to(shared_explorer_map(self.shared), target_is_directory=True)
        _write_notebook(self.server.root / name, cells)
        context = self.browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, device_scale_factor=1
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        route = (
            f"lab/tree/{name}?token={self.server.token}&reset"
            if ui == "lab"
            else f"notebooks/{name}?token={self.server.token}"
        )
        page.goto(f"{self.server.url}/{route}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", state="visible")
        kernel_id = self._kernel_of(name)
        self._wait_idle(kernel_id)
        # Run > Run All Cells, through the real menu
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            page.wait_for_selector(ready_selector, state="attached", timeout=90_000)
        except Exception:
            page.screenshot(path=str(self.artifacts / f"{Path(name).stem}-not-ready.png"))
            outputs = page.locator(".jp-OutputArea").all_inner_texts()
            raise AssertionError(
                f"widget never became ready; page errors: {errors}; outputs: {outputs}"
            ) from None
        return NotebookSession(
            page, KernelChannel(self.server, kernel_id), name, self.server, context
        )

    def _kernel_of(self, name: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for s in self.server.api("/api/sessions"):
                if s.get("path", "").endswith(name) and s.get("kernel"):
                    return s["kernel"]["id"]
            time.sleep(0.3)  # poll interval of a bounded wait on an explicit condition
        raise AssertionError(f"no kernel session for {name}")

    def _wait_idle(self, kernel_id: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.api(f"/api/kernels/{kernel_id}").get("execution_state") == "idle":
                return
            time.sleep(0.3)  # poll interval of a bounded wait on an explicit condition
        raise AssertionError("kernel never became idle")


@pytest.fixture(scope="session")
def picture_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the README's pictures (``*_for_the_readme`` tests) are written: docs/img under
    `make docs-img` (``MATERIALS_MAP_DOCS_IMG=1``), else a temporary folder, so a test run
    leaves the working tree as it found it."""
    if os.environ.get("MATERIALS_MAP_DOCS_IMG") == "1":
        out = ROOT / "docs" / "img"
        out.mkdir(parents=True, exist_ok=True)
        return out
    return tmp_path_factory.mktemp("docs-img")


@pytest.fixture(scope="session")
def lab(
    lab_server: LabServer,
    browser: Any,
    artifacts_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Lab:
    """Factory for notebooks open in the session's JupyterLab (see :class:`Lab`)."""
    base = tmp_path_factory.getbasetemp()
    # pytest-xdist workers' temporary folders share a parent that belongs to this run alone
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return Lab(lab_server, browser, artifacts_dir, shared)


# ----------------------------------------------------------------------------- helpers
def point_in_polygon(x: np.ndarray, y: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Even-odd rule, vectorised over points; same expression as js/src/map/polygon.ts."""
    inside = np.zeros(x.shape, dtype=bool)
    n = len(poly)
    for i in range(n):
        j = (i - 1) % n
        xi, yi = poly[i]
        xj, yj = poly[j]
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = ((yi > y) != (yj > y)) & (x < (xj - xi) * (y - yi) / (yj - yi) + xi)
        inside ^= cross
    return inside


def screen_to_data(
    view: list[float], size: tuple[float, float], px: float, py: float
) -> tuple[float, float]:
    """Plot pixel -> data, same arithmetic (and operation order) as js/src/map/scales.ts."""
    w, h = size
    return view[0] + (px / w) * (view[1] - view[0]), view[2] + ((h - py) / h) * (view[3] - view[2])


def data_to_screen(view: list[float], size: tuple[float, float], x: Any, y: Any) -> tuple[Any, Any]:
    """Data -> plot pixel (CSS px from the plot's top-left corner)."""
    w, h = size
    return (np.asarray(x) - view[0]) / (view[1] - view[0]) * w, h - (np.asarray(y) - view[2]) / (
        view[3] - view[2]
    ) * h


#: what the page has drawn so far: per map its WebGL frames (``data-frames``,
#: js/src/map/points.ts) and 2-D layer draws (``data-layers``, js/src/map/layers.ts), per
#: crystal panel its renders (``data-drawn``)
_STAMP_JS = """() => Array.from(document.querySelectorAll('.mm-root, .mmc-root'),
    (e) => `${e.dataset.frames ?? ''}/${e.dataset.layers ?? ''}/${e.dataset.drawn ?? ''}`).join(',')"""

#: true once every map is ready (``data-ready`` not "false": a map redrawing new points
#: ignores clicks and brushes) and the stamp has stayed the same for ``quiet`` animation
#: frames in a row (checked on every frame by ``wait_for_function``): regl draws in the frame
#: after the change that asks for it, so a picture taken after this shows every change the
#: page had received
_QUIET_JS = f"""
(quiet) => {{
  const ready = Array.from(document.querySelectorAll('.mm-root'))
      .every((e) => e.dataset.ready !== 'false');
  const now = ready ? ({_STAMP_JS})() : null;
  const st = (window.__mmSettle ??= {{stamp: null, still: 0}});
  st.still = now !== null && now === st.stamp ? st.still + 1 : 0;
  st.stamp = now;
  return st.still >= quiet;
}}
"""


def settle(page: Any, quiet: int = 3, timeout: float = 30.0) -> None:
    """Wait until the page's maps and crystal viewers have stopped drawing (see _QUIET_JS);
    call it after waiting for the state change itself (a kernel value, a data-* attribute)."""
    page.evaluate("() => { delete window.__mmSettle; }")
    page.wait_for_function(_QUIET_JS, arg=quiet, polling="raf", timeout=timeout * 1000)


def redrawn(page: Any, change: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Do ``change`` (e.g. set a trait from the kernel), wait until the page has drawn since
    (the stamp of _STAMP_JS moved: the change reached the browser), then :func:`settle`."""
    before = page.evaluate(_STAMP_JS)
    out = change()
    page.wait_for_function(
        f"before => ({_STAMP_JS})() !== before", arg=before, timeout=timeout * 1000
    )
    settle(page)
    return out


#: two animation frames of the page: the map's camera (dom-2d-camera, inside
#: regl-scatterplot) reads the pointer once per frame
_FRAMES_JS = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


def press(page: Any, x: float, y: float) -> None:
    """Move the mouse to (x, y), let the page draw two frames, then press the left button.

    The map's camera pans by the pointer's travel between two of its frames while the button
    is down; a test's mouse jumps, and on a loaded machine a press can reach the page in the
    same frame as the jump, which then pans the map by the whole jump (the click lands on
    empty space). A user's pointer moves continuously, so only tests need the pause."""
    page.mouse.move(x, y)
    page.evaluate(_FRAMES_JS)
    page.mouse.down()


def click(page: Any, x: float, y: float) -> None:
    """A left click at (x, y) that cannot pan the map (see :func:`press`)."""
    press(page, x, y)
    page.mouse.up()


class Plot:
    """Geometry of the drawn plot: page offset, size and the data view it shows."""

    def __init__(self, page, scope: str = ""):
        root = page.locator(f"{scope} .mm-root".strip())
        root.scroll_into_view_if_needed()
        box = page.locator(f"{scope} .mm-plot".strip()).bounding_box()
        self.left, self.top = box["x"], box["y"]
        self.view = [float(v) for v in root.get_attribute("data-view").split(",")]
        w, h = root.get_attribute("data-size").split(",")
        self.size = (float(w), float(h))
        self.page = page

    @classmethod
    def settled(cls, page, timeout: float = 30.0, scope: str = "") -> Plot:
        """The plot's geometry once the page has stopped drawing (:func:`settle`) and the
        geometry read twice agrees: a tab switch or a panel opening resizes the map, and under
        load the re-fit lands late."""
        deadline = time.monotonic() + timeout
        while True:
            settle(page, timeout=timeout)
            last = cls(page, scope)
            settle(page, timeout=timeout)
            now = cls(page, scope)
            if (now.left, now.top, now.size, now.view) == (
                last.left,
                last.top,
                last.size,
                last.view,
            ):
                return now
            if time.monotonic() > deadline:
                raise AssertionError(f"the plot kept moving for {timeout} s: {now.view}")

    def to_page(self, px: float, py: float) -> tuple[float, float]:
        return self.left + px, self.top + py

    def screenshot(self, path: Path | None = None) -> np.ndarray:
        png = self.page.screenshot(
            clip={"x": self.left, "y": self.top, "width": self.size[0], "height": self.size[1]}
        )
        if path is not None:
            path.write_bytes(png)
        from PIL import Image

        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


#: folder (beside the notebooks' root) of the small Explorer map the browser tests' kernels
#: load: see :func:`build_explorer_map`
EXPLORER_MAP = "explorer-map"

#: kernel code that opens the small Explorer of the browser tests (``ex``: the 24 real
#: structures of tests/widgets/test_explorer.py, their descriptors and a small model, all
#: built once per session by :func:`build_explorer_map`); tests append their own lines
EXPLORER_SETUP = f"""
import pathlib, numpy as np, torch
from materials_map.datasets import MapDataset
from materials_map.features.batch import featurize
from materials_map.model.estimator import MapModel
from materials_map.pipeline import map_result
from materials_map.widgets.explorer import Explorer
torch.set_num_threads(1)
fixture = pathlib.Path.cwd().parent / "{EXPLORER_MAP}"
ds = MapDataset.from_parquet(fixture / "dataset.parquet")
df = ds.df
X = featurize(ds, cache=str(fixture / "descriptors"), progress=False)  # all rows cached
model = MapModel.load(fixture / "model.safetensors")
ex = Explorer(map_result(ds, X, model), n_neighbours=6, map_options={{"point_size": 9, "height": 460}})
"""


def shared_explorer_map(shared: Path) -> Path:
    """The Explorer map under ``shared``, built by the first worker that asks (the others wait
    on a file lock: one build per run instead of one per worker)."""
    import fcntl

    folder = shared / EXPLORER_MAP
    with open(shared / f"{EXPLORER_MAP}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "dataset.parquet").is_file():
            build_explorer_map(folder)
    return folder


def build_explorer_map(folder: Path) -> Path:
    """Write the small Explorer map that :data:`EXPLORER_SETUP` opens into ``folder``: the
    dataset of tests/widgets/test_explorer.py (parquet), its descriptors (a featurize cache
    holding every row) and its small MapModel trained here (``MapModel.save``). Built with
    the package's own API, so it follows changes of the model and its files."""
    import importlib.util

    import torch

    from materials_map.datasets import MapDataset
    from materials_map.features.batch import featurize

    spec = importlib.util.spec_from_file_location(
        "_explorer_data", ROOT / "tests" / "widgets" / "test_explorer.py"
    )
    data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(data)
    folder.mkdir(parents=True, exist_ok=True)
    ds = MapDataset(data._frame(), target=data.TARGET)
    X = featurize(ds, cache=str(folder / "descriptors"), progress=False)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny net trains ~20x slower with 2 threads on a busy machine
    try:
        model = data._small_model().fit(X, ds.df[ds.target].to_numpy())
    finally:
        torch.set_num_threads(threads)
    model.save(folder / "model.safetensors")
    ds.to_parquet(folder / "dataset.parquet")  # last: its presence means the map is complete
    return folder


def expected_atoms(s) -> int:
    """Atoms the crystal viewer draws for ``s``: every site plus its images on the cell
    faces, edges and corners (the rule of js/src/crystal/geometry.ts replicate())."""
    n = 0
    for site in s:
        f = np.mod(site.frac_coords, 1.0)
        f[f > 1 - 1e-3] = 0
        n += 2 ** int((f < 1e-3).sum())
    return n
