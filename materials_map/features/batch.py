"""`featurize`: many materials -> :class:`Descriptors`, in parallel, cached, resumable.

Work is done per item (serially, in a joblib process pool, or on a dask.distributed
cluster); results come back to this process, which writes each one to the on-disk cache
at once (atomically), so an interrupted run resumes where it stopped. Items that cannot
be featurized become rows of ``Descriptors.failures`` and the batch goes on.
"""

from __future__ import annotations

import json
import os
import pickle
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from pymatgen.core import Composition, Lattice, Structure
from tqdm.auto import tqdm

from .._util import item_fingerprint
from .._util.extras import need
from .._util.outcome import report
from .._version import __version__
from .allocator import descriptor_heap
from .cache import DescriptorCache, write_entry
from .composition import CompositionHistogram
from .descriptors import Block, Descriptors
from .shipped import shipped_rows
from .structure import StructureDescriptor

#: bump when the numbers produced for the same parameters change
FEATURIZER_VERSION = "1"

_CHUNK = 4  # items per parallel task: amortises pickling and scheduling


# -- inputs ------------------------------------------------------------------------------
def _as_items(items: Any, ids: Sequence[Any] | None) -> tuple[list[Any], list[Any]]:
    """(ids, objects) from a MapDataset-like object (``.df`` with ``id``/``structure``) or a list."""
    df = getattr(items, "df", None)
    if isinstance(df, pd.DataFrame) and "structure" in df.columns:
        objs = list(df["structure"])
        if "formula" in df.columns:  # composition-only rows of a dataset fall back to the formula
            objs = [
                f if o is None and isinstance(f, str) else o
                for o, f in zip(objs, df["formula"], strict=True)
            ]
        found = list(df["id"]) if "id" in df.columns else [str(i) for i in df.index]
    else:
        if isinstance(items, (Structure, Composition, str, Path)):
            items = [items]
        objs = list(items)
        found = [str(i) for i in range(len(objs))]
    if ids is not None:
        found = list(ids)
        if len(found) != len(objs):
            raise ValueError(f"{len(found)} ids for {len(objs)} items")
    return found, objs


def _is_cif_path(obj: Any) -> bool:
    return isinstance(obj, Path) or (isinstance(obj, str) and obj.lower().endswith(".cif"))


def _load(obj: Any) -> Structure | Composition:
    """Structure or Composition from any accepted item; ValueError with the reason otherwise."""
    if isinstance(obj, (Structure, Composition)):
        return obj
    if _is_cif_path(obj):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return Structure.from_file(str(obj))
        except Exception as e:
            raise ValueError(f"unparsable CIF {obj}: {type(e).__name__}: {e}") from e
    if isinstance(obj, str):
        try:
            return Composition(obj)
        except Exception as e:
            raise ValueError(f"unparsable formula {obj!r}: {e}") from e
    if obj is None or (isinstance(obj, float) and np.isnan(obj)):
        raise ValueError("no structure or composition")
    raise ValueError(f"unsupported item type {type(obj).__name__}")


# -- one item --------------------------------------------------------------------------------
def _featurize_one(
    obj: Any, comp_f: CompositionHistogram, struct_f: StructureDescriptor | None, n_struct: int
) -> tuple[np.ndarray, np.ndarray, str]:
    """(comp row, struct row, failure reason or "")."""
    try:
        x = _load(obj)
        struct = np.full(n_struct, np.nan)
        if struct_f is not None and isinstance(x, Structure):
            # first: its checks (zero sites, overlaps, lattice) give the most specific reasons
            struct = np.asarray(struct_f.featurize(x), dtype=float)
        comp = np.asarray(comp_f.featurize(x), dtype=float)
        return comp, struct, ""
    except Exception as e:  # any failure is recorded; the batch goes on
        return np.zeros(0), np.zeros(0), f"{type(e).__name__}: {e}"


