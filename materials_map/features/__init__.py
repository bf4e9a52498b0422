"""Descriptors of materials: composition histograms (``composition``), RDF + ADF + Voronoi
(``structure``, ``voronoi``), batch featurization with cache and Dask (``batch``, whose
:func:`~materials_map.features.batch.featurize` is ``materials_map.featurize``) and the
paper's per-family max scaling (``scaling``)."""

from .batch import featurize
from .composition import CompositionHistogram
from .descriptors import Block, Descriptors
from .scaling import DescriptorScaler
from .structure import StructureDescriptor

__all__ = [
    "Block",
    "CompositionHistogram",
    "DescriptorScaler",
    "Descriptors",
    "StructureDescriptor",
    "featurize",
]
