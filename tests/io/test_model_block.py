"""The model block of map documents (materials_map/io/model_block.py): what it stores decodes
and predicts as the fitted model does, for every activation and target transform; damaged
blocks are dropped with the reason while the map still opens.

A small numpy reader here reads the block as js/src/map/decoder.ts does, independently of
the package. ``python tests/io/test_model_block.py`` rewrites the vitest fixture
(js/tests/fixtures/model_block.json: blocks of small fitted models and what Python computes
with them), against which the TypeScript forward pass is tested.
"""

from __future__ import annotations

import base64
import json
import sys
import zlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from materials_map.io import model_block
from materials_map.io.document import MapDocument
from materials_map.model.ensemble import HeadEnsemble
from materials_map.model.estimator import MapModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "model"))
from model_data import manifold_data  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[2] / "js" / "tests" / "fixtures" / "model_block.json"
#: every activation and every target transform at least once
CASES = [
    ("elu", "softplus", "constant"),
    ("relu", "none", None),
    ("leaky_relu", "log", "learned"),
    ("tanh", "none", None),
    ("silu", "softplus", None),
]


# ----------------------------------------------------------------------------- numpy reader
def read(block: dict) -> tuple[dict, dict[str, np.ndarray]]:
    """The block's meta and arrays (i16 dequantised with their i8 residual rows, u8
    inflated), as the TS reader does."""
    assert model_block.problem(block) is None
    meta, raw = json.loads(block["meta"]), base64.b64decode(block["data"])
    arrays = {}
    for name, s in meta["arrays"].items():
        b = raw[s["offset"] : s["offset"] + s["nbytes"]]
        if s["dtype"] == "u8":
            arrays[name] = np.frombuffer(zlib.decompress(b) if s.get("deflate") else b, np.uint8)
        else:
            arrays[name] = np.frombuffer(
                b, {"f32": "<f4", "i16": "<i2", "i8": "i1"}[s["dtype"]]
            ).astype(float)
        arrays[name] = arrays[name].reshape(s["shape"])
    for name, s in meta["arrays"].items():
        if s["dtype"] == "i16" and "scale" in s:
            arrays[name] = arrays[name] * arrays[s["scale"]][:, None]
            if "residual" in s:
                rows = arrays[s["residual_rows"]].astype(int)
                arrays[name][rows] += arrays[s["residual"]] * arrays[s["residual_scale"]][:, None]
    return meta, arrays


ACT = {
    "relu": lambda v: np.maximum(v, 0),
    "leaky_relu": lambda v: np.where(v > 0, v, 0.01 * v),
    "elu": lambda v: np.where(v > 0, v, np.expm1(np.minimum(v, 0))),
    "tanh": np.tanh,
    "silu": lambda v: v / (1 + np.exp(-v)),
}


def dense(layers, arrays, act, x):
    for i, (w, b) in enumerate(layers):
        x = x @ arrays[w].T + arrays[b]
        x = act(x) if i < len(layers) - 1 else x
    return x


