"""The local search of :func:`materials_map.propose`: generate, encode, keep the closest, repeat.

Round 0 gathers two kinds of moves:

* substitutions of the known materials nearest to the target (:mod:`.substitute`),
* decorations of the prototype library (:mod:`.decorate`): every single-ion decoration and a
  seeded sample of those where two ions share one site.

Each move's composition is known before its structure is built, and x_comp depends on the
composition alone, so every move is first placed at (its x_comp, an estimate of its x_struct:
the parent's for a substitution, the median of its family's materials for a decoration) and
only the moves estimated closest — plus a seeded random share for exploration — are built,
featurized and encoded. Later rounds substitute again into the closest candidates found so far.
The search stops after ``rounds`` rounds or when the time budget is spent.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pymatgen.core import Composition, Structure

from .._util import structure_fingerprint
from .decorate import assignment_text, decorate
from .substitute import Substitution, apply, charge, radius_check, substitutions
from .target import Target


@dataclass
class Move:
    """One way to make a candidate, before it is built."""

    method: str  # "substitution" | "decoration"
    parent: str  # id of the known material or candidate, or the prototype name
    composition: Composition
    structure_type: str
    provenance: str
    change: str
    probability: float = math.nan
    x_struct_guess: float = math.nan
    # what to build from
    parent_structure: Structure | None = None
    substitution: Substitution | None = None
    prototype: Any = None
    assignment: tuple = ()
    estimate: float = math.inf
    comp_estimate: float = math.inf  # distance with x_struct taken as the target's


@dataclass
class Built:
    """A candidate that was built and put on the map."""

    id: str
    structure: Structure
    move: Move
    round: int
    bvs_rms: float
    radius_ok: bool
    radius_note: str
    charge_balanced: bool
    xy: np.ndarray = field(default_factory=lambda: np.full(2, np.nan))
    predicted: float = math.nan
    recon_error: float = math.nan
    volume_factor: float = 1.0  # cell volume relative to the bond-valence volume
    base: str = ""  # id of the candidate this is a volume variant of ("" for itself)


@dataclass
class SearchLog:
    """What the search did (returned in ``Candidates.info``)."""

    rounds: int = 0
    moves: int = 0
    built: int = 0
    encoded: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    stopped: str = ""

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def add_time(self, key: str, dt: float) -> None:
        self.seconds[key] = self.seconds.get(key, 0.0) + dt

    def summary(self) -> dict[str, Any]:
        """The log as ``Candidates.info`` records it (skip reasons most frequent first)."""
        return {
            "rounds": self.rounds,
            "moves": self.moves,
            "built": self.built,
            "encoded": self.encoded,
            "skipped": dict(sorted(self.skipped.items(), key=lambda kv: -kv[1])),
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "stopped": self.stopped,
        }


def decoration_moves(
    prototypes: dict[str, Any],
    ions: tuple,
    rng: np.random.Generator,
    per_prototype: int,
) -> list[Move]:
    """Every single-ion decoration of every prototype and a seeded sample of at most
    ``per_prototype`` of those where two ions share a site (prototypes without decorations
    are left out)."""
    from .library import decorations

    moves = []
    for name, rows in decorations(prototypes, ions, 1).items():
        if not rows:
            continue
        proto = prototypes[name]
        single = [r for r in rows if all(len(ions_) == 1 for _, ions_, _ in r[0])]
        split = [r for r in rows if any(len(ions_) == 2 for _, ions_, _ in r[0])]
        pick = list(single)
        if split and per_prototype > 0:
            k = min(per_prototype, len(split))
            pick += [split[i] for i in sorted(rng.choice(len(split), k, replace=False))]
        family = getattr(proto, "family", "") or name
        for a, amounts in pick:
            text = assignment_text(a)
            moves.append(
                Move(
                    "decoration",
                    name,
                    Composition(amounts),
                    family,
                    f"decoration of prototype {name}: {text}",
                    text,
                    prototype=proto,
                    assignment=a,
                )
            )
    return moves


def substitution_moves(
    parent_id: str,
    parent: Structure,
    structure_type: str,
    provenance: str,
    x_struct: float,
    ions: tuple,
    threshold: float,
) -> list[Move]:
    """Every charge-balanced substitution of ``parent`` above the probability threshold."""
    from .substitute import substituted_composition

    out = []
    for sub in substitutions(parent, ions, threshold=threshold):
        out.append(
            Move(
                "substitution",
                parent_id,
                substituted_composition(parent, sub),
                structure_type,
                f"{provenance} → {sub.text}",
                sub.text,
                probability=sub.probability,
                x_struct_guess=x_struct,
                parent_structure=parent,
                substitution=sub,
            )
        )
    return out


#: bond-valence mismatch (valence units) above which a built candidate is dropped. The li-o
#: library keeps 0.6 (MAX_BVS_RMS); real materials go higher: 26 of the 28 ordered OBELiX
#: Li–O CIFs (positions randomised by their authors) are at or below 1.0, LiGe2(PO4)3 at 1.44
BVS_RMS_LIMIT = 1.0


def build(
    move: Move, require_checks: bool, log: SearchLog, max_bvs_rms: float = BVS_RMS_LIMIT
) -> tuple[Structure, float, bool, str]:
    """Build a move: ``(structure, bvs_rms, radius_ok, radius_note)``; raises ``ValueError``
    with the reason when it is not a usable candidate."""
    if move.method == "substitution":
        assert move.parent_structure is not None and move.substitution is not None
        ok, note = radius_check(move.parent_structure, move.substitution)
        if require_checks and not ok:
            raise ValueError(f"radius check: {note}")
        s, _, rms = apply(move.parent_structure, move.substitution)
    else:
        s, _, rms = decorate(move.prototype, move.assignment, standardize=False)
        ok, note = True, ""  # decorations only use ions that fit by Shannon radius
    if not math.isfinite(rms) or rms > max_bvs_rms:
        raise ValueError(f"bond-valence mismatch: {rms:.2f} v.u. > {max_bvs_rms}")
    return s, float(rms), ok, note


def estimate(
    moves: list[Move], encoder: Any, target: Target, family_x: dict[str, tuple[float, float]]
) -> None:
    """Fill ``Move.estimate``: distance of (x_comp, guessed x_struct) to the target. A
    decoration's x_struct guess is the point of its family's x_struct band nearest to the
    target (the target's own x_struct for a family the map does not hold)."""
    if not moves:
        return
    xc = encoder.x_comp([m.composition for m in moves])
    ty = float(target.point[1])
    xs = np.array(
        [
            m.x_struct_guess
            if math.isfinite(m.x_struct_guess)
            else float(np.clip(ty, *family_x.get(m.structure_type, (ty, ty))))
            for m in moves
        ]
    )
    d = target.rank_key(np.column_stack([xc, xs]))
    dc = target.rank_key(np.column_stack([xc, np.full(len(xc), ty)]))
    for m, v, vc in zip(moves, d, dc, strict=True):
        m.estimate, m.comp_estimate = float(v), float(vc)


#: share of each round given to the moves whose composition alone lands closest
COMPOSITION_SHARE = 0.25


def choose(
    moves: list[Move],
    k: int,
    explore: float,
    rng: np.random.Generator,
    comp_share: float = COMPOSITION_SHARE,
) -> list[Move]:
    """Up to ``k`` moves, in the order to try them: the closest by estimate; a ``comp_share``
    closest by composition alone (x_comp is exact before building, the x_struct guess is not,
    and volume moves can still shift x_struct); and a seeded random ``explore`` share of the
    rest, the three interleaved in those proportions (a round that stops early keeps them)."""
    order = sorted(range(len(moves)), key=lambda i: (moves[i].estimate, moves[i].provenance))
    k = min(k, len(moves))
    n_rand = int(round(explore * k))
    n_comp = int(round(comp_share * k))
    best = order[: max(k - n_rand - n_comp, 0)]
    seen = set(best)
    by_comp = sorted(
        (i for i in range(len(moves)) if i not in seen),
        key=lambda i: (moves[i].comp_estimate, moves[i].estimate, moves[i].provenance),
    )[:n_comp]
    seen.update(by_comp)
    rest = [i for i in order if i not in seen]
    extra = [rest[i] for i in sorted(rng.choice(len(rest), min(n_rand, len(rest)), replace=False))]
    lists = [best, by_comp, extra]
    shares = [len(x) for x in lists]
    used = [0, 0, 0]
    out = []
    while len(out) < sum(shares):  # next from the list furthest behind its share
        j = min(
            (j for j in range(3) if used[j] < shares[j]), key=lambda j: (used[j] / shares[j], j)
        )
        out.append(moves[lists[j][used[j]]])
        used[j] += 1
    return out


def candidate_id(structure: Structure) -> str:
    """Stable id of a candidate: ``cand-`` + the first 10 hex digits of its fingerprint."""
    return "cand-" + structure_fingerprint(structure)[:10]


def run_round(
    chosen: list[Move],
    rnd: int,
    encoder: Any,
    seen: set[str],
    require_checks: bool,
    deadline: float | None,
    log: SearchLog,
    n_jobs: int = 1,
    max_bvs_rms: float = BVS_RMS_LIMIT,
    min_built: int = 0,
    max_built: int | None = None,
) -> tuple[list[Built], int]:
    """Build, check and encode the chosen moves in order until ``max_built`` candidates are
    built or the deadline (if one is given) has passed, but at least ``min_built`` when the
    moves allow. Returns the new candidates and how many moves were tried."""
    built: list[Built] = []
    t = time.perf_counter()
    tried = 0
    for m in chosen:
        if max_built is not None and len(built) >= max_built:
            break
        tried += 1
        if deadline is not None and len(built) >= min_built and time.monotonic() > deadline:
            log.skip("time budget spent before building")
            continue
        try:
            s, rms, r_ok, note = build(m, require_checks, log, max_bvs_rms)
        except Exception as err:  # an impossible geometry or a failed check: not a candidate
            log.skip(str(err).split(":")[0][:60])
            continue
        cid = candidate_id(s)
        if cid in seen:
            log.skip("duplicate")
            continue
        seen.add(cid)
        balanced = abs(charge(s)) < 1e-6
        if require_checks and not balanced:
            log.skip("not charge balanced")
            continue
        built.append(Built(cid, s, m, rnd, rms, r_ok, note, balanced))
    log.add_time("build", time.perf_counter() - t)
    log.built += len(built)
    t = time.perf_counter()
    enc = encoder.encode([b.structure for b in built], n_jobs=n_jobs)
    log.add_time("encode", time.perf_counter() - t)
    out = []
    for i, b in enumerate(built):
        if not enc.ok[i]:
            log.skip(enc.reasons[i][:60] or "not encoded")
            continue
        b.xy = enc.coords[i]
        b.predicted = float(enc.predicted[i])
        b.recon_error = float(enc.recon_error[i])
        out.append(b)
    log.encoded += len(out)
    return out, tried


#: volumes tried around a close candidate's bond-valence volume (see :func:`volume_variants`)
VOLUME_FACTORS = (0.8, 0.87, 0.94, 1.06, 1.13, 1.2)


def volume_variants(
    parents: list[Built],
    factors: tuple[float, ...],
    encoder: Any,
    seen: set[str],
    log: SearchLog,
    n_jobs: int = 1,
    deadline: float | None = None,
) -> list[Built]:
    """The same candidates at other cell volumes, encoded (none once ``deadline`` has
    passed).

    The map's x_struct reacts to the cell volume in steps (neighbour shells cross the
    descriptors' cut-offs), and the bond-valence volume of an unrelaxed structure is only a
    guess: within 1–6 % of the real volume for well-fitting prototypes (Li2ZrO3, LiGaO2,
    Li7La3Zr2O12) but 10–25 % too large for NASICON phosphates, whose isotropic fit is poor.
    So the search also tries each close candidate isotropically scaled by ``factors``; the
    factor is kept in the table (``volume_factor``) and relaxation settles it.
    """
    import dataclasses

    out: list[Built] = []
    t = time.perf_counter()
    for b in parents:
        if deadline is not None and time.monotonic() > deadline:
            log.skip("time budget spent before volume moves")
            break
        for f in factors:
            s = b.structure.copy()
            s.scale_lattice(b.structure.volume * f)
            cid = candidate_id(s)
            if cid in seen:
                continue
            seen.add(cid)
            total = b.volume_factor * f
            move = dataclasses.replace(
                b.move,
                provenance=f"{b.move.provenance} → volume ×{total:.2f}",
                change=f"{b.move.change}; volume ×{total:.2f}",
            )
            out.append(
                dataclasses.replace(
                    b, id=cid, structure=s, move=move, volume_factor=total, base=b.base or b.id
                )
            )
    enc = encoder.encode([b.structure for b in out], n_jobs=n_jobs)
    log.add_time("volume", time.perf_counter() - t)
    kept = []
    for i, b in enumerate(out):
        if enc.ok[i]:
            b.xy = enc.coords[i]
            b.predicted = float(enc.predicted[i])
            b.recon_error = float(enc.recon_error[i])
            kept.append(b)
    log.encoded += len(kept)
    return kept
