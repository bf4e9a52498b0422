"""`CrystalWidget`: a WebGL crystal viewer (3Dmol.js, bundled) with the Li pathway layer.

Synced traits (Python name = front-end name)

==================  =====================  ===================================================
trait               type                   meaning
==================  =====================  ===================================================
structures          list[dict]             compact crystals (:mod:`.payload`), in view order
mode                single|compare|grid    one viewer, two side by side, or up to nine small
pathways            dict[id, dict]         pathway volumes of shown crystals (uint8 ``data``)
pathway_status      dict[id, str]          why a crystal has no pathway ("computing ...", a
                                           refusal reason)
show_pathway        bool                   draw the Li pathway isosurface
barrier             e_1d|e_2d|e_3d         surface level: E_min + this barrier + ``margin``
margin              float                  eV above the barrier (slider 0 .. 0.5)
show_polyhedra      bool                   coordination polyhedra of framework cations
highlight_li        bool                   translucent rings around Li sites
supercell           [na, nb, nc]           replication (1 .. 4 per axis)
height              int                    pixels of the main viewer (a grid cell: a third)
theme               auto|light|dark        auto follows JupyterLab
==================  =====================  ===================================================

A click on a grid viewer sends ``{"type": "pick", "index": i, "id": ...}``; :meth:`on_pick`
callbacks receive it (the Explorer focuses that map point).
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import anywidget
import traitlets
from pymatgen.core import Structure

from ..._util import structure_fingerprint
from .payload import pathway_json, structure_json

STATIC = Path(__file__).resolve().parents[2] / "static"
MAX_GRID = 9
MAX_SUPERCELL = 4


@lru_cache(maxsize=1)
def _viewer_code() -> str:
    """The viewer bundle (3Dmol.js + panel), imported by the tiny ``crystal.js`` at render:
    anywidget allows a widget module 2 s to load, too little for 600 kB on a busy machine."""
    path = STATIC / "crystal-viewer.js"
    if not path.is_file():
        raise FileNotFoundError(
            f"front-end bundle {path} is missing: build it with `npm run build` "
            "(a pip install of materials-map builds it automatically)"
        )
    return path.read_text(encoding="utf-8")


class CrystalWidget(anywidget.AnyWidget):
    """Crystal structures in WebGL, linked to a materials map by the Explorer.

    ``CrystalWidget(structure)`` shows one crystal; :meth:`show`, :meth:`compare` and
    :meth:`show_grid` change what is shown. With ``show_pathway`` on, the Li pathway volume
    of each shown crystal (single or compare mode) is computed in a background thread
    (:func:`materials_map.labels.pathways.li_pathways`, cached) and drawn when ready.

    Parameters
    ----------
    structure : a pymatgen Structure to show first (optional)
    id : its identifier (shown in the caption)
    pathway_options : keyword arguments for ``li_pathways`` (resolution, encut, max_points,
        cache, time_limit, memory_limit)
    **kwargs : trait values (``show_pathway=True``, ``height=480`` ...)
    """

    _esm = STATIC / "crystal.js"
    _viewer = traitlets.Unicode().tag(sync=True)

    structures = traitlets.List(traitlets.Dict()).tag(sync=True)
    mode = traitlets.Enum(("single", "compare", "grid"), default_value="single").tag(sync=True)
    pathways = traitlets.Dict().tag(sync=True)
    pathway_status = traitlets.Dict().tag(sync=True)
    show_pathway = traitlets.Bool(False).tag(sync=True)
    barrier = traitlets.Enum(("e_1d", "e_2d", "e_3d"), default_value="e_1d").tag(sync=True)
    margin = traitlets.Float(0.05, min=0.0, max=1.0).tag(sync=True)
    show_polyhedra = traitlets.Bool(True).tag(sync=True)
    highlight_li = traitlets.Bool(True).tag(sync=True)
    supercell = traitlets.List(traitlets.Int(), default_value=[1, 1, 1]).tag(sync=True)
    height = traitlets.Int(420, min=120).tag(sync=True)
    theme = traitlets.Enum(("auto", "light", "dark"), default_value="auto").tag(sync=True)

    def __init__(
        self,
        structure: Structure | None = None,
        *,
        id: Any = None,
        pathway_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(_viewer=_viewer_code(), **kwargs)
        self.pathway_options = dict(pathway_options or {})
        self._box: Any = None
        self._shown: dict[str, Structure] = {}
        self._volumes: dict[str, Any] = {}  # structure fingerprint -> PathwayVolume
        self._errors: dict[str, str] = {}  # structure fingerprint -> reason
        self._pick_callbacks: list[Callable[[int, str], None]] = []
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="pathways")
        self._lock = threading.RLock()  # the worker thread and the kernel both update traits
        self._futures: dict[str, concurrent.futures.Future] = {}
        self.on_msg(self._on_custom_msg)
        self.observe(self._maybe_compute, names=["show_pathway", "structures", "mode"])
        if structure is not None:
            self.show(structure, id=id)

    @property
    def widget(self) -> Any:
        """This viewer in a VBox, as the Explorer's panels expose their ``.widget``."""
        if self._box is None:
            import ipywidgets as ipw

            self._box = ipw.VBox([self])
        return self._box

    @traitlets.validate("supercell")
    def _valid_supercell(self, proposal: Any) -> list[int]:
        v = [int(x) for x in proposal["value"]]
        if len(v) != 3 or not all(1 <= x <= MAX_SUPERCELL for x in v):
            raise traitlets.TraitError(
                f"supercell must be three integers in 1..{MAX_SUPERCELL}, got {proposal['value']!r}"
            )
        return v

    # ------------------------------------------------------------------ what is shown
    def _set(self, items: Sequence[tuple[Structure, Any, str | None, int]], mode: str) -> None:
        shown, payloads = {}, []
        for k, (s, sid, title, index) in enumerate(items):
            sid = str(sid if sid is not None else k)
            payloads.append(structure_json(s, id=sid, title=title, index=index))
            shown[sid] = s
        self._shown = shown
        with self.hold_sync():
            self.pathways = {k: v for k, v in self.pathways.items() if k in shown}
            self.pathway_status = {k: v for k, v in self.pathway_status.items() if k in shown}
            self.mode = mode
            self.structures = payloads
        self._fill_known()

    def show(
        self, structure: Structure, id: Any = None, title: str | None = None, index: int = -1
    ) -> None:
        """Show one crystal (``index``: its map point, reported back by grid clicks)."""
        self._set([(structure, id, title, index)], "single")

    def compare(
        self,
        a: Structure,
        b: Structure,
        ids: Sequence[Any] = ("a", "b"),
        indices: Sequence[int] = (-1, -1),
    ) -> None:
        """Show two crystals side by side."""
        self._set([(a, ids[0], None, indices[0]), (b, ids[1], None, indices[1])], "compare")

    def show_grid(
        self,
        structures: Sequence[Structure],
        ids: Sequence[Any] | None = None,
        indices: Sequence[int] | None = None,
    ) -> None:
        """Show up to nine crystals as small viewers (more: the first nine)."""
        structures = list(structures)[:MAX_GRID]
        ids = list(ids) if ids is not None else list(range(len(structures)))
        indices = list(indices) if indices is not None else [-1] * len(structures)
        self._set(
            list(zip(structures, ids, [None] * len(structures), indices, strict=False)), "grid"
        )

    def clear(self) -> None:
        """Show nothing."""
        self._set([], "single")

    # ------------------------------------------------------------------ pathways
    @property
    def volumes(self) -> dict[str, Any]:
        """Pathway volumes of the shown crystals computed so far, by id."""
        return {
            sid: self._volumes[structure_fingerprint(s)]
            for sid, s in self._shown.items()
            if structure_fingerprint(s) in self._volumes
        }

    def volume_of(self, structure: Structure) -> Any | None:
        """The pathway volume computed in this session for ``structure`` (or None)."""
        return self._volumes.get(structure_fingerprint(structure))

    def compute_pathways(self, wait: bool = True) -> dict[str, Any]:
        """Compute the pathway volume of every shown crystal (single or compare mode).

        Returns ``{id: PathwayVolume or the reason it is missing}`` when ``wait``.
        """
        futures = [self._submit(sid, s) for sid, s in self._shown.items()]
        if wait:
            concurrent.futures.wait([f for f in futures if f is not None])
        out: dict[str, Any] = {}
        for sid, s in self._shown.items():
            fp = structure_fingerprint(s)
            out[sid] = self._volumes.get(fp, self._errors.get(fp, "pending"))
        return out

    def _maybe_compute(self, change: dict | None = None) -> None:
        if self.show_pathway and self.mode != "grid":
            for sid, s in self._shown.items():
                self._submit(sid, s)

    def _submit(self, sid: str, s: Structure) -> concurrent.futures.Future | None:
        fp = structure_fingerprint(s)
        with self._lock:
            if fp in self._volumes or fp in self._errors:
                self._fill_known()
                return None
            if fp in self._futures:
                return self._futures[fp]
            self.pathway_status = {
                **self.pathway_status,
                sid: "computing the Li pathway volume ...",
            }
            fut = self._pool.submit(self._compute, fp, s)
            self._futures[fp] = fut
            return fut

    def _compute(self, fp: str, s: Structure) -> None:
        from ...labels.guards import LabelRefused
        from ...labels.pathways import PathwayError, li_pathways

        try:
            self._volumes[fp] = li_pathways(s, **self.pathway_options)
        except (LabelRefused, PathwayError) as exc:
            self._errors[fp] = f"no Li pathway: {exc}"
        except Exception as exc:  # shown in the caption; the kernel keeps running
            self._errors[fp] = f"no Li pathway: {type(exc).__name__}: {exc}"
        finally:
            with self._lock:
                self._futures.pop(fp, None)
            self._fill_known()

    def _fill_known(self) -> None:
        """Send the known volumes / reasons of the shown crystals to the front end."""
        with self._lock:
            self._fill_known_locked()

    def _fill_known_locked(self) -> None:
        pathways, status = dict(self.pathways), dict(self.pathway_status)
        for sid, s in self._shown.items():
            fp = structure_fingerprint(s)
            if fp in self._volumes and sid not in pathways:
                title = next((p["title"] for p in self.structures if p["id"] == sid), None)
                pathways[sid] = pathway_json(self._volumes[fp], sid, title)
                status.pop(sid, None)
            elif fp in self._errors:
                status[sid] = self._errors[fp]
        if pathways != self.pathways or status != self.pathway_status:
            with self.hold_sync():
                self.pathways, self.pathway_status = pathways, status

    # ------------------------------------------------------------------ grid clicks
    def on_pick(self, callback: Callable[[int, str], None]) -> None:
        """Call ``callback(index, id)`` when a grid viewer is clicked."""
        self._pick_callbacks.append(callback)

    def _on_custom_msg(self, widget: Any, content: Any, buffers: list) -> None:
        if isinstance(content, dict) and content.get("type") == "pick":
            for cb in self._pick_callbacks:
                cb(int(content.get("index", -1)), str(content.get("id", "")))

    def close(self) -> None:
        """Close the widget and stop the pathway thread."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        super().close()
