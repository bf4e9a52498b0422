"""Torch modules of the materials-map autoencoder (paper Fig. 1).

Two branch autoencoders squeeze the compositional and the structural descriptor to one
number each (x_comp, x_struct) and decode them back; a small regression head maps
(x_comp, x_struct) to the migration energy. The losses follow Eqs. 1-4 of the paper:
reconstruction errors are summed over descriptor columns and averaged over samples, the
ME error is averaged over the *labelled* samples only, and
``loss_all = loss_comp + loss_struct + w * loss_me``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "tanh": nn.Tanh,
    "silu": nn.SiLU,
}


def _mlp(sizes: Sequence[int], activation: str) -> nn.Sequential:
    """Fully connected layers ``sizes[0] -> ... -> sizes[-1]``, activation between layers
    but not after the last one (codes and outputs stay linear)."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation {activation!r} unknown; choose one of {sorted(ACTIVATIONS)}")
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


class BranchAutoencoder(nn.Module):
    """Encoder ``n_in -> hidden... -> 1`` and mirrored decoder ``1 -> ...hidden -> n_in``."""

    def __init__(self, n_in: int, hidden: Sequence[int], activation: str = "elu") -> None:
        super().__init__()
        hidden = [int(h) for h in hidden]
        self.encoder = _mlp([n_in, *hidden, 1], activation)
        self.decoder = _mlp([1, *reversed(hidden), n_in], activation)
        # per-column factor on the encoder's input (ones: the paper); saved with the weights
        self.register_buffer("input_gain", torch.ones(n_in))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, n_in) -> (batch, 1) code."""
        return self.encoder(x * self.input_gain)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """(batch, 1) code -> (batch, n_in) reconstruction."""
        return self.decoder(z)


class MapNet(nn.Module):
    """The whole network of Fig. 1: two branch autoencoders plus the ME head."""

    def __init__(
        self,
        n_comp: int,
        n_struct: int,
        hidden_comp: Sequence[int],
        hidden_struct: Sequence[int],
        hidden_me: Sequence[int],
        activation: str = "elu",
    ) -> None:
        super().__init__()
        self.comp = BranchAutoencoder(n_comp, hidden_comp, activation)
        self.struct = BranchAutoencoder(n_struct, hidden_struct, activation)
        self.me = _mlp([2, *[int(h) for h in hidden_me], 1], activation)

    def encode(self, comp: torch.Tensor, struct: torch.Tensor) -> torch.Tensor:
        """Scaled descriptors -> (batch, 2) map coordinates (x_comp, x_struct)."""
        return torch.cat([self.comp.encode(comp), self.struct.encode(struct)], dim=1)

    def decode(self, coords: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(batch, 2) coordinates -> scaled (comp, struct) reconstructions."""
        return self.comp.decode(coords[:, :1]), self.struct.decode(coords[:, 1:2])

    def predict_me(self, coords: torch.Tensor) -> torch.Tensor:
        """(batch, 2) coordinates -> (batch,) scaled ME."""
        return self.me(coords).squeeze(1)

    def forward(self, comp: torch.Tensor, struct: torch.Tensor):
        """Returns ``(coords, comp_out, struct_out, me_out)``."""
        coords = self.encode(comp, struct)
        comp_out, struct_out = self.decode(coords)
        return coords, comp_out, struct_out, self.predict_me(coords)


def reconstruction_error(x, x_out, reduction: str = "mean"):
    """Per-row squared reconstruction error, averaged (``"mean"``) or summed over columns.

    Works on torch tensors and numpy arrays alike.
    """
    sq = (x_out - x) ** 2
    return sq.mean(axis=1) if reduction == "mean" else sq.sum(axis=1)


def map_losses(
    comp: torch.Tensor,
    struct: torch.Tensor,
    y: torch.Tensor,
    comp_out: torch.Tensor,
    struct_out: torch.Tensor,
    me_out: torch.Tensor,
    w: float,
    reduction: str = "mean",
    coords: torch.Tensor | None = None,
    code_target: torch.Tensor | None = None,
    neighbour_weight: float = 0.0,
) -> dict[str, torch.Tensor]:
    """Eqs. 1-4: reconstruction and target mean squared errors and their weighted sum.

    ``reduction="mean"`` averages the squared reconstruction errors over samples and
    columns (the usual MSE, as Keras/PyTorch compute it); ``"sum"`` sums over columns and
    averages over samples, Eq. 1 read literally, which makes each reconstruction term
    ~d times larger and so shifts the balance that ``w`` controls.

    ``y`` holds NaN for unlabelled rows; those rows add nothing to ``me`` (masked), so
    partly labelled data trains the reconstruction on every row. With no labelled row in
    the batch ``me`` is zero. Also returns ``n_me`` (labelled rows in the batch) so that
    epoch averages can be weighted correctly.

    ``neighbour`` (beyond the paper, ``model/embedding.py``) is the squared distance of the
    ``coords`` to their ``code_target`` (NaN rows, e.g. held-out ones, add nothing), summed
    over the two codes and averaged over the rows that have a target; it enters ``all``
    times ``neighbour_weight``.
    """
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
    loss_comp = reconstruction_error(comp, comp_out, reduction).mean()
    loss_struct = reconstruction_error(struct, struct_out, reduction).mean()
    # masked mean without boolean indexing: no host sync, same gradient
    labelled = ~torch.isnan(y)
    n_me = labelled.sum()
    sq = torch.where(labelled, me_out - torch.nan_to_num(y), torch.zeros_like(me_out)) ** 2
    loss_me = sq.sum() / n_me.clamp(min=1)
    loss_nb = torch.zeros((), device=comp.device)
    if neighbour_weight and code_target is not None and coords is not None:
        has = ~torch.isnan(code_target[:, 0])
        d = torch.where(has[:, None], coords - torch.nan_to_num(code_target), 0.0)
        loss_nb = (d**2).sum() / has.sum().clamp(min=1)
    return {
        "comp": loss_comp,
        "struct": loss_struct,
        "me": loss_me,
        "neighbour": loss_nb,
        "all": loss_comp + loss_struct + w * loss_me + neighbour_weight * loss_nb,
        "n_me": n_me,
    }


def resolve_device(device: str) -> torch.device:
    """``"cpu"``, ``"cuda"`` (error when missing) or ``"auto"`` (CUDA when available)."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} requested but CUDA is not available; use 'cpu' or 'auto'"
        )
    if device != "cpu" and not device.startswith("cuda"):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'auto', got {device!r}")
    return torch.device(device)
