"""The decoration library: every decoration of every prototype with its composition, cached.

Enumerating decorations needs each prototype's conventional cell (pymatgen builds it through
its SpaceGroup class, ~0.4 s per prototype) and the oxidation states of its archetype, about
15 s for the whole library on one core. The result depends only on the prototypes and the ion
pool, so it is written once to ``cache_dir("design")`` as JSON, keyed by the content of both,
and read back in well under a second; a prototype's cell is then built only when one of its
decorations is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from .._util import cache_dir, write_text_atomic
from .decorate import Assignment, assignment_composition, assignments

#: bump when the enumeration rules of :func:`~.decorate.assignments` change
LIBRARY_VERSION = 1


def _key(prototypes: Mapping[str, Any], ions: tuple, max_split_labels: int) -> str:
    text = json.dumps(
        {
            "v": LIBRARY_VERSION,
            "prototypes": [repr(prototypes[k]) for k in sorted(prototypes)],
            "ions": [list(i) for i in ions],
            "split": max_split_labels,
        }
    )
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _to_json(a: Assignment) -> list:
    return [[lab, [list(i) for i in ions], list(frac)] for lab, ions, frac in a]


def _from_json(a: list) -> Assignment:
    return tuple(
        (lab, tuple((str(el), int(q)) for el, q in ions), (int(frac[0]), int(frac[1])))
        for lab, ions, frac in a
    )


@cache
def _library(key: str, names: tuple, prototypes_items: tuple, ions: tuple, split: int) -> dict:
    path = cache_dir("design") / f"decorations-{key}.json"
    if path.is_file():
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return {
                name: [(_from_json(a), dict(amounts)) for a, amounts in raw[name]] for name in names
            }
        except (ValueError, KeyError, TypeError):  # damaged cache file: enumerate again
            pass
    protos = dict(prototypes_items)
    out: dict[str, list] = {}
    for name in names:
        rows = []
        for a in assignments(protos[name], ions, split):
            comp = assignment_composition(protos[name], a)
            rows.append((a, {el.symbol: float(n) for el, n in comp.items()}))
        out[name] = rows
    payload = {
        name: [[_to_json(a), sorted(am.items())] for a, am in rows] for name, rows in out.items()
    }
    write_text_atomic(path, json.dumps(payload, separators=(",", ":")))
    return out


def decorations(
    prototypes: Mapping[str, Any], ions: tuple, max_split_labels: int = 1
) -> dict[str, list[tuple[Assignment, dict[str, float]]]]:
    """``{prototype name: [(assignment, {element: amount}), ...]}`` for every prototype with
    an anion site, in name order, assignments in the order :func:`~.decorate.assignments`
    gives them; the amounts are the conventional cell's (``Composition(amounts)``)."""
    names = tuple(
        sorted(n for n in prototypes if any(s.role == "anion" for s in prototypes[n].sites))
    )
    key = _key(prototypes, ions, max_split_labels)
    lib = _library(key, names, tuple(sorted(prototypes.items())), tuple(ions), max_split_labels)
    return {n: lib[n] for n in names}
