"""A process pool that loses one item, not the batch, when a worker process dies.

joblib's ``Parallel`` raises ``TerminatedWorkerError`` for the whole call when one worker
dies (killed by the out-of-memory killer, a crash in compiled code), and every result not yet
returned is lost. Here each chunk of items is a future of loky's reusable executor (the one
joblib uses); when a worker dies, the chunks that were running or queued fail together and are
retried in two steps: each of their items alone, in parallel; then the items that failed again
one at a time, so that an item which kills its worker is named and every other item computed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from concurrent.futures import as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

#: prefix of the reason recorded for an item whose worker process died (never cached:
#: the death may come from the machine's load, not from the item)
WORKER_DIED = "worker process died"


def death_reason(exc: BaseException) -> str:
    """A short reason from loky's ``TerminatedWorkerError`` / ``BrokenProcessPool`` text."""
    codes = re.search(r"exit codes of the workers are \{(.+?)\}", str(exc))
    code = f" (exit code {codes.group(1)})" if codes else ""
    return (
        f"{WORKER_DIED}: its process ended{code} while computing this item alone "
        "(out of memory, or a crash in compiled code)"
    )


def _executor(n_workers: int):
    from joblib.externals.loky import get_reusable_executor

    return get_reusable_executor(max_workers=n_workers)


def _parallel(
    fn: Callable[..., list], make_args: Callable[[list[int]], tuple], groups, n_workers: int
) -> Iterator[tuple[list[int], list | None]]:
    """(group, rows) for each group, rows ``None`` when its worker died."""
    ex = _executor(n_workers)
    futures = {ex.submit(fn, *make_args(g)): g for g in groups}
    try:
        for fut in as_completed(futures):
            try:
                rows = fut.result()
            except BrokenProcessPool:  # TerminatedWorkerError is one
                yield futures[fut], None
                continue
            yield futures[fut], rows
    finally:
        for fut in futures:
            fut.cancel()


def run_resilient(
    fn: Callable[..., list],
    make_args: Callable[[list[int]], tuple],
    chunks: list[list[int]],
    n_workers: int,
    still_needed: Callable[[int], bool] = lambda i: True,
) -> Iterator[tuple[int, Any, str | None]]:
    """Run ``fn(*make_args(chunk))`` -> one result per item of the chunk, in worker processes.

    Yields ``(item, result, None)`` for every computed item, ``(item, None, reason)`` for an
    item whose worker died even when it ran alone, and ``(item, None, None)`` for an item of a
    dead chunk that ``still_needed(item)`` says is done already (a worker cached it before the
    chunk died).
    """
    suspects: list[int] = []
    for group, rows in _parallel(fn, make_args, chunks, n_workers):
        if rows is None:
            suspects.extend(group)
        else:
            yield from ((i, r, None) for i, r in zip(group, rows, strict=True))
    done = [i for i in suspects if not still_needed(i)]
    yield from ((i, None, None) for i in done)
    suspects = [i for i in suspects if i not in set(done)]
    if not suspects:
        return
    # each item alone, in parallel: a death now takes at most the items running beside it
    # (pointless for a few suspects: one death breaks the pool and fails them all)
    again: list[int] = suspects
    if len(suspects) > 2 * n_workers:
        again = []
        for group, rows in _parallel(fn, make_args, [[i] for i in suspects], n_workers):
            if rows is None:
                again.extend(group)
            else:
                yield group[0], rows[0], None
    # one at a time: a death now names its item
    for i in sorted(again):
        try:
            rows = _executor(1).submit(fn, *make_args([i])).result()
        except BrokenProcessPool as exc:
            yield i, None, death_reason(exc)
            continue
        yield i, rows[0], None
