"""The space the target head learns in: ``none`` (scaled target), ``softplus`` or ``log``
(the predicted barrier is then positive everywhere on the map, as a barrier must be)."""

from __future__ import annotations

import numpy as np

TARGET_TRANSFORMS = ("none", "softplus", "log", "auto")
# sharpness of the softplus: linear above ~y_scale_/SOFTPLUS_BETA, logarithmic below, so low
# barriers (the conductors) are spread out rather than squeezed against zero
SOFTPLUS_BETA = 10.0
LOG_FLOOR = 0.01  # "log": y / y_scale_ floored at 1 % before the log


def resolve_target_transform(kind: str, labelled: np.ndarray) -> str:
    """The transform a model uses: ``kind``, or for ``"auto"`` ``"softplus"`` when every
    labelled value is >= 0 (a barrier, a band gap) and ``"none"`` otherwise."""
    if kind not in TARGET_TRANSFORMS:
        raise ValueError(f"target_transform must be one of {TARGET_TRANSFORMS}, got {kind!r}")
    if kind == "auto":
        return "softplus" if labelled.size and bool(np.all(labelled >= 0)) else "none"
    if kind in ("softplus", "log") and labelled.size and bool(np.any(labelled < 0)):
        raise ValueError(
            f"target_transform={kind!r} needs a non-negative target; "
            f"{int(np.sum(labelled < 0))} labelled value(s) are negative"
        )
    return kind


def target_forward(y: np.ndarray, scale: float, kind: str) -> np.ndarray:
    """Target values -> the space the head learns (NaN stays NaN)."""
    x = np.asarray(y, dtype=float) / scale
    if kind == "none":
        return x
    b = SOFTPLUS_BETA
    with np.errstate(invalid="ignore"):
        if kind == "softplus":  # inverse of softplus_b(t) = log(1 + exp(b t)) / b
            xb = np.maximum(x, 1e-3) * b
            return np.where(xb > 30, xb, np.log(np.expm1(xb))) / b
        if kind == "log":
            return np.log(np.maximum(x, LOG_FLOOR)) / -np.log(LOG_FLOOR) + 1.0
    raise ValueError(f"unknown target transform {kind!r}")


def target_inverse(t: np.ndarray, scale: float, kind: str) -> np.ndarray:
    """The head's output -> target units (``"softplus"``/``"log"``: always > 0)."""
    t = np.asarray(t, dtype=float)
    if kind == "none":
        return t * scale
    if kind == "softplus":
        with np.errstate(invalid="ignore"):  # NaN (masked) rows stay NaN, as forward
            return np.logaddexp(0.0, SOFTPLUS_BETA * t) / SOFTPLUS_BETA * scale
    if kind == "log":
        return np.exp((t - 1.0) * -np.log(LOG_FLOOR)) * scale
    raise ValueError(f"unknown target transform {kind!r}")
