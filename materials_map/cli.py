"""The ``materials-map`` command line."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from ._version import __version__


def demo_command(
    port: int | None = None, token: str | None = None, open_browser: bool = True
) -> list[str]:
    """The JupyterLab command line that ``materials-map demo`` (and ``make demo``) runs.

    JupyterLab on 127.0.0.1, opened on ``notebooks/01_quickstart.ipynb`` when the package runs
    from a source checkout. When the user is root (containers, cloud notebooks) it adds
    ``--allow-root``: JupyterLab otherwise refuses to start ("Running as root is not
    recommended"). ``port``/``token``/``open_browser`` are for scripted runs (the demo test).
    """
    cmd = [sys.executable, "-m", "jupyterlab", "--ip=127.0.0.1"]
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "01_quickstart.ipynb"
    if notebook.is_file():
        cmd += [f"--ServerApp.root_dir={notebook.parents[1]}", str(notebook)]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    if port is not None:
        cmd += [f"--port={port}", "--ServerApp.port_retries=0"]
    if token is not None:
        cmd.append(f"--IdentityProvider.token={token}")
    if not open_browser:
        cmd.append("--no-browser")
    return cmd


def _cmd_demo(args: argparse.Namespace) -> int:
    if args.export is None:
        # Interactive: JupyterLab on the quickstart notebook (what `make demo` runs).
        cmd = demo_command(args.port, args.token, open_browser=not args.no_browser)
        if args.print_command:
            print(shlex.join(cmd))
            return 0
        sys.stdout.flush()
        if os.name == "posix":  # become JupyterLab: signals (Ctrl-C, SIGTERM) reach it directly
            os.execv(cmd[0], cmd)
        return subprocess.call(cmd)

    from .demo import export_demo

    paths = export_demo(args.export, dataset=args.dataset, progress=not args.quiet)
    for p in paths:
        print(p)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .io.document import MapDocument, MapDocumentError

    try:
        doc = MapDocument.load(args.document)
    except (OSError, MapDocumentError) as err:
        print(f"materials-map export: {err}", file=sys.stderr)
        return 2
    if args.html is None:
        print("materials-map export: nothing to do (give --html OUT.html)", file=sys.stderr)
        return 2
    print(doc.to_html(args.html, title=args.title))
    return 0


def _cmd_place(args: argparse.Namespace) -> int:
    import warnings

    from .io.document import MapDocument
    from .pipeline import build_map
    from .placement import place, placed_result
    from .widgets.crystal import structure_json
    from .widgets.explorer.placing import placed_widget

    result = build_map(args.dataset, progress=not args.quiet)
    with warnings.catch_warnings():  # every refusal is printed below
        warnings.simplefilter("ignore")
        p = place(result, args.files, label=args.label, n_jobs=args.jobs, progress=not args.quiet)
        p.wait()
    cols = ["id", "formula", "structure_type", "x_comp", "x_struct"]
    cols += [c for c in p.table if c.startswith(("predicted_", "p_superionic", "nearest_"))]
    cols += ["migration_energy"] if args.label else []
    print(p.table[cols].to_string(index=False, float_format="%.4g") if len(p) else "")
    for f in p.failures:
        print(f"refused {f['item']}: {f['error']}", file=sys.stderr)
    if args.csv is not None:
        print(p.to_csv(args.csv))
    if args.html is not None:
        both = placed_result(result, [p])
        w = placed_widget(both, title=f"{args.dataset} + {len(p)} placed")
        n = len(result.coords)
        crystals = [None] * n + [
            structure_json(s, id=i, index=n + k)
            for k, (i, s) in enumerate(
                zip(both.dataset.df["id"][n:], p.dataset.df["structure"], strict=True)
            )
        ]
        doc = MapDocument.from_widget(
            w, table=w.table, metadata={"title": w.title}, structures=crystals
        )
        print(doc.to_html(args.html))
    return 0 if len(p) else 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``materials-map`` command."""
    parser = argparse.ArgumentParser(
        prog="materials-map",
        description="Materials maps of Li–O compounds: build, export and explore.",
    )
    parser.add_argument("--version", action="version", version=f"materials-map {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="the map of the embedded default dataset")
    demo.add_argument(
        "--export",
        metavar="DIR",
        type=Path,
        default=None,
        help="headless: write DIR/map.html, DIR/map.png and DIR/map.mmap instead of starting JupyterLab",
    )
    demo.add_argument("--dataset", default="li-o", help="embedded dataset name (default: li-o)")
    demo.add_argument("--quiet", action="store_true", help="no progress bars")
    demo.add_argument("--port", type=int, default=None, help="JupyterLab port (default: its own)")
    demo.add_argument(
        "--token", default=None, help="JupyterLab token (default: a random one, printed)"
    )
    demo.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    demo.add_argument(
        "--print-command", action="store_true", help="print the JupyterLab command line and exit"
    )
    demo.set_defaults(func=_cmd_demo)

    export = sub.add_parser("export", help="convert a saved .mmap map document")
    export.add_argument("document", type=Path, help="a .mmap file")
    export.add_argument(
        "--html", type=Path, metavar="OUT", help="write a standalone offline HTML page"
    )
    export.add_argument("--title", default=None, help="page title")
    export.set_defaults(func=_cmd_export)

    pl = sub.add_parser("place", help="put your own structures on the default map")
    pl.add_argument(
        "files", nargs="+", type=Path, help=".cif, POSCAR, .extxyz files, folders, zips"
    )
    pl.add_argument("--html", type=Path, metavar="OUT", help="write the map with them as HTML")
    pl.add_argument("--csv", type=Path, metavar="OUT", help="write their table as CSV")
    pl.add_argument("--label", action="store_true", help="also compute BVSE barriers (slow)")
    pl.add_argument("--dataset", default="li-o", help="embedded dataset of the map (li-o)")
    pl.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    pl.add_argument("--quiet", action="store_true", help="no progress bars")
    pl.set_defaults(func=_cmd_place)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``materials-map``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 0
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
