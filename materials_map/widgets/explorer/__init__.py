"""The Explorer: a map linked to its panels (``explorer``), and its inputs (``data``)."""

from .explorer import TABS, Explorer, explore

__all__ = ["TABS", "Explorer", "explore"]
