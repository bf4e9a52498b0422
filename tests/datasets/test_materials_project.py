"""The MP loader against a loopback server that speaks the real API format, through mp-api."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from mp_server import FakeMP
from pymatgen.core import Structure

from materials_map.datasets import MapDataset, MaterialsProjectError, materials_project
from materials_map.datasets.materials_project import PAPER_ELEMENTS, query

KEY = "a" * 32


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    import pymatgen.core

    root = Path(pymatgen.core.__file__).parents[1] / "util" / "structures"
    out = []
    for i, name in enumerate(["Li2O", "LiFePO4", "Li3V2(PO4)3", "Li2O2"]):
        s = Structure.from_file(root / f"{name}.json")
        out.append(
            {
                "material_id": f"mp-{1000 + i}",
                "structure": s.as_dict(),
                "energy_above_hull": 0.01 * i,
                "band_gap": 1.5 + i,
                "formula_pretty": name,
            }
        )
    return out


def test_paper_query_has_li_o_and_excludes_everything_else():
    q = query()
    assert q["elements"] == ["Li", "O"]
    assert len(PAPER_ELEMENTS) == 25
    allowed = {"Li", "O", *PAPER_ELEMENTS}
    assert not allowed & set(q["exclude_elements"])
    assert {"Fe", "Co", "Na", "F", "N", "H"} <= set(q["exclude_elements"])
    assert len(q["exclude_elements"]) == 103 - 27


def test_loader_through_mprester_paginates_and_caches(docs, tmp_path):
    with FakeMP(docs) as srv:
        ds = materials_project(
            api_key=KEY, endpoint=srv.endpoint, cache_dir=tmp_path, chunk_size=3, progress=False
        )
        summary_calls = [p for path, p in srv.requests if "summary" in path]
    assert isinstance(ds, MapDataset) and len(ds) == 4
    # real client behaviour: fields and criteria sent as the API expects, pages of 3
    first = summary_calls[0]
    assert set(first["_fields"].split(",")) == {
        "material_id",
        "structure",
        "energy_above_hull",
        "band_gap",
    }
    assert first["elements"] == "Li,O" and "Fe" in first["exclude_elements"].split(",")
    assert first["x-api-key"] == KEY
    assert len(summary_calls) == 2 and summary_calls[1]["_skip"] == "3"
    row = ds.df.set_index("id").loc["mp-1001"]
    assert row["structure"] == Structure.from_dict(docs[1]["structure"])
    assert row["formula"] == "LiFePO4" and row["band_gap"] == pytest.approx(2.5)
    assert row["li_fraction"] == pytest.approx(1 / 7)
    # cached: a second call needs neither the server nor a key
    files = list(tmp_path.glob("mp-*.parquet"))
    assert len(files) == 1
    again = materials_project(
        api_key=None, endpoint=srv.endpoint, cache_dir=tmp_path, progress=False
    )
    assert list(again.df["id"]) == list(ds.df["id"])
    assert again.df["structure"].iloc[0] == ds.df["structure"].iloc[0]


def test_error_response_is_reported(docs, tmp_path):
    with FakeMP(docs, mode="error") as srv:
        with pytest.raises(MaterialsProjectError, match="500"):
            materials_project(
                api_key=KEY, endpoint=srv.endpoint, cache_dir=tmp_path, progress=False
            )
    assert not list(tmp_path.glob("*.parquet"))  # nothing cached on failure


def test_timeout_is_reported(docs, tmp_path):
    with FakeMP(docs, mode="slow", delay=2.0) as srv:
        t = time.perf_counter()
        with pytest.raises(MaterialsProjectError, match="(?i)time"):
            materials_project(
                api_key=KEY, endpoint=srv.endpoint, cache_dir=tmp_path, timeout=0.3, progress=False
            )
        assert time.perf_counter() - t < 15


def test_missing_key_and_no_network(tmp_path, monkeypatch):
    monkeypatch.delenv("MP_API_KEY", raising=False)
    from pymatgen.core import SETTINGS

    monkeypatch.setitem(SETTINGS, "PMG_MAPI_KEY", None)
    with pytest.raises(MaterialsProjectError, match="API key"):
        materials_project(cache_dir=tmp_path, progress=False)
    with pytest.raises(MaterialsProjectError, match="32 characters"):
        materials_project(api_key="short", cache_dir=tmp_path, progress=False)
    # a closed port on loopback: connection refused -> clear "cannot reach" error
    with pytest.raises(MaterialsProjectError, match="cannot reach"):
        materials_project(
            api_key=KEY, endpoint="http://127.0.0.1:9/", cache_dir=tmp_path, progress=False
        )
