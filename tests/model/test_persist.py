"""save/load without pickle: identical outputs, damaged or edited files refused."""

from __future__ import annotations

import json

import numpy as np
import pytest

from materials_map.model.estimator import MapModel


@pytest.fixture()
def saved(fitted, tmp_path):
    return fitted.save(tmp_path / "model.safetensors")


def test_round_trip_identical_outputs(data, fitted, saved):
    X, y, _ = data
    raw = saved.read_bytes()
    header = json.loads(raw[8 : 8 + int.from_bytes(raw[:8], "little")])
    assert header["__metadata__"]["format"] == "materials-map/MapModel"  # plain safetensors
    m = MapModel.load(saved)
    assert m.get_params() == fitted.get_params()
    assert np.array_equal(m.transform(X), fitted.transform(X))
    assert np.array_equal(m.predict(X), fitted.predict(X))
    grid = np.random.default_rng(0).normal(size=(50, 2))
    assert np.array_equal(m.inverse_transform(grid).struct, fitted.inverse_transform(grid).struct)
    assert np.array_equal(m.test_index_, fitted.test_index_)
    assert m.blocks_ == fitted.blocks_ and m.columns_ == fitted.columns_
    assert np.allclose(m.history_.to_numpy(float), fitted.history_.to_numpy(float), equal_nan=True)
    assert m.score_reconstruction(X) == fitted.score_reconstruction(X)


def _flip(path, pos):
    b = bytearray(path.read_bytes())
    b[pos] ^= 0x01
    path.write_bytes(bytes(b))


def test_flipped_weight_bit_is_refused(saved):
    _flip(saved, len(saved.read_bytes()) - 10)  # inside the last tensor's data
    with pytest.raises(ValueError, match="checksum"):
        MapModel.load(saved)


def test_edited_metadata_is_refused(saved):
    raw = saved.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = raw[8 : 8 + n].decode()
    edited = header.replace('\\"w\\": 0.01', '\\"w\\": 0.09')
    assert edited != header and len(edited) == len(header)
    saved.write_bytes(raw[:8] + edited.encode() + raw[8 + n :])
    with pytest.raises(ValueError, match="checksum"):
        MapModel.load(saved)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda b: b[: len(b) // 2], "corrupted|invalid"),
        (lambda b: b"\x00" * 3, "too short"),
        (lambda b: b"PK\x03\x04" + b"\x00" * 100, "not a MapModel|invalid"),
        (lambda b: b[:8] + b"{not json" + b[17:], "corrupted"),
    ],
)
def test_damaged_files_give_clear_errors(saved, damage, message):
    saved.write_bytes(damage(saved.read_bytes()))
    with pytest.raises(ValueError, match=message) as err:
        MapModel.load(saved)
    assert str(saved) in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no MapModel file"):
        MapModel.load(tmp_path / "nope.safetensors")


def test_unfitted_model_cannot_be_saved(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MapModel().save(tmp_path / "m.safetensors")


def test_checksum_is_the_recipe_of_files_already_written(saved):
    """The shared _files.digest hashes a torch tensor's dtype as torch names it
    ('torch.float32'), as persist.py did before sharing it: saved models still load."""
    import hashlib

    from safetensors.torch import load as st_load

    raw = saved.read_bytes()
    meta = json.loads(raw[8 : 8 + int.from_bytes(raw[:8], "little")])["__metadata__"]
    tensors = st_load(raw)
    h = hashlib.sha256(
        json.dumps({k: v for k, v in meta.items() if k != "sha256"}, sort_keys=True).encode()
    )
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode() + t.numpy().tobytes())
    assert str(next(iter(tensors.values())).dtype).startswith("torch.")
    assert meta["sha256"] == h.hexdigest()
