"""How sure is the map? Calibration of the head ensemble and the superionic classifier table.

Part 1, the default map (``build_map("li-o")``, loaded from the cache after the first run):
fraction of held-out migration energies inside the ensemble's ±1σ / ±2σ, for the
out-of-bag ("constant") and the learned noise, and the ensemble spread in the grid's
corners over its spread at the centre of the data.

Part 2, SuperionicClassifier (σ > 1e-4 S/cm) on OBELiX (all entries with a CIF; ``--subsets
all,li-o`` adds the Li–O subset ``datasets.obelix.paper_li_o``), on our descriptors, on
CHGNet's element embeddings (the default), on both, and (``--features coordinates``) on the
2-D map coordinates of the default map: stratified 5-fold, 5-fold grouped by chemical system,
leave-one-cluster-out (clusters of compositions, ``model.validation``; with the number of
clusters where the model beats both controls) and the OBELiX published train/test split;
AUC-PR and MCC beside the shuffled-label (3 permutations per fold, 5 on the published split)
and mean-prediction controls; the calibration of the ensemble spread (grouped 5-fold). The baseline of every ratio is
the mean-prediction control measured in the same run. The reference paper's figures
(Digital Discovery 2025, its own 548-entry database, random 10 % test set) are printed
beside.

    .venv/bin/python tests/benchmarks/bench_superionic.py [--quick] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

OBELIX = Path(os.environ.get("MATERIALS_MAP_OBELIX", ROOT.parent / "shared" / "data" / "obelix"))
CACHE = Path(os.environ.get("MATERIALS_MAP_BENCH_CACHE", "/tmp/materials-map-bench-cache"))
REFERENCE = {  # Digital Discovery 2025, Fig. 6 and text: test partition (random 10 %)
    "AtomSets-V1 CAMNS ensemble": {"auc_pr": 0.86, "mcc": 0.60},
    "logistic regression, atomistic features": {"auc_pr": 0.80, "mcc": 0.26},
}


def default_map(train: bool):
    """The default map: ``build_map("li-o")`` (trains when no shipped or cached model has
    its key) with ``train``, else the shipped model file, newest first, on the same data."""
    from materials_map import datasets
    from materials_map.features.batch import featurize
    from materials_map.model.estimator import MapModel
    from materials_map.pipeline import SHIPPED_MODELS, build_map, map_result

    if train:
        return build_map("li-o", progress=False)
    files = sorted(SHIPPED_MODELS.glob("*.mmodel"), key=lambda p: p.stat().st_mtime)
    if not files:
        return build_map("li-o", progress=False)
    ds = datasets.load("li-o")
    X = featurize(ds, cache=CACHE / "descriptors", progress=False)
    info = {"model": "shipped", "model_path": files[-1].name}
    r = map_result(ds, X, MapModel.load(files[-1]), info=info)
    return r


_MAP: list = []


def _map(train: bool = False):
    if not _MAP:
        _MAP.append(default_map(train))
    return _MAP[0]


def calibration_part(quick: bool, train: bool) -> dict:
    """Part 1: the default map's head ensemble."""
    from materials_map.model.ensemble import HeadEnsemble, fit_on_map
    from materials_map.pipeline import grid_axes

    t0 = time.perf_counter()
    r = _map(train)
    build_s = time.perf_counter() - t0
    y = pd.to_numeric(r.dataset.df[r.target], errors="coerce").to_numpy(float)
    out = {
        "map": r.info.get("model"),
        "map_path": r.info.get("model_path", ""),
        "ensemble": r.info.get("ensemble"),
        "build_s": build_s,
    }
    rows = []
    for noise in ("constant", "learned"):
        t = time.process_time()
        ens, cal = fit_on_map(r.model, r.descriptors, y, HeadEnsemble(noise=noise, random_state=0))
        fit_cpu = time.process_time() - t
        xs, ys = grid_axes(r.extent, r.grid.shape)
        corners = np.array([[x, yy] for x in (xs[0], xs[-1]) for yy in (ys[0], ys[-1])])
        centre = np.median(r.coords[r.model.train_index_], axis=0)
        s_corner, s_centre = ens.spread(corners), ens.spread(centre)[0]
        rows.append(
            {
                "noise": noise,
                "n_held_out": cal["n"],
                "within_1sigma": cal["within_1sigma"],
                "within_2sigma": cal["within_2sigma"],
                "r2_mean": cal["r2"],
                "nll": cal["nll"],
                "median_sigma": cal["median_std"],
                "spread_corner/centre": float(s_corner.mean() / s_centre),
                "fit_cpu_s": fit_cpu,
            }
        )
        if quick:
            break
    head = r.model.predict_coords(r.coords[r.model.test_index_])
    yt = y[r.model.test_index_]
    ok = np.isfinite(yt)
    out["head_r2"] = float(
        1 - np.sum((yt[ok] - head[ok]) ** 2) / np.sum((yt[ok] - yt[ok].mean()) ** 2)
    )
    out["table"] = rows
    return out


