"""The import rule of docs/architecture.md: data flows one way, so no module imports a layer
to its right (every import counts, including the lazy ones inside functions), no modules
import each other in a circle when they are imported (module-level imports), and the package
never imports the maintainers' tooling beside it (``dev_scripts/``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "materials_map"

#: left to right; modules of one layer may import each other
LAYERS: list[set[str]] = [
    {"_util", "_version"},
    {"prototypes"},
    {"datasets"},
    {"labels", "relaxation"},
    {"features"},
    {"model"},
    {"design"},
    {"pipeline", "sweep", "placement"},
    {"io"},
    {"widgets"},
    {"figures", "demo", "cli", "__init__"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}
#: top-level packages beside the package that it must never import (not in the wheel)
OUTSIDE = {"dev_scripts"}


def _top(module: str) -> str:
    """Top-level part of a dotted module name inside the package ('' for the package)."""
    return module.split(".")[0] if module else "__init__"


def _module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _eager_nodes(tree: ast.AST):
    """The statements run when the module is imported: not function bodies, nor the
    ``if TYPE_CHECKING:`` block."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *_eager_nodes(child)])
            continue
        yield node
        yield from _eager_nodes(node)


def _imports(path: Path, root: Path, eager: bool = False) -> list[tuple[int, str]]:
    """(line, imported module relative to the package) for every in-package import (with
    ``eager``: only those run when the module is imported)."""
    name = _module_name(path, root)
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    out = []
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in _eager_nodes(tree) if eager else ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == root.name or alias.name.startswith(root.name + "."):
                    out.append((node.lineno, alias.name[len(root.name) + 1 :]))
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                mod = node.module or ""
                if mod != root.name and not mod.startswith(root.name + "."):
                    continue
                target = mod[len(root.name) + 1 :]
            else:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*base, *([node.module] if node.module else [])])
            targets = [target]
            if not node.module or target == "":  # "from . import x" / "from .. import x"
                targets = [".".join(filter(None, [target, a.name])) for a in node.names]
            out.extend((node.lineno, t) for t in targets)
    return out


def violations(root: Path = PACKAGE) -> list[str]:
    """Every import of a layer to the right of the importing module, as readable lines."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if any(p in ("static", "labextension") for p in path.parts):
            continue
        me = _top(_module_name(path, root))
        if me not in RANK:
            found.append(f"{path.relative_to(root)}: module {me!r} has no layer in LAYERS")
            continue
        for line, target in _imports(path, root):
            other = _top(target)
            if other not in RANK:
                found.append(
                    f"{path.relative_to(root)}:{line}: imports {target!r}, which has no layer"
                )
            elif RANK[other] > RANK[me]:
                found.append(
                    f"{path.relative_to(root)}:{line}: {me} (layer {RANK[me]}) imports "
                    f"{target} (layer {RANK[other]}), a layer to its right"
                )
    return found


def outside_imports(root: Path = PACKAGE) -> list[str]:
    """Every import of a folder in :data:`OUTSIDE` by the package, as readable lines."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if any(p in ("static", "labextension") for p in path.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            found += [
                f"{path.relative_to(root)}:{node.lineno}: imports {n}"
                for n in names
                if n.split(".")[0] in OUTSIDE
            ]
    return found


def _module_of(target: str, root: Path) -> str:
    """The module a dotted import target names: itself when it is a module or package, else
    its parent (``from .x import name``)."""
    while target:
        path = root.joinpath(*target.split("."))
        if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
            return target
        target = target.rpartition(".")[0]
    return ""


def circles(root: Path = PACKAGE) -> list[str]:
    """Every group of modules that import each other at import time, as readable lines
    (strongly connected parts of the module-level import graph, Tarjan's algorithm)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        if any(p in ("static", "labextension") for p in path.parts):
            continue
        me = _module_name(path, root)
        graph[me] = {_module_of(t, root) for _, t in _imports(path, root, eager=True)} - {me}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[str] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(
                    "import circle: " + " <-> ".join(sorted(m or "__init__" for m in part))
                )

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_a_layer_to_its_right():
    assert violations() == []


def test_the_package_never_imports_dev_scripts(tmp_path):
    assert outside_imports() == []
    planted = tmp_path / "materials_map" / "cli.py"
    planted.parent.mkdir()
    planted.write_text("def f():\n    from dev_scripts.generate import main\n")
    assert outside_imports(planted.parent) == ["cli.py:2: imports dev_scripts.generate"]


def test_every_top_level_module_has_a_layer():
    names = {
        p.stem if p.is_file() else p.name
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))
    }
    assert names <= set(RANK), names - set(RANK)


@pytest.mark.parametrize(
    ("where", "line"),
    [
        ("io/document.py", "from ..widgets.map import MapWidget"),  # relative
        ("pipeline.py", "import materials_map.widgets.map"),  # absolute
        ("datasets/loaders.py", "    from materials_map.features import featurize"),  # lazy
        ("_util/atomic.py", "from .. import prototypes"),  # package-relative
    ],
)
def test_the_rule_catches_a_forbidden_import(tmp_path, where, line):
    """Copy the package, add one import that points right: the checker must report it."""
    import shutil

    root = tmp_path / "materials_map"
    shutil.copytree(
        PACKAGE,
        root,
        ignore=shutil.ignore_patterns("static", "labextension", "data", "__pycache__"),
    )
    target = root / where
    src = target.read_text()
    if line.startswith("    "):
        src += "\n\ndef _added():\n" + line + "\n"
    else:
        src += "\n" + line + "\n"
    target.write_text(src)
    found = violations(root)
    assert len(found) == 1 and found[0].startswith(where), found


def test_no_import_circle():
    assert circles() == []


def test_a_planted_circle_is_caught(tmp_path):
    """Copy the package and make two modules import each other: the checker names both."""
    import shutil

    root = tmp_path / "materials_map"
    shutil.copytree(
        PACKAGE,
        root,
        ignore=shutil.ignore_patterns("static", "labextension", "data", "__pycache__"),
    )
    for where, line in (
        ("_util/atomic.py", "from . import cache"),
        ("_util/cache.py", "from .atomic import write_text_atomic"),
    ):
        target = root / where
        target.write_text(target.read_text() + "\n" + line + "\n")
    assert circles(root) == ["import circle: _util.atomic <-> _util.cache"]
    # an import inside a function runs later and closes no circle
    target = root / "_util" / "cache.py"
    target.write_text(
        target.read_text().replace("from .atomic import", "def _f():\n    from .atomic import")
    )
    assert circles(root) == []


def test_architecture_doc_names_every_layer_module():
    """docs/architecture.md describes the tree: every top-level module and package is named."""
    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    names = sorted(
        p.name + ("/" if p.is_dir() else "")
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" and p.name != "__init__.py")
        or (p.is_dir() and (p / "__init__.py").exists())
    )
    missing = [n for n in names if f"`{n}`" not in doc]
    assert not missing, f"docs/architecture.md does not name {missing}"
