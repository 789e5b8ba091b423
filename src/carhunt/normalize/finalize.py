"""Whole-data-set steps that run after loading: derived users, flow orientation.

Both need more than one event: a user comes from another table, and the
orientation of a host's inbound connections is read off its other events.
Each step is one SELECT over the logged columns of a table, written once in
DuckDB's dialect. The DuckDB store replaces its tables with these SELECTs after
loading, and a Parquet data set defines its CAR tables as views of them at hunt
time (translated for Spark), so the result is always that of one pass over all
the data, however many ingests filled it.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from carhunt.model import car
from carhunt.normalize.envelope import quote

Relation = Callable[[str], str]
"""Maps a CAR table name to the SQL relation (a name or subquery) of its logged rows."""


class FlowOrientation(StrEnum):
    """How inbound (Initiated=false) connections are oriented.

    Sysmon before version 10 logs an inbound connection with the local listener
    as source; version 10 and later log the remote initiator as source. CAR's
    flow analytics assume source = initiator, so legacy records are swapped.
    """

    AUTO = "auto"
    """Decide per host from its events (the default)."""
    LEGACY = "legacy"
    """Swap every inbound record."""
    MODERN = "modern"
    """Keep every record as logged."""


def _process_users(relation: Relation) -> str:
    # min() rather than any_value(): a GUID logged with two users must give the
    # same result on every engine.
    return (
        "SELECT lower(hostname) AS host, process_guid, min(\"user\") AS process_user "
        f"FROM {relation(car.PROCESS_CREATE.table)} "
        "WHERE process_guid IS NOT NULL AND \"user\" IS NOT NULL "
        "GROUP BY lower(hostname), process_guid"
    )


DERIVED_USER_GUIDS: dict[str, str] = {
    car.FILE_TIMESTOMP.table: "process_guid",
    car.PROCESS_TERMINATE.table: "process_guid",
    car.THREAD_REMOTE_CREATE.table: "src_process_guid",
}
"""Tables whose ``user`` comes from the creating process, by the GUID column naming it."""


def derived_user_select(table: car.ObjectAction, relation: Relation) -> str:
    """Return the SELECT of a table with ``user`` filled from the process's event 1.

    A row whose user is logged keeps it. A row without one takes the user of
    the process/create event with the same host and GUID, marked user_derived.
    Rows already derived (user_derived true) are derived again, so the SELECT
    gives the same rows when run over its own output.
    """
    guid = DERIVED_USER_GUIDS[table.table]
    take = 'p.process_user IS NOT NULL AND (t."user" IS NULL OR t.user_derived)'
    replaced = {
        "user": f'CASE WHEN {take} THEN p.process_user ELSE t."user" END',
        "user_derived": f"CASE WHEN {take} THEN true ELSE t.user_derived END",
    }
    return (
        f"SELECT {_columns(table, replaced)} FROM {relation(table.table)} AS t "
        f"LEFT JOIN ({_process_users(relation)}) AS p "
        f"ON lower(t.hostname) = p.host AND t.{guid} = p.process_guid"
    )


def host_layout_sql(mode: FlowOrientation, relation: Relation) -> str:
    """Return a query of (host, layout) with layout legacy, modern or undetermined.

    In ``auto`` mode a host whose event 1 or 7 records carry OriginalFileName
    (Sysmon 10 and later) is modern; a host with such records but none carrying
    it is legacy. A host with no such records takes the verdict of the other
    hosts when they all agree on legacy, and is otherwise undetermined.
    """
    flow_hosts = f"SELECT DISTINCT lower(hostname) AS host FROM {relation(car.FLOW_START.table)}"
    if mode is not FlowOrientation.AUTO:
        return f"SELECT host, '{mode.value}' AS layout FROM ({flow_hosts})"
    evidence = (
        "SELECT lower(hostname) AS host, original_file_name "
        f"FROM {relation(car.PROCESS_CREATE.table)} "
        "UNION ALL SELECT lower(hostname), original_file_name "
        f"FROM {relation(car.MODULE_LOAD.table)}"
    )
    known = (
        "SELECT host, CASE WHEN count(original_file_name) > 0 THEN 'modern' ELSE 'legacy' END "
        f"AS layout FROM ({evidence}) GROUP BY host"
    )
    fallback = (
        "SELECT CASE WHEN count(*) > 0 AND bool_and(layout = 'legacy') THEN 'legacy' "
        "ELSE 'undetermined' END FROM known"
    )
    return (
        f"WITH known AS ({known}) "
        f"SELECT f.host, coalesce(k.layout, ({fallback})) AS layout "
        f"FROM ({flow_hosts}) AS f LEFT JOIN known AS k ON k.host IS NOT DISTINCT FROM f.host"
    )


def orientation_select(mode: FlowOrientation, relation: Relation) -> str:
    """Return the SELECT of flow/start with every row oriented from its logged columns."""
    swap = "(t.initiated = false AND l.layout = 'legacy')"
    pairs = (
        ("src_ip", "logged_dest_ip", "logged_src_ip"),
        ("src_port", "logged_dest_port", "logged_src_port"),
        ("dest_ip", "logged_src_ip", "logged_dest_ip"),
        ("dest_port", "logged_src_port", "logged_dest_port"),
        ("src_hostname", "logged_dest_hostname", "logged_src_hostname"),
        ("dest_hostname", "logged_src_hostname", "logged_dest_hostname"),
    )
    replaced = {
        column: f"CASE WHEN {swap} THEN t.{swapped} ELSE t.{kept} END"
        for column, swapped, kept in pairs
    }
    replaced["direction"] = (
        "CASE t.initiated WHEN true THEN 'outbound' WHEN false THEN 'inbound' END"
    )
    replaced["orientation"] = (
        f"CASE WHEN {swap} THEN 'swapped' "
        "WHEN t.initiated = false AND l.layout = 'undetermined' THEN 'undetermined' "
        "ELSE 'as_logged' END"
    )
    return (
        f"SELECT {_columns(car.FLOW_START, replaced)} "
        f"FROM {relation(car.FLOW_START.table)} AS t "
        f"LEFT JOIN ({host_layout_sql(mode, relation)}) AS l "
        "ON l.host IS NOT DISTINCT FROM lower(t.hostname)"
    )


def finalized_selects(mode: FlowOrientation, relation: Relation) -> dict[str, str]:
    """Return, per CAR table with a whole-data-set step, the SELECT of its final rows."""
    selects = {
        name: derived_user_select(car.BY_TABLE[name], relation) for name in DERIVED_USER_GUIDS
    }
    selects[car.FLOW_START.table] = orientation_select(mode, relation)
    return selects


def _columns(table: car.ObjectAction, replaced: dict[str, str]) -> str:
    """Return the SELECT list of a table in model order, some columns computed."""
    return ", ".join(
        f"{replaced[name]} AS {quote(name)}" if name in replaced else f"t.{quote(name)}"
        for name in table.column_names
    )
