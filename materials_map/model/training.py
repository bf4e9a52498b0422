"""The training loop of :class:`~materials_map.model.MapModel`: Adam on mini-batches, the
held-out loss monitored every epoch, early stopping with the best weights kept (paper)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch

from .autoencoder import map_losses


def _adam(net: torch.nn.Module, lr: float, weight_decay: float) -> torch.optim.Adam:
    """Adam with L2 penalty (paper); the fused kernel when this torch has it (many times
    faster on CPU for ~1M parameters, same arithmetic)."""
    try:
        return torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay)


def train_epochs(
    net: torch.nn.Module,
    data: dict,
    tr: np.ndarray,
    te: np.ndarray,
    gen: torch.Generator,
    *,
    eval_losses: Callable[[dict], dict[str, float]],
    w: float,
    neighbour_weight: float = 0.0,
    loss_reduction: str,
    batch_size: int,
    learning_rate: float,
    weight_decay: float,
    patience: int,
    max_epochs: int,
    progress: bool,
) -> tuple[pd.DataFrame, int]:
    """Train ``net`` in place on the rows ``tr`` of ``data`` (scaled tensors ``comp``,
    ``struct``, ``y``), monitoring the rows ``te`` (the training loss when there are none);
    returns the per-epoch loss table and the epoch whose weights were kept."""
    from tqdm.auto import tqdm

    device = data["comp"].device
    opt = _adam(net, learning_rate, weight_decay)
    train = {k: v[torch.as_tensor(tr, device=device)] for k, v in data.items()}
    val = {k: v[torch.as_tensor(te, device=device)] for k, v in data.items()} if te.size else None
    n_tr, bs = len(tr), batch_size
    best, best_state, best_epoch, wait = math.inf, None, 0, 0
    rows = []
    bar = tqdm(range(1, max_epochs + 1), disable=not progress, desc="MapModel", unit="epoch")
    for epoch in bar:
        net.train()
        perm = torch.randperm(n_tr, generator=gen).to(device)
        sums = torch.zeros(5, device=device)
        n_me = torch.zeros((), device=device)
        for start in range(0, n_tr, bs):
            idx = perm[start : start + bs]
            c, s, y = train["comp"][idx], train["struct"][idx], train["y"][idx]
            coords, c_out, s_out, me_out = net(c, s)
            target = train["code"][idx] if "code" in train else None
            losses = map_losses(
                c, s, y, c_out, s_out, me_out, w, loss_reduction, coords, target, neighbour_weight
            )
            opt.zero_grad(set_to_none=True)
            losses["all"].backward()
            opt.step()
            with torch.no_grad():
                k = len(idx)
                sums += torch.stack(
                    [
                        losses["comp"] * k,
                        losses["struct"] * k,
                        losses["me"] * losses["n_me"],
                        losses["all"] * k,
                        losses["neighbour"] * k,
                    ]
                )
                n_me += losses["n_me"]
        s = sums.cpu().numpy()
        row = {
            "epoch": epoch,
            "train_comp": s[0] / n_tr,
            "train_struct": s[1] / n_tr,
            "train_me": s[2] / float(n_me) if float(n_me) else float("nan"),
            "train_all": s[3] / n_tr,
            "train_neighbour": s[4] / n_tr,
        }
        if val is not None:
            row.update({f"val_{k}": v for k, v in eval_losses(val).items()})
        rows.append(row)
        monitor = row["val_all"] if val is not None else row["train_all"]
        if monitor < best:
            best, best_epoch, wait = monitor, epoch, 0
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        else:
            wait += 1
        if progress:
            bar.set_postfix(loss=f"{monitor:.4g}", best=f"{best:.4g}", wait=wait, refresh=False)
        if wait >= patience:
            break
    bar.close()
    if best_state is not None:
        net.load_state_dict(best_state)
    net.eval()
    return pd.DataFrame(rows), best_epoch
