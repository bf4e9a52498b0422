"""How well a map keeps neighbourhoods, measured as embedding papers do (docs/model.md,
"Map quality"): every descriptor column and each map axis z-scored, then scikit-learn's
nearest neighbours and trustworthiness."""

from __future__ import annotations

import numpy as np

from .embedding import standardise


def label_agreement(
    points: np.ndarray,
    labels: np.ndarray,
    k: int = 5,
    query: np.ndarray | None = None,
    reference: np.ndarray | None = None,
) -> float:
    """Mean share of each query row's ``k`` nearest reference rows (itself excluded) that
    carry its label, e.g. its structure type. Rows default to all of them."""
    from sklearn.neighbors import NearestNeighbors

    points, labels = np.asarray(points, float), np.asarray(labels)
    ref = np.arange(len(points)) if reference is None else np.asarray(reference)
    qry = np.arange(len(points)) if query is None else np.asarray(query)
    nn = NearestNeighbors(n_neighbors=min(k + 1, len(ref))).fit(points[ref])
    idx = ref[nn.kneighbors(points[qry], return_distance=False)]
    shares = [
        np.mean(labels[[j for j in row if j != q][:k]] == labels[q])
        for q, row in zip(qry, idx, strict=True)
    ]
    return float(np.mean(shares))


def central_span(coords: np.ndarray, share: float = 0.9) -> np.ndarray:
    """Per axis: the width of the central ``share`` of the points over the whole range, i.e.
    how much of the view the bulk of the materials fills."""
    c = np.asarray(coords, float)
    lo, hi = np.quantile(c, [(1 - share) / 2, (1 + share) / 2], axis=0)
    rng = c.max(axis=0) - c.min(axis=0)
    return (hi - lo) / np.where(rng > 0, rng, 1.0)


def map_quality(
    coords: np.ndarray,
    comp: np.ndarray,
    struct: np.ndarray,
    labels: np.ndarray,
    *,
    held_out: np.ndarray | None = None,
    k: int = 5,
    n_neighbours: int = 10,
) -> dict[str, float]:
    """``knn``: label agreement of the map's ``k`` nearest neighbours; ``trust``:
    trustworthiness(``n_neighbours``) of the map against the z-scored descriptors (composition
    and structure side by side); ``span_comp``, ``span_struct``: :func:`central_span`. With
    ``held_out`` rows: ``held_out_map`` and ``held_out_descriptors``, the label agreement of
    those rows' ``k`` nearest *other* (training) rows on the map and in descriptor space."""
    from sklearn.manifold import trustworthiness

    desc = np.hstack([standardise(comp), standardise(struct)])
    z = standardise(coords)
    span = central_span(coords)
    out = {
        "knn": label_agreement(z, labels, k),
        "trust": float(trustworthiness(desc, z, n_neighbors=n_neighbours)),
        "span_comp": float(span[0]),
        "span_struct": float(span[1]),
    }
    if held_out is not None and len(held_out):
        train = np.setdiff1d(np.arange(len(z)), held_out)
        out["held_out_map"] = label_agreement(z, labels, k, held_out, train)
        out["held_out_descriptors"] = label_agreement(desc, labels, k, held_out, train)
    return out


def family_silhouette(
    coords: np.ndarray, labels: np.ndarray, families=("garnet", "nasicon", "perovskite")
) -> float:
    """Silhouette (z-scored axes) of the given structure types' points (paper Fig. 6b)."""
    from sklearn.metrics import silhouette_score

    labels = np.asarray(labels)
    mask = np.isin(labels, families)
    if len(set(labels[mask])) < 2:
        return float("nan")
    return float(silhouette_score(standardise(coords)[mask], labels[mask]))
