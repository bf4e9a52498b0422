"""Relaxation of structures with a universal interatomic potential (CHGNet 0.3.0, offline).

``materials_map.relax(structures, ...)`` is :func:`materials_map.relax.core.relax`: the
package is callable, so the public name and the sub-package are one object (importing
``materials_map.relax.core`` cannot shadow the function).
"""

import sys
import types

from .core import COLUMNS, VOLUME_BOUND, flag_reason, relax, relax_key

__all__ = ["COLUMNS", "VOLUME_BOUND", "flag_reason", "relax", "relax_key"]


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        """``materials_map.relax(structures, ...)``: see :func:`materials_map.relax.core.relax`."""
        return relax(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
