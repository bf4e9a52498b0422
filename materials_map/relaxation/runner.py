"""A long-lived CHGNet subprocess under a per-structure time limit and a memory limit.

The process management is :class:`~materials_map._util.worker.GuardedWorker` (the labels'
worker uses it too); only the child module and the request differ.
Loading torch + CHGNet costs several seconds, so one child serves many structures.
"""

from __future__ import annotations

from .._util.worker import GuardedWorker

# importing torch + CHGNet and loading the weights takes ~10 s alone and minutes on a
# saturated machine; a slow start is not a failure of the structure
STARTUP_TIMEOUT = 900.0


class RelaxWorker(GuardedWorker):
    """Relax structures with CHGNet in a child process under time and memory limits."""

    WORKER_MODULE = "materials_map.relaxation._worker"
    WHAT = "relaxation"
    STARTUP_TIMEOUT = STARTUP_TIMEOUT

    def relax(self, structure_dict: dict, fmax: float, steps: int) -> dict:
        """Relax one structure (``Structure.as_dict()``); return a result record with ``kind``
        ``ok``, ``refused``, ``error`` or ``limit`` (time/memory limit, not a property of the
        structure)."""
        return self._request({"structure": structure_dict, "fmax": fmax, "steps": steps})
