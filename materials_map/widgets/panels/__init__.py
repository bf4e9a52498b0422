"""The Explorer's linked bqplot panels, one small module each (``ratios``, ``reconstruction`` ...).

=======================  ==================================================  ==============
panel                    what it shows                                       paper
=======================  ==================================================  ==============
:class:`RatioPanel`      Li / O molar fraction vs x_comp and x_struct,       Fig. 5
                         brushable
:class:`ReconstructionPanel`  input vs decoded descriptor per block; decoding    Fig. 3d-f
                         of any clicked coordinate beside its neighbours
:class:`CompositionPanel`  element frequencies and Li / O histograms of the   Fig. 8
                         selection or of a neighbourhood
:class:`FamilyPanel`     structure-type overlays with per-family toggles      Fig. 6
:class:`TablePanel`      sortable table of the selection, CSV export          Table 1
:class:`DiagnosticsPanel`  W trade-off and parity plots                       Figs. 2, 3a-c
=======================  ==================================================  ==============

Every panel takes per-point arrays whose row position is the map point index, exposes an
ipywidgets ``widget`` to display and plain methods (``show``, ``highlight`` ...) that the
:class:`~materials_map.Explorer` calls when the map's selection, focus or click changes.
"""

from __future__ import annotations

from .composition import CompositionPanel
from .diagnostics import DiagnosticsPanel
from .families import FamilyPanel
from .ratios import RatioPanel, points_in_box
from .reconstruction import ReconstructionPanel
from .table import TablePanel

__all__ = [
    "CompositionPanel",
    "DiagnosticsPanel",
    "FamilyPanel",
    "RatioPanel",
    "ReconstructionPanel",
    "TablePanel",
    "points_in_box",
]
