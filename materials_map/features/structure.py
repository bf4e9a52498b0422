"""Structural descriptor: RDF + ADF + Voronoi histograms (the paper's 858 values).

Every site contributes with its occupancy, split by species class ({Li, O, X = any other
element} by default), so disordered CIFs need no ordering step. Everything is periodic
and normalised per atom of the cell, hence invariant to supercells, site order and
rigid rotations. See docs/descriptors.md for the exact definitions.
"""

from __future__ import annotations

import math
from itertools import combinations_with_replacement
from typing import Any

import numpy as np
from matminer.featurizers.base import BaseFeaturizer
from pymatgen.core import Structure

from ._citations import YAMAGUCHI2023
from .descriptors import Block
from .voronoi import periodic_voronoi

PRESETS: dict[str, dict[str, Any]] = {
    # 6 pair classes x 20 + 3 x 6 x 36 + 3 x 3 x 10 = 120 + 648 + 90 = 858
    "paper-858": dict(
        species=("Li", "O"),
        rdf_range=(1.0, 6.0),
        rdf_bins=20,
        adf_cutoff=3.5,
        adf_bins=36,
        voronoi_bins=10,
        # ranges cover >= 99 % of the OBELiX Li-O sites/faces (see docs/descriptors.md)
        volume_range=(0.0, 25.0),
        face_area_range=(0.0, 8.0),
        face_distance_range=(0.0, 2.5),
    ),
}
VORONOI_QUANTITIES = ("volume", "face_area", "face_distance")


def _bin(x: np.ndarray, lo: float, hi: float, n: int) -> np.ndarray:
    """Bin index of x in n equal bins over [lo, hi), clipped to the edge bins.

    Values within 1e-9 bin widths below an edge go to the upper bin, so that values that
    sit exactly on an edge (90°, 60°, ... in symmetric cells) do not flip bins with
    rounding noise under rotations or supercells.
    """
    return np.floor((x - lo) / (hi - lo) * n + 1e-9).astype(int).clip(0, n - 1)


class StructureError(ValueError):
    """A structure that cannot be featurized; the message says why."""


