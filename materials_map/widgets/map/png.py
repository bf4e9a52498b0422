"""PNG export of the map: the kernel asks the browser for the current view and writes the
answer atomically when it arrives."""

from __future__ import annotations

import concurrent.futures
import os
import uuid
from pathlib import Path

from ..._util import write_bytes_atomic


class PngExport:
    """Mixin of :class:`~materials_map.widgets.map.MapWidget`: ``to_png``."""

    _png_requests: dict[str, tuple[Path, concurrent.futures.Future]]

    def to_png(self, path: str | os.PathLike, scale: float = 1.0) -> concurrent.futures.Future:
        """Ask the front end for a PNG of the current view and write it to ``path``.

        Needs a displayed widget. The browser answers through the comm, which the kernel
        reads once the current cell has finished, so the file appears shortly *after* the
        cell: the returned Future resolves to the path then (or to the error).
        """
        request_id = uuid.uuid4().hex
        fut: concurrent.futures.Future = concurrent.futures.Future()
        self._png_requests[request_id] = (Path(path), fut)
        self.send({"type": "export_png", "request_id": request_id, "scale": float(scale)})
        return fut

    def _receive_png(self, content: dict, buffers: list) -> None:
        entry = self._png_requests.pop(str(content.get("request_id")), None)
        if entry is None:
            return
        path, fut = entry
        if content.get("error") or not buffers:
            fut.set_exception(
                RuntimeError(f"PNG export failed in the browser: {content.get('error', 'no data')}")
            )
            return
        fut.set_result(write_bytes_atomic(path, bytes(buffers[0])))