def classifier_part(quick: bool, which: str = "learned", subsets: str = "all") -> pd.DataFrame:
    """Part 2: the classifier table. ``which``: "learned" (our descriptors, CHGNet's element
    embeddings, both), "coordinates" (the default map's 2 coordinates), "all" or a comma list
    of ``SuperionicClassifier`` features."""
    from pymatgen.core import Composition

    from materials_map.model.screening import obelix_training_set
    from materials_map.model.superionic import FEATURES, SuperionicClassifier
    from materials_map.model.validation import composition_clusters, evaluate, splits, summary

    params = dict(n_members=5, n_trees=30) if quick else {}
    records = []
    for subset, n_clusters in (("all", 10), ("li-o", 5)):
        if subset not in subsets.split(","):
            continue
        rows, X, y = obelix_training_set(OBELIX, subset, cache=CACHE / "descriptors")
        formulas = rows.df["true_composition"]
        groups = composition_clusters(formulas, n_clusters=n_clusters)
        systems = np.array([Composition(f).chemical_system for f in formulas])
        sizes = pd.Series(groups).value_counts().sort_index()
        pos = pd.Series(y).groupby(groups).mean().round(2)
        print(
            f"\n{subset}: {len(y)} entries, {y.mean():.1%} superionic, "
            f"{len(set(systems))} chemical systems; {n_clusters} composition clusters: sizes "
            f"{sizes.tolist()}, superionic fraction {pos.tolist()}",
            flush=True,
        )
        published = (
            np.flatnonzero(rows.df["split"].to_numpy() == "train"),
            np.flatnonzero(rows.df["split"].to_numpy() == "test"),
        )
        names = {"learned": "descriptors,embedding,both", "all": "descriptors,embedding,both,"}
        features = {n: (X, n) for n in names.get(which, which).split(",") if n in FEATURES}
        if which in ("coordinates", "all"):
            features["map coordinates"] = (_map().model.transform(X), "embedding")
        for fname, (F, kind) in features.items():
            schemes = {
                "5-fold": splits(y, "kfold", n_splits=5),
                "grouped 5-fold": splits(y, "group-kfold", systems, n_splits=5),
                "LOCO": splits(y, "loco", groups),
                "published split": [published],
            }
            for scheme, folds in schemes.items():
                t = time.perf_counter()
                # more shuffles where there is one split: one permutation is a noisy control
                shuffles = 1 if quick else (5 if scheme == "published split" else 3)
                table = evaluate(
                    lambda kind=kind: SuperionicClassifier(kind, random_state=0, **params),
                    F,
                    y,
                    folds,
                    n_shuffles=shuffles,
                )
                s = summary(table)
                seconds = time.perf_counter() - t
                # LOCO: clusters where the model beats both controls' AUC-PR
                per = table[(table["fold"] != "pooled") & table["auc_pr"].notna()]
                per = per.groupby(["fold", "kind"])["auc_pr"].mean().unstack()
                beats = int((per["model"] > per[["shuffled", "mean"]].max(axis=1)).sum())
                for kind_ in ("model", "shuffled", "mean"):
                    records.append(
                        {
                            "data": subset,
                            "n": len(y),
                            "features": fname,
                            "scheme": scheme,
                            "kind": kind_,
                            "folds": int(s.loc[kind_, "n_folds"]),
                            "folds_above_controls": beats,
                            "auc_pr": s.loc[kind_, "auc_pr_mean"],
                            "auc_pr_sd": s.loc[kind_, "auc_pr_std"],
                            "mcc": s.loc[kind_, "mcc_mean"],
                            "mcc_sd": s.loc[kind_, "mcc_std"],
                            "auc_pr_pooled": s.loc[kind_, "auc_pr_pooled"],
                            "mcc_pooled": s.loc[kind_, "mcc_pooled"],
                            "seconds": seconds,
                        }
                    )
                print(
                    pd.DataFrame(records[-3:])
                    .drop(columns=["data", "n", "seconds"])
                    .to_string(index=False, float_format="%.3f"),
                    flush=True,
                )
            spread_part(F, kind, y, splits(y, "group-kfold", systems, n_splits=5), params)
    return pd.DataFrame(records)


