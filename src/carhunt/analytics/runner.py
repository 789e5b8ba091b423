"""Run analytics on an engine and turn their rows into hits."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from carhunt.account import Source
from carhunt.analytics.base import DIAGNOSTIC_COUNT, Analytic, Reading, render, render_query
from carhunt.analytics.baseline import BaselineWindow, baseline_window
from carhunt.engines.base import Engine
from carhunt.errors import CarhuntError
from carhunt.hits import Hit, hits_from_table

log = logging.getLogger(__name__)


@dataclass
class AnalyticResult:
    """The outcome of one analytic over one data set."""

    analytic: Analytic
    reading: Reading
    hits: list[Hit] = field(default_factory=list)
    error: str | None = None
    diagnostics: dict[str, int] = field(default_factory=dict)
    """Counts of the analytic's diagnostics, by name."""
    baseline: BaselineWindow | None = None
    """Windows and coverage of a baseline analytic."""


def run_analytics(
    engine: Engine,
    analytics: Iterable[Analytic],
    sources: Mapping[int, Source],
    reading: Reading = Reading.RECOMMENDED,
    parameters: Mapping[str, Mapping[str, Any]] | None = None,
    now: dt.datetime | None = None,
    history: Engine | None = None,
) -> list[AnalyticResult]:
    """Run each analytic; an analytic that fails is reported, the others still run.

    ``now`` is T of the baseline analytics (default: the data set's latest event
    time) and ``history`` a separate store of older events for their baseline.
    """
    results = []
    for analytic in analytics:
        result = AnalyticResult(analytic, reading)
        overrides = (parameters or {}).get(analytic.id)
        try:
            _run_one(engine, analytic, sources, overrides, result, now, history)
        except CarhuntError:
            raise
        except Exception as error:
            log.error("analytic %s failed on %s: %s", analytic.id, engine.name, error)
            log.debug("analytic %s failure", analytic.id, exc_info=True)
            result.error = f"{type(error).__name__}: {error}"
        results.append(result)
    return results


def _run_one(
    engine: Engine,
    analytic: Analytic,
    sources: Mapping[int, Source],
    overrides: Mapping[str, Any] | None,
    result: AnalyticResult,
    now: dt.datetime | None,
    history: Engine | None,
) -> None:
    runtime: dict[str, Any] = {}
    if analytic.baseline:
        values = analytic.resolve(overrides)
        result.baseline = baseline_window(analytic, values, engine, history, now)
        if result.baseline is None:
            return
        runtime = result.baseline.runtime_values()
    sql = render(analytic, result.reading, overrides, engine.dialect, runtime)
    table = engine.run(sql)
    result.hits = hits_from_table(analytic, result.reading, table, sources)
    for diagnostic in analytic.diagnostics:
        sql = render_query(analytic, diagnostic.query, overrides, engine.dialect, runtime)
        rows = engine.run(sql).to_pylist()
        result.diagnostics[diagnostic.name] = int(rows[0][DIAGNOSTIC_COUNT] or 0) if rows else 0
