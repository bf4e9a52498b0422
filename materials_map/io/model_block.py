"""The map's decoders and target head inside a map document, so that a page without Python
(the standalone HTML, the ``.mmap`` viewer: js/src/map/decoder.ts) decodes and predicts
anywhere on the map. The layout is documented in docs/explorer.md ("The model block"): one
base64 byte string of arrays described by a JSON ``meta`` text, both under one SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from dataclasses import asdict
from typing import Any

import numpy as np

FORMAT = "materials-map/model"
#: 2 adds the int8 residual rows; version 1 blocks (int16 rows alone) still decode
VERSION = 2
#: decoding error, of a block's largest value, above which an output row gets a residual
RESIDUAL_ABOVE = 2e-4


def _digest(meta: str, data: str) -> str:
    return hashlib.sha256((meta + "\n" + data).encode()).hexdigest()


class _Arrays:
    """Collects arrays into one little-endian byte string and describes each in ``specs``."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.specs: dict[str, dict[str, Any]] = {}

    def put(self, name: str, raw: bytes, dtype: str, shape: tuple, **extra: Any) -> str:
        offset = sum(map(len, self.parts))
        self.specs[name] = {"dtype": dtype, "shape": list(shape), "offset": offset, **extra}
        self.specs[name]["nbytes"] = len(raw)
        self.parts.append(raw + b"\0" * (-len(raw) % 4))  # 4-byte aligned: Float32Array views
        return name

    def f32(self, name: str, a: Any) -> str:
        a = np.asarray(a, dtype="<f4")
        return self.put(name, a.tobytes(), "f32", a.shape)

    def i16(self, name: str, a: Any, residual: Any) -> str:
        """Rows quantised to int16 with one float32 scale each (error <= 2**-16 of the row's
        largest weight), and an int8 residual with its own scale on the rows ``residual``
        selects (error <= 2**-24): the decoders' output layers, nearly all the weights."""
        a = np.asarray(a, dtype=float)
        scale = (np.abs(a).max(axis=1, initial=1e-30) / 32767).astype(np.float32)
        q = np.round(a / scale[:, None]).astype("<i2")
        err = a - q * scale[:, None]
        spec = {"scale": self.f32(name + ".scale", scale)}
        if (rows := np.flatnonzero(residual(err))).size:
            rscale = (np.abs(err[rows]).max(axis=1, initial=1e-30) / 127).astype(np.float32)
            r, at = np.round(err[rows] / rscale[:, None]).astype("i1"), rows.astype("<i2")
            spec["residual"] = self.put(name + ".residual", r.tobytes(), "i8", r.shape)
            spec["residual_rows"] = self.put(name + ".rows", at.tobytes(), "i16", at.shape)
            spec["residual_scale"] = self.f32(name + ".residual_scale", rscale)
        return self.put(name, q.tobytes(), "i16", q.shape, **spec)

    def layers(self, name: str, pairs: list, residual: Any = None) -> list[list[str]]:
        """``[w, b]`` array names of dense layers given as (weight, bias) pairs; with
        ``residual`` (see :meth:`i16`) the last weight is quantised."""
        out = []
        for i, (w, b) in enumerate(pairs):
            last = residual is not None and i == len(pairs) - 1
            w = self.i16(f"{name}.{i}.w", w, residual) if last else self.f32(f"{name}.{i}.w", w)
            out.append([w, self.f32(f"{name}.{i}.b", b)])
        return out


def _dense(seq: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight, bias) of the Linear layers of a ``Sequential`` (model/autoencoder.py _mlp:
    Linear and activation layers alternate)."""
    return [(m.weight.detach().cpu().numpy(), m.bias.detach().cpu().numpy()) for m in seq[::2]]


def _unscale(model: Any) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per-column offset and scale of the fitted scaler's inverse, whatever scaler it is
    (per family, per column...), checked to be affine on a random probe."""
    n = (model.n_comp_, model.n_struct_)
    inverse = model.scaler_.inverse_transform
    zero, one = inverse(*(np.zeros((1, k)) for k in n)), inverse(*(np.ones((1, k)) for k in n))
    probe = [np.random.default_rng(0).uniform(-1, 2, (3, k)) for k in n]
    out = {}
    for b, (branch, got) in enumerate(zip(("comp", "struct"), inverse(*probe), strict=True)):
        out[branch] = offset, scale = zero[b][0], one[b][0] - zero[b][0]
        if not np.allclose(got, offset + probe[b] * scale, rtol=1e-9, atol=1e-12):
            raise ValueError(
                "the model's descriptor scaler is not affine (offset + value * scale per "
                "column), so its decoders cannot be stored in a document"
            )
    return out


def _decoder(arrays: _Arrays, model: Any, branch: str, unscale: dict, coords: Any) -> list:
    """A decoder's ``[w, b]`` layers; the int16 output rows get an int8 residual where their
    rounding alone moves the decoding by more than ``RESIDUAL_ABOVE`` of its block's largest
    value somewhere over the points' coordinates widened by their range on each side (every
    row without points)."""
    import torch

    seq = getattr(model.net_, branch).decoder
    if coords is None:
        return arrays.layers(branch, _dense(seq), lambda err: np.ones(len(err), bool))
    lo, hi = (f(coords[:, ("comp", "struct").index(branch)]) for f in (np.min, np.max))
    grid = torch.linspace(2 * lo - hi - 1e-3, 2 * hi - lo + 1e-3, 2001)[:, None]
    with torch.no_grad():
        h = seq[:-1](grid.to(model.device_)).cpu().double().numpy()
    (w, b), (offset, scale) = _dense(seq)[-1], unscale[branch]
    y = np.abs(offset + (h @ w.T + b) * scale)
    top = np.zeros_like(y)
    for blk in (blk for blk in model.blocks_ if blk.branch == branch):
        top[:, blk.slice] = y[:, blk.slice].max(axis=1, keepdims=True)
    return arrays.layers(
        branch, _dense(seq), lambda err: (np.abs(h @ err.T * scale) > RESIDUAL_ABOVE * top).any(0)
    )


