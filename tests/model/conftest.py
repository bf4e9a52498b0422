"""Fixtures for the model tests: small synthetic problems and a model fitted once."""

from __future__ import annotations

import pytest
import torch
from model_data import manifold_data

from materials_map.model.estimator import MapModel

# small network and short training: enough to learn the 1-D manifolds, fast on 2 cores
# (a larger learning rate than the paper's 1e-3 so that 60 epochs suffice)
FAST = dict(
    hidden_comp=(32,),
    hidden_struct=(32,),
    hidden_me=(8,),
    activation="tanh",
    batch_size=16,
    learning_rate=5e-3,
    patience=10,
    max_epochs=60,
    progress=False,
)


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    torch.set_num_threads(1)  # the machine is shared; 1 thread is faster for these tiny nets


@pytest.fixture(scope="session")
def data():
    """(Descriptors, y, hidden coordinates) of 120 materials."""
    return manifold_data(n=120, n_comp=40, n_struct=30, seed=1)


@pytest.fixture(scope="session")
def fitted(data):
    """A MapModel fitted on `data` with W = 0.01 (W = 0.1 trades some reconstruction for
    the target on this small problem; see test_w_sweep_table)."""
    X, y, _ = data
    return MapModel(w=0.01, random_state=0, **FAST).fit(X, y)
