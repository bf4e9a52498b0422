"""Static matplotlib versions of the Explorer's views: the paper's Figs. 2-8 and Table 1.

For reports, papers and the reproduce-the-paper notebook: each function draws one figure of
Yamaguchi et al. (Sci. Rep. 13:16799, 2023) from a fitted model and its data, and returns
the matplotlib Figure (``table1`` returns a DataFrame).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .features.groups import descriptor_groups
from .model.neighbourhood import (
    FRACTION_BINS,
    element_counts,
    element_sets,
    fraction_histogram,
    nearest,
)

#: the paper's colouring: high migration energy dark red, low dark blue
ME_CMAP = "RdBu_r"
PAPER_FAMILIES = ("perovskite", "garnet", "nasicon")


def _plt():
    import matplotlib.pyplot as plt

    return plt


def w_tradeoff(sweep: pd.DataFrame, w_used: float | None = 1.0):
    """Fig. 2: held-out Loss_comp, Loss_struct and Loss_ME against W (a sweep table, index W).

    A table with several rows per W (one per seed) draws their mean and, shaded, the range
    the seeds span."""
    plt = _plt()
    fig, axs = plt.subplots(1, 3, figsize=(10, 3), constrained_layout=True)
    groups = sweep.groupby(level=0, sort=True)
    mean, lo, hi = (
        groups.mean(numeric_only=True),
        groups.min(numeric_only=True),
        groups.max(numeric_only=True),
    )
    spread = bool((groups.size() > 1).any())
    sweep = mean
    labels = [f"{w:g}" for w in sweep.index]
    for ax, (col, title) in zip(
        axs,
        (
            ("loss_comp", "(a) Loss$_{comp}$"),
            ("loss_struct", "(b) Loss$_{str}$"),
            ("loss_me", "(c) Loss$_{ME}$"),
        ),
        strict=True,
    ):
        ax.plot(range(len(labels)), sweep[col].to_numpy(float), "o-")
        if spread:
            ax.fill_between(range(len(labels)), lo[col], hi[col], alpha=0.25, lw=0)
        ax.set_xticks(range(len(labels)), labels)
        ax.set_xlabel("W")
        ax.set_title(title)
        if w_used is not None and float(w_used) in [float(w) for w in sweep.index]:
            ax.axvline(
                [float(w) for w in sweep.index].index(float(w_used)), color="0.7", ls="--", lw=1
            )
    return fig


def parity(diag: Any, max_points: int = 50_000, seed: int = 0):
    """Fig. 3a-c: decoded vs input (flattened, scaled) descriptors and predicted vs true target."""
    plt = _plt()
    fig, axs = plt.subplots(1, 3, figsize=(11, 3.6), constrained_layout=True)
    rng = np.random.default_rng(seed)
    names = (
        ("comp", "(a) composition", "r2_comp"),
        ("struct", "(b) structure", "r2_struct"),
        ("me", "(c) ME", "r2_me"),
    )
    for ax, (kind, title, score) in zip(axs, names, strict=True):
        p = diag.parity(kind)
        p = p[np.isfinite(p["true"]) & np.isfinite(p["pred"])]
        if len(p) > max_points:
            p = p.iloc[np.sort(rng.choice(len(p), max_points, replace=False))]
        ax.scatter(
            p["true"],
            p["pred"],
            s=3 if kind != "me" else 12,
            alpha=0.4 if kind != "me" else 0.8,
            lw=0,
            color="C0",
        )
        lo = float(min(p["true"].min(), p["pred"].min())) if len(p) else 0.0
        hi = float(max(p["true"].max(), p["pred"].max())) if len(p) else 1.0
        ax.plot([lo, hi], [lo, hi], color="0.4", ls="--", lw=1)
        ax.set_title(f"{title}  R² = {diag.scores[score]:.2f}")
        ax.set_xlabel("input" if kind != "me" else "calculated")
        ax.set_ylabel("decoded" if kind != "me" else "predicted")
    return fig


def worst_reconstructions(
    diag: Any, blocks: Sequence[Any], k: int = 3, ids: Sequence[str] | None = None
):
    """Fig. 3d-f: input and decoded descriptors (scaled, concatenated comp + struct) of the
    ``k`` rows with the largest total loss, with the descriptor groups marked."""
    plt = _plt()
    worst = diag.worst(k)
    n_comp = diag.comp_in.shape[1]
    groups = descriptor_groups(blocks, n_comp)
    fig, axs = plt.subplots(
        len(worst), 1, figsize=(11, 2.2 * len(worst)), constrained_layout=True, squeeze=False
    )
    pos = {r: j for j, r in enumerate(diag.rows)}
    for ax, (_, row) in zip(axs[:, 0], worst.iterrows(), strict=True):
        j = pos[int(row["row"])]
        vin = np.concatenate([diag.comp_in[j], diag.struct_in[j]])
        vout = np.concatenate([diag.comp_out[j], diag.struct_out[j]])
        x = np.arange(vin.size)
        ax.plot(x, vin, lw=0.8, label="input", color="#0072B2")
        ax.plot(x, vout, lw=0.8, label="output", color="#D55E00")
        top = max(float(np.nanmax(vin)), float(np.nanmax(vout)), 1e-9)
        for g in groups:
            ax.axvline(g.offset, color="0.8", lw=0.6)
            ax.text(g.offset + 5, top, g.name, fontsize=7, va="top", color="0.3")
        ax.set_xlim(0, vin.size)
        name = row["id"] if ids is None else ids[int(row["row"])]
        ax.set_title(f"{name}  (Loss_all = {row['all']:.3g})", fontsize=9)
        ax.legend(loc="upper right", fontsize=7)
    axs[-1, 0].set_xlabel(
        f"descriptor index (composition 0-{n_comp - 1}, structure {n_comp}-{vin.size - 1})"
    )
    return fig


def materials_map(coords: np.ndarray, values: np.ndarray, label: str = "ME / eV", ax: Any = None):
    """Fig. 4: every material at (x_comp, x_struct), coloured by the target."""
    plt = _plt()
    fig, ax = (
        plt.subplots(figsize=(6, 5), constrained_layout=True) if ax is None else (ax.figure, ax)
    )
    sc = ax.scatter(
        coords[:, 0], coords[:, 1], c=values, cmap=ME_CMAP, s=14, lw=0.2, edgecolor="0.3"
    )
    fig.colorbar(sc, ax=ax, label=label)
    ax.set_xlabel("$x_{comp}$")
    ax.set_ylabel("$x_{struct}$")
    return fig


def li_o_ratios(table: pd.DataFrame):
    """Fig. 5: Li and O molar fractions against x_comp (a, b) and x_struct (c, d)."""
    plt = _plt()
    fig, axs = plt.subplots(2, 2, figsize=(8, 6), constrained_layout=True)
    for ax, (xc, yc, tag) in zip(
        axs.ravel(),
        (
            ("x_comp", "li_fraction", "(a)"),
            ("x_comp", "o_fraction", "(b)"),
            ("x_struct", "li_fraction", "(c)"),
            ("x_struct", "o_fraction", "(d)"),
        ),
        strict=True,
    ):
        ax.scatter(table[xc], table[yc], s=8, alpha=0.6, lw=0)
        ax.set_xlabel(f"$x_{{{xc[2:]}}}$")
        ax.set_ylabel(("Li" if yc.startswith("li") else "O") + " molar fraction")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(tag, loc="left")
    return fig


def _family_mask(table: pd.DataFrame, family: str) -> np.ndarray:
    if "structure_type" not in table:
        return np.zeros(len(table), dtype=bool)
    return table["structure_type"].astype(str).str.lower().eq(family.lower()).to_numpy()


def family_overlay(tables: Mapping[str, pd.DataFrame], families: Sequence[str] = PAPER_FAMILIES):
    """Fig. 6: the chosen structure families over all materials, one panel per map
    (e.g. ``{"W = 0.1": table_a, "W = 0": table_b}``)."""
    plt = _plt()
    fig, axs = plt.subplots(
        1, len(tables), figsize=(5.2 * len(tables), 4.4), constrained_layout=True, squeeze=False
    )
    for ax, (title, t) in zip(axs[0], tables.items(), strict=True):
        ax.scatter(t["x_comp"], t["x_struct"], s=8, color="0.8", lw=0, label="all")
        for k, fam in enumerate(families):
            m = _family_mask(t, fam)
            ax.scatter(
                t["x_comp"][m],
                t["x_struct"][m],
                s=28,
                color=f"C{k}",
                edgecolor="k",
                lw=0.4,
                label=f"{fam} ({int(m.sum())})",
            )
        ax.set_title(title)
        ax.set_xlabel("$x_{comp}$")
        ax.set_ylabel("$x_{struct}$")
        ax.legend(fontsize=8)
    return fig


def table1(
    table: pd.DataFrame, target: str, families: Sequence[str] = PAPER_FAMILIES
) -> pd.DataFrame:
    """Table 1: id, formula, structure type, target, x_comp and x_struct of the chosen families."""
    mask = np.zeros(len(table), dtype=bool)
    for fam in families:
        mask |= _family_mask(table, fam)
    cols = [
        c for c in ("id", "formula", "structure_type", target, "x_comp", "x_struct") if c in table
    ]
    out = table.loc[mask, cols].copy()
    order = {f.lower(): i for i, f in enumerate(families)}
    out["_o"] = out["structure_type"].astype(str).str.lower().map(order)
    return out.sort_values(["_o", "id"], kind="stable").drop(columns="_o").reset_index(drop=True)


def predicted_background(
    grid: np.ndarray,
    extent: Sequence[float],
    coords: np.ndarray,
    values: np.ndarray,
    label: str = "ME / eV",
):
    """Fig. 7: the model's prediction on a grid behind the materials (same colour scale)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 5), constrained_layout=True)
    finite = np.concatenate([np.ravel(grid), np.ravel(values)])
    finite = finite[np.isfinite(finite)]
    vmin, vmax = (float(np.min(finite)), float(np.max(finite))) if finite.size else (0.0, 1.0)
    im = ax.imshow(
        grid, origin="lower", extent=list(extent), aspect="auto", cmap=ME_CMAP, vmin=vmin, vmax=vmax
    )
    ax.scatter(
        coords[:, 0],
        coords[:, 1],
        c=values,
        cmap=ME_CMAP,
        vmin=vmin,
        vmax=vmax,
        s=12,
        lw=0.4,
        edgecolor="k",
    )
    fig.colorbar(im, ax=ax, label=label)
    ax.set_xlabel("$x_{comp}$")
    ax.set_ylabel("$x_{struct}$")
    return fig


