"""featurize(): inputs, failures, cache + resume, parallel back ends, matminer interop."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from featurize_helpers import distorted_doped, li2o, shipped_li_o, spy_on_malloc
from pymatgen.core import Composition, Lattice, Structure

import materials_map as mm
from materials_map.features import batch
from materials_map.features.composition import CompositionHistogram
from materials_map.features.structure import StructureDescriptor


class FakeDataset:
    """What featurize needs from MapDataset: a .df with id and structure columns."""

    def __init__(self, structures, ids):
        self.df = pd.DataFrame({"id": ids, "structure": structures})


def _structures():
    return [li2o(), distorted_doped(0), distorted_doped(1), li2o(4.5) * (1, 1, 2)]


def test_public_names_and_direct_values():
    s = _structures()
    X = mm.featurize(s, progress=False)
    assert isinstance(X, mm.Descriptors) and len(X) == 4
    assert X.comp.shape == (4, 1785) and X.struct.shape == (4, 858)
    np.testing.assert_array_equal(X.comp[1], mm.CompositionHistogram().featurize(s[1]))
    np.testing.assert_array_equal(X.struct[1], mm.StructureDescriptor().featurize(s[1]))
    assert list(X.ids) == ["0", "1", "2", "3"]
    assert len(X.columns["comp"]) == 1785 and X.columns["struct"][20] == "rdf[Li-O][1,1.25)"
    assert {b.group for b in X.blocks} == {"comp", "rdf", "adf", "voronoi"}
    sub = X[[2, 0]]
    assert list(sub.ids) == ["2", "0"] and np.array_equal(sub.struct[1], X.struct[0])
    # mm.featurize is the function, and stays one once the subpackage is imported
    import types

    from materials_map.features.batch import featurize

    assert mm.featurize is featurize and isinstance(mm.featurize, types.FunctionType)
    assert np.array_equal(featurize(s[:1], progress=False).struct, X.struct[:1])


def test_dataset_input_and_failures_keep_the_rest(tmp_path):
    bad_cif = tmp_path / "bad.cif"
    bad_cif.write_text("data_x\n_cell_length_a oops\nthis is not a cif\n")
    items = [
        li2o(),
        Structure(Lattice.cubic(4), [], []),  # zero sites
        Structure(Lattice.cubic(4), ["Li", "O"], [[0, 0, 0], [0.05, 0, 0]]),  # overlap
        Structure(np.array([[np.inf, 0, 0], [0, 4, 0], [0, 0, 4]]), ["Li"], [[0, 0, 0]]),
        Structure(Lattice.cubic(4), ["Lr", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]),  # no data
        bad_cif,
        distorted_doped(0),
    ]
    ids = ["ok1", "empty", "overlap", "inf", "lr", "cif", "ok2"]
    with pytest.warns(UserWarning, match="refused"):
        X = mm.featurize(items, ids=ids, progress=False)
    assert list(X.ids) == ["ok1", "ok2"]
    reasons = dict(zip(X.failures["id"], X.failures["reason"], strict=True))
    assert set(reasons) == {"empty", "overlap", "inf", "lr", "cif"}
    assert "zero sites" in reasons["empty"] and "overlapping atoms" in reasons["overlap"]
    assert "non-finite" in reasons["inf"] and "Lr have no property data" in reasons["lr"]
    assert "unparsable CIF" in reasons["cif"]
    with pytest.warns(UserWarning, match="refused"):
        big = mm.featurize(
            [li2o() * (2, 2, 2)],
            progress=False,
            structure=StructureDescriptor(max_neighbour_pairs=1000),
        )
    assert len(big) == 0 and "memory budget" in big.failures["reason"][0]
    ds = FakeDataset(_structures()[:2], ["a", "b"])
    assert list(mm.featurize(ds, progress=False).ids) == ["a", "b"]


def test_formulas_get_nan_struct_or_no_struct_branch():
    with pytest.warns(UserWarning, match="no structure"):
        X = mm.featurize(["Li3PO4", Composition("Li2O"), li2o()], progress=False)
    assert np.isnan(X.struct[:2]).all() and np.isfinite(X.struct[2]).all()
    np.testing.assert_allclose(X.comp[1], X.comp[2])  # Li2O from formula and structure
    Y = mm.featurize(["Li3PO4"], struct=False, progress=False)
    assert Y.struct.shape == (1, 0) and Y.comp.shape == (1, 1785)


def test_cache_resume_recomputes_nothing_cached(tmp_path, monkeypatch):
    items = _structures()
    calls = []
    real = batch._featurize_one

    def interrupting(obj, *args):
        if len(calls) == 2:
            raise KeyboardInterrupt  # the user stops the run after two items
        calls.append(obj)
        return real(obj, *args)

    monkeypatch.setattr(batch, "_featurize_one", interrupting)
    with pytest.raises(KeyboardInterrupt):
        mm.featurize(items, cache=tmp_path, progress=False)
    assert len(list(tmp_path.glob("*/*.npz"))) == 2

    calls.clear()
    monkeypatch.setattr(
        batch, "_featurize_one", lambda obj, *a: (calls.append(obj), real(obj, *a))[1]
    )
    X = mm.featurize(items, cache=tmp_path, progress=False)
    assert len(calls) == 2 and calls[0] is items[2] and calls[1] is items[3]
    fresh = mm.featurize(items, progress=False)
    np.testing.assert_array_equal(X.struct, fresh.struct)
    np.testing.assert_array_equal(X.comp, fresh.comp)

    calls.clear()
    mm.featurize(items, cache=tmp_path, progress=False)  # everything cached now
    assert calls == []
    # other parameters -> other cache entries
    mm.featurize(
        items[:1], cache=tmp_path, progress=False, structure=StructureDescriptor(rdf_bins=10)
    )
    assert len(calls) == 1


def test_failures_are_cached_too(tmp_path):
    items = [Structure(Lattice.cubic(4), [], [])]
    with pytest.warns(UserWarning, match="refused"):
        X1 = mm.featurize(items, cache=tmp_path, progress=False)
    with pytest.warns(UserWarning, match="refused"):
        X2 = mm.featurize(items, cache=tmp_path, progress=False)
    assert X1.failures["reason"].tolist() == X2.failures["reason"].tolist() != []


def test_dask_client_gives_the_same_numbers():
    distributed = pytest.importorskip("distributed")
    items = _structures() + ["Li3PO4"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = mm.featurize(items, progress=False)
        with (
            distributed.LocalCluster(
                n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            X = mm.featurize(items, client=client, progress=False)
    np.testing.assert_array_equal(X.comp, ref.comp)
    np.testing.assert_array_equal(X.struct, ref.struct)
    assert list(X.ids) == list(ref.ids)


@pytest.mark.slow
def test_process_pool_gives_the_same_numbers():
    items = _structures() * 3
    ref = mm.featurize(items, progress=False)
    X = mm.featurize(items, n_jobs=2, progress=False)
    np.testing.assert_array_equal(X.struct, ref.struct)
    np.testing.assert_array_equal(X.comp, ref.comp)


def test_matminer_featurize_dataframe():
    entries = shipped_li_o()[:3]
    df = pd.DataFrame(
        {"structure": [s for *_, s in entries], "formula": [f for _, f, _ in entries]}
    )
    sf = StructureDescriptor()
    sf.set_n_jobs(1)
    df = sf.featurize_dataframe(df, "structure", pbar=False)
    cf = CompositionHistogram()
    cf.set_n_jobs(1)
    df = cf.featurize_dataframe(df, "formula", pbar=False)
    assert df.shape == (3, 2 + 858 + 1785)
    k = sf.feature_labels().index("rdf[Li-O][1.75,2)")
    assert k == 23  # block rdf[Li-O] starts at 20, fourth bin
    np.testing.assert_allclose(
        df["rdf[Li-O][1.75,2)"], [sf.featurize(s)[k] for s in df["structure"]]
    )
    assert (df["rdf[Li-O][1.75,2)"] > 0).all()  # every Li-O conductor has Li-O bonds near 2 Å
    np.testing.assert_allclose(df[cf.feature_labels()].to_numpy()[0], cf.featurize(entries[0][1]))
    assert sf.citations() and cf.citations() and sf.implementors() and cf.implementors()


def test_packed_structure_round_trip_keeps_what_descriptors_read():
    # the parallel back ends ship Structures as arrays; the rebuilt one must be equal and
    # give bit-identical descriptors (oxidation states, partial occupancies, pbc included)
    s = distorted_doped(2)
    s.add_oxidation_state_by_element({"Li": 1, "Mg": 2, "O": -2, "S": -2})
    packed = batch._PackedStructure.of(s)
    assert len(packed.species) == 4  # Li+, O2-, the Li/Mg site and the O/S site
    back = batch._unpack(pickle.loads(pickle.dumps(batch._pack(s))))
    assert back == s and back.lattice.pbc == s.lattice.pbc
    assert [site.species for site in back] == [site.species for site in s]
    sd, ch = StructureDescriptor(), CompositionHistogram()
    np.testing.assert_array_equal(sd.featurize(back), sd.featurize(s))
    np.testing.assert_array_equal(ch.featurize(back), ch.featurize(s))
    # occupancies that Composition's 1e-8 tolerance calls equal stay apart
    s.replace(1, {"Li+": 0.5 + 1e-12, "Mg2+": 0.25})
    assert s[1].species == s[0].species  # equal to Composition, not to the descriptors
    back = batch._unpack(batch._pack(s))
    assert back[1].species["Li"] == 0.5 + 1e-12 and back[0].species["Li"] == 0.5
    # anything that is not a plain Structure travels as it is
    assert batch._pack("Li3PO4") == "Li3PO4" and batch._unpack(Composition("LiF")) == Composition(
        "LiF"
    )


def test_descriptor_heap_restores_the_thresholds_a_process_fixed(monkeypatch):
    from materials_map.features import allocator

    if allocator._LIBC is None:
        pytest.skip("not glibc: descriptor_heap does nothing here")
    calls = spy_on_malloc(monkeypatch)
    with allocator.descriptor_heap():  # off unless asked for: a library keeps malloc as it is
        pass
    assert calls == []
    monkeypatch.setenv(allocator.OPT_IN, "1")
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")  # what dask's nanny sets
    with allocator.descriptor_heap():
        assert calls == [(-3, 32 << 20), (-1, 64 << 20)]
    assert calls[2:] == [(-1, 65536), (-3, 128 * 1024), ("trim", 0)]
