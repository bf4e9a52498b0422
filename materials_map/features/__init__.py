"""Descriptors of materials: composition histograms (``composition``), RDF + ADF + Voronoi
(``structure``, ``voronoi``), batch featurization with cache and Dask (``batch``) and the
paper's per-family max scaling (``scaling``).

``materials_map.featurize`` is both this subpackage and the public function
:func:`materials_map.featurize.batch.featurize`: once any submodule is imported, Python
binds the package to the attribute ``materials_map.featurize``, so the package itself is
made callable and forwards to the function.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from .batch import featurize

        return featurize(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
