"""A wall-clock limit for one step of pure-Python work (reading a file, classifying a cell).

``SIGALRM`` interrupts Python code between bytecodes, which is where pymatgen spends its time
when a file makes it loop (symmetry expansion, Niggli reduction). Signals reach only the main
thread, so elsewhere (a worker thread) the limit is not enforced; the size and site-count
limits of the readers still are. A timer already running (pytest-timeout, a caller's own
alarm) is re-armed with its remaining time afterwards.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class TimeLimitExceeded(Exception):
    """The step ran past its time limit; ``str(exc)`` is the recorded reason."""


def can_enforce() -> bool:
    """Whether :func:`deadline` can interrupt work here (POSIX, main thread)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def deadline(seconds: float | None, what: str = "step") -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` in the block when it runs past ``seconds``.

    ``None`` or ``0`` disables the limit; so does a thread other than the main one.
    """
    if not seconds or seconds <= 0 or not can_enforce():
        yield
        return

    def _expired(signum, frame):  # noqa: ARG001 - signal handler signature
        raise TimeLimitExceeded(f"time limit exceeded: {what} took longer than {seconds:g} s")

    start = time.monotonic()
    old_handler = signal.signal(signal.SIGALRM, _expired)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay > 0:  # give the outer timer back what is left of it
            left = old_delay - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), old_interval)
