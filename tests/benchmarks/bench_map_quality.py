"""Map quality of the default model against the paper preset and two baselines (issue #23).

On the embedded ``li-o`` map (every descriptor column and each map axis z-scored, as
embedding papers measure; ``materials_map.model.quality``), for several seeds of the 80/20
split and the weights:

* kNN5: share of each material's 5 nearest map neighbours with its structure type;
* trust: ``sklearn.manifold.trustworthiness(descriptors, coords, n_neighbors=10)``;
* held-out: for the 20 % held out, the same share among their 5 nearest *training* materials
  on the map, minus that share in descriptor space (0 = the map places the unseen as well as
  the descriptors do);
* span: the central 90 % of materials over the whole range of each axis;
* sil3 (W = 0): silhouette of garnet / NASICON / perovskite (paper Fig. 6b);
* held-out reconstruction R² (paper scaling) of generated and of real (OBELiX) rows, ME R²,
  and the training time (the paper preset is the time baseline, ratio printed).

Baselines: PCA (one component per branch) and 1-D t-SNE per branch (not parametric: they
place only the rows they were fitted on, so they have no held-out placement).

    .venv/bin/python tests/benchmarks/bench_map_quality.py [--seeds 0 1 2] [--weights 0.3 1 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def data():
    """(comp, struct, ME, structure types, sources, training weights) of the li-o map."""
    from materials_map import datasets
    from materials_map.features.batch import featurize
    from materials_map.model.weights import training_weights

    ds = datasets.load("li-o")
    X = featurize(ds, progress=False)
    df = ds.df.set_index(ds.df["id"].astype(str)).loc[np.asarray(X.ids).astype(str)]
    y = pd.to_numeric(df["migration_energy"], errors="coerce").to_numpy(float)
    return (
        X,
        y,
        df["structure_type"].to_numpy(str),
        df["source"].to_numpy(str),
        training_weights(ds),
    )


def r2_rows(model, X, rows) -> tuple[float, float]:
    if not len(rows):
        return float("nan"), float("nan")
    s = model.score_reconstruction((X.comp[rows], X.struct[rows]))
    return s["comp"], s["struct"]


def scores(model, X, y, types, sources, seconds: float) -> dict[str, float]:
    from sklearn.metrics import r2_score

    from materials_map.model.quality import family_silhouette, map_quality

    coords = model.transform(X)
    te = model.test_index_
    q = map_quality(coords, X.comp, X.struct, types, held_out=te)
    gen, real = te[sources[te] == "generated"], te[sources[te] != "generated"]
    lab = te[np.isfinite(y[te])]
    return {
        "knn5": q["knn"],
        "trust": q["trust"],
        "held_out_gap": q["held_out_map"] - q["held_out_descriptors"],
        "span_comp": q["span_comp"],
        "span_struct": q["span_struct"],
        "sil3": family_silhouette(coords, types),
        "r2_gen_comp": r2_rows(model, X, gen)[0],
        "r2_gen_struct": r2_rows(model, X, gen)[1],
        "r2_real_comp": r2_rows(model, X, real)[0],
        "r2_real_struct": r2_rows(model, X, real)[1],
        "r2_me": float(r2_score(y[lab], model.predict((X.comp[lab], X.struct[lab])))),
        "seconds": seconds,
    }


def baselines(X, types) -> list[dict]:
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    from materials_map.model.embedding import standardise
    from materials_map.model.quality import family_silhouette, map_quality

    out = []
    for name, fn in (
        ("PCA per branch", lambda a, s: PCA(1, random_state=s).fit_transform(standardise(a))),
        (
            "1-D t-SNE per branch",
            lambda a, s: TSNE(1, perplexity=30, init="pca", random_state=s).fit_transform(
                standardise(a)
            ),
        ),
    ):
        for seed in (0, 1, 2):
            coords = np.hstack([fn(X.comp, seed), fn(X.struct, seed)])
            q = map_quality(coords, X.comp, X.struct, types)
            out.append(
                {
                    "model": name,
                    "seed": seed,
                    "knn5": q["knn"],
                    "trust": q["trust"],
                    "span_comp": q["span_comp"],
                    "span_struct": q["span_struct"],
                    "sil3": family_silhouette(coords, types),
                }
            )
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--weights", type=float, nargs="+", default=[], help="extra neighbour weights")
    ap.add_argument("--json", type=Path, help="append every row to this JSON-lines file")
    args = ap.parse_args(argv)
    from materials_map.model.estimator import MapModel

    X, y, types, sources, weights = data()
    specs = [("paper preset", MapModel.paper()), ("default", MapModel())]
    specs.append(("default, W = 0", MapModel(w=0.0)))
    specs += [(f"neighbour_weight = {g:g}", MapModel(neighbour_weight=g)) for g in args.weights]
    rows = baselines(X, types)
    for seed in args.seeds:
        for name, est in specs:
            est = est.set_params(random_state=seed, progress=False)
            t0 = time.perf_counter()
            est.fit(X, y, sample_weight=weights)
            row = {
                "model": name,
                "seed": seed,
                **scores(est, X, y, types, sources, time.perf_counter() - t0),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
            if args.json:
                with args.json.open("a") as f:
                    f.write(json.dumps(row) + "\n")
    table = pd.DataFrame(rows)
    agg = table.drop(columns="seed").groupby("model", sort=False).agg(["mean", "std"])
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 40)
    print(agg.round(3).to_string())
    paper = table.loc[table["model"] == "paper preset", "seconds"].mean()
    default = table.loc[table["model"] == "default", "seconds"].mean()
    print(
        f"training time, default / paper preset: {default / paper:.2f}x ({default:.0f} s vs {paper:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