def composition_near(
    table: pd.DataFrame,
    coords: np.ndarray,
    xy: Sequence[float],
    k: int = 30,
    structures: Sequence[Any] | None = None,
    top: int = 20,
):
    """Fig. 8: element frequencies and Li / O fractions of the ``k`` materials nearest to ``xy``."""
    plt = _plt()
    idx, _ = nearest(np.asarray(coords, float), xy, k)
    counts = element_counts(element_sets(table, structures), idx).head(top)
    fig, axs = plt.subplots(
        1, 3, figsize=(12, 3.4), constrained_layout=True, gridspec_kw={"width_ratios": [2, 1, 1]}
    )
    axs[0].bar(counts.index, counts.to_numpy(), color="C0")
    axs[0].set_ylabel("materials")
    axs[0].set_title(f"elements of the {len(idx)} materials nearest to ({xy[0]:.2f}, {xy[1]:.2f})")
    centres = 0.5 * (FRACTION_BINS[:-1] + FRACTION_BINS[1:])
    for ax, col, name, colour in (
        (axs[1], "li_fraction", "Li", "C3"),
        (axs[2], "o_fraction", "O", "C0"),
    ):
        h = fraction_histogram(table[col].to_numpy(float), idx)
        ax.bar(centres, h, width=FRACTION_BINS[1] - FRACTION_BINS[0], color=colour)
        ax.set_xlabel(f"{name} molar fraction")
        ax.set_xlim(0, 1)
    return fig


