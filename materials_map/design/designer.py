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
from dataclasses import asdict, dataclass, field
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
        """Candidates for a point (``at``) or a region (``region``); see :func:`propose`.

        The steps: check the settings, make the first moves (substitutions into the nearest
        map materials, decorations of the prototypes), then per round screen and build the
        most promising moves (:meth:`_round`), try the closest candidates at other volumes
        and substitute into the best ones again (:meth:`_refine`); finally rank."""
        from tqdm.auto import tqdm

        settings = Settings(
            int(n), int(rounds), int(per_round or max(int(n), 40)), int(n_parents),
            float(threshold), int(decorations_per_prototype), float(explore), require_checks,
            float(max_bvs_rms), tuple(volume_factors or ()), float(time_budget), random_state,
            int(n_jobs),
        )  # fmt: skip
        t0 = time.monotonic()
        # building stops at three quarters of the budget: encoding what was built, the volume
        # moves and the final ranking (dedup, novelty) take the rest
        deadline = t0 + 0.75 * settings.time_budget
        search = _Search(as_target(at, region, self.known.coords, self.scale))
        rng = np.random.default_rng(random_state)
        self._first_moves(search, settings, rng)
        bar = tqdm(total=settings.rounds, desc="propose", unit="round", disable=not progress)
        for rnd in range(settings.rounds):
            if rnd and time.monotonic() > deadline:
                search.log.stopped = f"time budget spent after {rnd} round(s)"
                break
            self._round(search, settings, rnd, rng, deadline)
            self._refine(search, settings, deadline)
            if search.pool:
                d0 = float(search.target.distance(search.ranked()[0].xy)[0])
                bar.set_postfix(candidates=len(search.pool), best=f"{d0:.3g}", refresh=False)
            bar.update(1)
        bar.close()
        log = search.log
        if not log.stopped:
            log.stopped = f"{log.rounds} round(s) done"
        t = time.perf_counter()
        df = candidate_table(
            search.pool, search.target, settings.n, include_known, log, self.known, self.encoder,
            self.spacing,
        )  # fmt: skip
        log.add_time("rank", time.perf_counter() - t)
        info = {
            "target": self.target_name,
            "nn_spacing": self.spacing,
            "scale": [float(v) for v in self.scale],
            **log.summary(),
            "total_seconds": round(time.monotonic() - t0, 3),
            "elements": list(self.elements),
            "params": settings.params(),
        }
        out = Candidates(df, search.target, info, self)
        if verify:
            out = out.verify(self.model, **(verify_options or {}))
        return out

    def _substitutions(self, search: _Search, parents: list[tuple], threshold: float) -> None:
        """Queue the substitutions into each ``(id, structure, structure type, provenance,
        x_struct)`` parent not substituted yet."""
        t = time.perf_counter()
        for kid, structure, kind, provenance, x_struct in parents:
            if kid in search.used:
                continue
            search.used.add(kid)
            search.pending += substitution_moves(
                kid, structure, kind, provenance, x_struct, self.ions, threshold
            )
        search.pending = self._within_elements(search.pending)
        search.log.add_time("moves", time.perf_counter() - t)

    def _first_moves(self, search: _Search, settings: Settings, rng: Any) -> None:
        """Substitutions into the nearest map materials and half as many of those nearest along
        x_struct alone (same kind of structure: substitution then fixes the composition), then
        decorations of the prototypes."""
        point, k = search.target.point, settings.n_parents
        rows = self.known.nearest(point, k, scale=self.scale)
        rows += self.known.nearest(point, max(k // 2, 1), set(rows), self.scale, axis=1)
        parents = []
        for i in rows:
            kid, parent = self.known.ids[i], self.known.parent(i)
            provenance = f"substitution of {kid} ({formula_key(parent)})"
            x = float(self.known.coords[i, 1])
            parents.append((kid, parent, self.known.structure_types[i], provenance, x))
        self._substitutions(search, parents, settings.threshold)
        t = time.perf_counter()
        search.pending += self._within_elements(
            decoration_moves(self.prototypes, self.ions, rng, settings.decorations_per_prototype)
        )
        search.log.add_time("moves", time.perf_counter() - t)

    def _round(
        self, search: _Search, settings: Settings, rnd: int, rng: Any, deadline: float
    ) -> None:
        """Screen the waiting moves, build the most promising ones and add them to the pool."""
        t = time.perf_counter()
        target, pending = search.target, search.pending
        for m in pending:  # decorations: x_struct band measured on built ones of that prototype
            if m.method == "decoration" and m.parent in search.proto_x:
                xs = search.proto_x[m.parent]
                m.x_struct_guess = float(np.clip(target.point[1], min(xs), max(xs)))
        estimate(pending, self.encoder, target, self.family_x)
        search.log.moves += len(pending)
        # twice the round's size in priority order: failed builds are replaced
        chosen = choose(pending, 2 * settings.per_round, settings.explore, rng)
        taken = {id(m) for m in chosen}
        search.pending = [m for m in pending if id(m) not in taken]
        search.log.add_time("screen", time.perf_counter() - t)
        new, tried = run_round(
            chosen, rnd, self.encoder, search.seen, settings.require_checks, deadline,
            search.log, n_jobs=settings.n_jobs, max_bvs_rms=settings.max_bvs_rms,
            # however short the budget, the first round yields some candidates
            min_built=0 if rnd else min(settings.n, MIN_FIRST_ROUND),
            max_built=settings.per_round,
        )  # fmt: skip
        search.pending += chosen[tried:]  # not tried this round: back in the queue
        search.pool += new
        for b in new:
            if b.move.method == "decoration":
                search.proto_x.setdefault(b.move.parent, []).append(float(b.xy[1]))
        search.log.rounds = rnd + 1

    def _refine(self, search: _Search, settings: Settings, deadline: float) -> None:
        """The closest candidates at other cell volumes, then substitutions into the best."""
        target, k = search.target, settings.n_parents
        if settings.volume_factors:  # close ones at other volumes (not variants again): half
            # the closest, half those whose composition alone is closest (x_comp is exact)
            fresh = [
                b for b in search.ranked() if b.volume_factor == 1.0 and b.id not in search.tuned
            ]
            pick = fresh[: (k + 1) // 2]
            ty = float(target.point[1])
            by_comp = sorted(
                (b for b in fresh if b not in pick),
                key=lambda b: (float(target.rank_key([[b.xy[0], ty]])[0]), b.id),
            )
            pick += by_comp[: k - len(pick)]
            search.tuned.update(b.id for b in pick)
            search.pool += volume_variants(
                pick, settings.volume_factors, self.encoder, search.seen, search.log,
                settings.n_jobs, deadline,
            )  # fmt: skip
        best = [b for b in search.ranked() if b.id not in search.used][:k]
        parents = [
            (b.id, b.structure, b.move.structure_type, b.move.provenance, float(b.xy[1]))
            for b in best
        ]
        self._substitutions(search, parents, settings.threshold)


@dataclass(frozen=True)
class Settings:
    """The search settings of one :meth:`Designer.propose` call (checked when made)."""

    n: int
    rounds: int
    per_round: int
    n_parents: int
    threshold: float
    decorations_per_prototype: int
    explore: float
    require_checks: bool
    max_bvs_rms: float
    volume_factors: tuple[float, ...]
    time_budget: float
    random_state: int | None
    n_jobs: int

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"n must be a positive number of candidates, got {self.n!r}")
        if self.rounds < 1:
            raise ValueError(f"rounds must be >= 1, got {self.rounds!r}")
        if not self.time_budget > 0:
            raise ValueError(
                f"time_budget must be a positive number of seconds, got {self.time_budget!r}"
            )
        if not 0 <= self.explore < 1:
            raise ValueError(f"explore must be in [0, 1), got {self.explore!r}")

    def params(self) -> dict[str, Any]:
        """The settings as ``info["params"]`` records them."""
        out = {k: v for k, v in asdict(self).items() if k not in ("require_checks", "n_jobs")}
        return {**out, "volume_factors": list(self.volume_factors)}


@dataclass
class _Search:
    """The state of one search: moves waiting, candidates built, parents used."""

    target: Any
    pending: list[Move] = field(default_factory=list)
    pool: list[Built] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)  # structures built (no duplicates)
    tuned: set[str] = field(default_factory=set)  # candidates tried at other volumes
    used: set[str] = field(default_factory=set)  # parents substituted
    proto_x: dict[str, list[float]] = field(default_factory=dict)  # x_struct per prototype
    log: SearchLog = field(default_factory=SearchLog)

    def ranked(self) -> list[Built]:
        """The pool, closest to the target first."""
        return sorted(self.pool, key=lambda b: (float(self.target.rank_key(b.xy)[0]), b.id))


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

    Other Parameters
    ----------------
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