def _featurize_chunk(
    objs: list[Any],
    comp_f: CompositionHistogram,
    struct_f: StructureDescriptor | None,
    n_struct: int,
) -> list[tuple]:
    # looked up through the module so tests can count calls; the parallel back ends ship
    # Structures packed (_pack), so they are unpacked here
    with descriptor_heap():
        return [_featurize_one(_unpack(o), comp_f, struct_f, n_struct) for o in objs]


# -- runners -------------------------------------------------------------------------------------
def _chunks(todo: list[int], size: int) -> list[list[int]]:
    return [todo[i : i + size] for i in range(0, len(todo), size)]


def _cost(obj: Any) -> int:
    """Rough relative cost of one item (sites of a Structure), to send heavy work first."""
    return len(obj) if isinstance(obj, Structure) else 0


class _PackedStructure(NamedTuple):
    """A Structure as arrays: what the descriptors read (lattice, species, coordinates).

    Pickling a Structure pickles every site object; this is 4x cheaper to make, 60x
    cheaper to pickle and unpickle, and 1.4x cheaper to turn back into a Structure, so
    the first tasks of a dask run start without waiting for the client (docs/descriptors.md).
    """

    matrix: np.ndarray
    pbc: tuple[bool, bool, bool]
    frac_coords: np.ndarray
    codes: np.ndarray  # index into `species` of each site
    species: list[Composition]  # distinct site species (immutable, shared by their sites)

    @classmethod
    def of(cls, s: Structure) -> _PackedStructure:
        # keyed by exact (species, occupancy) pairs: Composition equality has a 1e-8 tolerance
        table: dict[tuple, int] = {}
        species: list[Composition] = []
        codes = []
        for site in s:
            key = tuple(site.species.items())
            if key not in table:
                table[key] = len(species)
                species.append(site.species)
            codes.append(table[key])
        return cls(s.lattice.matrix, s.lattice.pbc, s.frac_coords, np.array(codes), species)

    def structure(self) -> Structure:
        return Structure(
            Lattice(self.matrix, pbc=self.pbc),
            [self.species[c] for c in self.codes],
            self.frac_coords,
        )


def _pack(obj: Any) -> Any:
    return _PackedStructure.of(obj) if type(obj) is Structure else obj


def _unpack(obj: Any) -> Any:
    return obj.structure() if isinstance(obj, _PackedStructure) else obj


def _featurize_packed(payload: bytes, *args: Any) -> bytes:
    # chunks and results travel as one in-band pickle each, made by our own processes: dask
    # would otherwise send every site's coordinate array as its own out-of-band frame (17k
    # frames for 127 CIFs), which cost more CPU than the descriptors themselves
    rows = _featurize_chunk(pickle.loads(payload), *args)  # noqa: S301 - our own bytes
    return pickle.dumps(rows, protocol=4)


