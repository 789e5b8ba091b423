"""Envelope rows to CAR tables: one INSERT per mapped Sysmon event id.

The SELECT list of each INSERT is built from the mapping table, so a column is
filled exactly as :mod:`carhunt.model.mapping` says and nowhere else.
"""

from __future__ import annotations

from carhunt.model import car
from carhunt.model.mapping import EVENT_TABLES, rows_for
from carhunt.normalize.derivations import DERIVATIONS
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
    expressions = []
    for column in table.columns:
        if column.name in provenance:
            expr = provenance[column.name]
        elif column.name in by_column:
            row = by_column[column.name]
            derive = DERIVATIONS[row.derivation]
            if row.sources:
                parent = row.sources[0].startswith("Parent")
                expr = derive(_source_expr(row.sources[0]), parent)
            else:
                expr = "NULL"
        else:
            # Filled after loading, by the finalize step (orientation, derived user).
            expr = "NULL"
        expressions.append(f"{expr} AS {quote(column.name)}")
    return (
        f"SELECT {', '.join(expressions)} FROM {source} "
        f"WHERE is_sysmon AND event_id = {event_id}"
    )


def insert_sql(event_id: int, source: str = "env") -> str:
    table = EVENT_TABLES[event_id]
    return f"INSERT INTO {quote(table)} {select_sql(event_id, source)}"
