"""The child side of a guarded worker: one JSON line in, one JSON line out.

``labels/_worker.py`` (BVSE) and ``relaxation/_worker.py`` (CHGNet) are started by a
``GuardedWorker`` as ``python -m MODULE MEMORY_LIMIT_BYTES`` and differ only in what they
load and compute; the protocol, the address-space limit and the error records are here.
The parent enforces the time limit by killing the child. Standard library only, so that a
child imports cheaply before its heavy libraries.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import sys
import traceback
from collections.abc import Callable
from typing import IO, TypeVar

T = TypeVar("T")


#: why a worker under a memory limit could not load its libraries
TOO_SMALL = "memory limit too small to start"


def set_memory_limit(limit: int) -> None:
    """Cap this process's address space at ``limit`` bytes (``0``: no limit), so that a cell
    that would exhaust memory raises ``MemoryError`` here instead of taking the machine down."""
    if limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _send(proto: IO[str], message: dict) -> None:
    proto.write(json.dumps(message) + "\n")


def error_record(exc: BaseException) -> dict:
    """A failure record naming the exception and the file and line where it was raised."""
    tb = traceback.extract_tb(exc.__traceback__)[-1]
    return {
        "reason": f"{type(exc).__name__}: {exc} (at {os.path.basename(tb.filename)}:{tb.lineno})",
        "kind": "error",
    }


def _out_of_address_space(exc: BaseException) -> bool:
    """An import that failed because the address-space limit left no room to map a shared
    library (the loader's message, or ENOMEM), not because the library is broken."""
    text = str(exc)
    return (
        getattr(exc, "errno", None) == errno.ENOMEM
        or "failed to map segment" in text
        or "Cannot allocate memory" in text
    )


def serve(
    setup: Callable[[], T],
    handle: Callable[[dict, T, int], dict],
    load_error: str | None = None,
) -> None:
    """Serve requests on stdin until it closes.

    The memory limit is ``sys.argv[1]`` bytes (``0`` or absent: none), set before ``setup``
    imports the heavy libraries and returns the state ``handle(request, state, limit)`` needs.
    The first line out is ``{"ready": true}`` or ``{"ready": false, "reason": ...}``; an
    exception in ``setup`` other than ``MemoryError`` becomes such a line with the reason
    ``"<load_error>: <exception>"`` when ``load_error`` is given, else it ends the child
    (the parent then reports that the worker failed to start). A ``MemoryError`` in
    ``handle`` answers a ``limit`` record and ends the child (the heap may be fragmented near
    the limit: the parent starts afresh); any other exception is recorded, not fatal.
    """
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    # the protocol goes to a private copy of stdout; anything libraries print goes to stderr
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # written before the limit: near it even json.dumps can fail
    too_small = json.dumps({"ready": False, "reason": TOO_SMALL}) + "\n"
    try:
        set_memory_limit(limit)
        state = setup()
    except Exception as exc:
        if isinstance(exc, MemoryError) or (limit and _out_of_address_space(exc)):
            proto.write(too_small)
            return
        if load_error is None:
            raise
        _send(proto, {"ready": False, "reason": f"{load_error}: {type(exc).__name__}: {exc}"})
        return
    _send(proto, {"ready": True})
    for line in sys.stdin:
        req = json.loads(line)
        try:
            res = handle(req, state, limit)
        except MemoryError:
            _send(
                proto,
                {"reason": f"memory limit of {limit / 2**30:.2f} GiB exceeded", "kind": "limit"},
            )
            return
        except Exception as exc:  # a failed computation is recorded, not fatal
            res = error_record(exc)
        _send(proto, res)
