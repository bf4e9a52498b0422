"""The paper's Materials Project query (Li-O compounds over 25 other elements), cached."""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

import pandas as pd
from pymatgen.core import Element, Structure

from .._util import cache_dir as shared_cache_dir
from .._util.extras import need
from .dataset import MapDataset

# Yamaguchi et al. (2023): compounds of Li and O whose other elements come only from these 25
PAPER_ELEMENTS: tuple[str, ...] = tuple(
    "Mg Ca Sr Ba Sc Y La Ti Zr Hf Nb Ta Zn B Al Ga In C Si Ge Sn P As Sb S".split()
)
FIELDS = ("material_id", "structure", "energy_above_hull", "band_gap")
DEFAULT_ENDPOINT = "https://api.materialsproject.org/"


class MaterialsProjectError(RuntimeError):
    """The Materials Project could not be queried (no key, no network, server error)."""


def _api_key(api_key: str | None) -> str:
    key = api_key or os.environ.get("MP_API_KEY")
    if not key:
        try:
            from pymatgen.core import SETTINGS

            key = SETTINGS.get("PMG_MAPI_KEY")
        except Exception:  # noqa: BLE001
            key = None
    if not key:
        raise MaterialsProjectError(
            "no Materials Project API key: pass api_key=... or set the MP_API_KEY environment "
            "variable (get a key at https://next-gen.materialsproject.org/api)"
        )
    if len(key) != 32:
        raise MaterialsProjectError(
            f"Materials Project API keys have 32 characters; got {len(key)}"
        )
    return key


def query(elements: tuple[str, ...] = PAPER_ELEMENTS) -> dict:
    """Search criteria of the paper's query: contains Li and O, nothing outside ``elements``."""
    allowed = {"Li", "O", *elements}
    for el in allowed:
        Element(el)  # raises on a typo
    exclude = sorted(e.symbol for e in Element if e.symbol not in allowed and e.Z <= 103)
    return {"elements": ["Li", "O"], "exclude_elements": exclude}


def _cache_file(cache_dir: Path, criteria: dict, endpoint: str) -> Path:
    blob = json.dumps(
        {"criteria": criteria, "fields": FIELDS, "endpoint": endpoint}, sort_keys=True
    )
    return cache_dir / f"mp-{hashlib.sha1(blob.encode()).hexdigest()[:16]}.parquet"


def materials_project(
    api_key: str | None = None,
    elements: tuple[str, ...] = PAPER_ELEMENTS,
    cache_dir: str | os.PathLike | None = None,
    endpoint: str | None = None,
    timeout: float = 60,
    refresh: bool = False,
    progress: bool = True,
    chunk_size: int = 1000,
) -> MapDataset:
    """Li-O compounds from the Materials Project (the paper's query) as a MapDataset.

    Fields: ``material_id``, ``structure``, ``energy_above_hull``, ``band_gap``. The result is
    cached on disk as parquet (no pickle), keyed by the query; a cached query needs neither a
    key nor the network unless ``refresh``. Raises :class:`MaterialsProjectError` with the
    reason for a missing/invalid key, an unreachable server, a timeout or an error response.
    """
    endpoint = endpoint or os.environ.get("MP_API_ENDPOINT") or DEFAULT_ENDPOINT
    if not endpoint.endswith("/"):
        endpoint += "/"
    criteria = query(tuple(elements))
    cache = Path(cache_dir) if cache_dir is not None else shared_cache_dir("materials_project")
    cfile = _cache_file(cache, criteria, endpoint)
    if cfile.is_file() and not refresh:
        return MapDataset.from_parquet(cfile)

    key = _api_key(api_key)
    docs = _search(key, endpoint, criteria, timeout, progress, chunk_size)
    ds = _to_dataset(docs, progress)
    ds.metadata.update(
        {
            "source": "Materials Project",
            "endpoint": endpoint,
            "criteria": criteria,
            "fields": list(FIELDS),
        }
    )
    ds.to_parquet(cfile)
    return ds


def _search(
    key: str, endpoint: str, criteria: dict, timeout: float, progress: bool, chunk_size: int
) -> list[dict]:
    import requests

    need("mp_api", "mp", "datasets.materials_project()")
    from mp_api.client import MPRester
    from mp_api.client.core.client import MPRestError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with MPRester(
                api_key=key,
                endpoint=endpoint,
                use_document_model=False,
                mute_progress_bars=not progress,
            ) as mpr:
                rester = mpr.materials.summary
                # sub-resters come wrapped in mp-api's LazyImport; the per-request timeout
                # lives on the instantiated rester
                inner = getattr(rester, "_obj", None) or rester
                inner.timeout = timeout
                docs = rester.search(**criteria, fields=list(FIELDS), chunk_size=chunk_size)
    except requests.exceptions.Timeout as exc:
        raise MaterialsProjectError(
            f"Materials Project at {endpoint} did not answer within {timeout} s: {exc}"
        ) from exc
    except requests.exceptions.ConnectionError as exc:
        raise MaterialsProjectError(
            f"cannot reach the Materials Project at {endpoint} (no network?): {exc}"
        ) from exc
    except MPRestError as exc:
        msg = str(exc)
        if "timed out" in msg.lower() or "timeout" in msg.lower():
            raise MaterialsProjectError(
                f"Materials Project at {endpoint} timed out: {msg}"
            ) from exc
        raise MaterialsProjectError(f"Materials Project query failed: {msg}") from exc
    except (ValueError, KeyError) as exc:  # malformed JSON from a proxy / captive portal
        raise MaterialsProjectError(f"unexpected response from {endpoint}: {exc}") from exc
    return [d if isinstance(d, dict) else dict(d) for d in docs]


def _to_dataset(docs: list[dict], progress: bool) -> MapDataset:
    from tqdm.auto import tqdm

    rows, failures = [], []
    for d in tqdm(docs, desc="MP structures", disable=not progress):
        mid = str(d.get("material_id"))
        try:
            s = d["structure"]
            s = s if isinstance(s, Structure) else Structure.from_dict(s)
        except Exception as exc:  # noqa: BLE001 - one bad document must not sink the query
            failures.append({"item": mid, "error": f"{type(exc).__name__}: {exc}"})
            continue
        rows.append(
            {
                "id": mid,
                "structure": s,
                "source": "materials_project",
                "energy_above_hull": d.get("energy_above_hull"),
                "band_gap": d.get("band_gap"),
            }
        )
    cols = ["id", "structure", "source", "energy_above_hull", "band_gap"]
    return MapDataset(pd.DataFrame(rows, columns=cols), metadata={"failures": failures})
