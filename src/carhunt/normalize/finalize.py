"""Whole-data-set steps that run after loading: derived users, flow orientation.

Both need more than one event: a user comes from another table, and the
orientation of a host's inbound connections is read off its other events.
The steps recompute from the logged columns, so running them again (a second
ingest into the same store, another ``--flow-orientation``) gives the same
result as running them once over all the data.
"""

from __future__ import annotations

from enum import StrEnum

from carhunt.model import car


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


def derived_user_sql() -> list[str]:
    """Return UPDATEs that fill ``user`` from the creating process's event 1."""
    process_users = (
        "SELECT lower(hostname) AS host, process_guid, any_value(\"user\") AS process_user "
        "FROM process_create WHERE process_guid IS NOT NULL AND \"user\" IS NOT NULL "
        "GROUP BY ALL"
    )
    statements = []
    for table, guid in (
        (car.FILE_TIMESTOMP, "process_guid"),
        (car.PROCESS_TERMINATE, "process_guid"),
        (car.THREAD_REMOTE_CREATE, "src_process_guid"),
    ):
        statements.append(
            f"UPDATE {table.table} AS t SET \"user\" = p.process_user, user_derived = true "
            f"FROM ({process_users}) AS p "
            f"WHERE (t.\"user\" IS NULL OR t.user_derived) AND lower(t.hostname) = p.host "
            f"AND t.{guid} = p.process_guid"
        )
    return statements


def host_layout_sql(mode: FlowOrientation) -> str:
    """Return a query of (host, layout) with layout legacy, modern or undetermined.

    In ``auto`` mode a host whose event 1 or 7 records carry OriginalFileName
    (Sysmon 10 and later) is modern; a host with such records but none carrying
    it is legacy. A host with no such records takes the verdict of the other
    hosts when they all agree on legacy, and is otherwise undetermined.
    """
    flow_hosts = "SELECT DISTINCT lower(hostname) AS host FROM flow_start"
    if mode is not FlowOrientation.AUTO:
        return f"SELECT host, '{mode.value}' AS layout FROM ({flow_hosts})"
    evidence = (
        "SELECT lower(hostname) AS host, original_file_name FROM process_create "
        "UNION ALL SELECT lower(hostname), original_file_name FROM module_load"
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


def orientation_sql(mode: FlowOrientation) -> str:
    """Return the UPDATE that orients every flow/start row from its logged columns."""
    swap = "(t.initiated = false AND l.layout = 'legacy')"
    pairs = (
        ("src_ip", "logged_dest_ip", "logged_src_ip"),
        ("src_port", "logged_dest_port", "logged_src_port"),
        ("dest_ip", "logged_src_ip", "logged_dest_ip"),
        ("dest_port", "logged_src_port", "logged_dest_port"),
        ("src_hostname", "logged_dest_hostname", "logged_src_hostname"),
        ("dest_hostname", "logged_src_hostname", "logged_dest_hostname"),
    )
    assignments = [
        f"{column} = CASE WHEN {swap} THEN t.{swapped} ELSE t.{kept} END"
        for column, swapped, kept in pairs
    ]
    assignments.append(
        "direction = CASE t.initiated WHEN true THEN 'outbound' WHEN false THEN 'inbound' END"
    )
    assignments.append(
        f"orientation = CASE WHEN {swap} THEN 'swapped' "
        "WHEN t.initiated = false AND l.layout = 'undetermined' THEN 'undetermined' "
        "ELSE 'as_logged' END"
    )
    return (
        f"UPDATE flow_start AS t SET {', '.join(assignments)} "
        f"FROM ({host_layout_sql(mode)}) AS l WHERE l.host IS NOT DISTINCT FROM lower(t.hostname)"
    )
