"""`.mmap` map documents: one JSON file holding everything a kernel-less viewer needs.

Layout (version 1)::

    {"sha256": "...",                   # over the rest of the text (absent in old files)
     "format": "materials-map", "version": 1,
     "metadata": {...},                 # title, dataset, model info, free-form
     "traits": {name: value | {"b64": "..."}},   # the map widget's synced state
     "table": {"columns": [...], "data": [[...], ...]} | null,
     "structures": [crystal | null, ...],          # optional: one per map point
     "pathways": {"<point index>": pathway, ...},  # optional: Li pathway volumes
     "model": {...}}                    # optional: decoders and target head

``model`` (optional, last) is the map's decoders and target head
(:mod:`materials_map.io.model_block`), outside the document checksum with its own: a damaged
block is dropped with a warning and the map opens without decoding.
``structures`` and ``pathways`` are the crystal viewer's compact JSON
(:mod:`materials_map.widgets.crystal.payload`, docs/crystal.md); a pathway's uint8 volume is
stored as ``{"b64": ...}`` like the binary traits. Readers that predate them ignore both keys.

Binary traits (coordinates, values, category codes, grids, selections) are stored as base64
of their raw little-endian bytes, exactly the buffers the widget receives from a kernel, so
the front end decodes them the same way in every host. No pickle anywhere. A document that
is not UTF-8 JSON, fails its checksum (edited or damaged after saving) or has a malformed
part is refused with :class:`MapDocumentError` (a ``ValueError``) naming the file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._util.atomic import write_text_atomic
from .model_block import pack as pack_model
from .model_block import problem as model_problem

FORMAT = "materials-map"
VERSION = 1
# widget plumbing that a document must not carry: it is re-created by the host
_SKIP_TRAITS = {"layout", "tabbable", "tooltip", "comm", "keys", "log"}


class MapDocumentError(ValueError):
    """A file is not a valid materials-map document."""


def _dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, separators=(",", ":"), allow_nan=False)


def _check_digest(doc: dict[str, Any], source: str) -> None:
    """Refuse a document whose ``sha256`` does not match its content (files saved before
    checksums existed have none and are read as they are)."""
    digest = doc.pop("sha256", None)
    if digest is None:
        return
    try:
        body = _dumps(doc)
    except ValueError as err:  # NaN or infinity: never written by to_json
        raise MapDocumentError(f"{source}: edited materials-map document ({err})") from None
    if digest != hashlib.sha256(body.encode()).hexdigest():
        raise MapDocumentError(
            f"{source}: materials-map document failed its checksum; it was edited or "
            "damaged after saving"
        )


def _encode(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"b64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"b64"}:
        return base64.b64decode(value["b64"], validate=True)
    return value


def widget_state(widget: Any) -> dict[str, Any]:
    """The synced, user-facing state of an anywidget: trait name -> JSON value or bytes."""
    state = widget.get_state()
    return {k: v for k, v in state.items() if not k.startswith("_") and k not in _SKIP_TRAITS}


def _clean_table(table: pd.DataFrame) -> dict[str, Any]:
    def cell(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if hasattr(v, "item"):  # numpy scalar
            return cell(v.item())
        return v

    return {
        "columns": [str(c) for c in table.columns],
        "data": [[cell(v) for v in row] for row in table.itertuples(index=False, name=None)],
    }


@dataclass
class MapDocument:
    """A saved materials map: widget traits, an optional per-point table and metadata.

    Create one with :meth:`from_widget` (or ``Explorer.save``), write it with :meth:`save`,
    read it back with :meth:`load`, turn it into a live widget with
    ``MapWidget.from_document(doc)`` or a
    standalone offline page with :meth:`to_html`.
    """

    traits: dict[str, Any]
    table: pd.DataFrame | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    #: compact crystal JSON per map point (None where a point has no structure)
    structures: list[dict[str, Any] | None] | None = None
    #: Li pathway volumes by map point index (``data``: the uint8 volume as bytes)
    pathways: dict[int, dict[str, Any]] | None = None
    #: the decoders and target head as stored (:mod:`.model_block`), or None
    model_block: dict[str, Any] | None = None

    @classmethod
    def from_widget(
        cls,
        widget: Any,
        table: pd.DataFrame | None = None,
        metadata: dict | None = None,
        structures: list[dict[str, Any] | None] | None = None,
        pathways: dict[int, dict[str, Any]] | None = None,
        model: Any = None,
        descriptors: Any = None,
        ensemble: Any = None,
    ) -> MapDocument:
        """Capture the current state of a :class:`~materials_map.MapWidget` (with the
        crystals and pathway volumes the crystal viewer shows without a kernel). With the
        fitted ``model`` of the map, the document carries its decoders and target head (and
        the points' ``descriptors`` and the head ``ensemble`` when given), so that the page
        decodes and predicts anywhere without Python."""
        metadata = dict(metadata or {})
        return cls(
            traits=widget_state(widget),
            table=table,
            metadata=metadata,
            structures=structures,
            pathways=pathways,
            model_block=None
            if model is None
            else pack_model(model, descriptors, ensemble, metadata.get("target")),
        )

    def to_json(self) -> str:
        """Serialise to the version-1 JSON text."""
        doc = {
            "format": FORMAT,
            "version": VERSION,
            "metadata": self.metadata,
            "traits": {k: _encode(v) for k, v in self.traits.items()},
            "table": None if self.table is None else _clean_table(self.table),
        }
        if self.structures is not None:
            doc["structures"] = self.structures
        if self.pathways:
            doc["pathways"] = {
                str(int(i)): {k: _encode(v) for k, v in p.items()} for i, p in self.pathways.items()
            }
        body = _dumps(doc)
        # a checksum over everything else, written first: an edited or damaged file is refused
        text = '{"sha256":"' + hashlib.sha256(body.encode()).hexdigest() + '",' + body[1:]
        if self.model_block is None:
            return text
        return text[:-1] + ',"model":' + _dumps(self.model_block) + "}"

    def save(self, path: str | os.PathLike) -> Path:
        """Write the document atomically to ``path`` (conventionally ``*.mmap``)."""
        return write_text_atomic(path, self.to_json())

    @classmethod
    def from_json(cls, text: str, source: str = "<string>") -> MapDocument:
        """Parse version-1 JSON text; raises :class:`MapDocumentError` naming ``source``."""
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as err:
            raise MapDocumentError(
                f"{source}: not a materials-map document (invalid JSON: {err})"
            ) from err
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise MapDocumentError(f"{source}: not a materials-map document (no format marker)")
        block = doc.pop("model", None)  # it has its own checksum
        _check_digest(doc, source)
        if block is not None and (why := model_problem(block)):
            warnings.warn(f"{source}: {why}; the map opens without decoding", stacklevel=2)
            block = None
        if doc.get("version") != VERSION:
            raise MapDocumentError(
                f"{source}: unsupported materials-map document version {doc.get('version')!r} "
                f"(this materials-map reads version {VERSION})"
            )
        if not isinstance(doc.get("traits"), dict):
            raise MapDocumentError(f"{source}: materials-map document has no traits")
        table = doc.get("table")
        try:
            df = None if table is None else pd.DataFrame(table["data"], columns=table["columns"])
        except (KeyError, TypeError, ValueError, AssertionError) as err:
            raise MapDocumentError(
                f"{source}: corrupted table ({type(err).__name__}: {err})"
            ) from err
        try:
            traits = {k: _decode(v) for k, v in doc["traits"].items()}
        except (ValueError, TypeError) as err:  # binascii.Error is a ValueError
            raise MapDocumentError(f"{source}: corrupted binary trait ({err})") from err
        structures = doc.get("structures")
        if structures is not None and (
            not isinstance(structures, list) or (df is not None and len(structures) != len(df))
        ):
            raise MapDocumentError(
                f"{source}: 'structures' must be a list with one entry per map point"
            )
        try:
            pathways = {
                int(i): {k: _decode(v) for k, v in p.items()}
                for i, p in (doc.get("pathways") or {}).items()
            }
        except (ValueError, TypeError, AttributeError) as err:
            raise MapDocumentError(f"{source}: corrupted pathway volume ({err})") from err
        return cls(
            traits=traits,
            table=df,
            metadata=doc.get("metadata") or {},
            structures=structures,
            pathways=pathways or None,
            model_block=block,
        )

    @classmethod
    def load(cls, path: str | os.PathLike) -> MapDocument:
        """Read a ``.mmap`` file written by :meth:`save`."""
        path = Path(path)
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise MapDocumentError(
                f"{path}: not a materials-map document (binary content, not UTF-8 JSON: {err})"
            ) from None
        return cls.from_json(text, source=str(path))

    def to_html(self, path: str | os.PathLike, title: str | None = None) -> Path:
        """Write a standalone, offline HTML page that draws this map (see :mod:`.html`)."""
        from .html import write_html

        return write_html(self, path, title=title)
