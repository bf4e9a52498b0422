"""Explorer linking: map selection/focus/click <-> bqplot panels, on real structures.

The data are ~25 real pymatgen crystal structures of Li–O compounds in seven structure
families (layered LiMO2, spinel, olivine, perovskite, LISICON-like, antifluorite and a
disordered rock salt), featurized with the package's real descriptors. The target is each
structure's volume per atom (a real, instantly computed property) because BVSE labels take
seconds per structure; the tests check the linking, not the physics of the target.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
import pytest
import torch
from pymatgen.core import Lattice, Structure

from materials_map.datasets import MapDataset
from materials_map.features.batch import featurize
from materials_map.model.estimator import MapModel
from materials_map.model.neighbourhood import element_counts, nearest
from materials_map.model.studies import diagnostics
from materials_map.pipeline import map_result
from materials_map.widgets.explorer import TABS, Explorer, explore
from materials_map.widgets.panels import points_in_box

TARGET = "volume_per_atom"


def _variants(template: Structure, site_el: str, variants, family: str, primitive: bool = False):
    """One structure per (element, lattice) variant of a template (space-group expansion is
    slow in pymatgen, so each space group is expanded once)."""
    out = []
    for el, lattice in variants:
        s = Structure(
            lattice,
            [el if sp.symbol == site_el else sp for sp in template.species],
            template.frac_coords,
        )
        out.append((family, s.get_primitive_structure() if primitive else s))
    return out


def _structures() -> list[tuple[str, Structure]]:
    layered = Structure.from_spacegroup(
        166,
        Lattice.hexagonal(2.816, 14.05),
        ["Li", "Co", "O"],
        [[0, 0, 0.5], [0, 0, 0], [0, 0, 0.2604]],
    )
    out = _variants(
        layered,
        "Co",
        [
            (m, Lattice.hexagonal(a, c))
            for m, a, c in [
                ("Co", 2.816, 14.05),
                ("Ni", 2.88, 14.19),
                ("Cr", 2.90, 14.40),
                ("V", 2.84, 14.68),
                ("Fe", 2.95, 14.50),
                ("Mn", 2.90, 14.30),
            ]
        ],
        "layered",
        primitive=True,
    )
    spinel = Structure.from_spacegroup(
        227,
        Lattice.cubic(8.24),
        ["Li", "Mn", "O"],  # origin choice 1
        [[0, 0, 0], [0.625, 0.625, 0.625], [0.3875, 0.3875, 0.3875]],
    )
    out += _variants(
        spinel,
        "Mn",
        [(m, Lattice.cubic(a)) for m, a in [("Mn", 8.24), ("Co", 8.00), ("Ti", 8.40), ("V", 8.22)]],
        "spinel",
        primitive=True,
    )
    olivine = Structure.from_spacegroup(
        62,
        Lattice.orthorhombic(10.33, 6.01, 4.69),
        ["Li", "Fe", "P", "O", "O", "O"],
        [
            [0, 0, 0],
            [0.2822, 0.25, 0.9747],
            [0.0948, 0.25, 0.4182],
            [0.0967, 0.25, 0.7428],
            [0.4571, 0.25, 0.2060],
            [0.1656, 0.0465, 0.2848],
        ],
    )
    out += _variants(
        olivine,
        "Fe",
        [
            (m, Lattice.orthorhombic(10.33 * f, 6.01 * f, 4.69 * f))
            for m, f in [("Fe", 1.0), ("Mn", 1.02), ("Co", 0.98), ("Ni", 0.97)]
        ],
        "olivine",
    )
    perovskite = Structure.from_spacegroup(
        123,
        Lattice.tetragonal(3.8688, 7.7463),
        ["La", "Li", "Ti", "O", "O", "O"],
        [
            [0, 0, 0],
            [0, 0, 0.5],
            [0.5, 0.5, 0.2625],
            [0.5, 0.5, 0],
            [0.5, 0.5, 0.5],
            [0, 0.5, 0.238],
        ],
    )
    out += _variants(
        perovskite, "La", [(a, perovskite.lattice) for a in ("La", "Nd", "Pr", "Sm")], "perovskite"
    )
    lisicon = Structure.from_spacegroup(
        62,
        Lattice.orthorhombic(10.475, 6.1147, 4.9228),
        ["Li", "Li", "P", "O", "O", "O"],
        [
            [0.1777, 0.0, 0.0],
            [0.4214, 0.25, 0.3126],
            [0.0886, 0.25, 0.3011],
            [0.0912, 0.25, 0.6148],
            [0.4552, 0.25, 0.2046],
            [0.1641, 0.0428, 0.2096],
        ],
    )
    out += _variants(lisicon, "P", [(x, lisicon.lattice) for x in ("P", "V", "As")], "lisicon")
    antifluorite = Structure.from_spacegroup(
        225, Lattice.cubic(4.61), ["Li", "O"], [[0.25, 0.25, 0.25], [0, 0, 0]]
    )
    out += _variants(
        antifluorite,
        "Li",
        [("Li", Lattice.cubic(a)) for a in (4.61, 4.65)],
        "antifluorite",
        primitive=True,
    )
    # disordered rock salt: a mixed Li/Ni site with vacancies (occupancy 0.9 in total)
    s = Structure.from_spacegroup(
        225, Lattice.cubic(4.15), [{"Li": 0.5, "Ni": 0.4}, "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    )
    out.append(("rocksalt", s.get_primitive_structure()))
    return out


def _frame() -> pd.DataFrame:
    rows = []
    for k, (fam, s) in enumerate(_structures()):
        comp = s.composition
        rows.append(
            {
                "id": f"test-{k}",
                "structure": s,
                "formula": comp.reduced_formula,
                "structure_type": fam,
                "li_fraction": comp.get_atomic_fraction("Li"),
                "o_fraction": comp.get_atomic_fraction("O"),
                TARGET: s.volume / comp.num_atoms,
            }
        )
    return pd.DataFrame(rows)


def _small_model() -> MapModel:
    return MapModel(
        hidden_comp=(32,),
        hidden_struct=(32,),
        hidden_me=(8,),
        max_epochs=25,
        patience=8,
        batch_size=8,
        test_size=0.25,
        random_state=0,
        progress=False,
    )


@contextlib.contextmanager
def _one_torch_thread():
    # a tiny net trains ~20x slower with 2 threads than 1 on a busy 2-core machine
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


@pytest.fixture(scope="module")
def parts():
    df = _frame()
    X = featurize(MapDataset(df), progress=False)
    assert len(X) == len(df), X.failures
    with _one_torch_thread():
        model = _small_model().fit(X, df[TARGET].to_numpy())
    return df, X, model


@pytest.fixture()
def ex(parts):
    df, X, model = parts
    return Explorer(map_result(df, X, model, TARGET), n_neighbours=6)


def _pandas_element_counts(df: pd.DataFrame, idx) -> pd.Series:
    els = df.iloc[idx]["structure"].map(
        lambda s: sorted({e.symbol for e in s.composition.elements})
    )
    return els.explode().value_counts()


# ---------------------------------------------------------------------------- pure helpers
def test_points_in_box_and_nearest():
    x = np.array([0.0, 1.0, 2.0, np.nan, 1.5])
    y = np.array([0.0, 0.5, 1.0, 0.5, 0.2])
    assert points_in_box(x, y, [[2.0, 0.6], [0.5, 0.1]]).tolist() == [1, 4]  # corners in any order
    with pytest.raises(ValueError, match="brush box"):
        points_in_box(x, y, [1, 2, 3])
    coords = np.column_stack([x, y])
    idx, d = nearest(coords, (1.4, 0.25), 2)
    assert idx.tolist() == [4, 1]
    assert d[0] == pytest.approx(np.hypot(0.1, 0.05))


def test_descriptor_groups_cover_every_column(ex, parts):
    _, X, _ = parts
    groups = ex.reconstruction.groups
    assert [g.name for g in groups] == ["single", "product", "difference", "rdf", "adf", "voronoi"]
    for branch, n in (("comp", X.comp.shape[1]), ("struct", X.struct.shape[1])):
        gs = [g for g in groups if g.branch == branch]
        assert gs[0].start == 0 and gs[-1].stop == n
        assert all(a.stop == b.start for a, b in zip(gs, gs[1:], strict=False))
    # Fig. 3 numbering: structural columns follow the compositional ones
    assert groups[3].offset == X.comp.shape[1]
    assert len(groups[3].sub_blocks) == 6 and groups[3].sub_blocks[1][0] == "Li-O"


# ---------------------------------------------------------------------------- map -> panels
def test_map_selection_updates_panels(ex, parts):
    df = parts[0]
    idx = np.array([1, 4, 5, 17])
    ex.map.selection = idx
    for sc in ex.ratios.scatters:
        assert sorted(np.asarray(sc.selected).tolist()) == idx.tolist()
    assert sorted(ex.table_panel.frame["point"]) == idx.tolist()
    assert sorted(ex.selected_table["id"]) == sorted(df["id"].iloc[idx])
    assert ex.composition.source == "selection"
    assert ex.composition.indices.tolist() == idx.tolist()
    assert f"{idx.size} selected" in ex.status.value
    ex.map.selection = []
    assert all(sc.selected is None for sc in ex.ratios.scatters)
    assert len(ex.table_panel.frame) == 0


def test_composition_counts_equal_pandas(ex, parts):
    df = parts[0]
    idx = np.array([0, 2, 6, 10, 14, 20, len(df) - 1])
    ex.map.select(idx)
    expected = _pandas_element_counts(df, idx)
    got = ex.composition.counts
    assert got.to_dict() == expected.to_dict()
    assert got.iloc[0] == expected.max()  # most frequent first
    # the bars show the same numbers
    bars = dict(zip(ex.composition.element_bars.x, ex.composition.element_bars.y, strict=True))
    assert bars == {k: v for k, v in expected.items() if k in bars}
    # Li / O histograms equal a direct pandas binning
    for col, bars in (
        ("li_fraction", ex.composition.hist_bars[0]),
        ("o_fraction", ex.composition.hist_bars[1]),
    ):
        cut = pd.cut(df[col].iloc[idx], np.linspace(0, 1, 21), right=False, include_lowest=True)
        direct = cut.value_counts(sort=False).to_numpy()
        direct[-1] += int((df[col].iloc[idx] == 1.0).sum())  # numpy's last bin is closed
        assert np.asarray(bars.y).tolist() == direct.tolist()
    # partial occupancy: the disordered rock salt contains Ni
    assert element_counts(ex.composition.sets, [len(df) - 1]).to_dict() == {
        "Li": 1,
        "Ni": 1,
        "O": 1,
    }


# ---------------------------------------------------------------------------- panels -> map
def test_brush_in_ratio_panel_selects_on_map(ex, parts):
    df = parts[0]
    t = ex.table
    box = [[float(t["x_comp"].min()) - 1e-6, 0.2], [float(t["x_comp"].max()) + 1e-6, 0.45]]
    expected = np.flatnonzero((df["li_fraction"] >= 0.2) & (df["li_fraction"] <= 0.45))
    assert 0 < expected.size < len(df)
    ex.ratios.selectors[0].selected = np.array(box)  # what bqplot's front end sets
    assert ex.map.selection.tolist() == expected.tolist()
    assert sorted(ex.table_panel.frame["point"]) == expected.tolist()
    # the brushed plot keeps its rectangle; a brush in another plot replaces it
    assert ex.ratios.selectors[0].selected is not None
    lo, hi = np.quantile(t["x_struct"], [0.0, 0.5])
    ex.ratios.selectors[3].selected = np.array([[lo, 0.0], [hi, 1.0]])
    expected = np.flatnonzero((t["x_struct"] >= lo) & (t["x_struct"] <= hi))
    assert ex.map.selection.tolist() == expected.tolist()
    assert ex.ratios.selectors[0].selected is None
    # a selection made on the map clears the brush rectangles but keeps the highlight
    ex.map.select([3])
    assert all(s.selected is None for s in ex.ratios.selectors)
    assert np.asarray(ex.ratios.scatters[2].selected).tolist() == [3]
    # clearing a brush clears the selection
    ex.ratios.selectors[1].selected = np.array([[-99.0, 0.0], [99.0, 1.0]])
    assert ex.map.selection.size == len(df)
    ex.ratios.selectors[1].selected = None
    assert ex.map.selection.size == 0


def test_family_toggles_follow_map_legend(ex, parts):
    df = parts[0]
    names = list(ex.map.category_names)
    code = names.index("olivine")
    ex.families.checkboxes[code].value = False
    assert ex.map.hidden_categories == [code]
    ex.map.hidden_categories = []  # the legend in the browser shows it again
    assert ex.families.checkboxes[code].value is True
    ex.families.select_family(code)
    assert ex.map.selection.tolist() == np.flatnonzero(df["structure_type"] == "olivine").tolist()
    ex.families.colour_by_family.value = "category"
    assert ex.map.color_by == "category"


def test_table_sort_and_csv_export(ex, parts, tmp_path):
    df = parts[0]
    idx = np.arange(0, len(df), 2)
    ex.map.select(idx)
    tp = ex.table_panel
    assert list(tp.frame.columns) == [
        "point",
        "id",
        "formula",
        "structure_type",
        TARGET,
        "x_comp",
        "x_struct",
    ]
    tp.sort_by.value = TARGET
    tp.ascending.value = False
    assert tp.frame[TARGET].tolist() == sorted(df[TARGET].iloc[idx], reverse=True)
    np.testing.assert_allclose(tp.frame["x_comp"], ex.coords[tp.frame["point"], 0])
    out = tp.export_csv(tmp_path / "sel.csv")
    back = pd.read_csv(out)
    assert back["id"].tolist() == tp.frame["id"].tolist()
    np.testing.assert_allclose(back[TARGET], tp.frame[TARGET])
    assert "download sel.csv" in tp.download.value
    # picking a row focuses it on the map
    tp.focus.value = int(tp.frame["point"].iloc[0])
    assert ex.focused == int(tp.frame["point"].iloc[0])


# ---------------------------------------------------------------------------- decoding
def test_focus_fills_reconstruction_with_decoded_descriptor(ex, parts):
    _, X, model = parts
    i = 7
    ex.map.focused = i
    st = ex.reconstruction.state
    assert st["kind"] == "material" and st["index"] == i
    xy = ex.coords[[i]]
    np.testing.assert_allclose(xy, model.transform(X[[i]]), rtol=1e-5, atol=1e-6)
    ref = model.inverse_transform(xy)
    np.testing.assert_allclose(st["decoded"].comp, ref.comp, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(st["decoded"].struct, ref.struct, rtol=1e-6, atol=1e-9)
    # drawn curves, scaled units: decoded = model.decode_scaled, input = scaled descriptor
    dec_s = model.decode_scaled(xy)
    inp_s = model.scaler_.transform(X.comp[[i]], X.struct[[i]])
    for k, g in enumerate(ex.reconstruction.groups):
        b = 0 if g.branch == "comp" else 1
        y = np.asarray(ex.reconstruction.lines[k].y)
        np.testing.assert_allclose(y[0], dec_s[b][0, g.start : g.stop], rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(y[1], inp_s[b][0, g.start : g.stop], rtol=1e-6, atol=1e-9)
    # original units: the decoded curve is inverse_transform's, the input the raw descriptor
    ex.reconstruction.units.value = "original"
    g = ex.reconstruction.groups[3]  # rdf
    y = np.asarray(ex.reconstruction.lines[3].y)
    np.testing.assert_allclose(y[0], ref.struct[0, g.start : g.stop], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(y[1], X.struct[i, g.start : g.stop])
    assert [c["index"] for c in ex.crystal.structures] == [i]
    assert "focused" in ex.status.value


def test_click_on_empty_map_decodes_and_shows_neighbourhood(ex, parts):
    df, X, model = parts
    c = ex.coords
    xy = [float(c[:, 0].max() + 0.3), float(c[:, 1].mean())]  # right of every point
    ex.map.clicked_coord = xy
    st = ex.reconstruction.state
    assert st["kind"] == "coord"
    ref = model.inverse_transform([xy])
    np.testing.assert_allclose(st["decoded"].comp, ref.comp, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(st["decoded"].struct, ref.struct, rtol=1e-6, atol=1e-9)
    d = np.hypot(c[:, 0] - xy[0], c[:, 1] - xy[1])
    assert st["neighbours"].tolist() == np.argsort(d, kind="stable")[:3].tolist()
    y = np.asarray(ex.reconstruction.lines[0].y)
    assert y.shape[0] == 1 + 3  # decoded + three nearest inputs
    # composition of the 6-material neighbourhood == direct pandas count
    near = np.argsort(d, kind="stable")[:6]
    assert ex.composition.indices.tolist() == near.tolist()
    assert ex.composition.counts.to_dict() == _pandas_element_counts(df, near).to_dict()
    pred = float(model.predict_coords([xy])[0])
    assert f"{pred:.3f}" in ex.status.value
    assert ex.decode([0.0, 0.0]) is ex.reconstruction.state["decoded"]


def test_crystal_viewer_shows_partial_occupancy(ex, parts):
    df = parts[0]
    i = len(df) - 1
    ex.focus_material(i)
    (site,) = [x for x in ex.crystal.structures[0]["sites"] if isinstance(x[3], list)]
    species = ex.crystal.structures[0]["species"]
    assert {species[k]: occ for k, occ in site[3]} == {"Li": 0.5, "Ni": 0.4}


# ---------------------------------------------------------------------------- model panel, save, one-liner
def test_diagnostics_panel_parity_and_sweep(ex, parts):
    df, X, model = parts
    ex.tabs.selected_index = [a for a, _ in TABS].index("diagnostics")
    d = ex.diagnostics.diagnostics
    assert d is not None
    ref = diagnostics(model, X, df[TARGET].to_numpy(), rows="test")
    me = ref.parity("me")
    sc = ex.diagnostics.parity_marks[2][0]
    np.testing.assert_allclose(np.asarray(sc.x), me["true"])
    np.testing.assert_allclose(np.asarray(sc.y), me["pred"])
    assert f"{ref.scores['r2_comp']:.3f}" in ex.diagnostics.scores.value
    sweep = pd.DataFrame(
        {"loss_comp": [0.1, 0.2], "loss_struct": [0.3, 0.4], "loss_me": [0.5, 0.05]},
        index=pd.Index([0.0, 1.0], name="w"),
    )
    ex.diagnostics.set_sweep(sweep)
    assert list(ex.diagnostics.sweep_marks[2].x) == ["0", "1"]
    assert np.asarray(ex.diagnostics.sweep_marks[2].y).tolist() == [0.5, 0.05]


def test_save_writes_a_map_document(ex, tmp_path):
    from materials_map.io.document import MapDocument

    ex.map.select([2, 3])
    doc = ex.save(tmp_path / "x.mmap", metadata={"note": "test"})
    back = MapDocument.load(tmp_path / "x.mmap")
    sel = np.frombuffer(back.traits["selection"], dtype="<u4")
    assert sel.tolist() == [2, 3]
    assert back.metadata["target"] == TARGET and back.metadata["note"] == "test"
    assert back.table["id"].tolist() == ex.table["id"].tolist()
    assert doc.metadata["n_points"] == len(ex.table)


def test_fractions_filled_when_missing_and_rows_aligned(parts):
    df, X, model = parts
    bare = df.drop(columns=["li_fraction", "o_fraction"]).iloc[::-1]  # other order, no fractions
    ex = Explorer(map_result(bare, X, model, TARGET))
    assert ex.table["id"].tolist() == list(X.ids)
    np.testing.assert_allclose(ex.table["li_fraction"], df["li_fraction"])
    rs = df["structure"].iloc[-1]
    assert ex.table["o_fraction"].iloc[-1] == pytest.approx(
        rs.composition["O"] / rs.composition.num_atoms
    )
    with pytest.raises(ValueError, match="ids not in the dataset"):
        map_result(df.iloc[:5], X, model, TARGET)


def test_explore_one_liner_trains_and_links(parts):
    df = parts[0]
    sub = MapDataset(df.iloc[:16], target=TARGET)
    with _one_torch_thread():
        ex = explore(sub, model=_small_model(), use_cache=False, progress=False)
    assert isinstance(ex, Explorer) and len(ex.coords) == 16
    assert ex.result.info["model"] == "trained"
    assert ex.map.background_values is not None and ex.map.background_label == f"predicted {TARGET}"
    ex.map.select([0, 1])
    assert sorted(ex.table_panel.frame["point"]) == [0, 1]
    assert "application/vnd.jupyter.widget-view+json" in ex._repr_mimebundle_()


# ---------------------------------------------------------------------------- static figures
def test_static_paper_figures_draw_the_data(ex, parts):
    import matplotlib

    matplotlib.use("agg")
    from materials_map import figures as figs

    df, X, model = parts
    t = ex.table
    fig5 = figs.li_o_ratios(t)
    off = fig5.axes[1].collections[0].get_offsets()
    np.testing.assert_allclose(off[:, 0], t["x_comp"])
    np.testing.assert_allclose(off[:, 1], t["o_fraction"])
    tab = figs.table1(t, TARGET, families=("spinel", "olivine"))
    assert tab["structure_type"].tolist() == ["spinel"] * 4 + ["olivine"] * 4
    np.testing.assert_allclose(tab["x_struct"], t.set_index("id").loc[tab["id"], "x_struct"])
    d = diagnostics(model, X, df[TARGET].to_numpy(), rows="all")
    fig3 = figs.worst_reconstructions(d, X.blocks, k=2)
    worst = d.worst(2)
    line = fig3.axes[0].lines[0].get_ydata()
    j = int(worst["row"].iloc[0])
    np.testing.assert_allclose(line, np.concatenate([d.comp_in[j], d.struct_in[j]]))
    fig7 = figs.predicted_background(
        ex.result.grid, ex.result.extent, ex.coords, t[TARGET].to_numpy()
    )
    np.testing.assert_allclose(fig7.axes[0].images[0].get_array(), ex.result.grid)
    fig8 = figs.composition_near(t, ex.coords, ex.coords[0], k=5, structures=list(df["structure"]))
    near = nearest(ex.coords, ex.coords[0], 5)[0]
    heights = {p.get_x() + p.get_width() / 2: p.get_height() for p in fig8.axes[0].patches}
    assert (
        sorted(heights.values(), reverse=True)
        == _pandas_element_counts(df, near).sort_values(ascending=False).tolist()
    )
    matplotlib.pyplot.close("all")


def test_map_options_bring_dataset_columns_onto_the_map(parts):
    df, X, model = parts
    kind = np.where(df["li_fraction"] > 0.3, "Li-rich", "Li-poor")
    ex = Explorer(
        map_result(df.assign(kind=kind), X, model, TARGET), map_options={"category": "kind"}
    )
    assert list(ex.map.category_names) == ["Li-poor", "Li-rich"]
    codes = np.asarray(ex.map.categories)
    assert (codes == (kind == "Li-rich")).all()
    assert ex.table["kind"].tolist() == kind.tolist()
    assert [cb.description.split(" (")[0] for cb in ex.families.checkboxes] == [
        "Li-poor",
        "Li-rich",
    ]
    np.testing.assert_allclose(ex.map.background_values, ex.result.grid)


def test_pure_autoencoder_has_no_background_but_still_decodes(parts):
    df, X, _ = parts
    with _one_torch_thread():
        ae = _small_model().fit(X, None)
    ex = Explorer(map_result(df, X, ae, TARGET))
    assert ex.result.grid is None and ex.map.background_values is None
    ex.map.clicked_coord = [0.0, 0.0]
    np.testing.assert_allclose(
        ex.reconstruction.state["decoded"].comp, ae.inverse_transform([[0.0, 0.0]]).comp
    )
    assert "predicted" not in ex.status.value
    ex.diagnostics.compute()
    assert np.isnan(ex.diagnostics.diagnostics.scores["r2_me"])


def test_explorer_fits_nothing_and_the_old_form_warns(parts, monkeypatch):
    from materials_map.model.ensemble import HeadEnsemble
    from materials_map.model.superionic import SuperionicClassifier

    df, X, model = parts
    result = map_result(df, X, model, TARGET)

    def refuse(*args, **kwargs):
        raise AssertionError("the Explorer fitted a model")

    for cls in (HeadEnsemble, SuperionicClassifier, type(model)):
        monkeypatch.setattr(cls, "fit", refuse)
    ex = Explorer(result, n_neighbours=6)
    assert ex.result is result and ex.n_neighbours == 6
    monkeypatch.undo()
    with pytest.warns(DeprecationWarning, match="map_result"):
        old = Explorer(df, X, model, target=TARGET)
    np.testing.assert_allclose(old.coords, ex.coords)