def _run(
    objs: list[Any],
    todo: list[int],
    args: tuple,
    n_jobs: int,
    client: Any,
    store: DescriptorCache | None = None,
    hashes: Sequence[str] = (),
) -> Iterator[tuple[int, tuple, bool]]:
    """(item, row, whether the row is already in the cache) for every item of ``todo``."""
    if client is not None:
        need("distributed", "dask", "featurize(client=...)")
        from distributed import as_completed

        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        # heavy items first, in about 8 chunks per worker: the last chunks are the cheapest,
        # so the workers finish together
        order = sorted(todo, key=lambda i: -_cost(objs[i]))
        chunks = _chunks(order, max(1, min(_CHUNK * 8, -(-len(order) // (8 * n_workers)))))
        futs = {}
        for c in chunks:
            payload = pickle.dumps([_pack(objs[i]) for i in c], protocol=4)
            futs[client.submit(_featurize_packed, payload, *args, pure=False)] = c
        for fut in as_completed(futs):
            rows = pickle.loads(fut.result())  # noqa: S301 - made by _featurize_packed
            yield from ((i, row, False) for i, row in zip(futs[fut], rows, strict=True))
    elif n_jobs != 1 and len(todo) > 1:
        from joblib import effective_n_jobs

        from .pool import run_resilient

        folder = None if store is None else store.dir

        def make_args(c: list[int]) -> tuple:
            keys = [hashes[i] for i in c] if folder is not None else None
            return ([_pack(objs[i]) for i in c], *args, folder, keys)

        def still_needed(i: int) -> bool:  # a dead chunk may have cached some items first
            return store is None or store.get(hashes[i]) is None

        chunks = _chunks(todo, _CHUNK)
        for i, row, died in run_resilient(
            _featurize_in_worker, make_args, chunks, effective_n_jobs(n_jobs), still_needed
        ):
            if died:
                yield i, (np.zeros(0), np.zeros(0), died), True  # never cached: may be the load
            elif row is None:  # finished and cached by a chunk that died afterwards
                yield i, store.get(hashes[i]), True
            else:
                yield i, row, store is not None
    else:
        with descriptor_heap():
            for i in todo:
                yield i, _featurize_one(objs[i], *args), False


def _featurize_in_worker(
    objs: list[Any],
    comp_f: CompositionHistogram,
    struct_f: StructureDescriptor | None,
    n_struct: int,
    folder: Path | None,
    keys: list[str] | None,
) -> list[tuple]:
    """A chunk in a worker process; each row is cached as soon as it is known, so that an
    interrupted run (even kill -9) loses at most the item each worker was computing."""
    rows = []
    with descriptor_heap():
        for k, o in enumerate(objs):
            row = _featurize_one(_unpack(o), comp_f, struct_f, n_struct)
            if folder is not None and keys is not None:
                try:
                    write_entry(folder, keys[k], row)
                except OSError:  # full disk: the row still comes back, uncached
                    pass
            rows.append(row)
    return rows


def featurize(
    items: Any,
    n_jobs: int = 1,
    cache: str | os.PathLike | None = None,
    client: Any = None,
    progress: bool = True,
    *,
    ids: Sequence[Any] | None = None,
    struct: bool = True,
    composition: CompositionHistogram | None = None,
    structure: StructureDescriptor | None = None,
    shipped: bool = True,
    fingerprints: Sequence[str | None] | None = None,
) -> Descriptors:
    """Compositional and structural descriptors of many materials.

    Parameters
    ----------
    items : a MapDataset (anything with a ``.df`` DataFrame holding ``id`` and
        ``structure`` columns), or a list of pymatgen Structures, Compositions, formula
        strings or CIF paths.
    n_jobs : worker processes (joblib) when no ``client`` is given; -1 = all cores.
    cache : folder of the on-disk cache. Entries are keyed by the item's content hash and
        by the featurizer parameters and version, so a rerun (or an interrupted run)
        recomputes only what is missing. The descriptors shipped with the package (the
        embedded datasets' rows, ``features/shipped.py``) serve as a read-only layer of
        every cache, under the same keys.
    client : a ``dask.distributed.Client``; the same work then runs on its cluster.
    progress : show a tqdm progress bar.
    ids : ids of the items (default: the dataset's ``id`` column, else "0", "1", ...).
    struct : compute the structural descriptor. Items without a structure (formulas,
        Compositions) get a row of NaN in ``struct`` and a warning; with ``struct=False``
        the struct branch has zero columns.
    composition, structure : the featurizers (default ``CompositionHistogram()`` and
        ``StructureDescriptor()``, i.e. the paper's 1785 + 858).
    shipped : with a ``cache``, use the shipped descriptors (``False``: compute every item
        that the cache itself lacks, as the maintainer's ``build.pretrain`` does).
    fingerprints : the items' ``_util.item_fingerprint`` where the caller already has them
        (``None`` entries are computed); ``build_map`` computes them once for the cache and
        its model key.

    Returns
    -------
    Descriptors with one row per successful item, in input order; failed items (bad CIF,
    zero sites, overlapping atoms, unknown element, non-finite lattice, cell over the
    memory budget, ...) are listed in ``.failures`` with their reason.
    """
    comp_f = composition if composition is not None else CompositionHistogram()
    struct_f = (structure if structure is not None else StructureDescriptor()) if struct else None
    id_list, objs = _as_items(items, ids)
    comp_labels = comp_f.feature_labels()
    struct_labels = struct_f.feature_labels() if struct_f is not None else []
    n_struct = len(struct_labels)
    args = (comp_f, struct_f, n_struct)

    rows: dict[int, tuple] = {}
    store = None
    hashes: list[str] = []
    if cache is not None:
        params = {
            "materials_map": __version__,
            "featurizer_version": FEATURIZER_VERSION,
            "composition": {"class": type(comp_f).__name__, **comp_f.get_params()},
            "structure": None
            if struct_f is None
            else {
                "class": type(struct_f).__name__,
                **struct_f.resolved_params(),
                # the cache key keeps its first spelling: shipped and cached entries match
                "max_neighbor_pairs": struct_f.max_neighbour_pairs,
            },
        }
        store = DescriptorCache(cache, json.loads(json.dumps(params, default=list)))
        if fingerprints is not None and len(fingerprints) != len(objs):
            raise ValueError(f"{len(fingerprints)} fingerprints for {len(objs)} items")
        known = fingerprints if fingerprints is not None else [None] * len(objs)
        hashes = [
            h if h is not None else item_fingerprint(o) for h, o in zip(known, objs, strict=True)
        ]
        # the package's shipped descriptors: a read-only layer of this cache, same keys
        if shipped:
            rows.update(shipped_rows(store.key, hashes))
        for i, h in enumerate(hashes):
            if i in rows:
                continue
            hit = store.get(h, len(comp_labels), n_struct)
            if hit is not None:
                rows[i] = hit
    todo = [i for i in range(len(objs)) if i not in rows]

    # a bar only when something is computed: a fully cached call says nothing
    with tqdm(
        total=len(objs),
        initial=len(rows),
        disable=not progress or not todo,
        desc="featurize",
        unit="item",
    ) as bar:
        unwritten: list[str] = []
        for i, row, stored in _run(objs, todo, args, n_jobs, client, store, hashes):
            rows[i] = row
            if store is not None and not stored:
                try:
                    store.put(hashes[i], row)
                except OSError as exc:  # a full disk loses the cache entry, not the result
                    unwritten.append(f"{type(exc).__name__}: {exc}")
            bar.update(1)
    if unwritten:
        warnings.warn(
            f"{len(unwritten)} descriptor row(s) could not be written to the cache {cache} "
            f"(first: {unwritten[0]}); they are in the result but will be recomputed",
            stacklevel=2,
        )

    out = _assemble(id_list, objs, rows, comp_f, struct_f, comp_labels, struct_labels)
    report("featurize", "items", len(objs), list(out.failures["reason"]), "see X.failures")
    return out


def _assemble(
    id_list: list[Any],
    objs: list[Any],
    rows: dict[int, tuple],
    comp_f: CompositionHistogram,
    struct_f: StructureDescriptor | None,
    comp_labels: list[str],
    struct_labels: list[str],
) -> Descriptors:
    good = [i for i in range(len(objs)) if not rows[i][2]]
    bad = [i for i in range(len(objs)) if rows[i][2]]
    n_c, n_s = len(comp_labels), len(struct_labels)
    comp = np.array([rows[i][0] for i in good]).reshape(len(good), n_c)
    struct = np.array([rows[i][1] for i in good]).reshape(len(good), n_s)
    if n_s and len(good):
        missing = int(np.isnan(struct).all(axis=1).sum())
        if missing:
            warnings.warn(
                f"{missing} item(s) have no structure (formula or Composition): their struct "
                "rows are NaN; pass struct=False to skip the structural descriptor",
                stacklevel=3,
            )
    blocks: list[Block] = comp_f.blocks() + (struct_f.blocks() if struct_f is not None else [])
    failures = pd.DataFrame(
        {
            "id": pd.Series([id_list[i] for i in bad], dtype=object),
            "reason": pd.Series([rows[i][2] for i in bad], dtype=str),
        }
    )
    return Descriptors(
        comp=comp,
        struct=struct,
        columns={"comp": comp_labels, "struct": struct_labels},
        blocks=blocks,
        ids=np.array([id_list[i] for i in good], dtype=object),
        failures=failures,
    )
