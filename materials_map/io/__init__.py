"""Map documents (``.mmap``) and standalone HTML export."""

from .document import MapDocument, MapDocumentError

__all__ = ["MapDocument", "MapDocumentError"]