def decode(block: dict, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    meta, a = read(block)
    act, un = ACT[meta["activation"]], meta["unscale"]
    out = []
    for k, branch in enumerate(("comp", "struct")):
        scaled = dense(meta["layers"][branch], a, act, xy[:, k : k + 1])
        out.append(a[un[branch][0]] + scaled * a[un[branch][1]])
    return out[0], out[1]


def predict(block: dict, xy: np.ndarray) -> np.ndarray:
    meta, a = read(block)
    t, tg = dense(meta["layers"]["head"], a, ACT[meta["activation"]], xy)[:, 0], meta["target"]
    if tg["transform"] == "softplus":
        return np.logaddexp(0, tg["softplus_beta"] * t) / tg["softplus_beta"] * tg["scale"]
    if tg["transform"] == "log":
        return np.exp((t - 1) * -np.log(tg["log_floor"])) * tg["scale"]
    return t * tg["scale"]


def ensemble(block: dict, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    meta, a = read(block)
    e = meta["ensemble"]
    act = ACT[e["activation"]]
    x = (xy - np.array(e["x_mean"])) / np.array(e["x_scale"])

    def run(layers):
        h = np.broadcast_to(x, (a[layers[0][0]].shape[0], *x.shape))
        for i, (w, b) in enumerate(layers):
            h = h @ a[w] + a[b]
            h = act(h) if i < len(layers) - 1 else h
        return h

    out = run(e["layers"])
    means = (out[..., 0] + e["prior_scale"] * run(e["priors"])[..., 0]) * e["y_scale"] + e["y_mean"]
    if e["noise"] == "learned":
        noise = (np.exp(np.clip(out[..., 1], -10, 6)) * e["y_scale"] ** 2).mean(axis=0)
    else:
        noise = e["noise_var"]
    return means.mean(axis=0), np.sqrt(means.var(axis=0) + noise)


# ----------------------------------------------------------------------------- helpers
def fitted(activation: str, transform: str, noise: str | None, seed: int = 0):
    """A small fitted MapModel (+ head ensemble), its descriptors and coordinates to test at."""
    torch.set_num_threads(1)
    X, y, _ = manifold_data(n=60, n_comp=14, n_struct=12, seed=seed)
    model = MapModel(
        hidden_comp=(8, 4),
        hidden_struct=(8,),
        hidden_me=(6,),
        activation=activation,
        target_transform=transform,
        max_epochs=4,
        progress=False,
        random_state=seed,
    ).fit(X, y)
    ens = None
    if noise:
        ens = HeadEnsemble(n_members=4, hidden=(5,), noise=noise, max_epochs=20, activation="tanh")
        ens.fit(model.transform(X), y)
    coords = model.transform(X)
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    # inside the map and well beyond it: decoding is asked for anywhere
    xy = lo - 0.5 * (hi - lo) + np.random.default_rng(seed).random((20, 2)) * 2 * (hi - lo)
    return model, X, ens, xy


def block_relative_error(model, got: tuple, want) -> float:
    """Largest |error| of each block relative to that block's largest |value| per coordinate."""
    worst = 0.0
    for b in model.blocks_:
        g = got[0 if b.branch == "comp" else 1][:, b.slice]
        w = (want.comp if b.branch == "comp" else want.struct)[:, b.slice]
        scale = np.maximum(np.abs(w).max(axis=1, keepdims=True), 1e-12)
        worst = max(worst, float((np.abs(g - w) / scale).max()))
    return worst


# ----------------------------------------------------------------------------- tests
@pytest.mark.parametrize("activation, transform, noise", CASES)
def test_block_decodes_and_predicts_like_the_model(activation, transform, noise):
    model, X, ens, xy = fitted(activation, transform, noise)
    block = model_block.pack(model, X, ens, target="me")
    assert block_relative_error(model, decode(block, xy), model.inverse_transform(xy)) < 1e-3
    np.testing.assert_allclose(predict(block, xy), model.predict_coords(xy), rtol=1e-5, atol=1e-6)
    meta, arrays = read(block)
    assert meta["target"]["transform"] == transform and meta["activation"] == activation
    if ens is not None:
        mean, std = ensemble(block, xy)
        want_mean, want_std = ens.predict(xy, return_std=True)
        np.testing.assert_allclose(mean, want_mean, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(std, want_std, rtol=1e-5, atol=1e-6)
    # the points' descriptors: 8 bits over each block's range, rows in x_struct order
    order = arrays[meta["descriptors"]["order"]].astype(int)
    assert sorted(order) == list(range(len(X.comp)))
    back = stored_descriptors(meta, arrays, model)
    want = np.hstack([X.comp, X.struct])[order]
    for b in model.blocks_:
        at = np.arange(b.start, b.stop) + (model.n_comp_ if b.branch == "struct" else 0)
        span = np.ptp(want[:, at])
        assert np.abs(back[:, at] - want[:, at]).max() <= span / 510 * 1.001 + 1e-9


def stored_descriptors(meta: dict, arrays: dict, model) -> np.ndarray:
    """The stored descriptor rows in original units (stored order)."""
    d = meta["descriptors"]
    q, lo, hi = (arrays[d[k]] for k in ("q", "lo", "hi"))
    q = q.reshape(-1, model.n_comp_ + model.n_struct_) / 255
    cols = np.zeros(q.shape[1], int)
    for k, b in enumerate(model.blocks_):
        cols[np.arange(b.start, b.stop) + (model.n_comp_ if b.branch == "struct" else 0)] = k
    return lo[cols] + q * (hi - lo)[cols]


def test_default_map_size_and_parity():
    """The shipped default model: int16 output rows, with an int8 residual on the rows that
    need one, keep the decoding within 5e-4 of each block's largest value (issue 28 asks
    1e-3; int16 rows alone give 2.5e-3), and the block of its 796 points stays under 2 MB."""
    import materials_map.datasets as datasets

    data = Path(datasets.__file__).parent / "data"
    shipped = json.loads((data / "shipped.json").read_text())["li-o"]
    model = MapModel.load(data / shipped["model"]["file"])
    npz = np.load(data / shipped["descriptors"]["file"], allow_pickle=False)
    X = (npz["comp"], npz["struct"])
    block = model_block.pack(model, SimpleNamespace(comp=X[0], struct=X[1]))
    size = len(json.dumps(block, separators=(",", ":")))
    assert size < 2_000_000, size
    coords = model.transform(X)
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    xy = lo - 0.2 * (hi - lo) + np.random.default_rng(1).random((100, 2)) * 1.4 * (hi - lo)
    assert block_relative_error(model, decode(block, xy), model.inverse_transform(xy)) < 5e-4
    meta = json.loads(block["meta"])
    rows = [
        meta["arrays"][s["residual"]]["shape"][0]
        for s in meta["arrays"].values()
        if "residual" in s
    ]
    assert 0 < sum(rows) < (model.n_comp_ + model.n_struct_) / 2, rows  # only where needed
    np.testing.assert_allclose(predict(block, xy), model.predict_coords(xy), atol=1e-4)


def _document(block: dict | None) -> MapDocument:
    traits = {"coords": np.zeros(4, np.float32).tobytes(), "title": "t"}
    return MapDocument(traits=traits, metadata={"target": "me"}, model_block=block)


def as_version_1(block: dict) -> dict:
    """The block as materials-map wrote it before residual rows (version 1: int16 rows)."""
    meta = json.loads(block["meta"])
    for s in meta["arrays"].values():
        for key in ("residual", "residual_rows", "residual_scale"):
            s.pop(key, None)
    text = json.dumps(meta, separators=(",", ":"))
    return {**block, "version": 1, "meta": text, "sha256": model_block._digest(text, block["data"])}


def test_documents_keep_old_ones_readable_and_drop_damaged_blocks(tmp_path):
    model, X, ens, xy = fitted("elu", "none", "constant")
    block = model_block.pack(model, X, ens, target="me")
    back = MapDocument.load(_document(block).save(tmp_path / "m.mmap"))
    assert back.model_block == block
    assert MapDocument.load(_document(None).save(tmp_path / "old.mmap")).model_block is None
    # a version-1 block (int16 rows alone) still decodes, to its int16 precision; without
    # the points' coordinates to measure on, every output row gets a residual
    full = model_block.pack(model, None, ens, target="me")
    v1 = MapDocument.load(_document(as_version_1(full)).save(tmp_path / "v1.mmap")).model_block
    assert v1["version"] == 1 and '"residual"' not in v1["meta"]
    want = model.inverse_transform(xy)
    err = [block_relative_error(model, decode(b, xy), want) for b in (full, v1)]
    assert err[0] < 1e-5 < err[1] < 1e-3, err

    text = (tmp_path / "m.mmap").read_text()
    data = block["data"]
    flipped = data[:100] + ("A" if data[100] != "A" else "B") + data[101:]
    damaged = tmp_path / "damaged.mmap"
    damaged.write_text(text.replace(data, flipped))
    with pytest.warns(UserWarning, match="failed its checksum.*opens without decoding"):
        doc = MapDocument.load(damaged)
    assert doc.model_block is None and doc.traits["title"] == "t"
    # the rest of the document keeps its own checksum
    (tmp_path / "edited.mmap").write_text(text.replace('"title":"t"', '"title":"u"'))
    with pytest.raises(ValueError, match="checksum"):
        MapDocument.load(tmp_path / "edited.mmap")
    for bad, why in [
        ({**block, "format": "x"}, "format marker"),
        ({**block, "version": 3}, "version 3 is not 1 or 2"),
        ({**block, "meta": block["meta"].replace('"elu"', '"relu"')}, "checksum"),
    ]:
        assert why in model_block.problem(bad)


def test_a_scaler_that_is_not_affine_is_refused():
    model, X, _, _ = fitted("elu", "none", None)
    inverse = model.scaler_.inverse_transform
    model.scaler_.inverse_transform = lambda c, s: tuple(v**2 for v in inverse(c, s))
    with pytest.raises(ValueError, match="not affine"):
        model_block.pack(model)


def fixture_cases() -> list[dict]:
    """Blocks of small fitted models and what Python computes with them."""
    cases = []
    for seed, (activation, transform, noise) in enumerate(CASES):
        model, X, ens, xy = fitted(activation, transform, noise, seed=seed)
        want = model.inverse_transform(xy)
        case = {
            "name": f"{activation}-{transform}" + (f"-ensemble-{noise}" if noise else ""),
            "block": model_block.pack(model, X if seed < 2 else None, ens, target="me"),
            "coords": xy.tolist(),
            "comp": want.comp.tolist(),
            "struct": want.struct.tolist(),
            "predict": model.predict_coords(xy).tolist(),
        }
        if ens is not None:
            mean, std = ens.predict(xy, return_std=True)
            case.update(mean=mean.tolist(), std=std.tolist())
        if seed < 2:  # two points' descriptors as the reader sees them (original units)
            meta, a = read(case["block"])
            back = stored_descriptors(meta, a, model)
            order = list(a[meta["descriptors"]["order"]].astype(int))
            case["descriptor_rows"] = {
                str(i): back[order.index(i)].tolist() for i in (0, len(X.comp) - 1)
            }
        cases.append(case)
    return cases


def test_fixture_matches_the_format():
    """The committed vitest fixture reads back (numpy reader) to the numbers it records, so
    it tests the TS reader against the format this package writes."""
    cases = json.loads(FIXTURE.read_text())
    assert [c["name"].split("-")[0] for c in cases] == [c[0] for c in CASES]
    for c in cases:
        xy = np.array(c["coords"])
        comp, struct = decode(c["block"], xy)
        for got, want in ((comp, c["comp"]), (struct, c["struct"])):
            want = np.array(want)
            assert np.abs(got - want).max() <= 1e-3 * np.abs(want).max()
        np.testing.assert_allclose(predict(c["block"], xy), c["predict"], rtol=1e-5, atol=1e-6)


if __name__ == "__main__":
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(fixture_cases(), separators=(",", ":")) + "\n")
    print(f"wrote {FIXTURE} ({FIXTURE.stat().st_size} bytes)")
