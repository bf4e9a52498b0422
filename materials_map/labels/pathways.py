"""Li pathways: the BVSE site-energy volume behind a label, ready to draw in the crystal.

:func:`compute_pathway` runs exactly the label's recipe (``guards.prepare``: guards, spglib's
standard primitive cell, oxidation states; ``bvse_grid``; ``percolation_barriers``), so the
barriers it reports are the label's own numbers, then keeps the energy grid:

* bvlain samples each axis at ``linspace(0, 1, n)``, so the last plane repeats the first; it is
  dropped, leaving a periodic grid whose point ``i`` sits at fractional coordinate ``i / n``;
* grids finer than ``max_points`` per axis are coarsened by taking the *minimum* over each
  coarse cell (a narrow low-energy channel stays open; the volume never hides a path);
* energies relative to the grid minimum are quantised to uint8: ``0..254`` cover
  ``0..top`` eV (``top`` a little above the highest finite barrier), ``255`` is "above".

:func:`li_pathways` adds a cache (``cache_dir("pathways")``) and runs the computation in a
subprocess under a wall-clock and an address-space limit, like the labels themselves.

:func:`percolation` tells in which lattice directions the region below an energy level
percolates, from the volume alone (a periodic union-find that tracks cell offsets; the
*winding* vectors of a component span its percolation dimension). It is independent of
bvlain's 2x2x2-tiling test and is used to check the drawn surface (tests/labels).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
from pymatgen.core import Structure

from .._util import cache_dir, structure_fingerprint, write_bytes_atomic
from .guards import LabelRefused
from .percolation import percolation

PATHWAY_VERSION = 1  # bump when the volume recipe changes (cache keys follow)
MAX_POINTS = 64
#: grids estimated below this run in the calling process (a subprocess costs ~2 s of imports);
#: larger ones in a subprocess under the time and memory limits
IN_PROCESS_BYTES = 256 * 2**20
BARRIERS = ("e_1d", "e_2d", "e_3d")


class PathwayError(RuntimeError):
    """The pathway volume could not be computed (time or memory limit, bvlain failure)."""


@dataclass
class PathwayVolume:
    """BVSE Li site energy of one structure on a periodic grid of its label cell.

    Attributes
    ----------
    energy : uint8 (na, nb, nc); ``q * top / 254`` eV above the grid minimum, 255 = above
        ``top``. Point ``(i, j, k)`` sits at fractional ``(i/na, j/nb, k/nc)`` of ``cell``.
    top : eV represented by code 254.
    cell : the label cell (standard primitive, oxidation states assigned) the grid belongs to.
    barriers : ``e_1d``, ``e_2d``, ``e_3d`` in eV above the minimum (``inf``: no path below
        ``encut``) -- the label's numbers.
    resolution, encut : the label's grid spacing (Å) and search window (eV).
    fine_shape : periodic grid shape before coarsening.
    seconds : time the computation took (grid + barriers + volume).
    """

    energy: np.ndarray
    top: float
    cell: Structure
    barriers: dict[str, float]
    resolution: float
    encut: float
    fine_shape: tuple[int, int, int]
    seconds: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def step(self) -> float:
        """eV per quantisation step."""
        return self.top / 254.0

    def energies(self) -> np.ndarray:
        """Dequantised energies (eV above the minimum); ``inf`` where above ``top``."""
        e = self.energy.astype(np.float64) * self.step
        e[self.energy == 255] = np.inf
        return e

    def level(self, barrier: str = "e_1d", margin: float = 0.05) -> float:
        """Energy of the drawn surface: the chosen barrier plus ``margin`` (eV above E_min)."""
        if barrier not in BARRIERS:
            raise ValueError(f"barrier must be one of {BARRIERS}, got {barrier!r}")
        return float(self.barriers[barrier]) + float(margin)

    def dimension_at(self, level: float) -> int:
        """Percolation dimension at ``level`` from the label's barriers (0: none)."""
        return sum(
            1 for b in BARRIERS if math.isfinite(self.barriers[b]) and self.barriers[b] <= level
        )

    def percolation(self, level: float) -> tuple[int, np.ndarray]:
        """Dimension and winding directions (lattice vectors of ``cell``) of the volume's region
        at or below ``level`` eV, computed from the quantised volume itself."""
        codes = np.floor(level / self.step + 1e-9) if math.isfinite(level) else 254
        return percolation(self.energy <= min(codes, 254))

    def to_bytes(self) -> bytes:
        """Self-describing ``.npz`` bytes (no pickle)."""
        meta = {
            "top": self.top,
            "barriers": {k: _json_float(v) for k, v in self.barriers.items()},
            "resolution": self.resolution,
            "encut": self.encut,
            "fine_shape": list(self.fine_shape),
            "seconds": self.seconds,
            "cell": self.cell.as_dict(),
            "version": PATHWAY_VERSION,
            **self.meta,
        }
        buf = io.BytesIO()
        np.savez(buf, energy=self.energy, meta=np.array(json.dumps(meta)))
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> PathwayVolume:
        """Inverse of :meth:`to_bytes`."""
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            energy = z["energy"].astype(np.uint8)
            meta = json.loads(str(z["meta"]))
        barriers = {
            k: float("inf") if v is None else float(v) for k, v in meta.pop("barriers").items()
        }
        return cls(
            energy=energy,
            top=float(meta.pop("top")),
            cell=Structure.from_dict(meta.pop("cell")),
            barriers=barriers,
            resolution=float(meta.pop("resolution")),
            encut=float(meta.pop("encut")),
            fine_shape=tuple(meta.pop("fine_shape")),
            seconds=float(meta.pop("seconds")),
            meta=meta,
        )


