"""Occupancy-weighted BVSE labels vs explicit orderings on disordered OBELiX entries.

``python -m dev_scripts.disorder_check [OBELIX_DIR] [OUT_JSON]`` (maintainers; the
OBELiX folder is not shipped). For each disordered Li–O entry with a framework disorder (and a
few Li-only ones), in the smallest diagonal supercell whose rounded occupancies are within
``MAX_ROUNDING`` of the CIF's: the weighted framework's barriers and those of the
``N_ORDERINGS`` lowest-Ewald orderings of the same rounded supercell, all in that one cell (no
cell-convention effect). The result table is docs/labels.md's "disorder" table.
"""

from __future__ import annotations

import itertools
import json
import signal
import sys
import time
from pathlib import Path

import numpy as np

MAX_ROUNDING = 0.07
MAX_SITES = 96
N_ORDERINGS = 4
TIME_LIMIT = 240


def _scalings() -> list[tuple[int, int, int]]:
    out = {tuple(s) for s in itertools.product((1, 2, 3), repeat=3)}
    return sorted(out, key=lambda s: (np.prod(s), s))


def pick_scaling(structure, max_sites: int = MAX_SITES):
    """Smallest diagonal supercell with rounding error <= MAX_ROUNDING (else the least)."""
    from materials_map.labels.disorder import rounding_error

    n_fw = sum(1 for site in structure if any(sp.symbol != "Li" for sp in site.species))
    best = None
    for sc in _scalings():
        if n_fw * np.prod(sc) > max_sites:
            continue
        err = rounding_error(structure, sc)
        if err <= MAX_ROUNDING:
            return sc, err
        if best is None or err < best[1]:
            best = (sc, err)
    return best


def check(structure, resolution: float = 0.2) -> dict:
    """Weighted vs explicit-ordering barriers of one disordered structure (see module)."""
    from materials_map.labels import disorder as D

    states = D.element_oxidation_states(structure)
    sc, err = pick_scaling(structure)
    r = D.rounded_supercell(structure, list(sc), states)
    t = time.perf_counter()
    w = D.weighted_barriers(r, resolution)
    orderings = D.explicit_orderings(r, N_ORDERINGS)
    ob = [D.framework_barriers(o, resolution) for o in orderings]
    e3 = np.array([b["e_3d"] for b in ob])
    e1 = np.array([b["e_1d"] for b in ob])
    return {
        "scaling": list(sc),
        "rounding": round(err, 4),
        "sites": len(r),
        "weighted_e_1d": w["e_1d"],
        "weighted_e_3d": w["e_3d"],
        "orderings_e_1d": e1.tolist(),
        "orderings_e_3d": e3.tolist(),
        "seconds": round(time.perf_counter() - t, 1),
    }


def _alarm(*_):
    raise TimeoutError


def main() -> None:  # pragma: no cover - maintainer tool

    from materials_map.labels.disorder import disorder_kind

    src = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/obelix")
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "disorder_check.json")
    from materials_map.datasets.obelix import paper_li_o

    entries = paper_li_o(src).df
    done = json.loads(out.read_text()) if out.exists() else {}
    signal.signal(signal.SIGALRM, _alarm)
    rows = [
        (k, s)
        for k, s in zip(entries["id"], entries["structure"], strict=True)
        if disorder_kind(s) != "ordered"
    ]
    rows.sort(key=lambda r: len(r[1]))
    for k, s in rows:
        if k in done:
            continue
        signal.alarm(TIME_LIMIT)
        try:
            rec = check(s)
            rec["kind"] = disorder_kind(s)
        except Exception as exc:
            rec = {"error": f"{type(exc).__name__}: {exc}"[:200], "kind": disorder_kind(s)}
        finally:
            signal.alarm(0)
        rec["formula"] = s.composition.reduced_formula
        done[k] = rec
        out.write_text(json.dumps(done, indent=1))
        print(k, rec, flush=True)


if __name__ == "__main__":
    main()
