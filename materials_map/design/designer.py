"""`propose`: candidate materials for any point or region of a materials map.

``propose`` is a plain function rather than a scikit-learn estimator: nothing is learnt from
data here (the map's model is already fitted), so there is no ``fit``; what can be reused
between calls (the map's materials as parents, their reconstruction errors, encoded
compositions) lives in a :class:`Designer`, which ``propose`` builds when it is not given one.
The Explorer's Design panel keeps one Designer per map.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from .candidates import Candidates
from .chemistry import DEFAULT_ELEMENTS, cation_ions
from .encode import MapEncoder, reconstruction_errors
from .known import KnownMaterials, formula_key
from .ranking import candidate_table
from .search import (
    BVS_RMS_LIMIT,
    VOLUME_FACTORS,
    Built,
    Move,
    SearchLog,
    choose,
    decoration_moves,
    estimate,
    run_round,
    substitution_moves,
    volume_variants,
)
from .target import as_target, coordinate_scale, nn_spacing

#: candidates the first round builds even when the time budget is already spent
MIN_FIRST_ROUND = 10


class Designer:
    """Everything :func:`propose` needs from one map, prepared once.

    Parameters
    ----------
    result_or_model : a :class:`~materials_map.MapResult` (its materials become substitution
        parents and the reference for novelty), or a fitted MapModel alone (decoration only,
        unless ``known`` is given).
    known : :class:`~.known.KnownMaterials` to use with a bare model.
    elements : elements candidates may contain (default: Li, O and the paper's 25,
        :data:`~.chemistry.DEFAULT_ELEMENTS`); Li and O are always kept.
    prototypes : prototype library to decorate (default: ``materials_map.prototypes``).
    """

    def __init__(
        self,
        result_or_model: Any,
        known: KnownMaterials | None = None,
        *,
        elements: tuple[str, ...] | list[str] | None = None,
        prototypes: dict[str, Any] | None = None,
    ) -> None:
        is_result = hasattr(result_or_model, "model") and hasattr(result_or_model, "coords")
        self.model = result_or_model.model if is_result else result_or_model
        if not hasattr(self.model, "transform"):
            raise TypeError(
                f"propose needs a MapResult or a fitted MapModel, got {type(result_or_model).__name__}"
            )
        self.target_name = getattr(result_or_model, "target", None) or "migration_energy"
        if known is None:
            known = (
                KnownMaterials.from_result(result_or_model) if is_result else KnownMaterials.empty()
            )
        self.known = known
        errors = (
            reconstruction_errors(self.model, result_or_model.descriptors) if is_result else None
        )
        self.encoder = MapEncoder(self.model, errors)
        els = tuple(elements) if elements is not None else DEFAULT_ELEMENTS
        unknown = [e for e in els if not _is_element(e)]
        if unknown:
            raise ValueError(f"unknown element(s) {unknown} in elements=")
        self.elements = tuple(sorted(set(els) | {"Li", "O"}))
        self.ions = cation_ions(None if elements is None else self.elements)
        # explicit elements bound every candidate (a substitution keeps its parent's other
        # elements); by default the map's own chemistry stays allowed
        self.allowed = frozenset(self.elements) if elements is not None else None
        if prototypes is None:
            from ..prototypes import PROTOTYPES

            prototypes = PROTOTYPES
        self.prototypes = dict(prototypes)
        self.scale = coordinate_scale(known.coords) if len(known) >= 2 else np.ones(2)
        self.spacing = nn_spacing(known.coords, self.scale) if len(known) >= 2 else math.nan
        self.family_x = _family_ranges(known)

    def _within_elements(self, moves: list[Move]) -> list[Move]:
        """The moves whose composition uses allowed elements only."""
        if self.allowed is None:
            return moves
        return [m for m in moves if {e.symbol for e in m.composition.elements} <= self.allowed]

    def propose(
        self,
        at: Any = None,
        region: Any = None,
        n: int = 50,
        *,
        rounds: int = 3,
        per_round: int | None = None,
        n_parents: int = 6,
        threshold: float = 1e-3,
        decorations_per_prototype: int = 24,
        explore: float = 0.2,
        include_known: bool = False,
        require_checks: bool = True,
        max_bvs_rms: float = BVS_RMS_LIMIT,
        volume_factors: tuple[float, ...] | None = VOLUME_FACTORS,
        time_budget: float = 30.0,
        random_state: int | None = 0,
        progress: bool = True,
        n_jobs: int = 1,
        verify: bool = False,
        verify_options: dict[str, Any] | None = None,
    ) -> Candidates:
        """Candidates for a point (``at``) or a region (``region``); see :func:`propose`."""
        from tqdm.auto import tqdm

        if int(n) < 1:
            raise ValueError(f"n must be a positive number of candidates, got {n!r}")
        if int(rounds) < 1:
            raise ValueError(f"rounds must be >= 1, got {rounds!r}")
        if not time_budget > 0:
            raise ValueError(
                f"time_budget must be a positive number of seconds, got {time_budget!r}"
            )
        if not 0 <= explore < 1:
            raise ValueError(f"explore must be in [0, 1), got {explore!r}")
        t0 = time.monotonic()
        # building stops at three quarters of the budget: encoding what was built, the volume
        # moves and the final ranking (dedup, novelty) take the rest
        deadline = t0 + 0.75 * float(time_budget)
        target = as_target(at, region, self.known.coords, self.scale)
        rng = np.random.default_rng(random_state)
        log = SearchLog()
        per_round = int(per_round or max(int(n), 40))

        t = time.perf_counter()
        pending = []
        used: set[str] = set()
        # parents: the nearest map materials, and half as many of those nearest along
        # x_struct alone (same kind of structure: substitution then fixes the composition)
        parents = self.known.nearest(target.point, n_parents, scale=self.scale)
        parents += self.known.nearest(
            target.point, max(n_parents // 2, 1), set(parents), self.scale, axis=1
        )
        for i in parents:
            kid = self.known.ids[i]
            used.add(kid)
            parent = self.known.parent(i)
            pending += substitution_moves(
                kid,
                parent,
                self.known.structure_types[i],
                f"substitution of {kid} ({formula_key(parent)})",
                float(self.known.coords[i, 1]),
                self.ions,
                threshold,
            )
        pending += decoration_moves(self.prototypes, self.ions, rng, decorations_per_prototype)
        pending = self._within_elements(pending)
        log.add_time("moves", time.perf_counter() - t)

        pool: list[Built] = []
        seen: set[str] = set()
        tuned: set[str] = set()
        proto_x: dict[str, list[float]] = {}
        bar = tqdm(total=int(rounds), desc="propose", unit="round", disable=not progress)
        for rnd in range(int(rounds)):
            if rnd and time.monotonic() > deadline:
                log.stopped = f"time budget spent after {rnd} round(s)"
                break
            t = time.perf_counter()
            for m in pending:  # decorations: x_struct band measured on built ones of that prototype
                if m.method == "decoration" and m.parent in proto_x:
                    lo, hi = min(proto_x[m.parent]), max(proto_x[m.parent])
                    m.x_struct_guess = float(np.clip(target.point[1], lo, hi))
            estimate(pending, self.encoder, target, self.family_x)
            log.moves += len(pending)
            # twice the round's size in priority order: failed builds are replaced
            chosen = choose(pending, 2 * per_round, explore, rng)
            taken = {id(m) for m in chosen}
            pending = [m for m in pending if id(m) not in taken]
            log.add_time("screen", time.perf_counter() - t)
            new, tried = run_round(
                chosen,
                rnd,
                self.encoder,
                seen,
                require_checks,
                deadline,
                log,
                n_jobs=n_jobs,
                max_bvs_rms=max_bvs_rms,
                # however short the budget, the first round yields some candidates
                min_built=0 if rnd else min(int(n), MIN_FIRST_ROUND),
                max_built=per_round,
            )
            pending += chosen[tried:]  # not tried this round: back in the queue
            pool += new
            for b in new:
                if b.move.method == "decoration":
                    proto_x.setdefault(b.move.parent, []).append(float(b.xy[1]))
            log.rounds = rnd + 1
            rank = sorted(pool, key=lambda b: (float(target.rank_key(b.xy)[0]), b.id))
            if volume_factors:  # close ones at other volumes (not variants again): half the
                # closest, half those whose composition alone is closest (x_comp is exact)
                fresh = [b for b in rank if b.volume_factor == 1.0 and b.id not in tuned]
                pick = fresh[: (n_parents + 1) // 2]
                ty = float(target.point[1])
                by_comp = sorted(
                    (b for b in fresh if b not in pick),
                    key=lambda b: (float(target.rank_key([[b.xy[0], ty]])[0]), b.id),
                )
                pick += by_comp[: n_parents - len(pick)]
                tuned.update(b.id for b in pick)
                pool += volume_variants(
                    pick,
                    tuple(volume_factors),
                    self.encoder,
                    seen,
                    log,
                    n_jobs,
                    deadline,
                )
            t = time.perf_counter()
            best = sorted(pool, key=lambda b: (float(target.rank_key(b.xy)[0]), b.id))
            for b in [b for b in best if b.id not in used][:n_parents]:
                used.add(b.id)
                pending += substitution_moves(
                    b.id,
                    b.structure,
                    b.move.structure_type,
                    b.move.provenance,
                    float(b.xy[1]),
                    self.ions,
                    threshold,
                )
            pending = self._within_elements(pending)
            log.add_time("moves", time.perf_counter() - t)
            if best:
                d0 = float(target.distance(best[0].xy)[0])
                bar.set_postfix(candidates=len(pool), best=f"{d0:.3g}", refresh=False)
            bar.update(1)
        bar.close()
        if not log.stopped:
            log.stopped = f"{log.rounds} round(s) done"

        t = time.perf_counter()
        df = candidate_table(
            pool, target, int(n), include_known, log, self.known, self.encoder, self.spacing
        )
        log.add_time("rank", time.perf_counter() - t)
        info = {
            "target": self.target_name,
            "nn_spacing": self.spacing,
            "scale": [float(v) for v in self.scale],
            "rounds": log.rounds,
            "moves": log.moves,
            "built": log.built,
            "encoded": log.encoded,
            "skipped": dict(sorted(log.skipped.items(), key=lambda kv: -kv[1])),
            "seconds": {k: round(v, 3) for k, v in log.seconds.items()},
            "total_seconds": round(time.monotonic() - t0, 3),
            "stopped": log.stopped,
            "elements": list(self.elements),
            "params": {
                "n": int(n),
                "rounds": int(rounds),
                "per_round": per_round,
                "n_parents": int(n_parents),
                "threshold": float(threshold),
                "decorations_per_prototype": int(decorations_per_prototype),
                "explore": float(explore),
                "max_bvs_rms": float(max_bvs_rms),
                "volume_factors": list(volume_factors or ()),
                "random_state": random_state,
                "time_budget": float(time_budget),
            },
        }
        out = Candidates(df, target, info, self)
        if verify:
            out = out.verify(self.model, **(verify_options or {}))
        return out


def _is_element(symbol: str) -> bool:
    from pymatgen.core import Element

    try:
        Element(symbol)
    except ValueError:
        return False
    return True


def _family_ranges(known: KnownMaterials) -> dict[str, tuple[float, float]]:
    """(min, max) x_struct of the map's materials of each structure type: the band where a
    decoration of that family is expected before any has been built."""
    out: dict[str, list[float]] = {}
    for t, y in zip(known.structure_types, known.coords[:, 1], strict=True):
        if t:
            out.setdefault(t, []).append(float(y))
    return {k: (float(np.min(v)), float(np.max(v))) for k, v in out.items()}


def propose(
    result_or_model: Any,
    at: Any = None,
    region: Any = None,
    n: int = 50,
    *,
    designer: Designer | None = None,
    elements: tuple[str, ...] | list[str] | None = None,
    known: KnownMaterials | None = None,
    **kwargs: Any,
) -> Candidates:
    """Propose candidate materials for a point or a region of a materials map.

    Candidates are made offline by ion substitution into the map's materials nearest to the
    target (pymatgen's data-mined substitution probabilities) and by decoration of the
    structure-type prototypes, then encoded with the map's own model; a few rounds of
    substituting again into the closest ones bring them nearer (see :mod:`.search`).

    Parameters
    ----------
    result_or_model : a :class:`~materials_map.MapResult` (recommended) or a fitted MapModel.
    at : ``(x_comp, x_struct)`` to propose for; or
    region : a polygon ((m, 2) float vertices) or indices of map materials (their hull).
    n : number of candidates to return (fewer when the search finds fewer distinct ones).
    designer : a :class:`Designer` of this map to reuse (faster repeated calls).
    elements : chemistry allowed (default Li, O and the paper's 25 elements).
    known : the map's materials for a bare model (a :class:`~.known.KnownMaterials`).
    rounds, per_round, n_parents, threshold, decorations_per_prototype, explore : search
        settings: rounds of substitution, moves built per round (default ``max(n, 40)``),
        parents substituted per round, lowest substitution probability, decorations with two
        ions on one site sampled per prototype (single-ion ones are all screened), share of
        each round chosen at random.
    include_known : keep candidates that match a map material (``novel`` False).
    require_checks : drop candidates failing the charge-balance or radius checks.
    max_bvs_rms : drop candidates whose bond-valence mismatch after volume scaling exceeds
        this (valence units; default 1.0, see :data:`~.search.BVS_RMS_LIMIT`).
    volume_factors : cell volumes, relative to the bond-valence volume, tried for the closest
        candidates of each round (:func:`~.search.volume_variants`); ``None`` or ``()`` keeps
        every candidate at its bond-valence volume.
    time_budget : seconds for the whole search (it stops early, keeping what it has; the
        first round builds at least 10 candidates whatever the budget).
    random_state : seed; the same seed gives the same candidates, as long as the time budget
        does not cut the search short (``info["stopped"]``).
    progress : show a progress bar. ``n_jobs``: processes for structure descriptors.
    verify : relax and label the candidates (``verify_options`` go to
        :func:`materials_map.design.verify`).

    Returns
    -------
    :class:`~.candidates.Candidates` (``.df`` is the table, best first).

    Examples
    --------
    >>> res = mm.build_map("li-o")                                  # doctest: +SKIP
    >>> c = mm.propose(res, at=(0.5, -3.0), n=20)                   # doctest: +SKIP
    >>> c.df[["formula", "provenance", "distance_nn", "me"]]        # doctest: +SKIP
    >>> c.to_cifs("candidates.zip")                                 # doctest: +SKIP
    """
    d = designer or Designer(result_or_model, known, elements=elements)
    return d.propose(at=at, region=region, n=n, **kwargs)
