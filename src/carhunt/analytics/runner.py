"""Run analytics on an engine and turn their rows into hits."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from carhunt.account import Source
from carhunt.analytics.base import DIAGNOSTIC_COUNT, Analytic, Reading, render, render_query
from carhunt.analytics.baseline import BaselineWindow, baseline_window
from carhunt.engines.base import Engine
from carhunt.errors import CarhuntError
from carhunt.hits import Hit, hits_from_table

log = logging.getLogger(__name__)


@dataclass
class AnalyticResult:
    """The outcome of one analytic over one data set.

    Its hits are kept as the Arrow rows the query returned and built as
    :class:`~carhunt.hits.Hit` objects each time ``hits`` is read. A hit as a
    Python object takes about three times the memory of its Arrow row, and a
    hunt of 10M events with half a million hits held them all at once.
    """

    analytic: Analytic
    reading: Reading
    error: str | None = None
    diagnostics: dict[str, int] = field(default_factory=dict)
    """Counts of the analytic's diagnostics, by name."""
    baseline: BaselineWindow | None = None
    """Windows and coverage of a baseline analytic."""
    rows: pa.Table | None = field(default=None, repr=False)
    """Rows of the analytic's query, one per hit; None when it did not run."""
    sources: Mapping[int, Source] = field(default_factory=dict, repr=False)
    """Sources the rows' evidence references point into."""

    @property
    def hits(self) -> list[Hit]:
        """Return the hits, sorted by time and evidence, built from the rows."""
        if self.rows is None:
            return []
        return hits_from_table(self.analytic, self.reading, self.rows, self.sources)

    @property
    def hit_count(self) -> int:
        return 0 if self.rows is None else self.rows.num_rows

    def keep_rows(self, rows: pa.Table, sources: Mapping[int, Source]) -> None:
        """Keep the query's rows as this result's hits."""
        self.rows = rows
        self.sources = sources


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
    result.keep_rows(table, sources)
    for diagnostic in analytic.diagnostics:
        sql = render_query(analytic, diagnostic.query, overrides, engine.dialect, runtime)
        rows = engine.run(sql).to_pylist()
        result.diagnostics[diagnostic.name] = int(rows[0][DIAGNOSTIC_COUNT] or 0) if rows else 0
