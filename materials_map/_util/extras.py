"""Optional dependencies: each comes with an extra of materials-map (``[dask]``, ``[mp]``,
``[obelix]``, ``[relax]``; ``[all]`` for every one), and a call that needs a missing one says
which ``pip install`` brings it."""

from __future__ import annotations

import importlib.util


def need(module: str, extra: str, what: str) -> None:
    """Raise ``ImportError`` naming ``pip install 'materials-map[extra]'`` when the package
    of ``module`` is not installed (``what``: the call that needs it)."""
    top = module.split(".")[0]
    try:
        found = importlib.util.find_spec(top) is not None
    except ValueError:  # imported already, without a spec (a stand-in module)
        found = True
    if not found:
        raise ImportError(
            f"{what} needs the optional package {top!r}: pip install 'materials-map[{extra}]'"
        )
