"""Run analytics on an engine and turn their rows into hits."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from carhunt.account import Source
from carhunt.analytics.base import Analytic, Reading, render
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


def run_analytics(
    engine: Engine,
    analytics: Iterable[Analytic],
    sources: Mapping[int, Source],
    reading: Reading = Reading.RECOMMENDED,
    parameters: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[AnalyticResult]:
    """Run each analytic; an analytic that fails is reported, the others still run."""
    results = []
    for analytic in analytics:
        result = AnalyticResult(analytic, reading)
        try:
            sql = render(analytic, reading, (parameters or {}).get(analytic.id), engine.dialect)
            table = engine.run(sql)
            result.hits = hits_from_table(analytic, reading, table, sources)
        except CarhuntError:
            raise
        except Exception as error:
            log.error("analytic %s failed on %s: %s", analytic.id, engine.name, error)
            log.debug("analytic %s failure", analytic.id, exc_info=True)
            result.error = f"{type(error).__name__}: {error}"
        results.append(result)
    return results
