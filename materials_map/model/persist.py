"""Saving and loading `MapModel` without pickle.

One ``.safetensors`` file: the network weights as tensors, everything else (parameters,
scaler, split, history) as JSON strings in the safetensors metadata, plus a SHA-256 over
both so that a corrupted or edited file is refused with a clear message (the container check
and checksum are ``_files.py``'s, shared with the other estimators of this layer). The
checksum guards integrity, not authenticity: nothing in the file is ever executed.
"""

from __future__ import annotations

import json
import warnings
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from .._util import write_bytes_atomic
from ..features.descriptors import Block
from . import _files, _scaling
from .autoencoder import resolve_device

if TYPE_CHECKING:
    from .estimator import MapModel

FORMAT = "materials-map/MapModel"
FORMAT_VERSION = "1"
_TUPLE_PARAMS = ("hidden_comp", "hidden_struct", "hidden_me")


def to_bytes(model: MapModel) -> bytes:
    """Serialise a fitted model to safetensors bytes."""
    model._check_fitted()
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.net_.state_dict().items()}
    params = model.get_params()
    params = {k: list(v) if k in _TUPLE_PARAMS else v for k, v in params.items()}
    fitted = {
        "random_state_": model.random_state_,
        "train_index_": model.train_index_.tolist(),
        "test_index_": model.test_index_.tolist(),
        "blocks_": [[b.name, b.branch, b.group, b.start, b.stop] for b in model.blocks_],
        "columns_": model.columns_,
        "n_comp_": model.n_comp_,
        "n_struct_": model.n_struct_,
        "has_target_": model.has_target_,
        "y_scale_": model.y_scale_,
        "target_transform_": getattr(model, "target_transform_", "none"),
        "best_epoch_": model.best_epoch_,
        "n_epochs_": model.n_epochs_,
    }
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "params": json.dumps(params),
        "fitted": json.dumps(fitted),
        "scaler": json.dumps(model.scaler_.to_dict()),
        "history": model.history_.to_json(orient="split", index=False),
    }
    metadata["sha256"] = _files.digest(metadata, tensors)
    return st_save(tensors, metadata=metadata)


def save_model(model: MapModel, path: Path) -> Path:
    """Write atomically: a temp file in the same folder, then ``os.replace``."""
    return write_bytes_atomic(path, to_bytes(model))


def from_bytes(cls: type[MapModel], data: bytes, where: str = "<bytes>") -> MapModel:
    """Inverse of :func:`to_bytes`; raises ``ValueError`` for damaged or edited data."""
    tensors, meta = _files.check(FORMAT, FORMAT_VERSION, data, where, st_load, "weights")
    try:
        return _restore(cls, meta, tensors, where)
    except ValueError:
        raise
    except (KeyError, TypeError, AttributeError, IndexError) as exc:  # a well-formed file
        # with a consistent checksum but the wrong content: written by something else
        raise ValueError(
            f"{where}: corrupted MapModel file (metadata: {type(exc).__name__}: {exc})"
        ) from None


def _restore(cls: type[MapModel], meta: dict[str, str], tensors: dict, where: str) -> MapModel:
    """The model from checked metadata and weights."""
    try:
        params = json.loads(meta["params"])
        fitted = json.loads(meta["fitted"])
        scaler = json.loads(meta["scaler"])
        history = pd.read_json(StringIO(meta["history"]), orient="split")
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{where}: corrupted MapModel file (metadata: {exc})") from None
    params = {k: tuple(v) if k in _TUPLE_PARAMS else v for k, v in params.items()}
    # files written before the neighbourhood term existed were trained without it
    params.setdefault("neighbour_weight", 0.0)
    params.setdefault("encoder_input", "scaled")
    if "verbose" in params:  # its old name, in files written before 0.1
        params["progress"] = params.pop("verbose")
    model = cls(**params)
    model.random_state_ = int(fitted["random_state_"])
    model.train_index_ = np.asarray(fitted["train_index_"], dtype=int)
    model.test_index_ = np.asarray(fitted["test_index_"], dtype=int)
    model.blocks_ = [
        Block(str(n), str(br), str(f), int(a), int(b)) for n, br, f, a, b in fitted["blocks_"]
    ]
    model.columns_ = {k: list(v) for k, v in fitted["columns_"].items()}
    model.n_comp_ = int(fitted["n_comp_"])
    model.n_struct_ = int(fitted["n_struct_"])
    model.has_target_ = bool(fitted["has_target_"])
    model.y_scale_ = float(fitted["y_scale_"])
    # files written before target_transform existed learnt y / y_scale_
    model.target_transform_ = str(fitted.get("target_transform_", "none"))
    model.best_epoch_ = int(fitted["best_epoch_"])
    model.n_epochs_ = int(fitted["n_epochs_"])
    model.history_ = history
    for b in scaler.get("blocks", []):  # files before 0.2 named a block's group "family"
        if "family" in b:
            b["group"] = b.pop("family")
    model.scaler_ = _scaling.scaler_from_dict(scaler)
    try:
        model.device_ = resolve_device(model.device)
    except ValueError as exc:
        warnings.warn(f"{exc}; loading on CPU", stacklevel=3)
        model.device_ = torch.device("cpu")
    net = model._build_net()
    for branch in ("comp", "struct"):  # files from before the encoders' input gain: ones
        tensors.setdefault(f"{branch}.input_gain", getattr(net, branch).input_gain.clone())
    try:
        net.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        raise ValueError(f"{where}: MapModel weights do not match its settings: {exc}") from None
    model.net_ = net.to(model.device_).eval()
    return model


def load_model(cls: type[MapModel], path: Path) -> MapModel:
    """Read a file written by :func:`save_model`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no MapModel file at {path}")
    return from_bytes(cls, path.read_bytes(), where=str(path))
