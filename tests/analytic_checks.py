"""Run analytics by id through the real pipeline, for expectations written per case.

An expectation on an analytic that is not registered yet is marked xfail with
the reason "analytic CAR-... not registered", and only then.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from carhunt.analytics import load_analytics
from carhunt.hits import Hit
from carhunt.pipeline import HuntOptions, hunt


def require(analytic_id: str) -> None:
    """Mark the calling test xfail when the analytic is not registered."""
    if analytic_id not in load_analytics():
        pytest.xfail(f"analytic {analytic_id} not registered")


def hits_of(
    paths: list[str | Path],
    analytic_id: str,
    parameters: Mapping[str, Any] | None = None,
    per_file: bool = False,
) -> list[Hit]:
    """Return the hits of one analytic over the inputs, running the whole pipeline."""
    require(analytic_id)
    options = HuntOptions(
        analytic_ids=(analytic_id,),
        per_file=per_file,
        parameters={analytic_id: dict(parameters or {})},
    )
    result = hunt([str(path) for path in paths], options)
    found: list[Hit] = []
    for dataset in result.datasets:
        for analytic in dataset.results:
            assert analytic.error is None, analytic.error
            found.extend(analytic.hits)
    return found


def evidence(hits: list[Hit], path: str | None = None) -> list[list[str]]:
    """Return each hit's evidence references, sorted, optionally of one input file."""
    refs = [
        sorted(item.ref for item in hit.evidence if path is None or item.path.endswith(path))
        for hit in hits
    ]
    return sorted(ref for ref in refs if ref)


def silent_analytics(paths: list[str | Path], expected: set[str]) -> dict[str, int]:
    """Return the registered analytics outside ``expected`` that hit, with their counts."""
    options = HuntOptions()
    result = hunt([str(path) for path in paths], options)
    noisy: dict[str, int] = {}
    for dataset in result.datasets:
        for analytic in dataset.results:
            if analytic.analytic.id not in expected and analytic.hits:
                noisy[analytic.analytic.id] = noisy.get(analytic.analytic.id, 0) + len(
                    analytic.hits
                )
    return noisy
