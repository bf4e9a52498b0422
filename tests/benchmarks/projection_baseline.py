"""The bqplot crystal projection the WebGL CrystalWidget replaced, kept here as the baseline of
bench_crystal.py (it left the package: nothing there used it).

A small, offline crystal-structure viewer: a rotatable orthographic projection in bqplot.

A fallback for front ends without WebGL: the Explorer shows the WebGL
:class:`~materials_map.widgets.crystal.CrystalWidget` (docs/crystal.md) instead.

No WebGL library and no CDN: atoms are drawn as discs (VESTA colours shipped with pymatgen,
size from the atomic radius), sorted back to front, with the unit-cell edges. A site with
partial occupancy is drawn in the colour of its majority species with opacity equal to its
total occupancy, and listed under the plot with all its species and occupancies.
"""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

import ipywidgets as ipw
import numpy as np

from materials_map.widgets.panels import style

#: the 12 edges of the unit cell as pairs of fractional corners
_CORNERS = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)], dtype=float)
_EDGES = [
    (a, b)
    for a in range(8)
    for b in range(a + 1, 8)
    if np.abs(_CORNERS[a] - _CORNERS[b]).sum() == 1
]


@lru_cache(maxsize=1)
def _vesta_colours() -> dict[str, str]:
    import pymatgen.vis
    import yaml

    path = Path(pymatgen.vis.__file__).parent / "ElementColorSchemes.yaml"
    data = yaml.safe_load(path.read_text())
    return {el: "#{:02x}{:02x}{:02x}".format(*rgb) for el, rgb in data["VESTA"].items()}


def rotation(azimuth: float, elevation: float) -> np.ndarray:
    """Rotation matrix: turn by ``azimuth`` degrees about z, then tilt by ``elevation`` about x."""
    a, e = np.radians(azimuth), np.radians(elevation)
    rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(e), -np.sin(e)], [0, np.sin(e), np.cos(e)]])
    return rx @ rz


def site_table(structure) -> list[dict]:
    """One dict per site: cartesian position, majority element, total occupancy, radius, label."""
    rows = []
    for site in structure:
        items = sorted(site.species.items(), key=lambda kv: -kv[1])
        el = items[0][0]
        occ = float(sum(v for _, v in items))
        radius = getattr(el, "atomic_radius", None) or getattr(
            getattr(el, "element", None), "atomic_radius", None
        )
        symbol = getattr(el, "symbol", str(el))
        rows.append(
            {
                "xyz": np.asarray(site.coords, dtype=float),
                "element": symbol,
                "occupancy": occ,
                "radius": float(radius) if radius else 1.0,
                "label": ", ".join(f"{getattr(sp, 'symbol', sp)}:{v:.3g}" for sp, v in items),
                "partial": occ < 0.999 or len(items) > 1,
            }
        )
    return rows


def project(structure, azimuth: float = 30.0, elevation: float = 20.0) -> dict:
    """Projected 2-D positions (back to front), colours, sizes, opacities and cell edges."""
    rows = site_table(structure)
    rot = rotation(azimuth, elevation)
    xyz = np.array([r["xyz"] for r in rows]).reshape(-1, 3) @ rot.T
    order = np.argsort(xyz[:, 1])[::-1]  # larger y = farther from the viewer (looking along +y)
    colours = _vesta_colours()
    corners = (_CORNERS @ structure.lattice.matrix) @ rot.T
    return {
        "x": xyz[order, 0],
        "y": xyz[order, 2],
        "colors": [colours.get(rows[i]["element"], "#999999") for i in order],
        "sizes": np.array([rows[i]["radius"] for i in order]) ** 2,
        "opacities": [max(0.15, min(1.0, rows[i]["occupancy"])) for i in order],
        "order": order,
        "edges_x": [[corners[a, 0], corners[b, 0]] for a, b in _EDGES],
        "edges_y": [[corners[a, 2], corners[b, 2]] for a, b in _EDGES],
        "partial": [(i, rows[i]["label"]) for i in range(len(rows)) if rows[i]["partial"]],
    }


