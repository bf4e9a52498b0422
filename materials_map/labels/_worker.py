"""Subprocess that computes BVSE barriers, one JSON line in, one JSON line out.

Started by :class:`materials_map.labels.runner.LabelWorker` as
``python -m materials_map.labels._worker MEMORY_LIMIT_BYTES``. The address-space limit is set
before anything heavy is imported, so a cell that would exhaust memory raises MemoryError here
instead of taking the machine down; the parent enforces the time limit by killing us.
"""

from __future__ import annotations

from materials_map._util.child import serve


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


def _setup() -> None:
    import bvlain  # noqa: F401  (import once, before the first request)
    import pymatgen.symmetry.analyzer  # noqa: F401


def _handle(req: dict, _state: None, limit: int) -> dict:
    return barriers(
        req["structure"], req["resolution"], req["encut"], limit or None, req.get("precheck", True)
    )


def main() -> None:
    """Serve requests on stdin until it closes (protocol: :func:`materials_map._util.child.serve`)."""
    serve(_setup, _handle)


if __name__ == "__main__":
    main()
