"""The parent side of a guarded worker: a long-lived subprocess under a per-request time
limit and a memory limit (the child side is :mod:`._util.child`).

One child serves many requests (importing pymatgen + bvlain, or torch + CHGNet, costs seconds,
so a fresh process per structure would dominate small cells). The memory limit is the child's
``RLIMIT_AS``; the time limit is enforced here by killing the child, which is restarted
lazily for the next request. ``subprocess`` rather than ``multiprocessing`` so that it also
runs inside daemonic dask worker processes. Subclasses name the child module and add the
request method: :class:`~materials_map.labels.runner.LabelWorker`,
:class:`~materials_map.relaxation.runner.RelaxWorker`.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

from .child import TOO_SMALL

_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
STARTUP_TIMEOUT = 120.0


def parse_memory(limit: int | float | str | None) -> int | None:
    """A memory limit in bytes from bytes or a string such as ``"4G"`` / ``"512 MiB"``."""
    if limit is None:
        return None
    if isinstance(limit, str):
        units = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
        text = limit.strip().upper().replace("IB", "").replace("B", "")
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(float(text))
    return int(limit)


class GuardedWorker:
    """Run requests in a child process under time and memory limits (one JSON line each).

    Parameters
    ----------
    time_limit : seconds allowed per request (wall clock, from request to answer).
    memory_limit : address-space limit of the child in bytes (``None``: no limit).
    """

    #: the child module, run as ``python -m WORKER_MODULE MEMORY_LIMIT_BYTES``
    WORKER_MODULE = ""
    #: what the child does, for the reasons of failure records
    WHAT = "work"
    #: seconds the child may take to import its libraries and say it is ready
    STARTUP_TIMEOUT = STARTUP_TIMEOUT

    def __init__(self, time_limit: float, memory_limit: int | None) -> None:
        self.time_limit = float(time_limit)
        self.memory_limit = memory_limit
        self._proc: subprocess.Popen | None = None

    # -- process management -------------------------------------------------
    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (_PACKAGE_PARENT, env.get("PYTHONPATH", "")) if p
        )
        # one BLAS/OpenMP thread per worker: parallelism comes from workers, not threads
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = "1"
        return env

    def _start(self) -> str | None:
        """Start the child (``python -m WORKER_MODULE MEMORY_LIMIT``) and wait for its ready
        line; the reason it did not start, or ``None``."""
        limit = str(int(self.memory_limit or 0))
        self._proc = subprocess.Popen(
            [sys.executable, "-m", self.WORKER_MODULE, limit],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=self._env(),
        )
        msg = self._read(self.STARTUP_TIMEOUT)
        if not isinstance(msg, dict) or not msg.get("ready"):
            self.close()
            failed = f"{self.WHAT} worker failed to start"
            if msg == "died" and self.memory_limit:
                # a library that aborts when the loader cannot map it under the limit
                failed = f"{TOO_SMALL} (the worker died while loading)"
            return msg.get("reason", failed) if isinstance(msg, dict) else failed
        return None

    def _read(self, timeout: float) -> dict | str:
        """Next JSON line from the child, ``"timeout"`` or ``"died"``."""
        assert self._proc is not None and self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], timeout)
        if not ready:
            return "timeout"
        line = self._proc.stdout.readline()
        if not line:
            return "died"
        return json.loads(line)

    def _request(self, req: dict) -> dict:
        """Send one request to the child (started if needed) and return its result record,
        with ``seconds`` added; a timeout, a dead child or a failed start becomes a ``limit``
        record and the child is stopped (restarted lazily for the next request)."""
        if self._proc is None or self._proc.poll() is not None:
            self.close()
            failure = self._start()
            if failure:
                return {"reason": failure, "kind": "limit"}
        assert self._proc is not None and self._proc.stdin is not None
        start = time.perf_counter()
        try:
            self._proc.stdin.write((json.dumps(req) + "\n").encode())
            self._proc.stdin.flush()
        except BrokenPipeError:
            self.close()
            return {"reason": f"{self.WHAT} worker died before the request", "kind": "limit"}
        msg = self._read(self.time_limit)
        if msg == "timeout":
            self.close()
            return {
                "reason": f"time limit of {self.time_limit:g} s exceeded (stopped)",
                "kind": "limit",
            }
        if msg == "died":
            code = self._proc.wait() if self._proc else None
            self.close()
            return {
                "reason": f"{self.WHAT} worker died (exit code {code}); memory limit of "
                f"{(self.memory_limit or 0) / 2**30:.2f} GiB likely exceeded",
                "kind": "limit",
            }
        assert isinstance(msg, dict)
        msg["seconds"] = time.perf_counter() - start
        if msg.get("kind") == "limit":  # the child exits after a MemoryError
            self.close()
        return msg

    def close(self) -> None:
        """Stop the child process (idempotent)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for f in (proc.stdin, proc.stdout):
            if f is not None:
                f.close()

    def __enter__(self) -> GuardedWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_chunk(
    worker: type[GuardedWorker],
    method: str,
    structure_dicts: list[dict],
    args: tuple,
    time_limit: float,
    memory_limit: int | None,
) -> list[dict]:
    """``worker.<method>(d, *args)`` for each structure dict with one guarded worker (the unit
    of work sent to dask: a class and a method name pickle, a bound method would not)."""
    with worker(time_limit, memory_limit) as w:
        run = getattr(w, method)
        return [run(d, *args) for d in structure_dicts]
