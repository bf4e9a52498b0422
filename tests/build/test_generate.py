"""The generated li-o library: chemistry rules, determinism, the shipped file's schema."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pymatgen.core import Element

from materials_map.build import generate as G
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
        assert x.structure == y.structure
        np.testing.assert_allclose(x.structure.lattice.matrix, y.structure.lattice.matrix)


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
        "id",
        "structure",
        "formula",
        "source",
        "structure_type",
        "li_fraction",
        "o_fraction",
        "e_1d",
        "e_2d",
        "e_3d",
        "migration_energy",
    ]:
        assert col in df.columns, col
    md = shipped.metadata
    gen = df[df["source"] == "generated"]
    real = df[df["source"] == "obelix"]
    assert set(df["source"]) == {"generated", "obelix"}
    # every labelled candidate is on the map or counted: flagged relaxations, failed relabels
    rel = md["relaxed"]
    left = rel["n_flagged_left_out"] + rel["n_relabel_failed_left_out"]
    assert len(gen) == md["n_generated"] == md["n_labelled"] - left
    assert len(rel["flagged"]) == rel["n_flagged_left_out"]
    assert rel["n_relaxed_on_map"] == int(gen["relaxed"].sum()) > 0
    assert len(real) == md["real"]["n_entries"] >= 100
    assert df["id"].is_unique
    assert gen["structure_type"].nunique() >= 12
    assert np.isfinite(gen["migration_energy"]).all()
    lab = df[np.isfinite(df["e_3d"].astype(float))]
    assert (lab["e_1d"] <= lab["e_2d"] + 1e-9).all() and (lab["e_2d"] <= lab["e_3d"] + 1e-9).all()
    assert shipped.target == "migration_energy"
    assert md["generated"] is True and rel["run"] is True
    assert "unrelaxed" in md["description"] and "NOT database entries" in md["description"]
    # relaxed candidates: trusted relaxations only, polymorph energies >= 0
    r = gen[gen["relaxed"]]
    assert (r["volume_change"].abs() <= rel["volume_bound"]).all()
    assert (r["e_above_polymorph"].dropna() >= 0).all()
    assert np.isnan(gen.loc[~gen["relaxed"], "energy_per_atom"]).all()
    # real rows carry the measurement; generated rows do not
    assert real["log10_sigma"].notna().all() and gen["log10_sigma"].isna().all()
    assert os.path.getsize(DATA) <= 20 * 2**20
    els = {el.symbol for s in df["structure"] for el in s.composition.element_composition}
    assert els <= ALLOWED
    s0 = df["structure"].iloc[0]
    comp = s0.composition.element_composition
    assert df["li_fraction"].iloc[0] == pytest.approx(comp.get_atomic_fraction(Element("Li")))


def test_shipped_size_meets_the_issue_target(shipped):
    """Between 700 and 5000 labelled compounds, no family empty, none more than a third."""
    df = shipped.df[shipped.df["source"] == "generated"]
    assert 700 <= len(df) <= 5000
    counts = df["structure_type"].value_counts()
    assert counts.min() >= 1 and counts.max() <= len(df) / 3, counts.to_dict()
    assert shipped.metadata["families"] == counts.to_dict()


def test_regenerates_shipped_subset(shipped):
    """A fixed family regenerates the same structures and, relabelled, the same barriers."""
    from materials_map.labels import migration_energy

    fam = "lisicon"
    rows = shipped.df[(shipped.df["prototype"] == fam) & ~shipped.df["relaxed"].astype(bool)]
    assert len(rows) >= 2
    regen = {c.id: c for c in G.generate_candidates(families=[fam], progress=False)}
    for _, row in rows.iterrows():
        c = regen[row["id"]]
        assert c.structure.composition == row["structure"].composition
        np.testing.assert_allclose(
            c.structure.lattice.matrix, row["structure"].lattice.matrix, atol=1e-6
        )
        np.testing.assert_allclose(c.structure.frac_coords, row["structure"].frac_coords, atol=1e-6)
        assert json.loads(row["decoration"])
    few = rows.iloc[:2]
    labels = migration_energy([regen[i].structure for i in few["id"]], progress=False)
    np.testing.assert_allclose(labels["e_3d"].to_numpy(), few["e_3d"].to_numpy(), atol=1e-9)
    np.testing.assert_allclose(labels["e_1d"].to_numpy(), few["e_1d"].to_numpy(), atol=1e-9)


@pytest.mark.slow
def test_relaxed_rows_rebuild_from_the_committed_records(shipped):
    """Relaxed rows: the regenerated candidate, looked up in the committed relaxation
    records, gives the shipped relaxed structure; relabelled, the shipped barrier."""
    from materials_map.build.relaxed import FMAX, STEPS, load_records
    from materials_map.labels import migration_energy
    from materials_map.relax import relax

    df = shipped.df
    rows = df[(df["source"] == "generated") & df["relaxed"].astype(bool)]
    fam = rows["prototype"].value_counts().index[-1]  # the family with fewest relaxed rows
    rows = rows[rows["prototype"] == fam].iloc[:2]
    regen = {c.id: c for c in G.generate_candidates(families=[fam], progress=False)}
    inputs = [regen[i].structure for i in rows["id"]]
    out = relax(inputs, FMAX, STEPS, records=load_records(), compute=False, progress=False)
    assert (out["reason"] == "").all() and (out["flag"] == "").all()
    for s, (_, row) in zip(out["structure"], rows.iterrows(), strict=True):
        np.testing.assert_allclose(s.lattice.matrix, row["structure"].lattice.matrix, atol=1e-6)
        np.testing.assert_allclose(s.frac_coords, row["structure"].frac_coords, atol=1e-6)
    labels = migration_energy(list(out["structure"]), progress=False)
    np.testing.assert_allclose(labels["e_3d"].to_numpy(), rows["e_3d"].to_numpy(), atol=1e-9)
