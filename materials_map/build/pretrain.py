"""Train the shipped default model of an embedded dataset (maintainers, after a rebuild)."""

from __future__ import annotations

from pathlib import Path

from ..pipeline import SHIPPED_MODELS, build_map, model_key


def pretrain(dataset: str = "li-o", progress: bool = True) -> Path:
    """Train the default model of an embedded dataset and store it in the package.

    Run after ``materials-map datasets build``: later ``build_map(dataset)`` and
    ``explore(dataset)`` calls with default parameters load this file instead of training.
    """
    result = build_map(dataset, use_cache=False, progress=progress)
    return result.model.save(
        SHIPPED_MODELS / f"{model_key(result.dataset, result.target, result.model)}.mmodel"
    )
