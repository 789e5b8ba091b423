"""Raw batches to the common envelope, in one SQL query per batch.

The query recognizes each record's dialect, pulls the envelope fields and the
EventData fields the mapping reads, and marks Sysmon records. Its output
relation (``env``) has one row per raw record:

``source_id, ref, dialect, provider, channel, event_id, computer, host_unknown,
transport_time, record_id, is_sysmon`` and one text column per EventData field name.

``dialect`` is ``invalid`` for text that is not JSON and ``unknown`` for JSON in
no known shape, so that such records are counted, never dropped.
"""

from __future__ import annotations

import re

from carhunt.model.mapping import event_data_fields
from carhunt.normalize.dialects import (
    DIALECTS,
    ENVELOPE_FIELDS,
    SYSMON_CHANNELS,
    SYSMON_PROVIDERS,
    JsonDialect,
)

INVALID = "invalid"
UNKNOWN = "unknown"
UNKNOWN_HOST_PREFIX = "unknown-host-"
"""Host name of records whose transport names no host: this prefix and the source id."""

EVENT_DATA_FIELDS: tuple[str, ...] = event_data_fields()


def quote(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _unescape(expr: str) -> str:
    # &amp; last, so that "&amp;lt;" becomes "&lt;" and not "<".
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        expr = f"replace({expr}, {_literal(entity)}, {_literal(char)})"
    return f"replace({expr}, '&amp;', '&')"


def _dialect_select(dialect: JsonDialect) -> str:
    """Return the SELECT of one dialect's records, one text column per field."""
    paths: list[str] = []
    data_paths: list[str] = []
    computed: list[str] = []
    columns: list[str] = []
    for name in (*ENVELOPE_FIELDS, *EVENT_DATA_FIELDS):
        candidates = []
        for path in dialect.paths(name):
            paths.append(path)
            candidates.append(f"v[{len(paths)}]")
        if dialect.event_data_text and name not in ENVELOPE_FIELDS:
            data_paths.append(dialect.data_path(name))
            # The event_data object itself is tried after the overrides.
            position = len(dialect.overrides.get(name, ()))
            candidates.insert(position, f"d[{len(data_paths)}]")
        if name in dialect.computed:
            computed.append(dialect.computed[name])
            candidates.append(f"c{len(computed)}")
        if not candidates:
            expr = "NULL::VARCHAR"
        elif len(candidates) == 1:
            expr = candidates[0]
        else:
            expr = f"coalesce({', '.join(candidates)})"
        if dialect.unescape_entities and name not in ENVELOPE_FIELDS:
            expr = _unescape(expr)
        columns.append(f"{expr} AS {quote(name)}")
    inner = [
        "source_id",
        "ref",
        "dialect",
        f"json_extract_string(payload, [{', '.join(_literal(p) for p in paths)}]) AS v",
    ]
    if data_paths:
        text = f"json_extract_string(payload, {_literal(dialect.event_data)})"
        # EventData text that is not JSON (a transport's own error) yields nulls.
        valid = f"(CASE WHEN json_valid({text}) THEN {text} END)"
        inner.append(
            f"json_extract_string({valid}, [{', '.join(_literal(p) for p in data_paths)}]) AS d"
        )
    inner.extend(f"{expression} AS c{i}" for i, expression in enumerate(computed, 1))
    return (
        f"SELECT source_id, ref, dialect, {', '.join(columns)} FROM ("
        f"SELECT {', '.join(inner)} FROM typed WHERE dialect = {_literal(dialect.name)})"
    )


_PAYLOAD_CALL = re.compile(r"json_(exists|extract_string)\(payload, '((?:[^']|'')*)'\)")


def _probed_detection() -> tuple[list[str], list[tuple[str, str]]]:
    """Return the JSON paths the detect conditions read, and the conditions over a probe.

    Each ``json_exists(payload, path)`` and ``json_extract_string(payload, path)``
    of a condition becomes a lookup in ``probe``, the list that one
    ``json_extract`` call returns for all those paths. A record's JSON is then
    parsed once for every condition instead of once per call. ``json_extract``
    returns SQL NULL only for a missing path (a JSON null comes back as the text
    ``null``), so ``probe[i] IS NOT NULL`` is exactly ``json_exists``.
    """
    paths: list[str] = []
    conditions: list[tuple[str, str]] = []

    def lookup(match: re.Match[str]) -> str:
        path = match.group(2).replace("''", "'")
        if path not in paths:
            paths.append(path)
        element = f"probe[{paths.index(path) + 1}]"
        if match.group(1) == "exists":
            return f"({element} IS NOT NULL)"
        return f"json_extract_string({element}, '$')"

    for dialect in DIALECTS:
        conditions.append((dialect.name, _PAYLOAD_CALL.sub(lookup, dialect.detect)))
    return paths, conditions


def envelope_sql(source: str = "batch") -> str:
    """Return the query that turns raw records in ``source`` into envelope rows."""
    paths, conditions = _probed_detection()
    detect = " ".join(f"WHEN {condition} THEN {_literal(name)}" for name, condition in conditions)
    path_list = ", ".join(_literal(path) for path in paths)
    # keys (the top-level key names) and probe (the values at every path that a
    # detect condition reads) take one parse each. try() turns the error raised on
    # text that is not JSON into NULL, so no json_valid() parse is needed. Valid
    # JSON is an object exactly when its first non-blank character is "{".
    keyed = (
        "keyed AS (SELECT source_id, ref, payload, CASE "
        f"WHEN payload IS NULL OR try(json_keys(payload)) IS NULL THEN '{INVALID}' "
        f"WHEN NOT starts_with(ltrim(payload, ' \t\n\r'), '{{') THEN '{UNKNOWN}' "
        "END AS verdict, "
        "CASE WHEN verdict IS NULL THEN json_keys(payload) END AS keys, "
        f"CASE WHEN verdict IS NULL THEN json_extract(payload, [{path_list}]) END AS probe "
        f"FROM {source})"
    )
    # MATERIALIZED: every dialect's branch of the UNION below reads typed; inlined,
    # each branch would parse and detect every record again (three times slower).
    typed = (
        f"{keyed}, typed AS MATERIALIZED (SELECT source_id, ref, payload, CASE "
        f"WHEN verdict IS NOT NULL THEN verdict "
        f"{detect} ELSE '{UNKNOWN}' END AS dialect FROM keyed)"
    )
    nulls = ", ".join(
        f"NULL::VARCHAR AS {quote(name)}" for name in (*ENVELOPE_FIELDS, *EVENT_DATA_FIELDS)
    )
    unioned = " UNION ALL ".join(
        [_dialect_select(d) for d in DIALECTS]
        + [
            f"SELECT source_id, ref, dialect, {nulls} FROM typed "
            f"WHERE dialect IN ('{INVALID}', '{UNKNOWN}')"
        ]
    )
    providers = ", ".join(_literal(p) for p in SYSMON_PROVIDERS)
    channels = ", ".join(_literal(c) for c in SYSMON_CHANNELS)
    data_columns = ", ".join(quote(name) for name in EVENT_DATA_FIELDS)
    # A transport without a host name (PowerShell exports) gets a placeholder
    # named after its input, because analytics join events on the host and one
    # export contains the log of one machine. host_unknown marks such rows.
    return (
        f"WITH {typed}, unioned AS ({unioned}) "
        "SELECT source_id, ref, dialect, provider, channel, "
        "TRY_CAST(event_id AS INTEGER) AS event_id, "
        f"coalesce(nullif(trim(computer), ''), '{UNKNOWN_HOST_PREFIX}' || source_id) "
        "AS computer, nullif(trim(computer), '') IS NULL AS host_unknown, "
        "transport_time, record_id, "
        f"coalesce(lower(provider) IN ({providers}) OR lower(channel) IN ({channels}), false) "
        f"AS is_sysmon, {data_columns} FROM unioned"
    )
