"""The map's decoders and target head inside a map document, so that a page without Python
(the standalone HTML, the ``.mmap`` viewer) decodes and predicts anywhere on the map.

Layout (the document's ``"model"`` key, outside the document's own checksum)::

    {"format": "materials-map/model", "version": 1,
     "sha256": "<hex of sha256(meta + '\\n' + data)>",
     "meta": "<JSON text>", "data": "<base64 of the arrays, each 4-byte aligned>"}

``meta["arrays"]`` gives each array's ``dtype``, ``shape`` and byte ``offset``: ``f32``;
``i16`` with ``scale`` (one f32 per row, value = q * scale: the decoders' output layers,
nearly all the weights, at 2 bytes a weight); ``u8`` with ``deflate`` (zlib stream). The
rest of ``meta`` says how they chain: ``layers`` (``comp``/``struct`` decoders from one
number, ``head`` from two; ``[w, b]`` per dense layer, ``w`` as (out, in), ``activation``
between layers, none after the last), ``unscale`` (original units = ``offset + scaled *
scale`` per column, read off the fitted scaler), ``target`` (the head's output -> target
units), optionally ``ensemble`` (the head ensemble: the prediction's spread) and
``descriptors`` (the map points' own descriptors, 8 bits over each block's range).
js/src/map/decoder.ts reads it; docs/explorer.md documents it for scripts.
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
        self.size = 0
        self.specs: dict[str, dict[str, Any]] = {}

    def _put(self, name: str, raw: bytes, dtype: str, shape: tuple, **extra: Any) -> str:
        self.specs[name] = {"dtype": dtype, "shape": list(shape), "offset": self.size, **extra}
        self.specs[name]["nbytes"] = len(raw)
        pad = b"\0" * (-len(raw) % 4)  # every array starts 4-byte aligned (Float32Array views)
        self.parts.append(raw + pad)
        self.size += len(raw) + len(pad)
        return name

    def f32(self, name: str, a: Any) -> str:
        a = np.asarray(a, dtype="<f4")
        return self._put(name, a.tobytes(), "f32", a.shape)

    def i16(self, name: str, a: Any) -> str:
        """Rows quantised to int16 with one float32 scale each (relative error <= 2**-16 of
        the row's largest weight)."""
        a = np.asarray(a, dtype=float)
        scale = (np.abs(a).max(axis=1) / 32767).astype(np.float32)
        scale[scale == 0] = 1.0
        q = np.round(a / scale[:, None]).astype("<i2")
        return self._put(name, q.tobytes(), "i16", q.shape, scale=self.f32(name + ".scale", scale))

    def u8_deflated(self, name: str, q: np.ndarray) -> str:
        return self._put(name, zlib.compress(q.tobytes(), 9), "u8", q.shape, deflate=True)


def _dense(arrays: _Arrays, name: str, seq: Any, quantize_last: bool) -> list[list[str]]:
    """The Linear layers of a torch ``Sequential`` as ``[w, b]`` array names."""
    linear = [m for m in seq if hasattr(m, "weight")]
    names = []
    for i, lin in enumerate(linear):
        w = lin.weight.detach().cpu().numpy()
        put = arrays.i16 if quantize_last and i == len(linear) - 1 else arrays.f32
        names.append([put(f"{name}.{i}.w", w), arrays.f32(f"{name}.{i}.b", lin.bias.detach())])
    return names


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
        "q": arrays.u8_deflated("descriptors", q),
        "lo": arrays.f32("descriptors.lo", lo),
        "hi": arrays.f32("descriptors.hi", hi),
        "order": arrays.f32("descriptors.order", order),
    }


def _ensemble(arrays: _Arrays, ens: Any) -> dict[str, Any]:
    def layers(prefix: str, pairs: list) -> list[list[str]]:
        return [
            [arrays.f32(f"{prefix}.{i}.w", w), arrays.f32(f"{prefix}.{i}.b", b)]
            for i, (w, b) in enumerate(pairs)
        ]

    return {
        "activation": ens.activation,
        "prior_scale": float(ens.prior_scale),
        "noise": ens.noise,
        "noise_var": float(ens.noise_var_),
        "x_mean": [float(v) for v in ens.x_mean_],
        "x_scale": [float(v) for v in ens.x_scale_],
        "y_mean": float(ens.y_mean_),
        "y_scale": float(ens.y_scale_),
        "layers": layers("ensemble", ens.weights_),
        "priors": layers("prior", ens.priors_),
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
            "comp": _dense(arrays, "comp", net.comp.decoder, quantize_last=True),
            "struct": _dense(arrays, "struct", net.struct.decoder, quantize_last=True),
            "head": _dense(arrays, "head", net.me, quantize_last=False),
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
    return {
        "format": FORMAT,
        "version": VERSION,
        "sha256": _digest(text, data),
        "meta": text,
        "data": data,
    }


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
