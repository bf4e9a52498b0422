"""The README's usage example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"


def _use_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Use", 1)[1]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "README has no python block under '## Use'"
    return blocks[0]


def test_readme_usage_example_runs_as_written(monkeypatch):
    """The block runs as written, every call and name the README's, on every 8th row of the
    embedded li-o data (``datasets.load`` answers that slice): the whole 796 rows cost a
    minute of featurizing and training, and no name or signature depends on the row count."""
    import torch

    import materials_map as mm

    load = mm.datasets.load

    def every_8th(name: str = "li-o"):
        full = load(name)
        return mm.MapDataset(full.df.iloc[::8].reset_index(drop=True), metadata=full.metadata)

    monkeypatch.setattr(mm.datasets, "load", every_8th)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    ns: dict = {}
    try:
        exec(compile(_use_block(), str(README), "exec"), ns)
    finally:
        torch.set_num_threads(threads)
    ds, X, coords = ns["ds"], ns["X"], ns["coords"]
    assert len(ds) == -(-len(load("li-o")) // 8) and set(ds.df["source"]) == {"generated", "obelix"}
    assert len(X) == len(ds) and coords.shape == (len(ds), 2)
    assert np.isfinite(coords).all()
    desc = ns["desc"]
    assert desc.comp.shape == (1, X.comp.shape[1]) and desc.struct.shape == (1, X.struct.shape[1])
    assert np.isfinite(ns["me"]).all()
    assert len(ns["explorer"].coords) == len(ds)
