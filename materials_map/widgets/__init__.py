"""Notebook widgets: the map (``map/``), its linked panels (``panels/``) and the Explorer
that wires them together (``explorer/``)."""
