"""glibc malloc thresholds suited to the descriptors' numpy temporaries.

Each structure allocates and frees arrays of 0.1–30 MB (neighbour pairs, angle triplets,
qhull input). glibc hands every block above its mmap threshold straight to ``mmap`` and
unmaps it on free, so the next one is page-faulted and zeroed again. The threshold adapts
upwards by itself, but only until something fixes it: dask's nanny starts workers with
``MALLOC_TRIM_THRESHOLD_=65536``, which freezes it at 128 kB. Measured on the OBELiX Li–O
CIFs: descriptors 11 % slower on such a worker, and 5 % slower than needed with glibc's
defaults (docs/descriptors.md).

:func:`descriptor_heap` raises the thresholds to the ceiling glibc's own adaptive rule
uses (mmap 32 MB, trim twice that) while descriptors are computed, then puts back the
values a process fixed through the environment and returns free memory to the system.
It is opt-in (``MATERIALS_MAP_TUNE_MALLOC=1``, inherited by worker processes): glibc's
adaptive mode cannot be switched back on, so a library must not change it unasked.
Elsewhere than glibc (macOS, musl) it does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from collections.abc import Iterator

_M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3
_GLIBC_DEFAULT = 128 * 1024  # both thresholds' defaults
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's ceiling for the adaptive threshold (64-bit)
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # the adaptive rule keeps trim at twice mmap


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 - musl's libc.so.6 lacks malloc_trim
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _glibc()


def _env_threshold(name: str) -> int | None:
    try:
        return int(os.environ[name])
    except (KeyError, ValueError):
        return None


#: set to 1 to let :func:`descriptor_heap` tune malloc (off by default)
OPT_IN = "MATERIALS_MAP_TUNE_MALLOC"


@contextlib.contextmanager
def descriptor_heap() -> Iterator[None]:
    """Run the body with large malloc thresholds when :data:`OPT_IN` is set (see the module
    docstring); otherwise the body runs as it is."""
    if _LIBC is None or os.environ.get(OPT_IN, "") not in ("1", "true", "yes"):
        yield
        return
    _LIBC.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    _LIBC.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    try:
        yield
    finally:
        trim = _env_threshold("MALLOC_TRIM_THRESHOLD_")
        mmap = _env_threshold("MALLOC_MMAP_THRESHOLD_")
        if trim is not None or mmap is not None:
            # the process fixed its thresholds on purpose (dask's nanny does): restore them
            _LIBC.mallopt(_M_TRIM_THRESHOLD, _GLIBC_DEFAULT if trim is None else trim)
            _LIBC.mallopt(_M_MMAP_THRESHOLD, _GLIBC_DEFAULT if mmap is None else mmap)
        # glibc's adaptive mode cannot be switched back on; the ceiling values stay, which
        # is where that mode ends up after freeing one 32 MB block anyway
        _LIBC.malloc_trim(0)
