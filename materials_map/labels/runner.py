"""The labelling subprocess: BVSE requests to a guarded child (``labels._worker``, run by
:class:`~materials_map._util.worker.GuardedWorker`); dask runs chunks of them with
:func:`~materials_map._util.worker.run_chunk`."""

from __future__ import annotations

from .._util.worker import GuardedWorker


class LabelWorker(GuardedWorker):
    """Label structures (BVSE barriers) in a child process under time and memory limits."""

    WORKER_MODULE = "materials_map.labels._worker"
    WHAT = "labelling"

    def label(
        self, structure_dict: dict, resolution: float, encut: float, precheck: bool = True
    ) -> dict:
        """Label one structure (``Structure.as_dict()``); return a result record.

        The record has ``e_1d``, ``e_2d``, ``e_3d`` when labelled, else a ``reason``; ``kind``
        is ``ok``, ``refused`` (a guard), ``error`` (bvlain failed) or ``limit`` (time or
        memory limit hit, which depends on the limits and is not a property of the structure).
        """
        req = {
            "structure": structure_dict,
            "resolution": resolution,
            "encut": encut,
            "precheck": precheck,
        }
        return self._request(req)
