"""CAR-2013-09-005: Service Outlier Executables."""

from carhunt.analytics.base import Analytic, Parameter, Technique

SERVICES_SUFFIX = "\\system32\\services.exe"

# Children of the real services.exe: the parent path is a configured Windows
# directory followed by \System32\services.exe, so a services.exe elsewhere is
# out of scope.
SERVICE_CHILD = f"""
    right(lower(parent_image_path), {len(SERVICES_SUFFIX)}) = '{SERVICES_SUFFIX}'
    AND list_contains(
        $system_roots,
        substr(lower(parent_image_path), 1, length(parent_image_path) - {len(SERVICES_SUFFIX)})
    )"""

# The key of a service program: its lower-cased image path, with the host in
# front when baselines are kept per host.
KEY = """
    CASE WHEN image_path IS NOT NULL THEN
        CASE WHEN $per_host THEN lower(hostname) || '|' ELSE '' END || lower(image_path)
    END"""

BASELINE_QUERY = f"""
SELECT DISTINCT {KEY} AS baseline_key
FROM process_create
WHERE {SERVICE_CHILD}
  AND time >= $baseline_start AND time < $baseline_end
"""

QUERY = f"""
WITH current_events AS (
    SELECT time, hostname, event_ref, image_path, exe, command_line, "user", {KEY} AS key
    FROM process_create
    WHERE {SERVICE_CHILD}
      AND time >= $current_start AND time <= $now
),
new_events AS (
    SELECT time, hostname, event_ref, image_path, exe, command_line, "user", key
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
    CASE WHEN n.image_path IS NULL THEN ['image_path'] ELSE CAST([] AS VARCHAR[]) END
        AS field_missing,
    CASE WHEN $baseline_incomplete THEN ['baseline_incomplete'] ELSE CAST([] AS VARCHAR[]) END
        AS flags,
    n.image_path AS image_path,
    n.exe AS exe,
    k.first_seen AS first_seen,
    k.hosts AS hosts,
    k.key_count AS key_count,
    n.command_line AS command_line,
    n."user" AS "user"
FROM new_events AS n
LEFT JOIN per_key AS k ON k.key = n.key
"""

ANALYTIC = Analytic(
    id="CAR-2013-09-005",
    title="Service Outlier Executables",
    description=(
        "Service programs (children of services.exe under a system_roots directory, "
        "default C:\\Windows\\System32\\services.exe) started in the current window "
        "(the last current_days, 1) whose image path was not started as a service in "
        "the baseline window (the baseline_days, 30, before it). T is the data set's "
        "latest event time unless --now gives one; --baseline adds older logs or a "
        "--db store as history. Hits are flagged baseline_incomplete when the events do "
        "not reach back to the start of the baseline window. Enterprise-wide unless "
        "per_host is set. New agents and updates that move binaries to versioned "
        "folders are the usual false positives; PsExec-style services are true ones."
    ),
    analytic_type="Detection",
    techniques=(Technique("T1543.003", "Windows Service", ("TA0003",), "Moderate"),),
    fields=(
        "process_create.command_line",
        "process_create.event_ref",
        "process_create.exe",
        "process_create.hostname",
        "process_create.image_path",
        "process_create.parent_image_path",
        "process_create.time",
        "process_create.user",
    ),
    parameters=(
        Parameter(
            "system_roots",
            ("C:\\Windows",),
            "Windows directories (SystemRoot) whose System32\\services.exe is the service "
            "control manager",
            casefold=True,
        ),
        Parameter("baseline_days", 30.0, "Days before T where the baseline starts", minimum=0),
        Parameter("current_days", 1.0, "Days before T where the current window starts",
                  minimum=0),
        Parameter("per_host", False, "Keep one baseline per host instead of one for all"),
    ),
    query=QUERY,
    baseline=True,
    baseline_query=BASELINE_QUERY,
    key_fields=("image_path", "first_seen"),
)