class StructurePanel:
    """The focused material's crystal structure, rotatable with two sliders."""

    def __init__(self, structures, table) -> None:
        import bqplot as bq

        self.structures, self.table = structures, table
        self.index: int | None = None
        self.view: dict | None = None
        xs, ys = bq.LinearScale(min=0.0, max=1.0), bq.LinearScale(min=0.0, max=1.0)
        self.cell = bq.Lines(
            x=[[0, 0]], y=[[0, 0]], scales={"x": xs, "y": ys}, colors=["#777"], stroke_width=1
        )
        self.atoms = bq.Scatter(
            x=[],
            y=[],
            scales={"x": xs, "y": ys, "size": bq.LinearScale(min=0.0, max=1.0)},
            default_size=400,
            stroke="#333",
            stroke_width=0.5,
        )
        self.figure = style.figure(
            [self.cell, self.atoms],
            [],
            height="340px",
            fig_margin={"top": 10, "bottom": 10, "left": 10, "right": 10},
            min_aspect_ratio=1.0,
            max_aspect_ratio=1.0,
        )
        self.azimuth = ipw.IntSlider(value=30, min=-180, max=180, step=5, description="azimuth")
        self.elevation = ipw.IntSlider(value=20, min=-90, max=90, step=5, description="elevation")
        for s in (self.azimuth, self.elevation):
            s.observe(lambda _: self._draw(), names="value")
        self.caption = style.note("Focus a material (click a point) to see its structure.")
        self.sites = ipw.HTML()
        self.widget = ipw.VBox(
            [
                self.caption,
                self.figure,
                ipw.HBox([self.azimuth, self.elevation], layout=ipw.Layout(flex_flow="row wrap")),
                self.sites,
            ]
        )

    def show(self, i: int) -> None:
        """Draw material ``i`` (a map point index); a row without a structure says so."""
        self.index = int(i)
        row = self.table.iloc[self.index]
        s = self.structures[self.index] if self.structures is not None else None
        if s is None or not hasattr(s, "lattice"):
            self.view = None
            style.set_note(  # ids and formulas are user text: escaped, never markup
                self.caption,
                f"{html.escape(str(row.get('formula', i)))}: no crystal structure for this row",
            )
            self.atoms.x, self.atoms.y = [], []
            self.sites.value = ""
            return
        style.set_note(
            self.caption,
            f"<b>{html.escape(str(row.get('id', i)))}</b> {s.composition.reduced_formula}, "
            f"{len(s)} sites, {s.lattice.abc[0]:.2f} × {s.lattice.abc[1]:.2f} × "
            f"{s.lattice.abc[2]:.2f} Å",
        )
        self._draw()

    def _draw(self) -> None:
        if self.index is None or self.structures is None:
            return
        s = self.structures[self.index]
        if s is None or not hasattr(s, "lattice"):
            return
        v = project(s, self.azimuth.value, self.elevation.value)
        self.view = v
        lo = min(np.min(v["edges_x"]), np.min(v["edges_y"])) - 1.0
        hi = max(np.max(v["edges_x"]), np.max(v["edges_y"])) + 1.0
        sx, sy = self.atoms.scales["x"], self.atoms.scales["y"]
        with self.atoms.hold_sync():
            sx.min, sx.max, sy.min, sy.max = lo, hi, lo, hi
            self.atoms.x, self.atoms.y = v["x"], v["y"]
            self.atoms.colors = v["colors"]
            self.atoms.scales["size"].max = float(max(np.max(v["sizes"]), 1e-6))
            self.atoms.size = v["sizes"]
            self.atoms.opacities = v["opacities"]
            self.atoms.default_size = int(max(60, 9000 / max(hi - lo, 1.0)))
        with self.cell.hold_sync():
            self.cell.x, self.cell.y = v["edges_x"], v["edges_y"]
        if v["partial"]:
            items = "".join(
                f"<li>site {i}: {html.escape(lab)}</li>" for i, lab in v["partial"][:30]
            )
            more = f"<li>… {len(v['partial']) - 30} more</li>" if len(v["partial"]) > 30 else ""
            self.sites.value = (
                f"<span style='font-size:12px'>{len(v['partial'])} partially occupied site(s) "
                f"(drawn with opacity = occupancy):<ul>{items}{more}</ul></span>"
            )
        else:
            self.sites.value = (
                "<span style='font-size:12px;color:#555'>fully ordered structure</span>"
            )
