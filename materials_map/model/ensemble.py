"""How sure is the map's background? An ensemble of target heads that share the map.

Every member is a small network ``(x_comp, x_struct) -> target`` trained on the *fixed* 2-D
codes of one fitted :class:`~materials_map.MapModel`, so all members live on the same map
(independent autoencoders would not share coordinates). Members differ by

* a bootstrap resample of the training rows (data uncertainty, as a bagged ensemble), and
* a fixed random "prior" network added to each member's output (randomised prior functions,
  Osband et al., NeurIPS 2018): where there are data the trainable part learns to cancel its
  prior; away from the data the priors are left as they are, so the members disagree more
  the further a coordinate is from the training codes.

The predictive standard deviation adds the label noise to the members' spread. With
``noise="constant"`` the noise variance is one number, estimated from out-of-bag residuals
(each row predicted by the members that did not draw it); with ``noise="learned"`` each
member also predicts a log-variance and is trained by Gaussian likelihood (Lakshminarayanan
et al., NeurIPS 2017). All members train together as one batched network, full batch, a fixed
number of epochs: seconds for a thousand rows on one CPU thread, and bit-for-bit repeatable
for a given ``random_state``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import NotFittedError

from . import _files
from .autoencoder import ACTIVATIONS

FORMAT = "materials-map/HeadEnsemble"
FORMAT_VERSION = "1"
_CHUNK = 8192


def _as_coords(coords: Any, what: str = "coords") -> np.ndarray:
    c = np.asarray(coords, dtype=float)
    if c.ndim == 1 and c.size == 2:
        c = c[None, :]
    if c.ndim != 2 or c.shape[1] != 2:
        raise ValueError(f"{what} must be (n, 2) map coordinates (x_comp, x_struct), got {c.shape}")
    bad = np.flatnonzero(~np.isfinite(c).all(axis=1))
    if bad.size:
        raise ValueError(f"{what}: rows {bad[:10].tolist()} are not finite")
    return c


class HeadEnsemble(_files.SafetensorsFile, RegressorMixin, BaseEstimator):
    """Bootstrapped target heads on fixed map coordinates, with randomised priors.

    Parameters
    ----------
    n_members : number of heads.
    hidden : hidden-layer widths of each head (the map model's own head uses (16, 16)).
    activation : ``"elu"`` (default), ``"relu"``, ``"leaky_relu"``, ``"tanh"`` or ``"silu"``.
    prior_scale : weight of each member's fixed random prior network (0: plain bootstrap).
    noise : ``"constant"`` (out-of-bag residual variance) or ``"learned"`` (per-coordinate
        variance head, Gaussian likelihood).
    max_epochs : full-batch Adam steps (no early stopping: the fit is a fixed computation).
    learning_rate, weight_decay : Adam settings.
    bootstrap : resample the rows of each member (``False``: members differ by seed only).
    random_state : seed of the resamples and of the initial and prior weights.
    n_threads : CPU threads torch may use while fitting (``None``: torch's own setting).

    Attributes (after fit)
    ----------------------
    n_train_ : labelled rows used
    noise_var_ : label-noise variance in target units squared (``noise="constant"``)
    x_mean_, x_scale_, y_mean_, y_scale_ : the standardisation of coordinates and target
    weights_, priors_ : per-layer ``(weight (M, a, b), bias (M, 1, b))`` arrays
    """

    def __init__(
        self,
        n_members: int = 16,
        hidden: Sequence[int] = (16, 16),
        activation: str = "elu",
        prior_scale: float = 1.0,
        noise: str = "constant",
        max_epochs: int = 400,
        learning_rate: float = 1e-2,
        weight_decay: float = 1e-4,
        bootstrap: bool = True,
        random_state: int | None = 0,
        n_threads: int | None = 1,
    ) -> None:
        self.n_members = n_members
        self.hidden = hidden
        self.activation = activation
        self.prior_scale = prior_scale
        self.noise = noise
        self.max_epochs = max_epochs
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.bootstrap = bootstrap
        self.random_state = random_state
        self.n_threads = n_threads

    # ------------------------------------------------------------------ fitting
    def _check_params(self) -> None:
        if int(self.n_members) < 2:
            raise ValueError(f"n_members must be at least 2, got {self.n_members}")
        if self.noise not in ("constant", "learned"):
            raise ValueError(f"noise must be 'constant' or 'learned', got {self.noise!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"activation {self.activation!r} unknown; choose one of {sorted(ACTIVATIONS)}"
            )
        if int(self.max_epochs) < 1:
            raise ValueError(f"max_epochs must be a positive integer, got {self.max_epochs}")
        if self.prior_scale < 0:
            raise ValueError(f"prior_scale must be >= 0, got {self.prior_scale}")

    def fit(self, coords: Any, y: Any) -> HeadEnsemble:
        """Train on map coordinates ``(n, 2)`` and target ``y`` (NaN rows are skipped)."""
        self._check_params()
        c = _as_coords(coords)
        t = np.asarray(y, dtype=float).reshape(-1)
        if len(t) != len(c):
            raise ValueError(f"y has {len(t)} values but coords has {len(c)} rows")
        keep = np.isfinite(t)
        c, t = c[keep], t[keep]
        if len(t) < 3:
            raise ValueError(f"need at least 3 labelled rows to fit an ensemble, got {len(t)}")
        seed = 0 if self.random_state is None else int(self.random_state)
        self.x_mean_ = c.mean(axis=0)
        self.x_scale_ = np.where(c.std(axis=0) > 0, c.std(axis=0), 1.0)
        self.y_mean_ = float(t.mean())
        self.y_scale_ = float(t.std()) or 1.0
        self.n_train_ = len(t)
        m, n = int(self.n_members), len(t)
        rng = np.random.default_rng(seed)
        if self.bootstrap:
            counts = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(m)])
        else:
            counts = np.ones((m, n), dtype=int)
        gen = torch.Generator().manual_seed(seed)
        n_out = 2 if self.noise == "learned" else 1
        sizes = [2, *[int(h) for h in self.hidden], n_out]
        weights, priors = [], []
        for a, b in zip(sizes[:-1], sizes[1:], strict=True):
            weights.append([torch.randn(m, a, b, generator=gen) / np.sqrt(a), torch.zeros(m, 1, b)])
            # the prior only shifts the mean output; its own variance head is never used
            priors.append(
                [
                    torch.randn(m, a, b, generator=gen) / np.sqrt(a),
                    0.5 * torch.randn(m, 1, b, generator=gen),
                ]
            )
        x = torch.as_tensor((c - self.x_mean_) / self.x_scale_, dtype=torch.float32)
        target = torch.as_tensor((t - self.y_mean_) / self.y_scale_, dtype=torch.float32)
        w = torch.as_tensor(counts, dtype=torch.float32)
        threads = torch.get_num_threads()
        if self.n_threads:
            torch.set_num_threads(int(self.n_threads))
        try:
            self._train(weights, priors, x, target, w)
        finally:
            torch.set_num_threads(threads)
        self.weights_ = [(wt.detach().numpy(), bs.detach().numpy()) for wt, bs in weights]
        self.priors_ = [(wt.numpy(), bs.numpy()) for wt, bs in priors]
        self.noise_var_ = 0.0  # the members alone first; then the out-of-bag estimate
        if self.noise == "constant":
            self.noise_var_ = self._oob_noise(c, t, counts)
        return self

    def _forward(self, layers: list, x: torch.Tensor) -> torch.Tensor:
        act = ACTIVATIONS[self.activation]()
        h = x.expand(len(layers[0][0]), -1, -1)
        for i, (wt, bs) in enumerate(layers):
            h = torch.baddbmm(bs, h, wt)
            if i < len(layers) - 1:
                h = act(h)
        return h

    def _train(self, weights, priors, x, target, w) -> None:
        params = [p.requires_grad_() for layer in weights for p in layer]
        opt = torch.optim.Adam(
            params, lr=float(self.learning_rate), weight_decay=float(self.weight_decay)
        )
        with torch.no_grad():
            prior_mean = self._forward(priors, x)[..., 0] * float(self.prior_scale)
        # a few MSE steps first: likelihood training from a random start is unstable
        warm = int(self.max_epochs) // 4 if self.noise == "learned" else int(self.max_epochs)
        total = w.sum()
        for epoch in range(int(self.max_epochs)):
            out = self._forward(weights, x)
            mean = out[..., 0] + prior_mean
            if epoch < warm:
                loss_rows = (mean - target) ** 2
            else:
                log_var = out[..., 1].clamp(-10.0, 6.0)
                loss_rows = 0.5 * (log_var + (mean - target) ** 2 * torch.exp(-log_var))
            loss = (loss_rows * w).sum() / total
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

    def _oob_noise(self, c: np.ndarray, t: np.ndarray, counts: np.ndarray) -> float:
        """Label-noise variance from out-of-bag residuals minus the members' own spread."""
        means, _ = self._members(c)
        oob = counts == 0
        if not self.bootstrap or not oob.any(axis=0).any():
            resid = t - means.mean(axis=0)  # in-sample: an underestimate, said in the docs
            return float(np.mean(resid**2))
        n_oob = oob.sum(axis=0)
        ok = n_oob > 0
        oob_mean = (means * oob).sum(axis=0)[ok] / n_oob[ok]
        resid2 = (t[ok] - oob_mean) ** 2
        spread2 = means.var(axis=0)[ok]
        return float(max(np.mean(resid2) - np.mean(spread2), 1e-12 * self.y_scale_**2))

    # ------------------------------------------------------------------ using
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "weights_")

    def _check_fitted(self) -> None:
        if not hasattr(self, "weights_"):
            raise NotFittedError(
                "this HeadEnsemble is not fitted yet; call fit(coords, y) or HeadEnsemble.load(path)"
            )

    @torch.no_grad()
    def _members(self, coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-member means and noise variances ``(M, n)`` in target units."""
        weights = [(torch.as_tensor(a), torch.as_tensor(b)) for a, b in self.weights_]
        priors = [(torch.as_tensor(a), torch.as_tensor(b)) for a, b in self.priors_]
        means, variances = [], []
        for start in range(0, max(len(coords), 1), _CHUNK):
            part = (coords[start : start + _CHUNK] - self.x_mean_) / self.x_scale_
            x = torch.as_tensor(part, dtype=torch.float32)
            out = self._forward(weights, x)
            mean = out[..., 0] + float(self.prior_scale) * self._forward(priors, x)[..., 0]
            means.append(mean.numpy().astype(float) * self.y_scale_ + self.y_mean_)
            if self.noise == "learned":
                var = torch.exp(out[..., 1].clamp(-10.0, 6.0)).numpy().astype(float)
                variances.append(var * self.y_scale_**2)
        mean = np.concatenate(means, axis=1)
        if self.noise == "learned":
            return mean, np.concatenate(variances, axis=1)
        return mean, np.full_like(mean, self.noise_var_)

    def predict_members(self, coords: Any) -> np.ndarray:
        """Each member's prediction, ``(n_members, n)``."""
        self._check_fitted()
        return self._members(_as_coords(coords))[0]

    def spread(self, coords: Any) -> np.ndarray:
        """Standard deviation of the members' predictions (model uncertainty only)."""
        return self.predict_members(coords).std(axis=0)

    def predict(self, coords: Any, return_std: bool = False) -> Any:
        """Ensemble mean at ``coords``; with ``return_std`` also the predictive standard
        deviation ``sqrt(members' variance + noise variance)`` (what :meth:`calibration`
        checks)."""
        self._check_fitted()
        means, noise = self._members(_as_coords(coords))
        mean = means.mean(axis=0)
        if not return_std:
            return mean
        return mean, np.sqrt(means.var(axis=0) + noise.mean(axis=0))

    def calibration(self, coords: Any, y: Any) -> dict[str, float]:
        """How often held-out labels fall inside the predicted ±1σ and ±2σ (≈ 0.683 and
        0.954 for a calibrated Gaussian), the R² of the mean and the mean Gaussian negative
        log-likelihood. Rows with NaN labels are skipped."""
        t = np.asarray(y, dtype=float).reshape(-1)
        c = _as_coords(coords)
        keep = np.isfinite(t)
        if not keep.any():
            raise ValueError("calibration needs at least one labelled row")
        mean, std = self.predict(c[keep], return_std=True)
        t = t[keep]
        z = np.abs(t - mean) / std
        ss = float(np.sum((t - t.mean()) ** 2))
        return {
            "n": int(keep.sum()),
            "within_1sigma": float(np.mean(z <= 1.0)),
            "within_2sigma": float(np.mean(z <= 2.0)),
            "r2": float(1.0 - np.sum((t - mean) ** 2) / ss) if ss > 0 else float("nan"),
            "nll": float(np.mean(0.5 * np.log(2 * np.pi * std**2) + 0.5 * z**2)),
            "median_std": float(np.median(std)),
        }

    # ------------------------------------------------------------------ persistence
    def to_bytes(self) -> bytes:
        """The fitted ensemble as safetensors bytes (no pickle)."""
        self._check_fitted()
        arrays = {}
        for i, ((w, b), (pw, pb)) in enumerate(zip(self.weights_, self.priors_, strict=True)):
            arrays.update({f"w{i}": w, f"b{i}": b, f"prior_w{i}": pw, f"prior_b{i}": pb})
        params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.get_params().items()}
        state = {
            "params": params,
            "n_layers": len(self.weights_),
            "x_mean_": self.x_mean_.tolist(),
            "x_scale_": self.x_scale_.tolist(),
            "y_mean_": self.y_mean_,
            "y_scale_": self.y_scale_,
            "noise_var_": self.noise_var_,
            "n_train_": self.n_train_,
        }
        return _files.pack(FORMAT, FORMAT_VERSION, arrays, state)

    @classmethod
    def from_bytes(cls, data: bytes, where: str = "<bytes>") -> HeadEnsemble:
        """Inverse of :meth:`to_bytes`; ``ValueError`` for damaged or foreign data."""
        arrays, state = _files.unpack(FORMAT, FORMAT_VERSION, data, where)
        try:
            params = dict(state["params"])
            params["hidden"] = tuple(params["hidden"])
            ens = cls(**params)
            n_layers = int(state["n_layers"])
            ens.weights_ = [(arrays[f"w{i}"], arrays[f"b{i}"]) for i in range(n_layers)]
            ens.priors_ = [(arrays[f"prior_w{i}"], arrays[f"prior_b{i}"]) for i in range(n_layers)]
            ens.x_mean_ = np.asarray(state["x_mean_"], dtype=float)
            ens.x_scale_ = np.asarray(state["x_scale_"], dtype=float)
            ens.y_mean_ = float(state["y_mean_"])
            ens.y_scale_ = float(state["y_scale_"])
            ens.noise_var_ = float(state["noise_var_"])
            ens.n_train_ = int(state["n_train_"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{where}: corrupted HeadEnsemble file (state: {exc!r})") from None
        return ens


def fit_on_map(
    model: Any, X: Any, y: Any, ensemble: HeadEnsemble | None = None
) -> tuple[HeadEnsemble, dict[str, float] | None]:
    """Fit an ensemble on the codes of a fitted ``model``'s *training* rows and report its
    calibration on the rows the model held out (``model.test_index_``), which neither the
    map nor the heads have seen. Returns ``(ensemble, calibration or None)``.

    ``ensemble`` is an unfitted :class:`HeadEnsemble` (default: ``HeadEnsemble(random_state=
    model.random_state_)``)."""
    coords = model.transform(X)
    t = np.asarray(y, dtype=float).reshape(-1)
    if len(t) != len(coords):
        raise ValueError(f"y has {len(t)} values but X has {len(coords)} rows")
    est = ensemble if ensemble is not None else HeadEnsemble(random_state=model.random_state_)
    train = np.asarray(getattr(model, "train_index_", np.arange(len(t))), dtype=int)
    test = np.asarray(getattr(model, "test_index_", np.zeros(0, int)), dtype=int)
    est.fit(coords[train], t[train])
    calib = None
    if test.size and np.isfinite(t[test]).any():
        calib = est.calibration(coords[test], t[test])
    return est, calib
