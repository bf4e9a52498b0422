"""A loopback HTTP server speaking the Materials Project API's JSON format (for tests).

It answers the two requests mp-api's ``MPRester`` makes for a summary search:
``GET /heartbeat`` and ``GET /materials/summary/`` with ``_limit`` / ``_skip`` pagination,
returning ``{"data": [...], "meta": {"total_doc": N}}`` like the real service.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FakeMP:
    """Serve ``docs`` on 127.0.0.1; ``mode`` is "ok", "error" (HTTP 500) or "slow" (delay)."""

    def __init__(self, docs: list[dict], mode: str = "ok", delay: float = 3.0):
        self.docs, self.mode, self.delay = docs, mode, delay
        self.requests: list[tuple[str, dict]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def _send(self, code: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802 - http.server API
                url = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                owner.requests.append(
                    (url.path, {**params, "x-api-key": self.headers.get("x-api-key")})
                )
                if url.path.rstrip("/") == "/heartbeat":
                    return self._send(
                        200,
                        {
                            "version": "0.90.0",
                            "db_version": "2025_02_12",
                            "access_controlled_batch_ids": [],
                        },
                    )
                if url.path.rstrip("/") == "/materials/summary":
                    if owner.mode == "error":
                        return self._send(
                            500, {"detail": "Internal Server Error: database unavailable"}
                        )
                    if owner.mode == "slow":
                        time.sleep(owner.delay)
                    skip, limit = int(params.get("_skip", 0)), int(params.get("_limit", 1000))
                    fields = params.get("_fields", "").split(",")
                    page = [
                        {k: d[k] for k in fields if k in d} for d in owner.docs[skip : skip + limit]
                    ]
                    return self._send(200, {"data": page, "meta": {"total_doc": len(owner.docs)}})
                return self._send(404, {"detail": "Not Found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __enter__(self) -> FakeMP:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
