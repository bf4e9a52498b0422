"""Structure-type library of Li-conductor families and a framework-matching classifier."""

from .classify import framework, match_prototypes, structure_type
from .library import PROTOTYPES, get_prototype
from .prototype import Prototype, Site

__all__ = [
    "PROTOTYPES",
    "Prototype",
    "Site",
    "get_prototype",
    "framework",
    "match_prototypes",
    "structure_type",
]
