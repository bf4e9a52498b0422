"""The map widget (``widget``), its binary wire format (``wire``) and colour maps (``colormaps``)."""

from .widget import MapWidget

__all__ = ["MapWidget"]
