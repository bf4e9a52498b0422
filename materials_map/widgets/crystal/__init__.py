"""The crystal viewer: a WebGL anywidget (3Dmol.js, bundled) with the Li pathway layer."""

from .payload import pathway_json, structure_from_json, structure_json
from .widget import CrystalWidget

__all__ = ["CrystalWidget", "pathway_json", "structure_from_json", "structure_json"]
