"""propose on a real map: rediscovery of a material left off the map, consistency of the table,
determinism, chemistry limits, regions, bad input."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from conftest import STRIDE

import materials_map as mm
import materials_map.design
from materials_map.design.chemistry import DEFAULT_ELEMENTS
from materials_map.design.known import matcher


def small_map_scale(c):
    """Per-axis standard deviation of the map the candidates were proposed on."""
    return c.designer.known.coords.std(axis=0)


FAST = {
    "rounds": 2,
    "per_round": 16,
    "volume_factors": (0.94, 1.06),
    "time_budget": 60.0,
    "progress": False,
}


@pytest.fixture(scope="module")
def held_row(lio):
    """A li-o material that is not on the small map: a single-ion decoration of li2zro3."""
    df = lio.df
    for i, row in df.iterrows():
        dec = json.loads(row["decoration"])
        if (
            i % STRIDE
            and row["prototype"] == "li2zro3"
            and all(v[-1] == "1/1" for v in dec.values())
        ):
            return row
    pytest.fail("no single-ion li2zro3 material off the small map")


@pytest.fixture(scope="module")
def at_held(held_row, shipped_model):
    X = mm.featurize([held_row["structure"]], progress=False)
    return shipped_model.transform(X)[0]


@pytest.fixture(scope="module")
def proposed(designer, at_held):
    return designer.propose(at=at_held, n=20, random_state=0, **FAST)


def test_rediscovers_a_material_left_off_the_map(proposed, held_row):
    """Asked at the coordinate of a li-o material that the map does not hold, the top 20
    contain a StructureMatcher match of it."""
    sm = matcher()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hits = [
            i for i, s in enumerate(proposed.df["structure"]) if sm.fit(s, held_row["structure"])
        ]
    assert hits, proposed.df[["formula", "provenance", "distance_nn"]].head(10).to_string()
    assert proposed.df["formula"].iloc[hits[0]] == held_row["structure"].composition.reduced_formula


def test_table_is_consistent_with_the_model(proposed, shipped_model, at_held):
    """Coordinates are what the model gives for the returned structures; rows are sorted by
    distance; predictions come from the model's head; checks are true."""
    df = proposed.df
    assert len(df) >= 10
    X = mm.featurize(list(df["structure"]), progress=False)
    np.testing.assert_allclose(shipped_model.transform(X), proposed.coords, atol=1e-6)
    scale = np.asarray(proposed.info["scale"])
    np.testing.assert_allclose(scale, small_map_scale(proposed), rtol=1e-12)
    d = np.linalg.norm((proposed.coords - at_held) / scale, axis=1)
    np.testing.assert_allclose(df["distance"], d, atol=1e-9)
    assert (np.diff(df["distance"]) >= -1e-12).all()
    np.testing.assert_allclose(
        df["predicted"], shipped_model.predict_coords(proposed.coords), atol=1e-6
    )
    spacing = proposed.info["nn_spacing"]
    np.testing.assert_allclose(df["distance_nn"], df["distance"] / spacing)
    assert df["charge_balanced"].all() and df["radius_ok"].all() and df["novel"].all()
    assert (df["bvs_rms"] <= proposed.info["params"]["max_bvs_rms"]).all() and df["id"].is_unique
    assert set(df["method"]) <= {"substitution", "decoration"}
    assert ((df["plausibility"] >= 0) & (df["plausibility"] <= 1)).all()
    # volume moves: only the factors asked for, applied once, and said in the provenance
    vf = df["volume_factor"].round(9)
    assert set(vf) <= {1.0, 0.94, 1.06}
    # a candidate's own last move names its volume factor; a substitution into a volume-moved
    # parent keeps the parent's move earlier in its provenance and is rescaled (factor 1)
    last = [p.rsplit(" → ", 1)[-1] for p in df["provenance"]]
    assert all(m.startswith("volume ×") == (f != 1.0) for m, f in zip(last, vf, strict=True))
    assert all(m == f"volume ×{f:.2f}" for m, f in zip(last, vf, strict=True) if f != 1.0)
    subs = df[df["method"] == "substitution"]
    assert (subs["probability"] >= 1e-3).all()
    assert df[df["method"] == "decoration"]["probability"].isna().all()


def test_every_candidate_is_charge_balanced_in_the_allowed_chemistry(proposed):
    for s in proposed.df["structure"]:
        assert sum(sp.oxi_state * occ for site in s for sp, occ in site.species.items()) == (
            pytest.approx(0.0, abs=1e-9)
        )
        assert {e.symbol for e in s.composition.elements} <= set(DEFAULT_ELEMENTS)
        assert s.is_ordered


def test_same_seed_same_candidates(designer, at_held):
    small = {**FAST, "per_round": 8, "volume_factors": (1.06,)}
    a = designer.propose(at=at_held, n=8, random_state=5, **small)
    b = designer.propose(at=at_held, n=8, random_state=5, **small)
    assert len(a) and a.df["id"].tolist() == b.df["id"].tolist()
    np.testing.assert_array_equal(a.coords, b.coords)


@pytest.mark.slow
def test_elements_restrict_the_chemistry(small_map, at_held):
    els = ("Li", "O", "Zr", "Hf", "Ti", "Sn", "Nb")
    c = mm.design.propose(small_map, at=at_held, n=10, elements=els, **FAST)
    assert len(c)
    for s in c.df["structure"]:
        assert {e.symbol for e in s.composition.elements} <= set(els)


def test_region_candidates_rank_inside_first(designer, small_map):
    """A lasso region around ten neighbouring materials: distances are 0 inside the hull and
    rows with distance 0 come first."""
    centre = small_map.coords[5]
    idx = np.argsort(np.linalg.norm(small_map.coords - centre, axis=1))[:10]
    c = designer.propose(
        region=idx,
        n=10,
        rounds=1,
        per_round=16,
        volume_factors=(),
        time_budget=60.0,
        random_state=1,
        progress=False,
    )
    d = c.df["distance"].to_numpy()
    assert (np.diff(d) >= -1e-12).all()
    inside = c.target.distance(c.coords) == 0
    np.testing.assert_array_equal(inside, d == 0)


def test_time_budget_stops_the_search(designer, at_held):
    c = designer.propose(at=at_held, n=5, rounds=50, per_round=8, time_budget=4.0, progress=False)
    assert "time budget" in c.info["stopped"] or c.info["rounds"] < 50


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n": 0}, ValueError, "n must be"),
        ({"rounds": 0}, ValueError, "rounds"),
        ({"time_budget": 0}, ValueError, "time_budget"),
        ({"explore": 1.5}, ValueError, "explore"),
        ({"region": [0, 1, 2]}, ValueError, "exactly one"),
    ],
)
def test_bad_arguments_say_what_is_wrong(designer, kwargs, error, message):
    with pytest.raises(error, match=message):
        designer.propose(at=(0.0, 0.0), progress=False, **kwargs)


def test_unknown_element_and_wrong_model_are_refused(small_map):
    with pytest.raises(ValueError, match="unknown element"):
        mm.design.Designer(small_map, elements=("Li", "O", "Qq"))
    with pytest.raises(TypeError, match="MapResult or a fitted MapModel"):
        mm.design.Designer("li-o")
