"""The README's usage example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _use_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Use", 1)[1]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "README has no python block under '## Use'"
    return blocks[0]


@pytest.mark.slow
def test_readme_usage_example_runs_as_written():
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    ns: dict = {}
    try:
        exec(compile(_use_block(), str(README), "exec"), ns)
    finally:
        torch.set_num_threads(threads)
    ds, X, coords = ns["ds"], ns["X"], ns["coords"]
    assert len(X) == len(ds) and coords.shape == (len(ds), 2)
    assert np.isfinite(coords).all()
    desc = ns["desc"]
    assert desc.comp.shape == (1, X.comp.shape[1]) and desc.struct.shape == (1, X.struct.shape[1])
    assert np.isfinite(ns["me"]).all()
    assert len(ns["explorer"].coords) == len(ds)
