"""Learned graph features of CHGNet 0.3.0, pooled per material (after the conductivity
reference, Digital Discovery 2025: MEGNet atom embeddings, occupancy-weighted).

* ``k = 0``: the pretrained element embeddings, fraction-weighted mean and maximum over the
  elements present. The 94 x 64 table ships in ``data/`` (from the BSD-licensed ``chgnet``
  wheel), so :func:`embedding_features` needs neither chgnet nor torch: it reads the atomic
  fractions from our composition histogram's ``single[AN]`` block.
* ``k = 1``: occupancy-weighted embeddings per site (disordered CIFs need no ordering), then
  CHGNet's first atom convolution over neighbours within 5 Å, built from pymatgen's neighbour
  list (that layer needs no bond or angle graph, where CHGNet spends its time); mean and
  maximum over sites. Later layers were no better under grouped CV (docs/uncertainty.md).
"""

from __future__ import annotations

import contextlib
import io
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from matminer.featurizers.base import BaseFeaturizer
from pymatgen.core import Structure

from .descriptors import Block
from .structure import StructureDescriptor, StructureError

EMBEDDING = Path(__file__).with_name("data") / "chgnet-0.3.0-element-embedding.npy"


@lru_cache(maxsize=1)
def element_embedding() -> np.ndarray:
    """CHGNet 0.3.0's element embeddings, ``(94, 64)``: row ``Z - 1`` is element Z."""
    return np.load(EMBEDDING, allow_pickle=False).astype(float)


@lru_cache(maxsize=1)
def chgnet_model() -> Any:
    """The pretrained CHGNet 0.3.0 shipped inside the ``chgnet`` wheel (nothing downloaded)."""
    from .._util.extras import need

    need("chgnet", "relax", "CHGNetFeatures(layers=(1,))")
    from chgnet.model import CHGNet

    with contextlib.redirect_stdout(io.StringIO()):  # it prints its size
        return CHGNet.load(model_name="0.3.0", use_device="cpu", verbose=False).eval()


def pool_elements(fractions: np.ndarray) -> np.ndarray:
    """``(n, 128)``: the fraction-weighted mean and the maximum over the elements present of
    the embeddings, from ``(n, >= 94)`` atomic fractions by ``Z - 1``."""
    frac = np.asarray(fractions, dtype=float)
    bad = np.flatnonzero((frac[:, 94:].sum(axis=1) > 0) | (frac[:, :94].sum(axis=1) <= 0))
    if bad.size:
        raise ValueError(f"rows {bad[:5].tolist()} are empty or hold elements beyond Z = 94")
    W, frac = element_embedding(), frac[:, :94]
    mean = frac @ W / frac.sum(axis=1, keepdims=True)
    return np.hstack([mean, np.where(frac[:, :, None] > 0, W, -np.inf).max(axis=1)])


def embedding_features(X: Any) -> np.ndarray:
    """:func:`pool_elements` of :class:`Descriptors` ``X``, from the atomic fractions in its
    ``single[AN]`` composition block."""
    block = next((b for b in getattr(X, "blocks", ()) if b.name == "single[AN]"), None)
    if block is None or len(block) < 94:
        raise ValueError(
            "these descriptors have no single[AN] composition block (atomic fractions); "
            "featurize with the default CompositionHistogram"
        )
    return pool_elements(X.comp[:, block.slice])


class CHGNetFeatures(BaseFeaturizer):
    """Pooled CHGNet features of a structure (matminer featurizer; as ``featurize``'s
    ``structure=`` it is cached like our descriptors): for each of ``layers``
    (``0`` = element embeddings, ``1`` = after the first atom convolution) 64 means and 64
    maxima. ``n_threads``: torch threads while featurizing (restored afterwards). Structures
    that :class:`StructureDescriptor` refuses (overlapping atoms, ...) or with elements
    beyond Z = 94 raise :class:`StructureError` naming the reason."""

    max_neighbour_pairs = 20_000_000  # as StructureDescriptor's (featurize's cache key)

    def __init__(self, layers: tuple[int, ...] = (0, 1), n_threads: int = 1):
        self.layers = layers
        self.n_threads = n_threads

    def resolved_params(self) -> dict[str, Any]:
        """What the features depend on (``featurize(structure=CHGNetFeatures())`` caches by it)."""
        return {"layers": [int(k) for k in self.layers], "chgnet": "0.3.0"}

    def blocks(self) -> list[Block]:
        return [Block("chgnet", "struct", "chgnet", 0, len(self.feature_labels()))]

    def feature_labels(self) -> list[str]:
        if not self.layers or not set(self.layers) <= {0, 1}:
            raise ValueError(f"layers must be a non-empty subset of (0, 1), got {self.layers!r}")
        return [
            f"chgnet_k{k}_{pool}_{i}"
            for k in self.layers
            for pool in ("mean", "max")
            for i in range(64)
        ]

    def featurize(self, s: Structure) -> np.ndarray:
        """``128 * len(layers)`` pooled features of one structure."""
        self.feature_labels()  # checks layers
        check = StructureDescriptor()
        p = check.resolved_params()
        check._close_pairs(s, check._validate(s, p), p)
        frac = np.zeros((len(s), 94))  # occupancy of each element on each site
        for i, site in enumerate(s):
            for sp, occ in site.species.items():
                z = getattr(getattr(sp, "element", sp), "Z", 0)
                if not 1 <= z <= 94:
                    raise StructureError(f"site {i}: species {sp} is not an element CHGNet knows")
                frac[i, z - 1] += occ
        out = []
        for k in self.layers:
            if k == 0:
                out.append(pool_elements(frac.sum(axis=0, keepdims=True))[0])
                continue
            import torch

            threads = torch.get_num_threads()
            torch.set_num_threads(int(self.n_threads))
            try:
                with torch.no_grad():
                    a = _first_layer(chgnet_model(), s, frac)
            finally:
                torch.set_num_threads(threads)
            w = frac.sum(axis=1)
            out += [(w[:, None] * a).sum(axis=0) / w.sum(), a.max(axis=0)]
        return np.concatenate(out)

    def citations(self) -> list[str]:
        return [
            "@article{deng2023chgnet, title={CHGNet as a pretrained universal neural network "
            "potential for charge-informed atomistic modelling}, author={Deng, Bowen and others},"
            " journal={Nat. Mach. Intell.}, volume={5}, pages={1031--1041}, year={2023}}"
        ]

    def implementors(self) -> list[str]:
        return ["materials-map developers"]


def _first_layer(model: Any, s: Structure, frac: np.ndarray) -> np.ndarray:
    """CHGNet's first atom convolution on occupancy-weighted embeddings, per site."""
    import torch

    table = model.atom_embedding.embedding.weight
    i, j, _, d = s.get_neighbor_list(float(model.graph_converter.atom_graph_cutoff))
    keep = d > 1e-8
    i, j, d = i[keep], j[keep], d[keep]
    # every directed pair is its own "undirected" bond: the bond basis depends on length only
    basis = model.bond_basis_expansion.rbf_expansion_ag(torch.as_tensor(d, dtype=table.dtype))
    out = model.atom_conv_layers[0](
        atom_feas=torch.as_tensor(frac, dtype=table.dtype) @ table,
        bond_feas=model.bond_embedding(basis),
        bond_weights=model.bond_weights_ag(basis),
        atom_graph=torch.as_tensor(np.column_stack([i, j]), dtype=torch.long),
        directed2undirected=torch.arange(len(d)),
    )
    return out.numpy().astype(float)
