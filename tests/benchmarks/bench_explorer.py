"""The product as users meet it: time to a map, and the cost of saved map documents.

    .venv/bin/python tests/benchmarks/bench_explorer.py [--quick]

Figures (baselines measured in the same run):

1. ``build_map("li-o")`` cold (empty cache: featurize + the shipped model, or training when
   it is stale) and warm (cached descriptors
   and model) — targets <= 60 s cold, <= 5 s warm; baseline: loading the dataset alone.
2. ``.mmap`` size and open time for 100k points: write, read back, and time until the
   standalone HTML page of that document has drawn in headless Chromium; baseline: the
   same coordinates + values as a JSON list (what a list-based document would hold).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def bench_build_map(quick: bool) -> list[tuple[str, float, str]]:
    from materials_map import datasets
    from materials_map.pipeline import build_map
    from materials_map.widgets.map import MapWidget

    rows = []
    t = time.perf_counter()
    ds = datasets.load("li-o")
    t_load = time.perf_counter() - t
    rows.append(("load('li-o') [baseline]", t_load, f"{len(ds.df)} rows"))
    with tempfile.TemporaryDirectory() as cache:
        os.environ["MATERIALS_MAP_CACHE"] = cache
        t = time.perf_counter()
        res = build_map("li-o", n_jobs=2, progress=False)
        cold = time.perf_counter() - t
        rows.append(
            (
                "build_map cold (featurize + model)",
                cold,
                f"{cold / t_load:.0f}x load; target <= 60 s",
            )
        )
        t = time.perf_counter()
        build_map("li-o", n_jobs=2, progress=False)
        warm = time.perf_counter() - t
        rows.append(("build_map warm (cached)", warm, f"{warm / t_load:.1f}x load; target <= 5 s"))
        t = time.perf_counter()
        MapWidget.from_result(res)
        rows.append(("MapWidget.from_result", time.perf_counter() - t, ""))
    return rows


def bench_documents(n: int) -> list[tuple[str, float, str]]:
    from playwright.sync_api import sync_playwright

    from materials_map.io.document import MapDocument
    from materials_map.widgets.map import MapWidget

    rng = np.random.default_rng(0)
    xy = rng.normal(size=(n, 2)).astype(np.float32)
    df = pd.DataFrame(
        {
            "id": [f"m{i}" for i in range(n)],
            "me": rng.uniform(0, 2, n).astype(np.float32),
            "family": rng.choice(["garnet", "nasicon", "spinel"], n),
        }
    )
    w = MapWidget.from_dataframe(xy, df, color="me", category="family")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        doc = MapDocument.from_widget(w)  # map only: the table is what the user chooses to add
        t = time.perf_counter()
        path = doc.save(tmp / "big.mmap")
        rows.append(
            (
                "save .mmap (100k points)" if n == 100_000 else f"save .mmap ({n} points)",
                time.perf_counter() - t,
                f"{path.stat().st_size / 1e6:.2f} MB",
            )
        )
        as_list = json.dumps(
            {"x": xy[:, 0].tolist(), "y": xy[:, 1].tolist(), "me": df["me"].tolist()}
        )
        rows.append(
            (
                "  JSON-list equivalent [baseline]",
                0.0,
                f"{len(as_list) / 1e6:.2f} MB; .mmap is {path.stat().st_size / len(as_list):.2f}x",
            )
        )
        t = time.perf_counter()
        MapDocument.load(path)
        rows.append(("load .mmap in Python", time.perf_counter() - t, ""))
        html = doc.to_html(tmp / "big.html")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=shutil.which("chromium"),
                args=[
                    "--use-angle=swiftshader",
                    "--enable-unsafe-swiftshader",
                    "--no-sandbox",
                    "--disable-gpu-sandbox",
                    "--disable-background-networking",
                ],
            )
            page = browser.new_page()
            t = time.perf_counter()
            page.goto(html.as_uri())
            page.wait_for_selector(".mm-root[data-ready='true']", timeout=120_000)
            rows.append(
                ("open standalone page until drawn (Chromium)", time.perf_counter() - t, "")
            )
            browser.close()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="10k points instead of 100k; skip the cold build"
    )
    args = ap.parse_args()
    rows = []
    if not args.quick:
        rows += bench_build_map(args.quick)
    rows += bench_documents(10_000 if args.quick else 100_000)
    print(f"{'figure':48s} {'seconds':>9s}  note")
    for name, sec, note in rows:
        print(f"{name:48s} {sec:9.2f}  {note}")


if __name__ == "__main__":
    main()
