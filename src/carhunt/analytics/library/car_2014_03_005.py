"""CAR-2014-03-005: Remotely Launched Executables via Services."""

from carhunt.analytics.base import Analytic, Parameter, Technique

# services.exe accepts an inbound connection and starts the service process within
# window_seconds. The connection belongs to services.exe, so it is joined to the
# child's parent: by process GUID where both sides carry one, else by pid (CAR's
# pseudocode joins the child's own pid, which cannot own a connection made before
# it started). The bounds are inclusive because Sysmon times tie at millisecond
# resolution; skew_seconds lets the child precede the connection slightly.
QUERY = """
WITH flows AS (
    SELECT time, hostname, event_ref, pid, process_guid, initiated, src_ip, src_port,
        dest_port
    FROM flow_start
    WHERE lower(exe) = 'services.exe' AND (initiated IS NULL OR NOT initiated)
),
children AS (
    SELECT time, hostname, event_ref, pid, ppid, parent_process_guid, exe, image_path,
        command_line, "user"
    FROM process_create
    WHERE lower(parent_exe) = 'services.exe'
)
SELECT
    c.time AS time,
    c.hostname AS hostname,
    list_sort([f.event_ref, c.event_ref]) AS evidence,
    CASE WHEN f.initiated IS NULL THEN ['initiated'] ELSE CAST([] AS VARCHAR[]) END
        AS field_missing,
    f.time AS flow_time,
    f.src_ip AS remote_ip,
    f.src_port AS remote_port,
    f.dest_port AS local_port,
    c.exe AS exe,
    c.image_path AS image_path,
    c.command_line AS command_line,
    c.pid AS pid,
    c."user" AS "user"
FROM flows AS f
JOIN children AS c
    ON lower(c.hostname) = lower(f.hostname)
    AND CASE
        WHEN c.parent_process_guid IS NOT NULL AND f.process_guid IS NOT NULL
            THEN c.parent_process_guid = f.process_guid
        ELSE c.ppid = f.pid
    END
WHERE date_diff('millisecond', f.time, c.time)
    BETWEEN -$skew_seconds * 1000 AND $window_seconds * 1000
"""

# The pseudocode as written: any connection of the child's own pid, strictly less
# than window_seconds (CAR: one second) before the child's start.
STRICT_QUERY = """
WITH flows AS (
    SELECT time, hostname, event_ref, pid, src_ip, src_port, dest_port
    FROM flow_start
),
children AS (
    SELECT time, hostname, event_ref, pid, exe, image_path, command_line, "user"
    FROM process_create
    WHERE lower(parent_exe) = 'services.exe'
)
SELECT
    c.time AS time,
    c.hostname AS hostname,
    list_sort([f.event_ref, c.event_ref]) AS evidence,
    f.time AS flow_time,
    f.src_ip AS remote_ip,
    f.src_port AS remote_port,
    f.dest_port AS local_port,
    c.exe AS exe,
    c.image_path AS image_path,
    c.command_line AS command_line,
    c.pid AS pid,
    c."user" AS "user"
FROM flows AS f
JOIN children AS c ON lower(c.hostname) = lower(f.hostname) AND c.pid = f.pid
WHERE f.time < c.time AND date_diff('millisecond', f.time, c.time) < $window_seconds * 1000
"""

ANALYTIC = Analytic(
    id="CAR-2014-03-005",
    title="Remotely Launched Executables via Services",
    description=(
        "A process started by services.exe at most window_seconds (1) after services.exe "
        "accepted a network connection on the same host: a service created and started "
        "remotely over RPC. The connection is joined to the child's parent by process "
        "GUID, or by pid where a GUID is missing, with inclusive bounds; each connection "
        "and process pair is one hit. A connection "
        "whose direction is not logged is accepted and flagged field_missing. Needs "
        "network events (EID 3) with inbound records; service control over SMB named "
        "pipes (classic PsExec) belongs to System, not services.exe, and is missed, as "
        "is a start more than window_seconds after Sysmon logged the connection."
    ),
    analytic_type="TTP",
    techniques=(
        Technique("T1543.003", "Windows Service", ("TA0003",), "Moderate"),
        Technique("T1569.002", "Service Execution", ("TA0002",), "Moderate"),
    ),
    fields=(
        "flow_start.dest_port",
        "flow_start.event_ref",
        "flow_start.exe",
        "flow_start.hostname",
        "flow_start.initiated",
        "flow_start.pid",
        "flow_start.process_guid",
        "flow_start.src_ip",
        "flow_start.src_port",
        "flow_start.time",
        "process_create.command_line",
        "process_create.event_ref",
        "process_create.exe",
        "process_create.hostname",
        "process_create.image_path",
        "process_create.parent_exe",
        "process_create.parent_process_guid",
        "process_create.pid",
        "process_create.ppid",
        "process_create.time",
        "process_create.user",
    ),
    parameters=(
        Parameter(
            "window_seconds",
            1.0,
            "Maximum seconds from the connection to the service process start",
            minimum=0,
        ),
        Parameter(
            "skew_seconds",
            0.0,
            "Seconds the process start may precede the connection (clock and order skew)",
            minimum=0,
        ),
    ),
    query=QUERY,
    strict_query=STRICT_QUERY,
    strict_difference=(
        "CAR-strict joins the connection's pid to the child's own pid, as CAR's "
        "pseudocode is written, takes any connection of any direction and uses strict "
        "bounds; a child cannot own a connection made before it started, so it "
        "practically never fires."
    ),
    key_fields=("remote_ip", "image_path"),
)