def _descriptors(arrays: _Arrays, descriptors: Any, coords: np.ndarray, blocks: list) -> dict:
    """The points' descriptors in original units, 8 bits over each block's range (for drawing
    beside a decoded coordinate, not for computing), whatever the model's scaling. Rows are
    stored in the order of x_struct (``order``: the point of each stored row), which puts
    alike rows together and deflates a fifth smaller."""
    comp, struct = np.asarray(descriptors.comp, float), np.asarray(descriptors.struct, float)
    order = np.argsort(coords[:, 1], kind="stable")
    x = np.hstack([comp, struct])[order]
    q = np.zeros(x.shape, dtype=np.uint8)
    lo, hi = [], []
    for b in blocks:
        at = (comp.shape[1] if b.branch == "struct" else 0) + np.arange(b.start, b.stop)
        finite = x[:, at][np.isfinite(x[:, at])]
        lo.append(float(finite.min()) if finite.size else 0.0)
        hi.append(float(finite.max()) if finite.size else 0.0)
        span = (hi[-1] - lo[-1]) or 1.0  # NaN is drawn as the block's minimum
        q[:, at] = np.round(np.nan_to_num((x[:, at] - lo[-1]) / span) * 255)
    return {
        "q": arrays.put("descriptors", zlib.compress(q.tobytes()), "u8", q.shape, deflate=True),
        "lo": arrays.f32("descriptors.lo", lo),
        "hi": arrays.f32("descriptors.hi", hi),
        "order": arrays.f32("descriptors.order", order),
    }


def _ensemble(arrays: _Arrays, ens: Any) -> dict[str, Any]:
    return {
        **{k: float(getattr(ens, k + "_")) for k in ("noise_var", "y_mean", "y_scale")},
        **{k: [float(v) for v in getattr(ens, k + "_")] for k in ("x_mean", "x_scale")},
        "activation": ens.activation,
        "prior_scale": float(ens.prior_scale),
        "noise": ens.noise,
        "layers": arrays.layers("ensemble", ens.weights_),
        "priors": arrays.layers("prior", ens.priors_),
    }


def pack(
    model: Any, descriptors: Any = None, ensemble: Any = None, target: str | None = None
) -> dict[str, Any]:
    """The model block of a fitted :class:`~materials_map.MapModel`: its two decoders and
    target head, with ``descriptors`` (the map points' :class:`~materials_map.Descriptors`,
    row = point) and the head ``ensemble`` when given; ``target`` names the target."""
    from ..model.target import LOG_FLOOR, SOFTPLUS_BETA

    arrays, unscale = _Arrays(), _unscale(model)
    coords = (
        None if descriptors is None else model.transform((descriptors.comp, descriptors.struct))
    )
    meta: dict[str, Any] = {
        "activation": model.activation,
        "n_comp": int(model.n_comp_),
        "n_struct": int(model.n_struct_),
        "blocks": [asdict(b) for b in model.blocks_],
        "layers": {
            **{b: _decoder(arrays, model, b, unscale, coords) for b in unscale},
            "head": arrays.layers("head", _dense(model.net_.me)),
        },
        "unscale": {
            b: [arrays.f32(f"unscale.{b}.offset", o), arrays.f32(f"unscale.{b}.scale", s)]
            for b, (o, s) in unscale.items()
        },
        "target": None,
    }
    if model.has_target_:
        meta["target"] = {
            "name": target or "target",
            "transform": model._transform_kind(),  # older models resolve it from params
            "scale": float(model.y_scale_),
            "softplus_beta": SOFTPLUS_BETA,
            "log_floor": LOG_FLOOR,
        }
        if ensemble is not None:
            meta["ensemble"] = _ensemble(arrays, ensemble)
    if descriptors is not None:
        meta["descriptors"] = _descriptors(arrays, descriptors, coords, model.blocks_)
    meta["arrays"] = arrays.specs
    text = json.dumps(meta, separators=(",", ":"), allow_nan=False)
    data = base64.b64encode(b"".join(arrays.parts)).decode("ascii")
    return dict(format=FORMAT, version=VERSION, sha256=_digest(text, data), meta=text, data=data)


def problem(block: Any) -> str | None:
    """Why a stored model block cannot be used (no marker, other version, failed checksum),
    or ``None`` when it is intact."""
    if not isinstance(block, dict) or block.get("format") != FORMAT:
        return "the model block has no materials-map/model format marker"
    if block.get("version") not in (1, VERSION):
        return f"model block version {block.get('version')!r} is not 1 or {VERSION}"
    meta, data = block.get("meta"), block.get("data")
    if not isinstance(meta, str) or not isinstance(data, str):
        return "the model block has no meta and data text"
    if block.get("sha256") != _digest(meta, data):
        return "the model block failed its checksum (edited or damaged after saving)"
    return None
