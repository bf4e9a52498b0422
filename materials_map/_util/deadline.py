"""A wall-clock limit for one step of pure-Python work (reading a file, classifying a cell).

A timer thread raises the limit's exception in the thread that runs the step
(``PyThreadState_SetAsyncExc``), which interrupts Python code between bytecodes, where
pymatgen spends its time when a file makes it loop (symmetry expansion, Niggli reduction).
No signal handler or interval timer is touched, so the limit holds in any thread (a widget
callback, a worker thread) and leaves the process as it found it. Time spent inside one C
call is not interrupted; the size and site-count limits of the readers bound that.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class TimeLimitExceeded(Exception):
    """The step ran past its time limit; ``str(exc)`` is the recorded reason."""


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    """Schedule ``exc`` in the thread (``None`` cancels one scheduled and not yet raised)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else None
    )


@contextmanager
def deadline(seconds: float | None, what: str = "step") -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` in the block when it runs past ``seconds``.

    ``None`` or ``0`` disables the limit. Limits nest: each one raises its own reason.
    """
    if not seconds or seconds <= 0:
        yield
        return
    reason = f"time limit exceeded: {what} took longer than {seconds:g} s"
    # a class of its own, so an inner limit never reports an outer one's expiry as its own;
    # it carries the reason wherever it surfaces (the timer may fire at any bytecode)
    expired = type("Expired", (TimeLimitExceeded,), {"__str__": lambda self: reason})
    thread_id, lock, state = threading.get_ident(), threading.Lock(), {"armed": True}

    def _expire() -> None:
        with lock:
            if state["armed"]:
                state["fired"] = True
                _raise_in(thread_id, expired)

    timer = threading.Timer(seconds, _expire)
    timer.daemon = True
    try:
        timer.start()
        yield
    except expired:
        raise TimeLimitExceeded(reason) from None
    finally:
        with lock:
            state["armed"] = False
            if state.get("fired"):  # fired as the block ended: cancel it if still pending
                _raise_in(thread_id, None)
        timer.cancel()
