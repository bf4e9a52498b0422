"""Pages that several browser test modules open: an offline page (every request that is not a
file of the page is refused) and a ``.mmap`` opened from JupyterLab's file browser."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def offline_page(browser: Any, viewport: tuple[int, int] = (1100, 900)) -> tuple[Any, Any, list]:
    """A new context and page that refuse every request but ``file://`` ones; returns
    ``(context, page, requested)``, ``requested`` listing every URL asked for (so a test can
    assert that nothing was fetched from the network). The caller closes the context."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    requested: list[str] = []

    def only_files(route: Any) -> None:
        requested.append(route.request.url)
        (route.continue_ if route.request.url.startswith("file://") else route.abort)()

    page.route("**/*", only_files)
    return context, page, requested


@contextmanager
def mmap_in_lab(browser: Any, lab_server: Any, name: str, viewport: tuple[int, int]) -> Iterator:
    """A page of JupyterLab that opened the document ``name`` (in the server's root folder)
    from the file browser and drew its map; its context is closed on leaving."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    try:
        page = context.new_page()
        page.goto(f"{lab_server.url}/lab?token={urllib.parse.quote(lab_server.token)}")
        item = page.locator(".jp-DirListing-itemText", has_text=name).first
        item.wait_for(timeout=60_000)
        item.dblclick()
        page.wait_for_selector(".mm-mmap-view .mm-root[data-ready='true']", timeout=60_000)
        yield page
    finally:
        context.close()
