"""`MapModel`: the materials-map autoencoder as a scikit-learn style estimator."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.metrics import r2_score

from ..features.descriptors import Descriptors
from . import _scaling, persist
from ._inputs import Parts, as_parts, as_target
from ._score import ScoreMixin
from .autoencoder import MapNet, map_losses, resolve_device
from .embedding import neighbour_targets
from .target import resolve_target_transform, target_forward, target_inverse
from .training import train_epochs

_LOSS_KEYS = ("comp", "struct", "me", "all")


class MapModel(ScoreMixin, TransformerMixin, BaseEstimator):
    """Two-branch autoencoder that maps materials to 2-D (x_comp, x_struct) coordinates.

    Compositional and structural descriptors are each encoded to one number and decoded
    back; a small head predicts the target (migration energy in the paper) from the two
    numbers. Loss = MSE_comp + MSE_struct + ``w`` * MSE_ME (Yamaguchi et al. 2023, Eq. 4).
    Rows whose target is NaN train the reconstruction only.

    Parameters
    ----------
    w : weight of the target loss (paper: 0.1; default 1.0, chosen with the neighbourhood
        term on the map-quality benchmark, docs/model.md).
    hidden_comp, hidden_struct : hidden-layer widths of each branch encoder (decoder mirrors
        them). Not published; defaults chosen by the search recorded in ``docs/model.md``
        (the structural branch deepened to (128, 64, 16) when the default map took in real
        materials: docs/model.md, "Real materials").
    hidden_me : hidden-layer widths of the target head.
    activation : ``"elu"`` (default), ``"relu"``, ``"leaky_relu"``, ``"tanh"`` or ``"silu"``.
    loss_reduction : ``"sum"`` (default): reconstruction error summed over descriptor
        columns, averaged over samples (Eq. 1 as printed); ``"mean"``: averaged over
        columns too (Keras-style MSE), which gives W far more weight. See docs/model.md.
    batch_size, learning_rate, weight_decay : Adam settings (paper: 16, 1e-3, L2 1e-6).
    patience : stop after this many epochs without a better held-out loss (paper: 80;
        default 200: the neighbourhood term makes the held-out loss slower to settle).
    max_epochs : hard cap on epochs.
    test_size : fraction of rows held out by :meth:`fit` (paper: 0.2); they drive early
        stopping, as in the paper, and are listed in ``test_index_``. ``0`` trains on all
        rows and stops on the training loss.
    random_state : seed of the split, the weight initialisation and the batch order.
    device : ``"cpu"`` (default), ``"cuda"`` or ``"auto"`` (CUDA when available).
    n_threads : CPU threads torch may use while training (default 1: batch-16 steps are too
        small to gain from more, and extra threads slow training down badly on a busy
        machine); ``None`` keeps torch's own setting.
    progress : show a progress bar while training (``verbose``, its old name, still works
        with a FutureWarning).
    neighbour_weight : weight of the neighbourhood term (beyond the paper; 0 = the paper's
        losses): each code is pulled towards a 1-D t-SNE of its branch's training rows
        (``model/embedding.py``), so that neighbours on the map are alike. Default 1.0.
    perplexity : perplexity of those t-SNE embeddings.
    encoder_input : ``"column"`` (default): the encoders see each column divided by its own
        training maximum; ``"scaled"``: they see the scaler's units, as the decoders (paper).
    target_transform : space in which the head learns the target. ``"none"`` (default):
        ``y / y_scale_``; ``"softplus"``: the inverse of a sharp softplus of ``y / y_scale_``
        (:func:`target_forward`), so every prediction is ``y_scale_ * softplus_b(head) > 0``
        (a barrier is never negative); ``"log"``: ``log`` of ``y / y_scale_`` floored at
        1 %; ``"auto"``: ``"softplus"`` when every labelled training value is >= 0, else
        ``"none"``. Losses (``losses``, the ME term of training) are in the transformed space.

    Attributes (after fit)
    ----------------------
    net_ : the trained :class:`~materials_map.model.autoencoder.MapNet`
    scaler_ : per-family max scaler of the descriptors (fitted on the training rows)
    y_scale_ : the target's scale (largest absolute labelled training value)
    target_transform_ : the transform used (``"auto"`` resolved)
    train_index_, test_index_ : row positions used for training / held out
    history_ : per-epoch losses (DataFrame)
    best_epoch_, n_epochs_ : epoch of the kept weights, epochs run
    """

    def __init__(
        self,
        w: float = 1.0,
        hidden_comp: Sequence[int] = (128, 16),
        hidden_struct: Sequence[int] = (128, 64, 16),
        hidden_me: Sequence[int] = (16, 16),
        activation: str = "elu",
        loss_reduction: str = "sum",
        batch_size: int = 16,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-6,
        patience: int = 200,
        max_epochs: int = 2000,
        test_size: float = 0.2,
        random_state: int | None = 0,
        device: str = "cpu",
        n_threads: int | None = 1,
        progress: bool = True,
        target_transform: str = "none",
        neighbour_weight: float = 1.0,
        perplexity: float = 30.0,
        encoder_input: str = "column",
        **deprecated: bool,
    ) -> None:
        if "verbose" in deprecated:  # the name the 0.1 notebooks and docs used (issue 24)
            msg = "MapModel(verbose=...) is deprecated: use progress=..."
            warnings.warn(msg, FutureWarning, stacklevel=2)
            progress = deprecated.pop("verbose")
        if deprecated:
            raise TypeError(f"MapModel got unexpected keyword arguments {sorted(deprecated)}")
        self.w = w
        self.hidden_comp = hidden_comp
        self.hidden_struct = hidden_struct
        self.hidden_me = hidden_me
        self.activation = activation
        self.loss_reduction = loss_reduction
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience
        self.max_epochs = max_epochs
        self.test_size = test_size
        self.random_state = random_state
        self.device = device
        self.n_threads = n_threads
        self.progress = progress
        self.target_transform = target_transform
        self.neighbour_weight = neighbour_weight
        self.perplexity = perplexity
        self.encoder_input = encoder_input

    @classmethod
    def paper(cls, **params) -> MapModel:
        """The paper's model (Yamaguchi et al. 2023): reconstruction and ME losses only, no
        neighbourhood term; ``params`` override any other setting."""
        paper = {"w": 0.1, "patience": 80, "neighbour_weight": 0.0, "encoder_input": "scaled"}
        return cls(**{**paper, **params})

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y=None, sample_weight=None) -> MapModel:
        """Train on descriptors ``X`` (Descriptors or ``(comp, struct)``) and target ``y``
        (NaN for unlabelled rows; ``None`` trains a pure autoencoder).

        ``sample_weight`` (optional, one non-negative number per row) acts as a repeat count
        in every training epoch: a row of weight 3 is seen three times per epoch, 0 never
        (it may still be held out); a fractional part is one more repeat drawn once per fit
        with the seed. The held-out loss that stops training is unweighted."""
        parts = as_parts(X)
        n = len(parts.comp)
        target = as_target(y, n)
        self._check_params(n)
        weight = _check_weights(sample_weight, n)
        seed = (
            int(self.random_state)
            if self.random_state is not None
            else int(np.random.SeedSequence().generate_state(1)[0])
        )
        self.random_state_ = seed
        n_test = int(round(self.test_size * n))
        order = np.random.default_rng(seed).permutation(n)
        self.test_index_ = np.sort(order[:n_test])
        self.train_index_ = np.sort(order[n_test:])
        tr, te = self.train_index_, self.test_index_
        # the rows each epoch trains on: the training rows, repeated by their weights
        epoch_rows = tr if weight is None else repeated_rows(tr, weight[tr], seed)
        if not len(epoch_rows):
            raise ValueError("every training row has sample_weight 0")

        self.blocks_ = list(parts.blocks)
        self.columns_ = {k: list(v) for k, v in parts.columns.items()}
        self.n_comp_, self.n_struct_ = parts.comp.shape[1], parts.struct.shape[1]
        self.scaler_ = _scaling.make_descriptor_scaler().fit(
            parts.comp[tr], parts.struct[tr], self.blocks_
        )
        labelled = target[tr][~np.isnan(target[tr])]
        self.has_target_ = bool(labelled.size)
        self.y_scale_ = float(np.max(np.abs(labelled))) if labelled.size else 1.0
        if self.y_scale_ == 0:
            self.y_scale_ = 1.0
        self.target_transform_ = resolve_target_transform(self.target_transform, labelled)

        self.device_ = resolve_device(self.device)
        comp_s, struct_s = self.scaler_.transform(parts.comp, parts.struct)
        t = self._tensors(comp_s, struct_s, self._forward_target(target))
        if self.neighbour_weight:
            code = np.full((n, 2), np.nan)
            code[tr] = neighbour_targets(parts.comp[tr], parts.struct[tr], self.perplexity, seed)
            t["code"] = torch.as_tensor(code, dtype=torch.float32, device=self.device_)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.net_ = self._build_net().to(self.device_)
        if self.encoder_input == "column":
            self._set_input_gain(comp_s[tr], struct_s[tr])
        gen = torch.Generator().manual_seed(seed)
        threads = torch.get_num_threads()
        if self.n_threads:
            torch.set_num_threads(int(self.n_threads))
        try:
            self._train(t, epoch_rows, te, gen)
        finally:
            torch.set_num_threads(threads)
        return self

    def _check_params(self, n: int) -> None:
        if not 0 <= self.test_size < 1:
            raise ValueError(f"test_size must be in [0, 1), got {self.test_size}")
        if int(round(self.test_size * n)) >= n or n < 2:
            raise ValueError(f"too few rows ({n}) to train with test_size={self.test_size}")
        for name in ("batch_size", "patience", "max_epochs"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)}")
        if self.encoder_input not in ("column", "scaled"):
            raise ValueError(
                f"encoder_input must be 'column' or 'scaled', got {self.encoder_input!r}"
            )
        if self.loss_reduction not in ("mean", "sum"):
            raise ValueError(f"loss_reduction must be 'mean' or 'sum', got {self.loss_reduction!r}")
        for name in ("w", "neighbour_weight"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")

    def _build_net(self) -> MapNet:
        return MapNet(
            self.n_comp_,
            self.n_struct_,
            tuple(self.hidden_comp),
            tuple(self.hidden_struct),
            tuple(self.hidden_me),
            self.activation,
        )

    def _set_input_gain(self, comp_s: np.ndarray, struct_s: np.ndarray) -> None:
        """Encoders see every column divided by its own training maximum (the decoders still
        reconstruct in the scaler's units), so small-valued columns that tell structure types
        apart reach the code (DESIGN.md §8)."""
        for branch, x in ((self.net_.comp, comp_s), (self.net_.struct, struct_s)):
            m = np.abs(x).max(axis=0)
            gain = 1.0 / np.where(m > 0, m, 1.0)
            branch.input_gain.copy_(torch.as_tensor(gain, dtype=torch.float32))

    def _tensors(self, comp_s: np.ndarray, struct_s: np.ndarray, y_s: np.ndarray) -> dict:
        def f(a):
            return torch.as_tensor(
                np.ascontiguousarray(a), dtype=torch.float32, device=self.device_
            )

        return {"comp": f(comp_s), "struct": f(struct_s), "y": f(y_s)}

    def _train(self, t: dict, tr: np.ndarray, te: np.ndarray, gen: torch.Generator) -> None:
        history, self.best_epoch_ = train_epochs(
            self.net_,
            t,
            tr,
            te,
            gen,
            eval_losses=self._eval_losses,
            w=float(self.w),
            neighbour_weight=float(self.neighbour_weight),
            loss_reduction=self.loss_reduction,
            batch_size=int(self.batch_size),
            learning_rate=self.learning_rate,
            weight_decay=self.weight_decay,
            patience=int(self.patience),
            max_epochs=int(self.max_epochs),
            progress=self.progress,
        )
        self.history_ = history
        self.n_epochs_ = len(history)

    @torch.no_grad()
    def _eval_losses(self, data: dict) -> dict[str, float]:
        """Eqs. 1-4 on a whole set of scaled rows, as floats (ME NaN when no row is labelled)."""
        self.net_.eval()
        _, c_out, s_out, me_out = self.net_(data["comp"], data["struct"])
        losses = map_losses(
            data["comp"],
            data["struct"],
            data["y"],
            c_out,
            s_out,
            me_out,
            float(self.w),
            self.loss_reduction,
        )
        out = {k: float(losses[k]) for k in _LOSS_KEYS}
        if int(losses["n_me"]) == 0:
            out["me"] = float("nan")
        return out

    # ------------------------------------------------------------------ target space
    def _transform_kind(self) -> str:
        # models saved before target_transform existed learnt y / y_scale_
        return getattr(self, "target_transform_", None) or (
            self.target_transform if self.target_transform != "auto" else "none"
        )

    def _forward_target(self, y: np.ndarray) -> np.ndarray:
        return target_forward(y, self.y_scale_, self._transform_kind())

    def _inverse_target(self, t: np.ndarray) -> np.ndarray:
        return target_inverse(t, self.y_scale_, self._transform_kind())

    # ------------------------------------------------------------------ using
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "net_")

    def _check_fitted(self) -> None:
        if not hasattr(self, "net_"):
            raise NotFittedError(
                "this MapModel is not fitted yet; call fit(X, y) or MapModel.load(path)"
            )

    def _scaled(self, X) -> tuple[Parts, np.ndarray, np.ndarray]:
        self._check_fitted()
        parts = as_parts(X)
        if parts.comp.shape[1] != self.n_comp_ or parts.struct.shape[1] != self.n_struct_:
            raise ValueError(
                f"X has {parts.comp.shape[1]} compositional and {parts.struct.shape[1]} structural "
                f"columns; the model was fitted on {self.n_comp_} and {self.n_struct_}"
            )
        comp_s, struct_s = self.scaler_.transform(parts.comp, parts.struct)
        return parts, comp_s, struct_s

    @torch.no_grad()
    def _run(self, fn, *arrays: np.ndarray, chunk: int = 4096) -> list[np.ndarray]:
        """Apply a tensor function in chunks; returns float64 numpy outputs."""
        self.net_.eval()
        n = len(arrays[0])
        outs: list[list[np.ndarray]] = []
        for start in range(0, max(n, 1), chunk):
            ts = [
                torch.as_tensor(
                    np.ascontiguousarray(a[start : start + chunk]),
                    dtype=torch.float32,
                    device=self.device_,
                )
                for a in arrays
            ]
            res = fn(*ts)
            res = res if isinstance(res, tuple) else (res,)
            outs.append([r.cpu().numpy().astype(float) for r in res])
        return [np.concatenate([o[i] for o in outs]) for i in range(len(outs[0]))]

    def transform(self, X) -> np.ndarray:
        """Map coordinates ``(n, 2)``: columns ``x_comp``, ``x_struct``."""
        _, comp_s, struct_s = self._scaled(X)
        return self._run(self.net_.encode, comp_s, struct_s)[0]

    def _coords(self, coords) -> np.ndarray:
        self._check_fitted()
        c = np.asarray(coords, dtype=float)
        if c.ndim == 1 and c.size == 2:
            c = c[None, :]
        if c.ndim != 2 or c.shape[1] != 2 or not np.isfinite(c).all():
            raise ValueError(
                f"coords must be finite (n, 2) values (x_comp, x_struct), got shape {c.shape}"
            )
        return c

    def decode_scaled(self, coords) -> tuple[np.ndarray, np.ndarray]:
        """Decoded ``(comp, struct)`` in the model's scaled units (what Fig. 3 plots)."""
        return tuple(self._run(self.net_.decode, self._coords(coords)))

    def inverse_transform(self, coords) -> Descriptors:
        """Decode coordinates ``(n, 2)`` to descriptors in original units.

        Returns a :class:`Descriptors` with the blocks and column names of the training data
        (ids ``"decoded-0"``, ...), so each block is ``d.comp[:, block.slice]`` or
        ``d.struct[:, block.slice]``.
        """
        comp_s, struct_s = self.decode_scaled(coords)
        comp, struct = self.scaler_.inverse_transform(comp_s, struct_s)
        ids = np.array([f"decoded-{i}" for i in range(len(comp))], dtype=object)
        return Descriptors(
            comp=comp, struct=struct, columns=self.columns_, blocks=self.blocks_, ids=ids
        )

    def predict_coords(self, coords) -> np.ndarray:
        """Target (ME) predicted by the head at arbitrary coordinates, original units."""
        c = self._coords(coords)
        if not self.has_target_:
            raise ValueError(
                "this MapModel was fitted without target values; predictions are meaningless"
            )
        return self._inverse_target(self._run(self.net_.predict_me, c)[0])

    def predict(self, X) -> np.ndarray:
        """Target (ME) predicted from descriptors, original units."""
        return self.predict_coords(self.transform(X))

    def reconstruct_scaled(self, X) -> dict[str, np.ndarray]:
        """Scaled inputs and their reconstructions: keys ``comp_in, comp_out, struct_in, struct_out``."""
        _, comp_s, struct_s = self._scaled(X)
        coords = self._run(self.net_.encode, comp_s, struct_s)[0]
        comp_out, struct_out = self._run(self.net_.decode, coords)
        return {
            "comp_in": comp_s,
            "comp_out": comp_out,
            "struct_in": struct_s,
            "struct_out": struct_out,
        }

    def score_reconstruction(self, X) -> dict[str, float]:
        """R² of the reconstruction over the flattened scaled descriptor values of the rows
        of ``X`` (paper Fig. 3a-b): ``{"comp": R², "struct": R²}``."""
        r = self.reconstruct_scaled(X)
        return {
            "comp": float(r2_score(r["comp_in"].ravel(), r["comp_out"].ravel())),
            "struct": float(r2_score(r["struct_in"].ravel(), r["struct_out"].ravel())),
        }

    def losses(self, X, y=None) -> dict[str, float]:
        """Eqs. 1-4 on the rows of ``X`` in scaled units: ``comp, struct, me, all``
        (``me`` NaN when no row is labelled)."""
        parts, comp_s, struct_s = self._scaled(X)
        target = self._forward_target(as_target(y, len(parts.comp)))
        return self._eval_losses(self._tensors(comp_s, struct_s, target))

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Write weights, scaler and settings to one ``.safetensors`` file (no pickle)."""
        return persist.save_model(self, Path(path))

    @classmethod
    def load(cls, path: str | Path) -> MapModel:
        """Read a file written by :meth:`save`; raises ``ValueError`` when it is corrupted,
        tampered with or not a MapModel file."""
        return persist.load_model(cls, Path(path))


def _check_weights(sample_weight, n: int) -> np.ndarray | None:
    """``sample_weight`` as a float array of length ``n`` (``None`` stays ``None``)."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=float).ravel()
    if w.shape != (n,):
        raise ValueError(f"sample_weight has {w.size} values for {n} rows")
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        raise ValueError(
            f"sample_weight must be finite and >= 0; row {int(bad[0])} has {w[bad[0]]!r}"
        )
    return w


def repeated_rows(rows: np.ndarray, weight: np.ndarray, seed: int) -> np.ndarray:
    """Training rows repeated by their weights: every row once, then the rows of weight >= 2
    once more, and so on (whole repeats); a fractional part adds one repeat with that
    probability (seeded). Weight 0 drops the row."""
    whole = np.floor(weight).astype(int)
    frac = weight - whole
    extra = np.random.default_rng([seed, 1]).random(len(rows)) < frac
    counts = whole + extra
    return np.concatenate(
        [rows[counts >= k] for k in range(1, int(counts.max(initial=0)) + 1)] or [rows[:0]]
    )
