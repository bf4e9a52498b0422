"""Neighbourhood targets for the map's two codes (beyond the paper; docs/model.md, "Map quality").

The paper's losses only ask each code to reconstruct its descriptor, which lets a network
ignore small-valued columns that tell structure types apart: neighbours on the map are then
often a different kind of material. The default model adds a term that pulls each code
towards a 1-D t-SNE (van der Maaten & Hinton 2008) of its own branch, computed once per fit on
the training rows with every descriptor column z-scored. The encoders stay the map: they
learn to place materials where the t-SNE put them (the regression route to a parametric
embedding, cf. Sainburg, McInnes & Gentner 2021), so unseen materials are placed without
refitting, and the decoders and the ME head work on the same codes. Optimising t-SNE in 1-D
from a random start gets stuck (points cannot pass each other), so the embedding starts from
the first principal component, as scikit-learn does with ``init="pca"``.
"""

from __future__ import annotations

import numpy as np


def standardise(x: np.ndarray) -> np.ndarray:
    """Every column z-scored (constant columns dropped): each descriptor column counts alike."""
    x = np.asarray(x, dtype=float)
    sd = x.std(axis=0)
    keep = sd > 0
    return (x[:, keep] - x[:, keep].mean(axis=0)) / sd[keep]


def branch_embedding(x: np.ndarray, perplexity: float, seed: int) -> np.ndarray:
    """1-D t-SNE of the rows of ``x`` (z-scored columns), standardised to mean 0 and sd 1."""
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    z = standardise(x)
    n = len(z)
    if n < 5 or z.shape[1] == 0:  # too few rows or nothing varies: no neighbourhoods to keep
        return np.zeros(n)
    tsne = TSNE(
        n_components=1,
        perplexity=float(min(perplexity, (n - 1) / 3)),
        init="pca",
        random_state=seed,
    )
    # one OpenMP thread: on a busy machine more of them spin and take minutes, not seconds
    with threadpool_limits(limits=1):
        t = tsne.fit_transform(z)[:, 0].astype(float)
    sd = t.std()
    return (t - t.mean()) / (sd if sd > 0 else 1.0)


def neighbour_targets(
    comp: np.ndarray, struct: np.ndarray, perplexity: float = 30.0, seed: int = 0
) -> np.ndarray:
    """``(n, 2)`` code targets: the 1-D t-SNE of each branch, columns (x_comp, x_struct)."""
    return np.stack(
        [branch_embedding(comp, perplexity, seed), branch_embedding(struct, perplexity, seed)],
        axis=1,
    )
