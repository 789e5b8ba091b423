"""Every analytic of the library: metadata, declared fields, portable SQL."""

from __future__ import annotations

import re

import pytest
import sqlglot

from carhunt.analytics import load_analytics
from carhunt.analytics.base import Analytic, Reading, derived_fields, render, render_query
from carhunt.analytics.runner import run_analytics
from carhunt.engines.duckdb import DuckDBEngine
from carhunt.store.duckdb_store import Store

SYSMON_32_ANALYTICS = [
    "CAR-2013-02-003", "CAR-2013-03-001", "CAR-2013-04-002", "CAR-2013-05-002",
    "CAR-2013-05-004", "CAR-2013-05-009", "CAR-2013-07-001", "CAR-2013-07-005",
    "CAR-2013-08-001", "CAR-2013-09-005", "CAR-2013-10-002", "CAR-2014-03-005",
    "CAR-2014-03-006", "CAR-2014-04-003", "CAR-2014-05-001", "CAR-2014-05-002",
    "CAR-2014-07-001", "CAR-2014-11-002", "CAR-2014-11-003", "CAR-2014-11-004",
    "CAR-2014-11-006", "CAR-2014-11-008", "CAR-2016-03-001", "CAR-2016-03-002",
]

ANALYTICS = list(load_analytics())

# DuckDB function names that Spark lacks; each must be rewritten when rendered.
DUCKDB_ONLY = ("list_contains", "regexp_matches", "list_sort", "list_concat", "string_split",
               "list_distinct", "date_diff")


def test_library_has_the_24_analytics() -> None:
    assert load_analytics().names() == SYSMON_32_ANALYTICS


@pytest.mark.parametrize("analytic", ANALYTICS, ids=lambda a: a.id)
def test_declared_fields_equal_fields_read(analytic: Analytic) -> None:
    assert set(analytic.fields) == derived_fields(analytic)
    assert len(analytic.fields) == len(set(analytic.fields))


@pytest.mark.parametrize("analytic", ANALYTICS, ids=lambda a: a.id)
def test_queries_render_for_spark(analytic: Analytic) -> None:
    for role, query in analytic.queries().items():
        spark = render_query(analytic, query, dialect="spark")
        assert sqlglot.parse_one(spark, read="spark") is not None, role
        lowered = spark.lower()
        leftovers = [name for name in DUCKDB_ONLY if f"{name}(" in lowered]
        assert leftovers == [], role


@pytest.mark.parametrize("analytic", ANALYTICS, ids=lambda a: a.id)
def test_regexes_have_no_lookbehind(analytic: Analytic) -> None:
    # RE2, DuckDB's regex engine, has no lookaround; Spark's Java engine would accept it.
    for role, query in analytic.queries().items():
        assert re.search(r"\(\?<[=!]", query) is None, role


@pytest.mark.parametrize("analytic", ANALYTICS, ids=lambda a: a.id)
def test_parameter_defaults_round_trip(analytic: Analytic) -> None:
    for parameter in analytic.parameters:
        assert parameter.coerce(parameter.default) == parameter.default, parameter.name
        assert parameter.description, parameter.name


@pytest.mark.parametrize("analytic", ANALYTICS, ids=lambda a: a.id)
def test_strict_reading_is_explained(analytic: Analytic) -> None:
    if analytic.strict_query is None:
        assert analytic.strict_difference == ""
    else:
        assert analytic.strict_difference.startswith("CAR-strict ")


@pytest.mark.parametrize("analytic", ANALYTICS, ids=lambda a: a.id)
def test_techniques_carry_tactics(analytic: Analytic) -> None:
    for technique in analytic.techniques:
        assert re.fullmatch(r"T\d{4}(\.\d{3})?", technique.id)
        assert technique.tactics
        assert all(re.fullmatch(r"TA\d{4}", tactic) for tactic in technique.tactics)
        assert technique.coverage in ("Low", "Moderate", "High")


@pytest.mark.parametrize("reading", list(Reading))
def test_every_query_runs_on_an_empty_store(reading: Reading) -> None:
    store = Store()
    try:
        results = run_analytics(DuckDBEngine(store), ANALYTICS, {}, reading)
    finally:
        store.close()
    assert [(r.analytic.id, r.error) for r in results if r.error] == []
    assert sum(len(r.hits) for r in results) == 0


def test_render_fills_parameters() -> None:
    analytic = load_analytics().get("CAR-2013-04-002")
    sql = render(analytic, values={"gap_minutes": 45, "commands": ["PING.EXE"]})
    assert "45 * 60000" in sql
    assert "['ping.exe']" in sql
    assert "$" not in sql
