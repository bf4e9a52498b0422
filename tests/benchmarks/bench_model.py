"""MapModel training speed and memory on a 708 x (1785 + 858) problem (the paper's size).

Figures: wall time of ``fit`` until early stopping (paper settings: Adam, batch 16,
lr 1e-3, L2 1e-6, patience 80, 80/20 split; target <= 60 s on 2 CPU cores), epochs per
second, peak memory. Baseline measured in the same run: the same network trained by a
plain PyTorch loop (DataLoader + torch.optim.Adam defaults) for a fixed number of epochs;
the ratio compares epochs per second.

Data: the embedded default dataset when it and its featurization are available and have
that shape (``--data li-o``), else a synthetic problem of exactly that shape (1-D
manifolds per branch, see tests/model/model_data.py), which is the default.

    .venv/bin/python tests/benchmarks/bench_model.py [--quick] [--threads 2] [--data synthetic|li-o]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "model"))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def plain_torch_epochs(X, y, params: dict, epochs: int) -> float:
    """Epochs per second of a plain PyTorch loop over the same network and data."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    from materials_map.model.autoencoder import MapNet, map_losses

    torch.manual_seed(0)
    comp = torch.as_tensor(X.comp / np.abs(X.comp).max(), dtype=torch.float32)
    struct = torch.as_tensor(X.struct / np.abs(X.struct).max(), dtype=torch.float32)
    target = torch.as_tensor(y / np.nanmax(np.abs(y)), dtype=torch.float32)
    n_tr = int(0.8 * len(comp))
    loader = DataLoader(
        TensorDataset(comp[:n_tr], struct[:n_tr], target[:n_tr]), batch_size=16, shuffle=True
    )
    net = MapNet(
        comp.shape[1],
        struct.shape[1],
        params["hidden_comp"],
        params["hidden_struct"],
        params["hidden_me"],
        params["activation"],
    )
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-6)
    t0 = time.perf_counter()
    for _ in range(epochs):
        for c, s, t in loader:
            _, co, so, mo = net(c, s)
            loss = map_losses(c, s, t, co, so, mo, 0.1)["all"]
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            net(comp[n_tr:], struct[n_tr:])
    return epochs / (time.perf_counter() - t0)


def load_data(kind: str):
    if kind == "li-o":
        sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
        from bench_model_quality import default_li_o

        X, y, _ = default_li_o()
        return X, y, f"default li-o dataset ({len(X)} x ({X.comp.shape[1]} + {X.struct.shape[1]}))"
    from model_data import manifold_data

    # noise and a second hidden number per branch: like real descriptors, the held-out loss
    # levels off and early stopping ends the run
    X, y, _ = manifold_data(n=708, n_comp=1785, n_struct=858, seed=0, noise=0.05, extra=1.0)
    return X, y, "synthetic 708 x (1785 + 858)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="cap at 40 epochs (no early stop figure)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--progress", action="store_true", help="show the training progress bar")
    ap.add_argument("--data", choices=["synthetic", "li-o"], default="synthetic")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from materials_map.model.estimator import MapModel

    X, y, label = load_data(args.data)
    rss_data = _current_rss_mb()
    model = MapModel(random_state=0, progress=args.progress, max_epochs=40 if args.quick else 2000)
    p = model.get_params()
    t0 = time.perf_counter()
    model.fit(X, y)
    fit_s = time.perf_counter() - t0
    peak = _rss_mb()
    eps = model.n_epochs_ / fit_s
    base_eps = plain_torch_epochs(X, y, p, epochs=5 if args.quick else 15)
    r2 = model.score_reconstruction(X[model.test_index_])
    t0 = time.perf_counter()
    model.transform(X)
    transform_s = time.perf_counter() - t0

    print(f"MapModel fit on {label}, {args.threads} threads, torch {torch.__version__}")
    print(
        f"hidden comp {p['hidden_comp']}, struct {p['hidden_struct']}, me {p['hidden_me']}, {p['activation']}"
    )
    rows = [
        ("epochs run (best epoch)", f"{model.n_epochs_} ({model.best_epoch_})", ""),
        (
            "wall time to early stop [s]" if not args.quick else "wall time, 40 epochs [s]",
            f"{fit_s:.1f}",
            "target <= 60" if not args.quick else "",
        ),
        ("epochs / s, MapModel.fit", f"{eps:.2f}", ""),
        (
            "epochs / s, plain torch loop (baseline)",
            f"{base_eps:.2f}",
            f"ratio {eps / base_eps:.2f}x",
        ),
        ("transform all rows [ms]", f"{transform_s * 1e3:.1f}", ""),
        ("RSS after loading data [MB]", f"{rss_data:.0f}", ""),
        ("peak RSS during fit [MB]", f"{peak:.0f}", f"+{peak - rss_data:.0f} for training"),
        ("R² comp / struct (test rows)", f"{r2['comp']:.3f} / {r2['struct']:.3f}", ""),
    ]
    w = max(len(r[0]) for r in rows)
    for name, val, note in rows:
        print(f"  {name:<{w}}  {val:>12}  {note}")


if __name__ == "__main__":
    main()
