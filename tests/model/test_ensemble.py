"""HeadEnsemble (uncertainty of the map's background) and the plausibility layers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from materials_map.model.ensemble import HeadEnsemble, fit_on_map
from materials_map.model.plausibility import (
    coordinate_scale,
    cycle_distance,
    cycle_distance_grid,
    kernel_average,
    kernel_average_grid,
)

FAST = dict(n_members=8, max_epochs=250)


def _smooth(c: np.ndarray) -> np.ndarray:
    return np.sin(2.0 * c[:, 0]) + 0.5 * c[:, 1] ** 2


@pytest.fixture(scope="module")
def noisy():
    """Points in the unit square, a smooth target plus Gaussian noise of sd 0.1."""
    rng = np.random.default_rng(3)
    c = rng.uniform(0, 1, size=(900, 2))
    y = _smooth(c) + 0.1 * rng.normal(size=len(c))
    return c, y


@pytest.fixture(scope="module")
def fitted_ens(noisy):
    c, y = noisy
    return HeadEnsemble(random_state=0, **FAST).fit(c[:500], y[:500])


def test_deterministic_for_a_seed(noisy, fitted_ens):
    c, y = noisy
    again = HeadEnsemble(random_state=0, **FAST).fit(c[:500], y[:500])
    q = c[500:]
    np.testing.assert_array_equal(again.predict_members(q), fitted_ens.predict_members(q))
    other = HeadEnsemble(random_state=1, **FAST).fit(c[:500], y[:500])
    assert np.abs(other.predict_members(q) - fitted_ens.predict_members(q)).max() > 1e-3


def test_calibrated_on_known_noise(noisy, fitted_ens):
    """Held-out rows: about 68 % / 95 % inside ±1σ / ±2σ when the noise is Gaussian, and the
    estimated noise is the true 0.1."""
    c, y = noisy
    cal = fitted_ens.calibration(c[500:], y[500:])
    assert cal["n"] == 400
    assert 0.60 <= cal["within_1sigma"] <= 0.78, cal
    assert 0.90 <= cal["within_2sigma"] <= 0.99, cal
    assert np.sqrt(fitted_ens.noise_var_) == pytest.approx(0.1, rel=0.25)
    assert cal["r2"] > 0.9


def test_spread_grows_away_from_the_data(fitted_ens):
    centre = fitted_ens.spread([[0.5, 0.5]])[0]
    corners = fitted_ens.spread([[-1.0, -1.0], [2.0, 2.0], [-1.0, 2.0], [2.0, -1.0]])
    assert corners.min() > 3 * centre, (centre, corners)
    _, std = fitted_ens.predict([[0.5, 0.5], [2.0, 2.0]], return_std=True)
    assert std[1] > std[0]


def test_prior_makes_the_difference(noisy):
    """Without the random priors (plain bootstrap) the members agree more far away."""
    c, y = noisy
    far = [[2.5, 2.5], [-1.5, -1.5]]
    plain = HeadEnsemble(random_state=0, prior_scale=0.0, **FAST).fit(c[:500], y[:500])
    prior = HeadEnsemble(random_state=0, prior_scale=1.0, **FAST).fit(c[:500], y[:500])
    assert prior.spread(far).mean() > plain.spread(far).mean()


def test_learned_noise_follows_heteroscedastic_labels():
    rng = np.random.default_rng(5)
    c = rng.uniform(0, 1, size=(800, 2))
    sd = np.where(c[:, 0] < 0.5, 0.05, 0.5)
    y = _smooth(c) + sd * rng.normal(size=len(c))
    ens = HeadEnsemble(random_state=0, noise="learned", **FAST).fit(c, y)
    _, std = ens.predict([[0.25, 0.5], [0.75, 0.5]], return_std=True)
    assert std[1] > 3 * std[0]


def test_save_load_round_trip(tmp_path, noisy, fitted_ens):
    c, _ = noisy
    path = fitted_ens.save(tmp_path / "ens.mensemble")
    back = HeadEnsemble.load(path)
    np.testing.assert_array_equal(back.predict_members(c), fitted_ens.predict_members(c))
    assert back.get_params() == fitted_ens.get_params()
    assert back.noise_var_ == fitted_ens.noise_var_
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0xFF  # one flipped byte in the weights
    (tmp_path / "bad.mensemble").write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="checksum"):
        HeadEnsemble.load(tmp_path / "bad.mensemble")
    with pytest.raises(ValueError, match="not a HeadEnsemble file"):
        HeadEnsemble.from_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")


def test_bad_input_is_named(noisy):
    c, y = noisy
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        HeadEnsemble().fit(np.ones((5, 3)), np.ones(5))
    with pytest.raises(ValueError, match="rows \\[1\\]"):
        HeadEnsemble().fit([[0, 0], [np.nan, 1], [1, 1]], [1, 2, 3])
    with pytest.raises(ValueError, match="noise"):
        HeadEnsemble(noise="loud").fit(c, y)
    ens = HeadEnsemble(random_state=0, **FAST).fit(
        c[:50], np.where(np.arange(50) % 2, np.nan, y[:50])
    )
    assert ens.n_train_ == 25  # NaN labels skipped


# ---------------------------------------------------------------- on a fitted map model
def test_fit_on_map_calibrates_on_held_out_rows(fitted, data):
    X, y, _ = data
    ens, cal = fit_on_map(fitted, X, y, HeadEnsemble(random_state=0, **FAST))
    assert ens.n_train_ == len(fitted.train_index_)
    assert cal["n"] == len(fitted.test_index_)
    assert cal["within_2sigma"] >= 0.8
    coords = fitted.transform(X)
    from materials_map.pipeline import prediction_grid

    _, extent = prediction_grid(fitted, coords, n=32)
    corners = np.array([[extent[a], extent[b]] for a in (0, 1) for b in (2, 3)])
    centre = np.median(coords[fitted.train_index_], axis=0)
    assert ens.spread(corners).max() > 2 * ens.spread(centre)[0]


def test_map_result_layers_and_cache(fitted, data, tmp_path, monkeypatch):
    from materials_map.datasets import MapDataset
    from materials_map.pipeline import map_result

    monkeypatch.setenv("MATERIALS_MAP_CACHE", str(tmp_path))
    X, y, _ = data
    ds = MapDataset(pd.DataFrame({"id": X.ids, "migration_energy": y}))
    r = map_result(ds, X, fitted, grid_size=40, classifier=None)
    assert r.info["ensemble"] == "trained"
    for g in (r.grid_mean, r.grid_std, r.grid_cycle, r.grid_recon):
        assert g.shape == r.grid.shape == (40, 40)
    assert (r.grid_std > 0).all()
    assert r.info["calibration"]["n"] == len(fitted.test_index_)
    # the ensemble mean and the model's own head tell the same story
    assert np.corrcoef(r.grid.ravel(), r.grid_mean.ravel())[0, 1] > 0.8
    again = map_result(ds, X, fitted, grid_size=40, classifier=None)
    assert again.info["ensemble"] == "loaded from cache"
    np.testing.assert_array_equal(again.grid_std, r.grid_std)
    none = map_result(ds, X, fitted, grid_size=40, uncertainty=False, classifier=None)
    assert none.grid_std is None and none.grid_cycle is not None


# ---------------------------------------------------------------- plausibility
def test_cycle_grid_matches_full_round_trip(fitted, data):
    X, _, _ = data
    coords = fitted.transform(X)
    s = coordinate_scale(coords)
    xs = np.linspace(coords[:, 0].min() - 1, coords[:, 0].max() + 1, 17)
    ys = np.linspace(coords[:, 1].min() - 1, coords[:, 1].max() + 1, 13)
    grid = cycle_distance_grid(fitted, xs, ys, s)
    gx, gy = np.meshgrid(xs, ys)
    full = cycle_distance(fitted, np.column_stack([gx.ravel(), gy.ravel()]), s)
    np.testing.assert_allclose(grid.ravel(), full, rtol=1e-5, atol=1e-7)


def test_cycle_small_on_the_data(fitted, data):
    """A material's own code survives decode -> encode far better than codes well outside
    the data."""
    X, _, _ = data
    coords = fitted.transform(X)
    s = coordinate_scale(coords)
    on = np.median(cycle_distance(fitted, coords, s))
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    far = np.array([lo - 3 * (hi - lo), hi + 3 * (hi - lo)])
    assert cycle_distance(fitted, far, s).min() > 5 * on


def test_kernel_average_grid_parity_and_empty_cells():
    rng = np.random.default_rng(0)
    p = rng.normal(size=(200, 2)) * [1.0, 3.0]
    v = p[:, 0] + rng.normal(size=200)
    xs, ys = np.linspace(-6, 6, 21), np.linspace(-18, 18, 19)
    grid = kernel_average_grid(p, v, xs, ys, bandwidth=0.3)
    gx, gy = np.meshgrid(xs, ys)
    flat = kernel_average(p, v, np.column_stack([gx.ravel(), gy.ravel()]), bandwidth=0.3)
    np.testing.assert_allclose(grid.ravel(), flat, rtol=1e-9, equal_nan=True)
    assert np.isnan(grid[0, 0]) and np.isfinite(grid[9, 10])