def save_png(result: Any, path: str | os.PathLike, dpi: int = 150) -> Path:
    """A static PNG of a map (Fig. 7 style): predicted-target background + points coloured by it
    (:func:`map_figure`), written atomically."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ._util import write_bytes_atomic

    fig = map_figure(result)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return write_bytes_atomic(path, buf.getvalue())


def map_figure(result: Any):
    """The map as a matplotlib figure: the predicted target as background, faded where the map
    has no materials (``result.support``), points coloured by the target, one marker shape per
    ``source`` (with a legend) when the map holds real and generated materials."""
    plt = _plt()
    table = result.table
    y = table[result.target].to_numpy(dtype=float) if result.target in table else None
    finite = np.isfinite(result.grid)
    vals = [result.grid[finite]] + ([y[np.isfinite(y)]] if y is not None else [])
    vmin, vmax = (float(np.min(np.concatenate(vals))), float(np.max(np.concatenate(vals))))

    fig, ax = plt.subplots(figsize=(7.5, 6.2), layout="constrained")
    # the background fades where the map has no materials (MapResult.support, as the widget)
    support = getattr(result, "support", None)
    alpha = 0.55 if support is None else 0.55 * np.clip(np.asarray(support, float), 0, 1)
    im = ax.imshow(
        result.grid,
        extent=result.extent,
        origin="lower",
        aspect="auto",
        cmap="viridis",
        vmin=vmin,
        vmax=vmax,
        alpha=alpha,
        interpolation="nearest",
    )
    # real and generated materials on one map: one marker shape per source, with a legend
    sources = table["source"].astype(str).to_numpy() if "source" in table else None
    groups = (
        [(name, sources == name) for name in sorted(set(sources))]
        if sources is not None and len(set(sources)) > 1
        else [(None, np.ones(len(table), bool))]
    )
    shapes = "osD^v"
    for k, (name, m) in enumerate(groups):
        # coloured by the target and outlined; groups after the first: larger, thicker outline
        style = (
            {
                "c": y[m],
                "cmap": "viridis",
                "vmin": vmin,
                "vmax": vmax,
                "s": 10 if k == 0 else 16,
                "edgecolors": "black",
                "linewidths": 0.25 if k == 0 else 0.6,
            }
            if y is not None
            else {"c": "black", "s": 8}
        )
        ax.scatter(
            result.coords[m, 0],
            result.coords[m, 1],
            marker=shapes[k % len(shapes)],
            label=None if name is None else f"{name} ({int(m.sum())})",
            **style,
        )
    if len(groups) > 1:
        ax.legend(title="source", loc="best", fontsize=8, title_fontsize=8, framealpha=0.8)
    ax.set_xlim(result.extent[:2])
    ax.set_ylim(result.extent[2:])
    ax.set_xlabel("x_comp (compositional axis)")
    ax.set_ylabel("x_struct (structural axis)")
    ax.set_title(f"materials map: {len(table)} materials, background = predicted {result.target}")
    fig.colorbar(
        im, ax=ax, label=f"{result.target} (eV)" if "energy" in result.target else result.target
    )
    return fig