def _json_float(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


# ----------------------------------------------------------------------------- volume
def periodic_grid(data: np.ndarray) -> np.ndarray:
    """bvlain's grid without its repeated closing planes (``linspace(0, 1, n)`` per axis)."""
    return np.ascontiguousarray(data[:-1, :-1, :-1])


def coarsen_min(grid: np.ndarray, max_points: int = MAX_POINTS) -> np.ndarray:
    """Periodic min-pooling to at most ``max_points`` per axis, keeping points on ``i / m``.

    Each fine point goes to the nearest coarse point (periodically), which keeps the minimum
    of the fine points it collects, so no low-energy channel is closed by the coarsening.
    """
    out = grid
    for axis, n in enumerate(grid.shape):
        if n <= max_points:
            continue
        m = max_points
        bins = np.rint(np.arange(n) * m / n).astype(int) % m
        moved = np.moveaxis(out, axis, 0)
        pooled = np.full((m, *moved.shape[1:]), np.inf)
        np.minimum.at(pooled, bins, moved)
        out = np.moveaxis(pooled, 0, axis)
    return np.ascontiguousarray(out)


def quantise(rel: np.ndarray, top: float) -> np.ndarray:
    """eV above the minimum -> uint8 codes (0..254 over 0..top, 255 above)."""
    q = np.rint(np.clip(rel, 0.0, top) / top * 254.0).astype(np.uint8)
    q[~(rel <= top)] = 255  # also catches NaN
    return q


def volume_top(barriers: dict[str, float], encut: float) -> float:
    """Quantisation range: 1 eV above the highest finite barrier (>= 2 eV, <= encut)."""
    finite = [v for v in barriers.values() if math.isfinite(v)]
    return float(min(max(max(finite, default=1.0) + 1.0, 2.0), encut))


def compute_pathway(
    structure: Structure,
    resolution: float = 0.2,
    encut: float = 10.0,
    max_points: int = MAX_POINTS,
    memory_limit: int | None = None,
) -> PathwayVolume:
    """The label's BVSE grid and barriers for ``structure``, as a :class:`PathwayVolume`.

    Runs in this process; :func:`li_pathways` is the cached, guarded entry point. Raises
    :class:`~materials_map.labels.LabelRefused` when a guard refuses the structure.
    """
    from .guards import prepare

    start = time.perf_counter()
    cell = prepare(structure, resolution, memory_limit)
    return _volume_of(cell, resolution, encut, max_points, start)


def _volume_of(
    cell: Structure, resolution: float, encut: float, max_points: int, start: float
) -> PathwayVolume:
    """Grid, barriers and volume of a cell that passed ``guards.prepare``."""
    from bvlain import Lain

    from .bvse_grid import bvse_grid
    from .percolation import percolation_barriers

    lain = Lain(verbose=False)
    lain.read_structure(cell, oxi_check=False)
    try:
        data = bvse_grid(lain, resolution)
    except KeyError as exc:
        raise LabelRefused(f"bvlain has no BVSE parameters for {exc}") from None
    found = percolation_barriers(data, encut=encut)
    barriers = {f"e_{d}d": float(found[f"E_{d}D"]) for d in (1, 2, 3)}
    rel = periodic_grid(data - data.min())
    top = volume_top(barriers, encut)
    energy = quantise(coarsen_min(rel, max_points), top)
    return PathwayVolume(
        energy=energy,
        top=top,
        cell=cell,
        barriers=barriers,
        resolution=float(resolution),
        encut=float(encut),
        fine_shape=tuple(int(n) for n in rel.shape),
        seconds=time.perf_counter() - start,
    )


# ----------------------------------------------------------------------------- cache + guard
def pathway_key(structure: Structure, resolution: float, encut: float, max_points: int) -> str:
    """Cache key: structure fingerprint, parameters, recipe and bvlain versions."""
    text = json.dumps(
        {
            "s": structure_fingerprint(structure),
            "resolution": round(float(resolution), 6),
            "encut": round(float(encut), 6),
            "max_points": int(max_points),
            "recipe": PATHWAY_VERSION,
            "bvlain": version("bvlain"),
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def li_pathways(
    structure: Structure,
    resolution: float = 0.2,
    encut: float = 10.0,
    max_points: int = MAX_POINTS,
    *,
    cache: str | Path | None = None,
    use_cache: bool = True,
    time_limit: float = 300.0,
    memory_limit: int | None = 4 * 2**30,
) -> PathwayVolume:
    """Cached, guarded :func:`compute_pathway`.

    ``cache``: the cache folder (default ``cache_dir("pathways")``); ``use_cache=False``
    disables caching. A miss whose grid is estimated above
    :data:`IN_PROCESS_BYTES` is computed in a subprocess limited to ``time_limit`` seconds
    and ``memory_limit`` bytes of address space; a smaller one in this process. Raises
    :class:`~materials_map.labels.LabelRefused` (guards) or :class:`PathwayError` (limits,
    bvlain failures); refusals are not cached.
    """
    from .guards import quick_refusal

    reason = quick_refusal(structure)
    if reason:
        raise LabelRefused(reason)
    folder = None if not use_cache else Path(cache) if cache else cache_dir("pathways")
    key = pathway_key(structure, resolution, encut, max_points)
    path = (folder / key[:2] / f"{key}.npz") if folder is not None else None
    if path is not None and path.is_file():
        try:
            return PathwayVolume.from_bytes(path.read_bytes())
        except (OSError, ValueError, KeyError):
            pass  # a damaged entry is recomputed
    from .bvse_grid import species_per_position
    from .guards import estimated_bytes, prepare

    start = time.perf_counter()
    cell = prepare(structure, resolution, memory_limit)  # guards, and the grid size to expect
    # a disordered cell arrives as an occupancy-weighted framework: more neighbours per point
    per_point = 1.0 if cell.is_ordered else species_per_position(cell.frac_coords)
    if estimated_bytes(cell, resolution) * per_point <= IN_PROCESS_BYTES:
        vol = _volume_of(cell, resolution, encut, max_points, start)
    else:
        vol = _run_guarded(structure, resolution, encut, max_points, time_limit, memory_limit)
    if path is not None:
        write_bytes_atomic(path, vol.to_bytes())
    return vol


def _run_guarded(
    structure, resolution, encut, max_points, time_limit, memory_limit
) -> PathwayVolume:
    from .runner import LabelWorker

    env = LabelWorker(time_limit, memory_limit)._env()
    req = {
        "structure": structure.as_dict(),
        "resolution": resolution,
        "encut": encut,
        "max_points": max_points,
    }
    cmd = [sys.executable, "-m", "materials_map.labels.pathways", str(int(memory_limit or 0))]
    try:
        proc = subprocess.run(
            cmd, input=json.dumps(req).encode(), capture_output=True, timeout=time_limit, env=env
        )
    except subprocess.TimeoutExpired:
        raise PathwayError(f"time limit of {time_limit:g} s exceeded (stopped)") from None
    head, _, body = proc.stdout.partition(b"\n")
    try:
        status = json.loads(head)
    except json.JSONDecodeError:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        raise PathwayError(
            f"pathway worker died (exit code {proc.returncode}); memory limit of "
            f"{(memory_limit or 0) / 2**30:.2f} GiB likely exceeded {tail[0]}".strip()
        ) from None
    if status["kind"] == "refused":
        raise LabelRefused(status["reason"])
    if status["kind"] != "ok":
        raise PathwayError(status["reason"])
    return PathwayVolume.from_bytes(body)


def _main() -> None:
    """Subprocess entry: one JSON request on stdin; a JSON status line, then the npz bytes."""
    from .._util.child import set_memory_limit

    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # library prints must not corrupt the reply
    req = json.loads(sys.stdin.read())
    try:
        set_memory_limit(limit)
        vol = compute_pathway(
            Structure.from_dict(req["structure"]),
            req["resolution"],
            req["encut"],
            req["max_points"],
            limit or None,
        )
        body, status = vol.to_bytes(), {"kind": "ok"}
    except LabelRefused as exc:
        body, status = b"", {"kind": "refused", "reason": str(exc)}
    except MemoryError:
        body, status = (
            b"",
            {"kind": "limit", "reason": f"memory limit of {limit / 2**30:.2f} GiB exceeded"},
        )
    except Exception as exc:  # bvlain / pymatgen failure: reported, not fatal to the kernel
        body, status = b"", {"kind": "error", "reason": f"{type(exc).__name__}: {exc}"}
    out.write(json.dumps(status).encode() + b"\n" + body)
    out.flush()


if __name__ == "__main__":
    _main()
