"""CAR-2014-11-002: Outlier Parents of Cmd."""

from carhunt.analytics.base import Analytic, Parameter, Technique

# The key of a parent: its lower-cased program name, optionally with GUIDs and
# digit runs collapsed (installers with versioned or random names), and with the
# host or user in front when baselines are kept per host or per user.
PARENT_NAME = """
        CASE WHEN $collapse_names THEN regexp_replace(
            regexp_replace(
                lower(parent_exe),
                '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
                '{guid}',
                'g'
            ),
            '[0-9]+',
            '#',
            'g'
        ) ELSE lower(parent_exe) END"""

KEY = f"""
    CASE WHEN parent_exe IS NOT NULL THEN
        CASE WHEN $per_host THEN lower(hostname) || '|' ELSE '' END
        || CASE WHEN $per_user THEN coalesce(lower("user"), '') || '|' ELSE '' END
        || {PARENT_NAME}
    END"""

BASELINE_QUERY = f"""
SELECT DISTINCT {KEY} AS baseline_key
FROM process_create
WHERE lower(exe) = 'cmd.exe'
  AND time >= $baseline_start AND time < $baseline_end
"""

QUERY = f"""
WITH current_events AS (
    SELECT time, hostname, event_ref, pid, parent_exe, parent_image_path, command_line,
        "user", {KEY} AS key
    FROM process_create
    WHERE lower(exe) = 'cmd.exe'
      AND time >= $current_start AND time <= $now
),
new_events AS (
    SELECT time, hostname, event_ref, pid, parent_exe, parent_image_path, command_line,
        "user", key
    FROM current_events
    WHERE key IS NULL OR NOT list_contains($baseline_keys, key)
),
per_key AS (
    SELECT
        key,
        min(time) AS first_seen,
        list_sort(list(DISTINCT hostname)) AS hosts,
        count(*) AS key_count
    FROM new_events
    WHERE key IS NOT NULL
    GROUP BY key
)
SELECT
    n.time AS time,
    n.hostname AS hostname,
    [n.event_ref] AS evidence,
    CASE WHEN n.parent_exe IS NULL THEN ['parent_exe'] ELSE CAST([] AS VARCHAR[]) END
        AS field_missing,
    CASE WHEN $baseline_incomplete THEN ['baseline_incomplete'] ELSE CAST([] AS VARCHAR[]) END
        AS flags,
    n.parent_exe AS parent_exe,
    n.parent_image_path AS parent_image_path,
    n.command_line AS command_line,
    n."user" AS "user",
    n.pid AS pid,
    k.first_seen AS first_seen,
    k.hosts AS hosts,
    k.key_count AS key_count
FROM new_events AS n
LEFT JOIN per_key AS k ON k.key = n.key
"""

ANALYTIC = Analytic(
    id="CAR-2014-11-002",
    title="Outlier Parents of Cmd",
    description=(
        "cmd.exe started in the current window (the last current_days, 1) by a parent "
        "program that did not start cmd.exe in the baseline window (the baseline_days, "
        "30, before it); parents are compared by name, case-insensitively. T is the data "
        "set's latest event time unless --now gives one; --baseline adds older logs or a "
        "--db store as history. Hits are flagged baseline_incomplete when the events do "
        "not reach back to the start of the baseline window. Enterprise-wide and "
        "ignoring the user, as CAR describes; per_host and per_user keep separate "
        "baselines, and collapse_names (off) folds GUIDs and digit runs in names. A "
        "start with no parent name is a hit flagged field_missing."
    ),
    analytic_type="Anomaly, TTP",
    techniques=(
        Technique("T1059.003", "Windows Command Shell", ("TA0002",), "Moderate"),
    ),
    fields=(
        "process_create.command_line",
        "process_create.event_ref",
        "process_create.exe",
        "process_create.hostname",
        "process_create.parent_exe",
        "process_create.parent_image_path",
        "process_create.pid",
        "process_create.time",
        "process_create.user",
    ),
    parameters=(
        Parameter("baseline_days", 30.0, "Days before T where the baseline starts", minimum=0),
        Parameter("current_days", 1.0, "Days before T where the current window starts",
                  minimum=0),
        Parameter("per_host", False, "Keep one baseline per host instead of one for all"),
        Parameter("per_user", False, "Keep one baseline per user instead of one for all"),
        Parameter(
            "collapse_names",
            False,
            "Fold GUIDs and digit runs in parent names, so versioned installers are one key",
        ),
    ),
    query=QUERY,
    baseline=True,
    baseline_query=BASELINE_QUERY,
    key_fields=("parent_exe", "first_seen"),
)
