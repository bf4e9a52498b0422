"""Standalone HTML export: one offline file that draws a map document in any browser.

The page inlines the front-end bundle (``static/standalone.js``, built from ``js/``) and the
document JSON, so it needs no server, no kernel and no network.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .._util.atomic import write_text_atomic

if TYPE_CHECKING:
    from .document import MapDocument

STATIC = Path(__file__).resolve().parent.parent / "static"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="materials-map">
<title>{title}</title>
<style>
  html, body {{ margin: 0; height: 100%; font-family: system-ui, sans-serif; background: #fff; }}
  header {{ padding: 6px 12px; font-size: 14px; border-bottom: 1px solid #ddd; }}
  #mm-root {{ min-height: 480px; }}
</style>
</head>
<body>
<header>{title}</header>
<div id="mm-root" role="application" aria-label="{title}"></div>
<script type="application/json" id="mm-doc">{doc}</script>
<script>{bundle}</script>
<script>
  (function () {{
    var doc = JSON.parse(document.getElementById("mm-doc").textContent);
    var opened = materialsMap.open(document.getElementById("mm-root"), doc);
    window.mmModel = opened.model;
    window.mmDocument = opened.document;
  }})();
</script>
</body>
</html>
"""


def _bundle(name: str) -> str:
    path = STATIC / name
    if not path.is_file():
        raise FileNotFoundError(
            f"front-end bundle {path} is missing: build it with `npm run build` "
            "(a pip install of materials-map builds it automatically)"
        )
    return path.read_text(encoding="utf-8")


def render_html(document: MapDocument, title: str | None = None) -> str:
    """The standalone page for ``document`` as a string."""
    title = title or document.metadata.get("title") or "materials map"
    # every "<" as its JSON escape: no id or formula can end the <script> element early
    # ("</script>") or open a comment / script state in it ("<!--", "<script")
    doc = document.to_json().replace("<", "\\u003c")
    bundle = _bundle("standalone.js").replace("</script", "<\\/script")
    # the bundle injects the widget's own CSS, as it does in Jupyter
    return _PAGE.format(title=html.escape(str(title)), doc=doc, bundle=bundle)


def write_html(document: MapDocument, path: str | os.PathLike, title: str | None = None) -> Path:
    """Write the standalone page for ``document`` to ``path`` atomically."""
    return write_text_atomic(path, render_html(document, title=title))
