"""Envelope rows to CAR tables: one INSERT per mapped Sysmon event id.

The SELECT list of each INSERT is built from the mapping table, so a column is
filled exactly as :mod:`carhunt.model.mapping` says and nowhere else.
"""

from __future__ import annotations

from carhunt.model import car
from carhunt.model.mapping import EVENT_TABLES, rows_for
from carhunt.normalize.derivations import COMPOSED, DERIVATIONS
from carhunt.normalize.envelope import quote

_EVENT_TIME = f"TRY_CAST(trim({quote('UtcTime')}) AS TIMESTAMP)"
_TRANSPORT_TIME = "TRY_CAST(trim(transport_time) AS TIMESTAMP)"


def _source_expr(name: str) -> str:
    return "computer" if name == "Computer" else quote(name)


def select_sql(event_id: int, source: str = "env") -> str:
    """Return the SELECT that maps envelope rows of one event id onto its CAR table."""
    table = car.BY_TABLE[EVENT_TABLES[event_id]]
    by_column = {row.column: row for row in rows_for(event_id)}
    provenance = {
        car.SOURCE_ID: "source_id",
        car.REF: "ref",
        car.EVENT_REF: "CAST(source_id AS VARCHAR) || '/' || ref",
        car.EVENT_ID: "event_id",
        car.TIME: f"coalesce({_EVENT_TIME}, {_TRANSPORT_TIME})",
        car.TIME_FROM_TRANSPORT: f"({_EVENT_TIME} IS NULL AND {_TRANSPORT_TIME} IS NOT NULL)",
    }
    inner: dict[str, str] = {}
    derived: dict[tuple[str, str], str] = {}
    for column in table.columns:
        name = quote(column.name)
        row = by_column.get(column.name)
        if column.name in provenance:
            inner[name] = provenance[column.name]
        elif row is not None and row.sources and row.derivation not in COMPOSED:
            inner[name] = _derive(row.derivation, row.sources[0])
            derived[(row.derivation, row.sources[0])] = name
        elif row is None or not row.sources:
            # No source, or filled after loading by the finalize step
            # (orientation, derived user).
            inner[name] = "NULL"
    outer = []
    for column in table.columns:
        name = quote(column.name)
        row = by_column.get(column.name)
        if name in inner or row is None:
            outer.append(name)
            continue
        base, finish = COMPOSED[row.derivation]
        key = (base, row.sources[0])
        if key not in derived:
            derived[key] = quote(f"{base}:{row.sources[0]}")
            inner[derived[key]] = _derive(base, row.sources[0])
        outer.append(f"{finish(derived[key])} AS {name}")
    columns = ", ".join(f"{expr} AS {name}" for name, expr in inner.items())
    return (
        f"SELECT {', '.join(outer)} FROM (SELECT {columns} FROM {source} "
        f"WHERE is_sysmon AND event_id = {event_id})"
    )


def _derive(derivation: str, source: str) -> str:
    parent = source.startswith("Parent")
    return DERIVATIONS[derivation](_source_expr(source), parent)


def insert_sql(event_id: int, source: str = "env") -> str:
    table = EVENT_TABLES[event_id]
    return f"INSERT INTO {quote(table)} {select_sql(event_id, source)}"
