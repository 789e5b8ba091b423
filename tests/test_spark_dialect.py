"""DuckDB expressions and their Spark translation return the same values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest

from carhunt.engines.spark_dialect import java_regex, java_replacement, to_spark

pytestmark = pytest.mark.spark

# Each row: a DuckDB expression over the columns of ROWS, as an analytic would write it.
EXPRESSIONS = [
    "date_diff('millisecond', a, b)",
    "date_diff('second', a, b)",
    "date_diff('minute', a, b)",
    "date_diff('hour', a, b)",
    "date_diff('day', a, b)",
    "epoch_ms(b)",
    "epoch_ms(1704067200123)",
    "epoch(b)",
    "len(list_value(s, t))",
    "len(s)",
    "list_sort([t, s])",
    "list_contains(['x', 'cmd.exe'], lower(s))",
    "regexp_extract(s, 'c(m)d')",
    "regexp_extract(s, 'c(m)d', 1)",
    "regexp_extract(s, '(?P<first>[[:alpha:]]+)', 1)",
    "regexp_replace(s, '[a-z]', 'X')",
    "regexp_replace(s, '[a-z]', 'X', 'g')",
    "regexp_replace(s, '(c)(m)', '\\2\\1$')",
    "regexp_matches(s, 'CMD', 'i')",
    "regexp_matches(s, 'CMD')",
    "regexp_full_match(s, 'cmd')",
    "regexp_full_match(s, 'cmd\\.exe')",
    "s SIMILAR TO 'c.*'",
    "list_position(['a', s], s)",
    "list_position(['a'], s)",
    "list_has_any([s, NULL], ['cmd.exe'])",
    "b + to_minutes(30)",
    "b - to_hours(2)",
    "b + to_seconds(90)",
    "b + INTERVAL 30 MINUTE",
    "strftime(b, '%Y-%m-%d %H:%M')",
    "CAST([] AS VARCHAR[])",
    "coalesce('guid:' || NULL, 'pid:' || CAST(7 AS VARCHAR))",
]

ROWS = (
    "SELECT * FROM (VALUES "
    "(TIMESTAMP '2024-01-01 10:00:00.999', TIMESTAMP '2024-01-02 11:59:01.001', "
    "'cmd.exe', 'Cmd.EXE')) AS v(a, b, s, t)"
)

AGGREGATES = [
    "list(s ORDER BY k)",
    "list(s ORDER BY k DESC)",
    "string_agg(s, ';' ORDER BY k)",
    "list_sort(list(DISTINCT s))",
    "count(DISTINCT s)",
]
GROUP_ROWS = "SELECT * FROM (VALUES ('b', 2), ('a', 3), ('c', 1), ('a', 4)) AS v(s, k)"


def _duckdb(sql: str) -> list[Any]:
    (row,) = duckdb.connect().execute(sql).fetchall()
    return list(row)


def _spark(spark: Any, sql: str) -> list[Any]:
    row = spark.sql(to_spark(sql)).collect()[0]
    return [_plain(value) for value in row]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_expression_same_on_both(spark: Any, expression: str) -> None:
    sql = f"SELECT {expression} AS value FROM ({ROWS})"
    assert _spark(spark, sql) == _duckdb(sql)


@pytest.mark.parametrize("aggregate", AGGREGATES)
def test_aggregate_same_on_both(spark: Any, aggregate: str) -> None:
    sql = f"SELECT {aggregate} AS value FROM ({GROUP_ROWS})"
    assert _spark(spark, sql) == _duckdb(sql)


def test_window_nulls_order_same(spark: Any) -> None:
    sql = (
        "SELECT list(p ORDER BY s) FROM (SELECT s, lag(k) OVER (ORDER BY k) AS p "
        "FROM (SELECT * FROM (VALUES ('a', 1), ('b', NULL), ('c', 2)) AS v(s, k)))"
    )
    assert _spark(spark, sql) == _duckdb(sql)


def test_java_regex_named_group() -> None:
    assert java_regex("(?P<verb>query|qc)") == "(?<verb>query|qc)"


def test_java_regex_posix_class() -> None:
    assert java_regex("[[:digit:]]+") == "[\\p{Digit}]+"


def test_java_replacement_groups() -> None:
    assert java_replacement("\\1-\\2$") == "$1-$2\\$"


def test_java_replacement_shift() -> None:
    assert java_replacement("\\1", shift=1) == "$2"
