"""Map widget speed in a real JupyterLab + headless Chromium (SwiftShader, CPU-only WebGL).

    .venv/bin/python tests/benchmarks/bench_widget.py [--quick]

Figures, each against a baseline measured in the same run:

1. bytes sent per point for coordinates + one colour value (target <= 12), vs the same
   arrays as a JSON list (what a list-based widget sends);
2. time to first render (coordinates received -> first frame with every point) at 100k and
   1M points, vs drawing the same points with Canvas 2D ``fillRect`` in the same page;
3. frame time while panning and zooming (median and 95th percentile of frame intervals);
4. lasso over 1M points until the kernel's ``selection`` has changed (target <= 1 s), vs the
   browser-side point-in-polygon alone.

SwiftShader renders on the CPU (2 shared cores here), so frame times are pessimistic
compared with any real GPU.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import (  # noqa: E402
    Lab,
    _ensure_bundle,
    launch_chromium,
    start_lab,
    stop_lab,
)

CELL = """
import time, numpy as np
from materials_map.widgets.map import MapWidget
rng = np.random.default_rng(0)
n = {n}
xy = rng.normal(size=(n, 2)).astype(np.float32)
w = MapWidget(xy, values=np.hypot(xy[:, 0], xy[:, 1]), point_size=2, opacity=0.8, height=560)
_sel_times = []
w.observe(lambda c: _sel_times.append(time.time()), "selection")
w
"""

CANVAS2D = """(n) => {
  const c = document.createElement('canvas'); c.width = 900; c.height = 560;
  const ctx = c.getContext('2d');
  const xs = new Float32Array(n), ys = new Float32Array(n);
  for (let i = 0; i < n; i++) { xs[i] = Math.random() * 900; ys[i] = Math.random() * 560; }
  const t0 = performance.now();
  ctx.fillStyle = '#3b75af';
  for (let i = 0; i < n; i++) ctx.fillRect(xs[i], ys[i], 2, 2);
  ctx.getImageData(0, 0, 1, 1);  // force the drawing to finish
  return performance.now() - t0;
}"""

FRAMES = """() => new Promise((resolve) => {
  const t = []; let last = performance.now(); const end = last + %d;
  function tick(now) { t.push(now - last); last = now; if (now < end) requestAnimationFrame(tick); else resolve(t); }
  requestAnimationFrame(tick);
})"""

PIP = """([polyJson, n]) => {
  const root = document.querySelector('.mm-root');
  const view = root.dataset.view.split(',').map(Number);
  const [w, h] = root.dataset.size.split(',').map(Number);
  const poly = JSON.parse(polyJson).map(([px, py]) => [view[0] + px / w * (view[1] - view[0]), view[2] + (h - py) / h * (view[3] - view[2])]);
  const xs = new Float32Array(2 * n); for (let i = 0; i < 2 * n; i++) xs[i] = Math.random() * 4 - 2;
  const t0 = performance.now(); let k = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[2 * i], y = xs[2 * i + 1]; let inside = false;
    for (let a = 0, b = poly.length - 1; a < poly.length; b = a++) {
      const [xa, ya] = poly[a], [xb, yb] = poly[b];
      if ((ya > y) !== (yb > y) && x < (xb - xa) * (y - ya) / (yb - ya) + xa) inside = !inside;
    }
    if (inside) k++;
  }
  return performance.now() - t0;
}"""


def bytes_per_point(n: int) -> tuple[float, float]:
    from materials_map.widgets.map import MapWidget

    rng = np.random.default_rng(0)
    xy = rng.normal(size=(n, 2)).astype(np.float32)
    w = MapWidget(xy, values=np.hypot(xy[:, 0], xy[:, 1]))
    state = w.get_state()
    binary = (state["coords"].nbytes + state["values"].nbytes) / n
    as_json = len(json.dumps({"coords": w.coords.tolist(), "values": w.values.tolist()})) / n
    return binary, as_json


def _frame_stats(intervals: list[float]) -> tuple[float, float]:
    """Median and 95th percentile of frame intervals (NaN when a loaded machine drew one frame)."""
    if not intervals:
        return float("nan"), float("nan")
    return float(np.median(intervals)), float(np.percentile(intervals, 95))


def measure(lab: Lab, n: int, frames_ms: int) -> dict[str, float]:
    t_open = time.monotonic()
    nb = lab.open_notebook(f"bench_{n}.ipynb", [CELL.format(n=n)], viewport=(1280, 1000))
    total_s = time.monotonic() - t_open
    page = nb.page
    out: dict[str, float] = {"open_and_run_s": total_s}
    root = page.locator(".mm-root")
    root.scroll_into_view_if_needed()
    out["render_ms"] = float(root.get_attribute("data-render-ms"))
    out["canvas2d_ms"] = float(page.evaluate(CANVAS2D, n))
    box = page.locator(".mm-plot").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # pan: a slow drag while recording frame intervals
    page.mouse.move(cx, cy)
    page.mouse.down()
    handle = page.evaluate_handle(FRAMES % frames_ms)
    t_end = time.monotonic() + frames_ms / 1000
    k = 0
    while time.monotonic() < t_end:
        k += 1
        page.mouse.move(cx + 80 * np.sin(k / 5), cy + 50 * np.cos(k / 7))
    page.mouse.up()
    out["pan_frame_median_ms"], out["pan_frame_p95_ms"] = _frame_stats(handle.json_value()[1:])
    # zoom: wheel steps in and out
    handle = page.evaluate_handle(FRAMES % frames_ms)
    t_end = time.monotonic() + frames_ms / 1000
    k = 0
    while time.monotonic() < t_end:
        k += 1
        page.mouse.wheel(0, -120 if (k // 6) % 2 == 0 else 120)
    out["zoom_frame_median_ms"], out["zoom_frame_p95_ms"] = _frame_stats(handle.json_value()[1:])
    page.locator(".mm-reset").click()
    time.sleep(1.0)
    # lasso over about half of the points -> kernel selection updated
    page.locator(".mm-mode[data-mode='lasso']").click()
    box = page.locator(".mm-plot").bounding_box()
    w, h = box["width"], box["height"]
    poly = [
        (0.5 * w + 0.25 * h * np.cos(a), 0.5 * h + 0.3 * h * np.sin(a))
        for a in np.linspace(0, 2 * np.pi, 24, endpoint=False)
    ]
    poly = [(round(x), round(y)) for x, y in poly]
    page.mouse.move(box["x"] + poly[0][0], box["y"] + poly[0][1])
    page.mouse.down()
    for x, y in poly[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y)
    t_up = time.time()
    page.mouse.up()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        times = nb.kernel.value("_sel_times")
        if times:
            break
        time.sleep(0.05)
    out["lasso_to_python_s"] = times[-1] - t_up if times else float("nan")
    out["lasso_selected"] = float(nb.kernel.value("int(w.selection.size)"))
    # the highlight follows once the kernel has the selection (js/src/map/selection.ts)
    page.wait_for_selector(
        f".mm-root[data-selected='{int(out['lasso_selected'])}']", state="attached"
    )
    out["lasso_to_highlight_s"] = time.time() - t_up
    # the map's own timing of that lasso (js/src/map/probe.ts): geometry, then merge + send
    out["lasso_geometry_ms"], out["lasso_send_ms"] = (
        float(v) for v in root.get_attribute("data-select-ms").split(",")
    )
    out["lasso_highlight_ms"] = float(root.get_attribute("data-highlight-ms"))
    out["pip_only_ms"] = float(page.evaluate(PIP, [json.dumps(poly), n]))
    nb.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20k and 100k points, short frame windows")
    args = ap.parse_args()
    sizes = [20_000, 100_000] if args.quick else [100_000, 1_000_000]
    frames_ms = 1500 if args.quick else 3000

    b, j = bytes_per_point(sizes[-1])
    print("bytes per point (coords + one value)")
    print(f"  binary buffers   {b:8.2f} B   (target <= 12)")
    print(f"  JSON-list base   {j:8.2f} B   ratio {j / b:5.1f}x smaller")

    from playwright.sync_api import sync_playwright

    _ensure_bundle()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_lab(Path(tmp))
        try:
            with sync_playwright() as p:
                browser = launch_chromium(p)
                lab = Lab(server, browser, ROOT / "artifacts")
                results = {n: measure(lab, n, frames_ms) for n in sizes}
                browser.close()
        finally:
            stop_lab(server)

    print("\nfront end (headless Chromium, SwiftShader CPU WebGL)")
    print(
        f"  {'points':>10} {'render ms':>10} {'canvas2d ms':>12} {'ratio':>6} {'pan med/p95 ms':>16} "
        f"{'zoom med/p95 ms':>16} {'lasso->py s':>12} {'pip-only ms':>12} {'open+run s':>11}"
    )
    for n, r in results.items():
        print(
            f"  {n:>10,} {r['render_ms']:>10.0f} {r['canvas2d_ms']:>12.0f} {r['render_ms'] / r['canvas2d_ms']:>6.1f} "
            f"{r['pan_frame_median_ms']:>7.0f}/{r['pan_frame_p95_ms']:<8.0f} "
            f"{r['zoom_frame_median_ms']:>7.0f}/{r['zoom_frame_p95_ms']:<8.0f} "
            f"{r['lasso_to_python_s']:>12.2f} {r['pip_only_ms']:>12.0f} {r['open_and_run_s']:>11.1f}"
        )
        print(
            f"  {'':>10} lasso selected {int(r['lasso_selected']):,} points; in the browser "
            f"{r['lasso_geometry_ms']:.0f} ms point-in-polygon + {r['lasso_send_ms']:.0f} ms merge and send; "
            f"highlight {r['lasso_highlight_ms']:.0f} ms, on screen by {r['lasso_to_highlight_s']:.2f} s"
        )
    big = results[sizes[-1]]
    print(
        f"\nlasso over {sizes[-1]:,} points -> Python selection: {big['lasso_to_python_s']:.2f} s (target <= 1 s)"
    )


if __name__ == "__main__":
    main()
