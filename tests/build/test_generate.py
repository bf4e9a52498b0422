"""The generated li-o library: chemistry rules, determinism, the shipped file's schema."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pymatgen.core import Element

from dev_scripts import generate as G
from materials_map.datasets.dataset import CORE_COLUMNS
from materials_map.datasets.registry import data_path
from materials_map.design.chemistry import (
    PAPER_ELEMENTS,
    candidate_ions,
    radius_fits,
    shannon_radius,
)
from materials_map.prototypes import PROTOTYPES

DATA = str(data_path("li-o"))
ALLOWED = {"Li", "O", *PAPER_ELEMENTS}


def assert_identical(x, y) -> None:
    """Same lattice, coordinates and species, bit for bit: what "deterministic" means (and
    far cheaper than pymatgen's tolerant ``Structure.__eq__``, which compares every site
    with every other: 80 s on the real rows' large cells)."""
    np.testing.assert_array_equal(x.lattice.matrix, y.lattice.matrix)
    np.testing.assert_array_equal(x.frac_coords, y.frac_coords)
    assert [site.species for site in x] == [site.species for site in y]


def test_unknown_dataset_build_is_refused(capsys):
    assert G.main(["nope"]) == 2
    assert "unknown dataset" in capsys.readouterr().err


def test_shannon_site_rule():
    # Zr4+ (0.72 Å, CN6) fits an octahedral Ti4+ site (0.605 Å); Ba2+ (1.35 Å) does not
    assert shannon_radius("Zr", 4, 6) == pytest.approx(0.72)
    assert radius_fits(0.72, 0.605) and not radius_fits(1.35, 0.605)
    ions = candidate_ions("Ti", 4, 6)
    assert ("Zr", 4) in ions and ("Ba", 2) not in ions
    assert all(el in ALLOWED for el, _ in ions)


def test_bv_volume_of_real_li2o():
    """Antifluorite Li2O at its real lattice (a = 4.61 Å) needs almost no BV rescaling."""
    proto = PROTOTYPES["antifluorite"]
    s, scale, rms = G.decorate(proto, ())
    assert abs(scale - 1.0) < 0.06 and rms < 0.2
    assert s.composition.reduced_formula == "Li2O"


@pytest.mark.parametrize("name", ["nasicon", "olivine", "layered-rocksalt"])
def test_assignments_are_charge_balanced(name):
    proto = PROTOTYPES[name]
    combos = G.assignments(proto)
    assert combos, name
    G_combo = combos[len(combos) // 2]
    s, _, _ = G.decorate(proto, G_combo)
    assert s.is_ordered
    assert sum(sp.oxi_state for sp in s.species) == pytest.approx(0.0)
    assert {sp.symbol for sp in s.species} <= ALLOWED


@pytest.mark.slow
def test_generator_is_deterministic():
    fams = ["lisicon", "beta-li3po4"]
    a = G.generate_candidates(families=fams, progress=False)
    b = G.generate_candidates(families=fams, progress=False)
    assert [c.id for c in a] == [c.id for c in b] and len(a) >= 2
    for x, y in zip(a, b, strict=True):
        assert_identical(x.structure, y.structure)


@pytest.fixture(scope="module")
def shipped():
    import os

    from materials_map.datasets.dataset import MapDataset

    if not os.path.isfile(DATA):
        pytest.fail(f"embedded dataset missing: {DATA} (run build_li_o)")
    return MapDataset.from_parquet(DATA)


def test_shipped_schema_and_counts(shipped):
    import os

    df = shipped.df
    for col in [
        *CORE_COLUMNS,
        "e_1d",
        "e_2d",
        "e_3d",
        "migration_energy",
        "relaxed",
        "e_3d_unrelaxed",
        "e_above_polymorph",
        "log10_sigma",
    ]:
        assert col in df.columns, col
    assert df["id"].is_unique
    md = shipped.metadata
    gen, real = df[df["source"] == "generated"], df[df["source"] == "obelix"]
    assert len(gen) + len(real) == len(df) and len(gen) == md["n_generated"]
    # every labelled candidate is on the map or counted as left out by the relaxation step
    rel = md["relaxed"]
    assert rel["run"] is True
    left = rel["n_flagged_left_out"] + rel["n_relabel_failed_left_out"]
    assert len(gen) + left == md["n_labelled"] == rel["n_candidates"]
    assert rel["n_relaxed_on_map"] == int(gen["relaxed"].sum()) > len(gen) / 2
    assert len(real) == md["real"]["n_entries"] >= 100 and not real["relaxed"].any()
    assert gen["structure_type"].nunique() >= 12
    assert np.isfinite(gen["migration_energy"]).all()
    lab = df[np.isfinite(df["e_3d"])]  # 2 real rows have no finite barrier (masked target)
    assert len(df) - len(lab) == md["real"]["n_entries"] - md["real"]["n_labelled"]
    assert (lab["e_1d"] <= lab["e_2d"] + 1e-9).all() and (lab["e_2d"] <= lab["e_3d"] + 1e-9).all()
    assert shipped.target == "migration_energy"
    assert md["generated"] is True
    assert "unrelaxed" in md["description"] and "NOT database entries" in md["description"]
    assert os.path.getsize(DATA) <= 20 * 2**20
    els = {el.symbol for s in gen["structure"] for el in s.composition.element_composition}
    assert els <= ALLOWED
    s0 = df["structure"].iloc[0]
    comp = s0.composition.element_composition
    assert df["li_fraction"].iloc[0] == pytest.approx(comp.get_atomic_fraction(Element("Li")))


def test_shipped_size_meets_the_issue_target(shipped):
    """Between 700 and 5000 materials, no generated family empty, none more than a third."""
    df = shipped.df
    assert 700 <= len(df) <= 5000
    counts = df.loc[df["source"] == "generated", "structure_type"].value_counts()
    assert counts.min() >= 1 and counts.max() <= len(df) / 3, counts.to_dict()
    assert shipped.metadata["families"] == counts.to_dict()


def test_regenerates_shipped_subset(shipped):
    """A fixed family regenerates the same structures and barriers; its relaxed rows are the
    committed relaxation records of the regenerated structures, its unrelaxed rows the
    regenerated structures themselves."""
    from dev_scripts.relaxed import FMAX, STEPS, load_records
    from materials_map.labels import migration_energy
    from materials_map.relaxation import relax

    fam = "lisicon"
    rows = shipped.df[shipped.df["prototype"] == fam]
    assert rows["relaxed"].any() and not rows["relaxed"].all()
    regen = {c.id: c for c in G.generate_candidates(families=[fam], progress=False)}
    records = load_records()
    for _, row in rows.iterrows():
        c = regen[row["id"]]
        assert c.structure.composition == row["structure"].composition
        assert json.loads(row["decoration"])
        want = c.structure
        if row["relaxed"]:
            (want,) = relax([c.structure], FMAX, STEPS, records=records, compute=False)["structure"]
        np.testing.assert_allclose(want.lattice.matrix, row["structure"].lattice.matrix, atol=1e-6)
        np.testing.assert_allclose(want.frac_coords, row["structure"].frac_coords, atol=1e-6)
    # one relaxed and one unrelaxed row: the generated structure relabelled gives the barrier
    # before relaxation (all three for the unrelaxed row, which kept its structure)
    few = pd.concat([rows[rows["relaxed"]].iloc[:1], rows[~rows["relaxed"]].iloc[:1]])
    labels = migration_energy([regen[i].structure for i in few["id"]], progress=False)
    np.testing.assert_allclose(
        labels["e_3d"].to_numpy(), few["e_3d_unrelaxed"].to_numpy(), atol=1e-9
    )
    kept = few.iloc[1]
    for col in ("e_1d", "e_2d", "e_3d"):
        assert labels[col].iat[1] == pytest.approx(kept[col], abs=1e-9), col


@pytest.mark.slow
def test_relax_and_real_steps_on_a_subset(tmp_path):
    """The steps after labelling (relaxation from the committed records, relabelling, real
    rows) on freshly generated and labelled candidates of two families: every candidate is
    on the map or counted, trusted relaxations only, real rows carry the measurement; twice
    -> identical."""

    from dev_scripts.real import OUT as REAL
    from materials_map.labels import migration_energy

    assert REAL.is_file(), f"{REAL} missing (python -m dev_scripts.real)"
    cands = G.generate_candidates(families=["spinel", "li2zro3"], progress=False)
    df = G.candidates_frame(cands).iloc[::3].head(8).reset_index(drop=True)
    kw = {"resolution": 0.2, "n_jobs": 1, "progress": False, "cache": str(tmp_path / "labels")}
    df = pd.concat([df, migration_energy(df["structure"], **kw)], axis=1)

    def build(name: str):
        return G.assemble_li_o(df.copy(), tmp_path / name, label_kwargs=kw, relax_budget_s=0)

    a = build("a.parquet")
    md, out = a.metadata, a.df
    rel = md["relaxed"]
    gen, real = out[out["source"] == "generated"], out[out["source"] == "obelix"]
    left = rel["n_flagged_left_out"] + rel["n_relabel_failed_left_out"]
    assert len(gen) == md["n_generated"] == md["n_labelled"] - left
    assert rel["n_relaxed_on_map"] == int(gen["relaxed"].sum()) > 0
    assert len(rel["flagged"]) == rel["n_flagged_left_out"]
    r = gen[gen["relaxed"]]
    assert (r["volume_change"].abs() <= rel["volume_bound"]).all()
    assert (r["e_above_polymorph"].dropna() >= 0).all()
    assert np.isnan(gen.loc[~gen["relaxed"], "energy_per_atom"]).all()
    assert len(real) == md["real"]["n_entries"] >= 100
    assert real["log10_sigma"].notna().all() and gen["log10_sigma"].isna().all()
    assert "unrelaxed" in md["description"] and "NOT database entries" in md["description"]
    b = build("b.parquet")
    for x, y in zip(a.df["structure"], b.df["structure"], strict=True):
        assert_identical(x, y)
    np.testing.assert_array_equal(a.df["e_3d"].to_numpy(float), b.df["e_3d"].to_numpy(float))
