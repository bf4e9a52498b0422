"""A long-lived CHGNet subprocess under a per-structure time limit and a memory limit.

The process management is the labels' :class:`~materials_map.labels.runner.GuardedWorker`
(same protocol: one JSON line per request); only the child module and the request differ.
Loading torch + CHGNet costs several seconds, so one child serves many structures.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from ..labels.runner import GuardedWorker

# importing torch + CHGNet and loading the weights takes ~10 s alone and minutes on a
# saturated machine; a slow start is not a failure of the structure
STARTUP_TIMEOUT = 900.0


class RelaxWorker(GuardedWorker):
    """Relax structures with CHGNet in a child process under time and memory limits."""

    def _start(self) -> str | None:
        limit = str(int(self.memory_limit or 0))
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "materials_map.relax._worker", limit],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=self._env(),
        )
        msg = self._read(STARTUP_TIMEOUT)
        if not isinstance(msg, dict) or not msg.get("ready"):
            self.close()
            if isinstance(msg, dict):
                return msg.get("reason", "relaxation worker failed to start")
            return "relaxation worker failed to start"
        return None

    def relax(self, structure_dict: dict, fmax: float, steps: int) -> dict:
        """Relax one structure (``Structure.as_dict()``); return a result record with ``kind``
        ``ok``, ``refused``, ``error`` or ``limit`` (time/memory limit, not a property of the
        structure)."""
        if self._proc is None or self._proc.poll() is not None:
            self.close()
            failure = self._start()
            if failure:
                return {"reason": failure, "kind": "limit"}
        req = {"structure": structure_dict, "fmax": fmax, "steps": steps}
        assert self._proc is not None and self._proc.stdin is not None
        start = time.perf_counter()
        try:
            self._proc.stdin.write((json.dumps(req) + "\n").encode())
            self._proc.stdin.flush()
        except BrokenPipeError:
            self.close()
            return {"reason": "relaxation worker died before the request", "kind": "limit"}
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
                "reason": f"relaxation worker died (exit code {code}); memory limit of "
                f"{(self.memory_limit or 0) / 2**30:.2f} GiB likely exceeded",
                "kind": "limit",
            }
        assert isinstance(msg, dict)
        msg["seconds"] = time.perf_counter() - start
        if msg.get("kind") == "limit":
            self.close()
        return msg


def relax_chunk(
    structure_dicts: list[dict],
    fmax: float,
    steps: int,
    time_limit: float,
    memory_limit: int | None,
) -> list[dict]:
    """Relax a list of structures with one guarded worker (the unit of work sent to dask)."""
    with RelaxWorker(time_limit, memory_limit) as worker:
        return [worker.relax(d, fmax, steps) for d in structure_dicts]