def spread_part(F, kind: str, y: np.ndarray, folds, params: dict) -> None:
    """Calibration of the ensemble spread on out-of-fold predictions (grouped 5-fold): error
    rate and Brier score per third of the rows by spread, and the probabilities' expected
    calibration error (10 bins)."""
    from materials_map.model.superionic import SuperionicClassifier

    p, sd = np.full(len(y), np.nan), np.full(len(y), np.nan)
    for train, test in folds:
        take = (lambda i: F[i]) if hasattr(F, "comp") else (lambda i: np.asarray(F)[i])
        c = SuperionicClassifier(kind, random_state=0, **params).fit(take(train), y[train])
        conf = c.predict_confidence(take(test))
        p[test], sd[test] = conf["p_superionic"], conf["p_superionic_std"]
    bins = np.minimum((p * 10).astype(int), 9)
    ece = sum(
        abs(p[bins == b].mean() - y[bins == b].mean()) * (bins == b).mean() for b in np.unique(bins)
    )
    print(f"spread calibration ({kind}, grouped 5-fold out-of-fold); ECE of p = {ece:.3f}")
    print(spread_calibration(y, p, sd).to_string(index=False, float_format="%.3f"), flush=True)


def spread_calibration(y: object, p: object, spread: object, n_bins: int = 3) -> pd.DataFrame:
    """Is the ensemble spread a confidence? Rows sorted by ``spread`` and cut into ``n_bins``
    equal groups; per group: ``n``, mean ``spread``, mean ``p``, ``positive_rate``,
    ``error_rate`` (``p > 0.5`` disagrees with ``y``) and ``brier`` ((p - y)² mean). A useful
    spread has error and Brier score rising from the first group to the last."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    spread = np.asarray(spread, dtype=float)
    rows = []
    for k, idx in enumerate(np.array_split(np.argsort(spread, kind="stable"), int(n_bins))):
        rows.append(
            {
                "group": k,
                "n": len(idx),
                "spread": spread[idx].mean(),
                "p": p[idx].mean(),
                "positive_rate": y[idx].mean(),
                "error_rate": ((p[idx] > 0.5) != (y[idx] > 0.5)).mean(),
                "brier": ((p[idx] - y[idx]) ** 2).mean(),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller ensembles, one noise model")
    ap.add_argument("--json", type=Path, help="write all figures to this JSON file")
    ap.add_argument("--train", action="store_true", help="build_map even if it must train")
    ap.add_argument(
        "--features",
        default="learned",
        help="learned (= descriptors,embedding,both), coordinates, all, or a comma list",
    )
    ap.add_argument("--subsets", default="all", help="comma list of all, li-o")
    ap.add_argument("--skip", action="append", default=[], choices=["calibration", "classifier"])
    args = ap.parse_args()
    out: dict = {}
    if "calibration" not in args.skip:
        print("== Part 1: head ensemble on the default map (held-out rows of the map model)")
        cal = calibration_part(args.quick, args.train)
        print(
            f"map: {cal['map']} {cal['map_path']}; ensemble: {cal['ensemble']}; map built in {cal['build_s']:.1f} s"
        )
        print(pd.DataFrame(cal["table"]).to_string(index=False, float_format="%.3f"))
        print(
            f"(a calibrated Gaussian: 0.683 / 0.954; the map model's own head R² = {cal['head_r2']:.3f})"
        )
        out["calibration"] = cal
    if "classifier" not in args.skip:
        if not (OBELIX / "all.csv").is_file():
            print(f"OBELiX not found at {OBELIX}; classifier part skipped")
        else:
            print("\n== Part 2: SuperionicClassifier on OBELiX (sigma > 1e-4 S/cm)")
            t = time.perf_counter()
            table = classifier_part(args.quick, args.features, args.subsets)
            wide = table.pivot_table(
                index=["data", "features", "scheme"],
                columns="kind",
                values=["auc_pr", "mcc"],
                sort=False,
            )
            wide[("auc_pr", "ratio vs mean")] = wide[("auc_pr", "model")] / wide[("auc_pr", "mean")]
            print("\n== Summary (fold means; baseline of the ratio = mean-prediction control)")
            print(wide.to_string(float_format="%.3f"))
            print("\nReference paper (its own database, random 10 % test set):")
            for name, v in REFERENCE.items():
                print(f"  {name}: AUC-PR {v['auc_pr']:.2f}, MCC {v['mcc']:.2f}")
            print(f"classifier part: {time.perf_counter() - t:.0f} s")
            out["classifier"] = table.to_dict("records")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, default=float))


if __name__ == "__main__":
    main()
