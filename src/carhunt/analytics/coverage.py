"""Analytic coverage: which Sysmon events and CAR fields each analytic needs, and
whether a data set has them.

The fields come from the queries themselves (:func:`carhunt.analytics.base.fields_read`),
so the report cannot drift from what runs. A data set is checked by counting, per
needed table, its records and the records where each needed field is filled.
The reports judge a data set by the same rule (:func:`carhunt.coverage.analytic_coverage`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from carhunt.analytics.base import Analytic, Reading, fields_read
from carhunt.engines.base import Engine
from carhunt.model import car
from carhunt.model.mapping import EVENT_TABLES
from carhunt.normalize.envelope import quote

# Columns every row carries by construction, so listing them adds no information.
INTERNAL_COLUMNS = frozenset({car.SOURCE_ID, car.REF, car.EVENT_REF, car.EVENT_ID})


class Readiness(StrEnum):
    """Whether an analytic can run on a data set."""

    READY = "ready"
    """Every table it reads has records and every field it reads is filled somewhere."""
    PARTIAL = "partial"
    """It runs, but some fields it reads are empty in every record, or a table it reads
    only for context has no records."""
    NO_EVENTS = "no events"
    """A table it reads has no records, so it cannot find anything."""


@dataclass(frozen=True)
class AnalyticCoverage:
    """Needs of one analytic in one reading, and what a data set has of them."""

    analytic: Analytic
    reading: Reading
    fields: tuple[str, ...]
    """CAR fields the reading reads, as ``table.column``, without internal columns."""
    event_ids: tuple[int, ...]
    """Sysmon event ids that fill the tables it reads."""
    records: dict[str, int] = field(default_factory=dict)
    """Records per needed table in the data set; empty when no data set was given."""
    empty_fields: tuple[str, ...] = ()
    """Needed fields that no record of the data set fills."""

    @property
    def readiness(self) -> Readiness | None:
        if not self.records:
            return None
        required = set(self.records) - set(self.analytic.context_tables)
        if any(self.records[table] == 0 for table in required):
            return Readiness.NO_EVENTS
        if self.empty_fields:
            return Readiness.PARTIAL
        return Readiness.READY

    @property
    def missing_tables(self) -> tuple[str, ...]:
        return tuple(table for table, count in self.records.items() if count == 0)


def needed_fields(analytic: Analytic, reading: Reading) -> tuple[str, ...]:
    """Return the fields a reading reads, with its baseline query, sorted."""
    used = fields_read(analytic.query_for(reading), analytic.id)
    if analytic.baseline_query is not None:
        used |= fields_read(analytic.baseline_query, analytic.id)
    return tuple(sorted(name for name in used if name.split(".", 1)[1] not in INTERNAL_COLUMNS))


def needed_event_ids(fields: Iterable[str]) -> tuple[int, ...]:
    """Return the Sysmon event ids whose CAR tables hold these fields."""
    tables = {name.split(".", 1)[0] for name in fields}
    return tuple(sorted(event_id for event_id, table in EVENT_TABLES.items() if table in tables))


def describe(analytic: Analytic, reading: Reading = Reading.RECOMMENDED) -> AnalyticCoverage:
    """Return the needs of one analytic, without a data set."""
    fields = needed_fields(analytic, reading)
    return AnalyticCoverage(analytic, reading, fields, needed_event_ids(fields))


def _fill_counts(engine: Engine, table: str, columns: list[str]) -> tuple[int, dict[str, int]]:
    counts = ", ".join(f"count({quote(column)}) AS {quote(column)}" for column in columns)
    rows = engine.run(f"SELECT count(*) AS records, {counts} FROM {table}").to_pylist()
    row = rows[0] if rows else {}
    return int(row.get("records") or 0), {column: int(row.get(column) or 0) for column in columns}


def analytic_coverage(
    analytics: Iterable[Analytic],
    reading: Reading = Reading.RECOMMENDED,
    engine: Engine | None = None,
) -> list[AnalyticCoverage]:
    """Return each analytic's needs and, given an engine over a data set, what it has."""
    described = [describe(analytic, reading) for analytic in analytics]
    if engine is None:
        return described
    wanted: dict[str, set[str]] = {}
    for item in described:
        for name in item.fields:
            table, column = name.split(".", 1)
            wanted.setdefault(table, set()).add(column)
    records: dict[str, int] = {}
    filled: dict[str, int] = {}
    for table, columns in sorted(wanted.items()):
        records[table], per_column = _fill_counts(engine, table, sorted(columns))
        filled.update({f"{table}.{column}": count for column, count in per_column.items()})
    result = []
    for item in described:
        tables = sorted({name.split(".", 1)[0] for name in item.fields})
        result.append(
            AnalyticCoverage(
                item.analytic,
                reading,
                item.fields,
                item.event_ids,
                records={table: records[table] for table in tables},
                empty_fields=tuple(name for name in item.fields if filled[name] == 0),
            )
        )
    return result