class StructureDescriptor(BaseFeaturizer):
    """RDF + ADF + Voronoi histograms of a (possibly disordered) periodic structure.

    Blocks (in column order):

    * ``rdf[A-B]`` for every unordered pair of species classes: pairs per atom and per
      Å³ of shell volume, ``rdf_bins`` bins over ``rdf_range`` Å.
    * ``adf[C][A-B]``: bond angles A–C–B at a centre of class C with both neighbours
      within ``adf_cutoff`` Å, per atom, ``adf_bins`` bins over 0–180°.
    * ``voronoi[C][q]`` for q in (volume, face_area, face_distance): Voronoi cell volume
      of class-C sites; face areas and face distances (site to face) of their faces, each
      face weighted by its share of the cell's surface. Values outside the range go to
      the edge bins.

    Parameters
    ----------
    preset : name in :data:`PRESETS` giving the defaults (``"paper-858"``).
    species : element symbols with their own class; every other element is ``X``.
    rdf_range, rdf_bins, adf_cutoff, adf_bins, voronoi_bins, volume_range,
    face_area_range, face_distance_range : override the preset.
    min_distance : sites closer than this (Å) whose occupancies sum above 1 are an error
        (overlapping atoms); closer pairs with total occupancy <= 1 are split positions
        of one atom and are not counted as neighbours.
    max_neighbour_pairs : memory budget; larger cells are refused with a clear error.
    voronoi_padding : Å of periodic images around the cell given to qhull.
    """

    def __init__(
        self,
        preset: str = "paper-858",
        species: tuple[str, ...] | None = None,
        rdf_range: tuple[float, float] | None = None,
        rdf_bins: int | None = None,
        adf_cutoff: float | None = None,
        adf_bins: int | None = None,
        voronoi_bins: int | None = None,
        volume_range: tuple[float, float] | None = None,
        face_area_range: tuple[float, float] | None = None,
        face_distance_range: tuple[float, float] | None = None,
        min_distance: float = 0.5,
        max_neighbour_pairs: int = 20_000_000,
        voronoi_padding: float = 5.0,
    ):
        self.preset = preset
        self.species = species
        self.rdf_range = rdf_range
        self.rdf_bins = rdf_bins
        self.adf_cutoff = adf_cutoff
        self.adf_bins = adf_bins
        self.voronoi_bins = voronoi_bins
        self.volume_range = volume_range
        self.face_area_range = face_area_range
        self.face_distance_range = face_distance_range
        self.min_distance = min_distance
        self.max_neighbour_pairs = max_neighbour_pairs
        self.voronoi_padding = voronoi_padding

    # -- parameters ---------------------------------------------------------------------
    def resolved_params(self) -> dict[str, Any]:
        """Preset defaults overridden by the explicit arguments (plain, JSON-able)."""
        if self.preset not in PRESETS:
            raise ValueError(f"unknown preset {self.preset!r}; choose from {list(PRESETS)}")
        p = dict(PRESETS[self.preset])
        for k in p:
            v = getattr(self, k)
            if v is not None:
                p[k] = v
        p["species"] = tuple(p["species"])
        for k in ("rdf_range", "volume_range", "face_area_range", "face_distance_range"):
            p[k] = tuple(float(x) for x in p[k])
        p.update(min_distance=self.min_distance, voronoi_padding=self.voronoi_padding)
        return p

    @property
    def classes(self) -> tuple[str, ...]:
        """Species classes: the named species, then ``X`` for everything else."""
        return (*self.resolved_params()["species"], "X")

    @property
    def pair_classes(self) -> list[tuple[int, int]]:
        """Unordered pairs of class indices, e.g. (Li,Li), (Li,O), (Li,X), (O,O), ..."""
        return list(combinations_with_replacement(range(len(self.classes)), 2))

    def _pair_names(self) -> list[str]:
        c = self.classes
        return [f"{c[a]}-{c[b]}" for a, b in self.pair_classes]

    # -- matminer API -------------------------------------------------------------------
    def feature_labels(self) -> list[str]:
        """Block and bin of every column, e.g. ``rdf[Li-O][2.25,2.5)``."""
        p = self.resolved_params()
        out = []
        for name, lo, hi in self._spans(p):
            out += [f"{name}[{a:.4g},{b:.4g})" for a, b in zip(lo, hi, strict=True)]
        return out

    def blocks(self) -> list[Block]:
        """One :class:`Block` per histogram; group ``rdf``, ``adf`` or ``voronoi``."""
        out, start = [], 0
        for name, lo, _ in self._spans(self.resolved_params()):
            out.append(Block(name, "struct", name.split("[")[0], start, start + len(lo)))
            start += len(lo)
        return out

    def _spans(self, p: dict[str, Any]) -> list[tuple[str, np.ndarray, np.ndarray]]:
        def edges(lo: float, hi: float, n: int) -> tuple[np.ndarray, np.ndarray]:
            e = np.linspace(lo, hi, n + 1)
            return e[:-1], e[1:]

        spans = []
        rdf = edges(*p["rdf_range"], p["rdf_bins"])
        spans += [(f"rdf[{pn}]", *rdf) for pn in self._pair_names()]
        adf = edges(0.0, 180.0, p["adf_bins"])
        spans += [(f"adf[{c}][{pn}]", *adf) for c in self.classes for pn in self._pair_names()]
        for c in self.classes:
            for q in VORONOI_QUANTITIES:
                spans.append((f"voronoi[{c}][{q}]", *edges(*p[f"{q}_range"], p["voronoi_bins"])))
        return spans

    def featurize(self, s: Structure) -> np.ndarray:
        """Descriptor of one periodic Structure (ordered or with partial occupancies)."""
        if not isinstance(s, Structure):
            raise TypeError(
                f"StructureDescriptor needs a pymatgen Structure, got {type(s).__name__}"
            )
        p = self.resolved_params()
        weights = self._validate(s, p)
        n_atoms = weights.sum()
        rdf, adf = self._rdf_adf(s, weights, p)
        vor = self._voronoi(s, weights, p)
        return np.concatenate([rdf.ravel(), adf.ravel(), vor.ravel()]) / n_atoms

    def citations(self) -> list[str]:
        """BibTeX of the materials-map paper (RDF + ADF + Voronoi descriptor)."""
        return [
            YAMAGUCHI2023,
        ]

    def implementors(self) -> list[str]:
        """Who wrote this implementation."""
        return ["materials-map developers"]

    # -- parts ----------------------------------------------------------------------------
    def site_weights(self, s: Structure) -> np.ndarray:
        """(n_sites, n_classes) occupancy of each species class on each site."""
        species = self.resolved_params()["species"]
        w = np.zeros((len(s), len(species) + 1))
        for i, site in enumerate(s):
            for sp, occ in site.species.items():
                sym = getattr(sp, "symbol", None) or sp.element.symbol  # Species / DummySpecies
                k = species.index(sym) if sym in species else len(species)
                w[i, k] += occ
        return w

    def _validate(self, s: Structure, p: dict[str, Any]) -> np.ndarray:
        if len(s) == 0:
            raise StructureError("structure has zero sites")
        m = s.lattice.matrix
        if not np.all(np.isfinite(m)) or not np.all(np.isfinite(s.frac_coords)):
            raise StructureError("non-finite lattice or coordinates")
        vol = abs(np.linalg.det(m))
        if not vol > 1e-3:
            raise StructureError(f"degenerate lattice (cell volume {vol:.3g} Å³)")
        weights = self.site_weights(s)
        if weights.sum() <= 0:
            raise StructureError("structure has no occupied sites")
        # memory: neighbour pairs within the RDF cutoff ~ N * rho * 4/3 pi r^3
        r = max(p["rdf_range"][1], p["adf_cutoff"])
        est = len(s) * (len(s) / vol) * 4 / 3 * math.pi * r**3
        if est > self.max_neighbour_pairs:
            raise StructureError(
                f"cell too large for the memory budget: ~{est:.3g} neighbour pairs "
                f"({len(s)} sites; max_neighbour_pairs={self.max_neighbour_pairs:.3g})"
            )
        return weights

    def _close_pairs(self, s: Structure, weights: np.ndarray, p: dict[str, Any]) -> None:
        i, j, _, d = s.get_neighbor_list(p["min_distance"])
        if len(i):
            occ = weights.sum(1)
            bad = occ[i] + occ[j] > 1 + 1e-3
            if bad.any():
                k = np.flatnonzero(bad)[0]
                raise StructureError(
                    f"overlapping atoms: sites {i[k]} and {j[k]} are {d[k]:.3f} Å apart "
                    f"(< {p['min_distance']} Å) with total occupancy {occ[i[k]] + occ[j[k]]:.3g}"
                )

    def _rdf_adf(
        self, s: Structure, w: np.ndarray, p: dict[str, Any]
    ) -> tuple[np.ndarray, np.ndarray]:
        self._close_pairs(s, w, p)
        rmin, rmax = p["rdf_range"]
        nb, cut, na = p["rdf_bins"], p["adf_cutoff"], p["adf_bins"]
        i, j, img, d = s.get_neighbor_list(max(rmax, cut))
        keep = d >= p["min_distance"]  # closer partners are split positions of one atom
        i, j, img, d = i[keep], j[keep], img[keep], d[keep]
        pairs = self.pair_classes
        pa = np.array([a for a, _ in pairs])
        pb = np.array([b for _, b in pairs])

        def pair_weight(wj: np.ndarray, wk: np.ndarray) -> np.ndarray:
            # unordered class pair {a, b}: w_a w_b + w_b w_a (a != b), w_a w_a (a == b)
            cross = wj[:, pa] * wk[:, pb]
            return np.where(pa == pb, cross, cross + wj[:, pb] * wk[:, pa])

        # RDF: every ordered (i, j) pair once, per atom and per Å^3 of shell
        rdf = np.zeros((len(pairs), nb))
        raw = np.floor((d - rmin) / (rmax - rmin) * nb + 1e-9).astype(int)  # same rule as _bin
        sel = (raw >= 0) & (raw < nb)
        b = raw[sel]
        pw = pair_weight(w[i[sel]], w[j[sel]])
        for c in range(len(pairs)):
            rdf[c] = np.bincount(b, pw[:, c], minlength=nb)
        e = np.linspace(rmin, rmax, nb + 1)
        rdf /= 4 / 3 * math.pi * (e[1:] ** 3 - e[:-1] ** 3)

        # ADF: angle j-i-k for neighbours j < k of centre i within the cutoff
        adf = np.zeros((w.shape[1], len(pairs), na))
        sel = d <= cut
        ci, cj = i[sel], j[sel]
        vec = s.cart_coords[cj] + img[sel] @ s.lattice.matrix - s.cart_coords[ci]
        order = np.argsort(ci, kind="stable")
        ci, cj, vec = ci[order], cj[order], vec[order]
        counts = np.bincount(ci, minlength=len(s))
        starts = np.cumsum(counts) - counts
        tj, tk, tc = [], [], []
        for m in np.unique(counts[counts >= 2]):
            cen = np.flatnonzero(counts == m)
            u, v = np.triu_indices(m, 1)
            tj.append((starts[cen][:, None] + u).ravel())
            tk.append((starts[cen][:, None] + v).ravel())
            tc.append(np.repeat(cen, len(u)))
        if tj:
            tj, tk, tc = np.concatenate(tj), np.concatenate(tk), np.concatenate(tc)
            a, bb = vec[tj], vec[tk]
            cos = np.einsum("ij,ij->i", a, bb) / (
                np.linalg.norm(a, axis=1) * np.linalg.norm(bb, axis=1)
            )
            ang = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
            ab = _bin(ang, 0.0, 180.0, na)
            pw = pair_weight(w[cj[tj]], w[cj[tk]])
            wc = w[tc]
            for c in range(w.shape[1]):
                for q in range(len(pairs)):
                    adf[c, q] = np.bincount(ab, wc[:, c] * pw[:, q], minlength=na)
        return rdf, adf

    def _voronoi(self, s: Structure, w: np.ndarray, p: dict[str, Any]) -> np.ndarray:
        try:
            faces = periodic_voronoi(s.frac_coords, s.lattice.matrix, p["voronoi_padding"])
        except Exception as e:  # qhull errors (e.g. coincident points) become clear reasons
            raise StructureError(f"Voronoi tessellation failed: {e}") from e
        nb = p["voronoi_bins"]

        def bins(x: np.ndarray, rng: tuple[float, float]) -> np.ndarray:
            return _bin(x, rng[0], rng[1], nb)

        surface = np.bincount(faces.site, faces.area, minlength=len(s))
        share = faces.area / surface[faces.site]
        out = np.zeros((w.shape[1], len(VORONOI_QUANTITIES), nb))
        vb = bins(faces.volume, p["volume_range"])
        fb = bins(faces.area, p["face_area_range"])
        db = bins(faces.distance / 2, p["face_distance_range"])
        for c in range(w.shape[1]):
            out[c, 0] = np.bincount(vb, w[:, c], minlength=nb)
            fw = w[faces.site, c] * share
            out[c, 1] = np.bincount(fb, fw, minlength=nb)
            out[c, 2] = np.bincount(db, fw, minlength=nb)
        return out
