"""Coverage of CAR fields by the mapping and by data, and of analytics by data.

The table is generated from the mapping table the normalizer runs, so it shows
exactly what carhunt produces. Marks per (object/action, field):

``TICKED``     ticked on CAR's Sysmon 3.2 page and filled from the event
``UNBACKED``   ticked on the page, but the event does not carry it: filled by a join
               (derived user) or never (src_tid)
``EXTENDED``   not ticked on the page, but carhunt fills it from the event
``""``         not filled
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from carhunt.analytics.base import Analytic, Reading
from carhunt.analytics.coverage import Readiness, describe
from carhunt.model import car
from carhunt.model.mapping import MAPPING, MappingRow
from carhunt.normalize.envelope import quote
from carhunt.store.duckdb_store import Store

TICKED = "✓"
UNBACKED = "✓*"
EXTENDED = "+"


@dataclass(frozen=True)
class Cell:
    """Coverage of one CAR field by one object/action."""

    mark: str
    sources: tuple[str, ...] = ()
    derivation: str = ""
    note: str = ""
    populated: float | None = None
    """Share of the data set's records of this table where the field is not null."""


@dataclass
class ObjectCoverage:
    """Coverage of one CAR object: its fields by its actions."""

    object: str
    actions: tuple[str, ...]
    fields: tuple[str, ...]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)
    """Records per action in the data set, where a data set was given."""


def _mark(row: MappingRow) -> str:
    if row.ticked:
        return TICKED if row.backed else UNBACKED
    return EXTENDED if row.derivation != "none" else ""


def model_coverage() -> list[ObjectCoverage]:
    """Return the coverage table of the mapping, object by object, CAR fields only."""
    result = []
    for object_name, fields in car.MODEL_FIELDS.items():
        coverage = ObjectCoverage(object_name, car.MODEL_ACTIONS[object_name], fields)
        for row in MAPPING:
            table = car.BY_TABLE[row.table]
            if table.object != object_name or row.column not in fields:
                continue
            mark = _mark(row)
            if mark:
                coverage.cells[(table.action, row.column)] = Cell(
                    mark, row.sources, row.derivation, row.note
                )
        result.append(coverage)
    return result


def ticks() -> set[str]:
    """Return the ticked cells as ``object/action/field`` strings."""
    return {
        f"{c.object}/{action}/{name}"
        for c in model_coverage()
        for (action, name), cell in c.cells.items()
        if cell.mark in (TICKED, UNBACKED)
    }


def data_coverage(store: Store) -> list[ObjectCoverage]:
    """Return the coverage table with the populated share of each field in a store."""
    result = model_coverage()
    for coverage in result:
        for action in coverage.actions:
            key = f"{coverage.object}/{action}"
            if key not in car.BY_KEY:
                continue
            table = car.BY_KEY[key]
            counted = [(a, n) for (a, n) in coverage.cells if a == action]
            selects = ", ".join(f"count({quote(name)})" for _, name in counted)
            found = store.con.execute(
                f"SELECT count(*){', ' + selects if selects else ''} FROM {table.table}"
            ).fetchall()
            row = found[0] if found else None
            total = int(row[0]) if row else 0
            coverage.records[action] = total
            for index, (cell_action, name) in enumerate(counted, start=1):
                cell = coverage.cells[(cell_action, name)]
                share = (int(row[index]) / total) if row and total else 0.0
                coverage.cells[(cell_action, name)] = Cell(
                    cell.mark, cell.sources, cell.derivation, cell.note, share
                )
    return result


def host_event_counts(store: Store) -> list[tuple[str, int, int]]:
    """Return (host, Sysmon event id, records) for every mapped table, to show gaps."""
    parts = [
        f"SELECT hostname, event_id FROM {table.table}" for table in car.OBJECT_ACTIONS
    ]
    rows = store.con.execute(
        "SELECT coalesce(hostname, '(unknown)'), event_id, count(*) "
        f"FROM ({' UNION ALL '.join(parts)}) GROUP BY ALL ORDER BY 1, 2"
    ).fetchall()
    return [(str(host), int(event_id), int(count)) for host, event_id, count in rows]


FULL = "full"
PARTIAL = "partial"
NONE = "none"


@dataclass(frozen=True)
class AnalyticCoverage:
    """Whether a data set can feed an analytic: the CAR tables and fields it reads.

    ``full``: every table has records and every field is filled at least once.
    ``partial``: some fields are never filled, or a table read only for context
    has no records.
    ``none``: a table the analytic needs has no records.
    """

    analytic_id: str
    title: str
    techniques: tuple[str, ...]
    status: str
    empty_tables: tuple[str, ...] = ()
    empty_fields: tuple[str, ...] = ()


def field_counts(store: Store) -> tuple[dict[str, int], dict[str, int]]:
    """Return records per CAR table and non-null values per ``table.column``."""
    rows: dict[str, int] = {}
    filled: dict[str, int] = {}
    for table in car.OBJECT_ACTIONS:
        names = table.column_names
        counts = ", ".join(f"count({quote(name)})" for name in names)
        # fetchall(), not fetchone(): DuckDB rejects the next query while a result is unread.
        found = store.con.execute(f"SELECT count(*), {counts} FROM {table.table}").fetchall()
        values = [int(value) for value in found[0]] if found else [0] * (len(names) + 1)
        rows[table.table] = values[0]
        for name, value in zip(names, values[1:], strict=True):
            filled[f"{table.table}.{name}"] = value
    return rows, filled


_STATUS = {Readiness.READY: FULL, Readiness.PARTIAL: PARTIAL, Readiness.NO_EVENTS: NONE}


def analytic_coverage(
    analytic: Analytic,
    table_rows: Mapping[str, int],
    filled: Mapping[str, int],
    reading: Reading = Reading.RECOMMENDED,
) -> AnalyticCoverage:
    """Return whether a data set with these counts can run an analytic.

    The verdict is the one ``carhunt analytics PATH`` prints
    (:class:`carhunt.analytics.coverage.Readiness`), from the same fields.
    """
    needs = describe(analytic, reading)
    tables = sorted({name.split(".", 1)[0] for name in needs.fields})
    item = replace(
        needs,
        records={table: int(table_rows.get(table, 0)) for table in tables},
        empty_fields=tuple(name for name in needs.fields if not filled.get(name)),
    )
    techniques = tuple(dict.fromkeys(t.id for t in analytic.techniques))
    status = _STATUS[item.readiness] if item.readiness is not None else NONE
    # Fields of an empty table are not listed: the empty table already explains them.
    empty_fields = tuple(
        name for name in item.empty_fields if item.records.get(name.split(".", 1)[0])
    )
    return AnalyticCoverage(
        analytic.id, analytic.title, techniques, status, item.missing_tables, empty_fields
    )
