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
VERSION = 1


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

    def i16(self, name: str, a: Any) -> str:
        """Rows quantised to int16 with one float32 scale each (error <= 2**-16 of the row's
        largest weight): the decoders' output layers, nearly all the weights."""
        a = np.asarray(a, dtype=float)
        scale = (np.abs(a).max(axis=1) / 32767).astype(np.float32)
        scale[scale == 0] = 1.0
        q = np.round(a / scale[:, None]).astype("<i2")
        return self.put(name, q.tobytes(), "i16", q.shape, scale=self.f32(name + ".scale", scale))

    def layers(self, name: str, pairs: list, quantize_last: bool = False) -> list[list[str]]:
        """``[w, b]`` array names of dense layers given as (weight, bias) pairs."""
        out = []
        for i, (w, b) in enumerate(pairs):
            put = self.i16 if quantize_last and i == len(pairs) - 1 else self.f32
            out.append([put(f"{name}.{i}.w", w), self.f32(f"{name}.{i}.b", b)])
        return out


def _dense(seq: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight, bias) of the Linear layers of a torch ``Sequential``."""
    return [
        (m.weight.detach().cpu().numpy(), m.bias.detach().cpu().numpy())
        for m in seq
        if hasattr(m, "weight")
    ]


def _unscale(arrays: _Arrays, model: Any) -> dict[str, list[str]]:
    """Per-column offset and scale of the fitted scaler's inverse, whatever scaler it is
    (per family, per column...), checked to be affine on a random probe."""
    n = (model.n_comp_, model.n_struct_)
    inverse = model.scaler_.inverse_transform
    zero, one = inverse(*(np.zeros((1, k)) for k in n)), inverse(*(np.ones((1, k)) for k in n))
    probe = [np.random.default_rng(0).uniform(-1, 2, (3, k)) for k in n]
    out = {}
    for b, (branch, got) in enumerate(zip(("comp", "struct"), inverse(*probe), strict=True)):
        offset, scale = zero[b][0], one[b][0] - zero[b][0]
        if not np.allclose(got, offset + probe[b] * scale, rtol=1e-9, atol=1e-12):
            raise ValueError(
                "the model's descriptor scaler is not affine (offset + value * scale per "
                "column), so its decoders cannot be stored in a document"
            )
        out[branch] = [
            arrays.f32(f"unscale.{branch}.offset", offset),
            arrays.f32(f"unscale.{branch}.scale", scale),
        ]
    return out


def _descriptors(arrays: _Arrays, model: Any, descriptors: Any) -> dict[str, Any]:
    """The points' descriptors in original units, 8 bits over each block's range (for drawing
    beside a decoded coordinate, not for computing), whatever the model's scaling. Rows are
    stored in the order of x_struct (``order``: the point of each stored row), which puts
    alike rows together and deflates a fifth smaller."""
    comp, struct = np.asarray(descriptors.comp, float), np.asarray(descriptors.struct, float)
    order = np.argsort(model.transform((comp, struct))[:, 1], kind="stable")
    x = np.hstack([comp, struct])[order]
    q = np.zeros(x.shape, dtype=np.uint8)
    lo, hi = [], []
    for b in model.blocks_:
        at = (model.n_comp_ if b.branch == "struct" else 0) + np.arange(b.start, b.stop)
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
    out = {k: float(getattr(ens, k + "_")) for k in ("noise_var", "y_mean", "y_scale")}
    out.update({k: [float(v) for v in getattr(ens, k + "_")] for k in ("x_mean", "x_scale")})
    return {
        **out,
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

    arrays = _Arrays()
    net = model.net_
    meta: dict[str, Any] = {
        "activation": model.activation,
        "n_comp": int(model.n_comp_),
        "n_struct": int(model.n_struct_),
        "blocks": [asdict(b) for b in model.blocks_],
        "layers": {
            "comp": arrays.layers("comp", _dense(net.comp.decoder), quantize_last=True),
            "struct": arrays.layers("struct", _dense(net.struct.decoder), quantize_last=True),
            "head": arrays.layers("head", _dense(net.me)),
        },
        "unscale": _unscale(arrays, model),
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
        meta["descriptors"] = _descriptors(arrays, model, descriptors)
    meta["arrays"] = arrays.specs
    text = json.dumps(meta, separators=(",", ":"), allow_nan=False)
    data = base64.b64encode(b"".join(arrays.parts)).decode("ascii")
    return dict(format=FORMAT, version=VERSION, sha256=_digest(text, data), meta=text, data=data)


def problem(block: Any) -> str | None:
    """Why a stored model block cannot be used (no marker, other version, failed checksum),
    or ``None`` when it is intact."""
    if not isinstance(block, dict) or block.get("format") != FORMAT:
        return "the model block has no materials-map/model format marker"
    if block.get("version") != VERSION:
        return f"model block version {block.get('version')!r} is not {VERSION}"
    meta, data = block.get("meta"), block.get("data")
    if not isinstance(meta, str) or not isinstance(data, str):
        return "the model block has no meta and data text"
    if block.get("sha256") != _digest(meta, data):
        return "the model block failed its checksum (edited or damaged after saving)"
    return None
