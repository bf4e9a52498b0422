"""Subprocess that computes BVSE barriers, one JSON line in, one JSON line out.

Started by :class:`materials_map.labels.runner.GuardedWorker` as
``python -m materials_map.labels._worker MEMORY_LIMIT_BYTES``. The address-space limit is set
before anything heavy is imported, so a cell that would exhaust memory raises MemoryError here
instead of taking the machine down; the parent enforces the time limit by killing us.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import traceback


def _set_memory_limit(limit: int) -> None:
    if limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def barriers(
    structure_dict: dict,
    resolution: float,
    encut: float,
    memory_limit: int | None,
    precheck: bool = True,
) -> dict:
    """Guard, convert to the standard cell and run bvlain; return the result record."""
    import numpy as np
    from bvlain import Lain
    from pymatgen.core import Structure

    from materials_map.labels.bvse_grid import bvse_grid
    from materials_map.labels.guards import LabelRefused, grid_points, prepare
    from materials_map.labels.percolation import percolation_barriers

    try:
        structure = Structure.from_dict(structure_dict)
        cell = prepare(structure, resolution, memory_limit if precheck else None)
    except LabelRefused as exc:
        return {"reason": str(exc), "kind": "refused"}
    lain = Lain(verbose=False)
    try:
        lain.read_structure(cell, oxi_check=False)
        # bvlain's grid and search, the same numbers in less time and memory
        # (labels/bvse_grid.py, labels/percolation.py)
        bvse_grid(lain, resolution)
        energies = percolation_barriers(lain.data, encut=encut)
    except MemoryError:
        raise
    except KeyError as exc:
        return {"reason": f"bvlain has no BVSE parameters for {exc}", "kind": "refused"}
    out = {f"e_{d}d": float(np.float64(energies[f"E_{d}D"])) for d in (1, 2, 3)}
    out.update(reason="", kind="ok", n_sites=len(cell), grid=grid_points(cell, resolution))
    return out


def main() -> None:
    """Serve requests on stdin until it closes."""
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    # Protocol on a private copy of stdout; anything printed by libraries goes to stderr.
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        _set_memory_limit(limit)
        import bvlain  # noqa: F401  (import once, before the first request)
        import pymatgen.symmetry.analyzer  # noqa: F401
    except MemoryError:
        proto.write(
            json.dumps({"ready": False, "reason": "memory limit too small to start"}) + "\n"
        )
        return
    proto.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        req = json.loads(line)
        try:
            res = barriers(
                req["structure"],
                req["resolution"],
                req["encut"],
                limit or None,
                req.get("precheck", True),
            )
        except MemoryError:
            proto.write(
                json.dumps(
                    {"reason": f"memory limit of {limit / 2**30:.2f} GiB exceeded", "kind": "limit"}
                )
                + "\n"
            )
            return  # the heap may be fragmented near the limit: let the parent start afresh
        except Exception as exc:  # any other bvlain/pymatgen failure is recorded, not fatal
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            res = {
                "reason": f"{type(exc).__name__}: {exc} (at {os.path.basename(tb.filename)}"
                f":{tb.lineno})",
                "kind": "error",
            }
        proto.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    main()
