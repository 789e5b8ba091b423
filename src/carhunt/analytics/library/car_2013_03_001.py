"""CAR-2013-03-001: Reg.exe called from Command Shell."""

from carhunt.analytics.base import Analytic, Diagnostic, Technique

# The parent shell of each reg.exe is found by process GUID. The pid is used
# only where a GUID is missing on either side: with both GUIDs known and no
# match, the shell is not in the data, and an older cmd.exe with a reused pid
# would be the wrong process. By pid, the latest cmd.exe start at or before
# reg.exe on the same host wins.
PAIRS = """
WITH reg AS (
    SELECT time, hostname, pid, ppid, parent_process_guid, command_line, "user", event_ref
    FROM process_create
    WHERE lower(exe) = 'reg.exe' AND lower(parent_exe) = 'cmd.exe'
),
shells AS (
    SELECT time, hostname, pid, ppid, process_guid, parent_process_guid, parent_exe,
        command_line, event_ref
    FROM process_create
    WHERE lower(exe) = 'cmd.exe'
),
guid_pairs AS (
    SELECT r.event_ref AS reg_ref, s.event_ref AS shell_ref
    FROM reg AS r
    JOIN shells AS s
        ON s.process_guid = r.parent_process_guid AND lower(s.hostname) = lower(r.hostname)
),
pid_pairs AS (
    SELECT r.event_ref AS reg_ref, max_by(s.event_ref, s.time) AS shell_ref
    FROM reg AS r
    JOIN shells AS s
        ON s.pid = r.ppid AND lower(s.hostname) = lower(r.hostname) AND s.time <= r.time
    WHERE r.parent_process_guid IS NULL OR s.process_guid IS NULL
    GROUP BY r.event_ref
),
pairs AS (
    SELECT reg_ref, shell_ref FROM guid_pairs
    UNION ALL
    SELECT reg_ref, shell_ref FROM pid_pairs
    WHERE reg_ref NOT IN (SELECT reg_ref FROM guid_pairs)
)"""

# The great-grandparent is the parent of the shell's own parent, read from that
# parent's create event: by GUID, or where the shell has no parent GUID, the
# latest create with the shell's ppid at or before the shell.
QUERY = PAIRS + """,
grandparents_by_guid AS (
    SELECT lower(hostname) AS host_key, process_guid, any_value(parent_exe) AS parent_exe
    FROM process_create
    WHERE process_guid IS NOT NULL
    GROUP BY lower(hostname), process_guid
),
grandparents_by_pid AS (
    SELECT s.event_ref AS shell_ref, max_by(g.parent_exe, g.time) AS parent_exe
    FROM shells AS s
    JOIN process_create AS g
        ON g.pid = s.ppid AND lower(g.hostname) = lower(s.hostname) AND g.time <= s.time
    WHERE s.parent_process_guid IS NULL
    GROUP BY s.event_ref
)
SELECT
    r.time AS time,
    r.hostname AS hostname,
    list_sort([s.event_ref, r.event_ref]) AS evidence,
    CASE WHEN s.parent_exe IS NULL THEN ['parent_exe'] ELSE CAST([] AS VARCHAR[]) END
        AS field_missing,
    coalesce(g.parent_exe, gp.parent_exe, 'unknown') AS great_grandparent_exe,
    s.parent_exe AS grandparent_exe,
    s.ppid AS grandparent_pid,
    s.pid AS shell_pid,
    s.command_line AS shell_command_line,
    r.pid AS reg_pid,
    r.command_line AS reg_command_line,
    r."user" AS "user"
FROM pairs AS p
JOIN reg AS r ON r.event_ref = p.reg_ref
JOIN shells AS s ON s.event_ref = p.shell_ref
LEFT JOIN grandparents_by_guid AS g
    ON g.process_guid = s.parent_process_guid AND g.host_key = lower(s.hostname)
LEFT JOIN grandparents_by_pid AS gp ON gp.shell_ref = s.event_ref
WHERE s.parent_exe IS NULL OR lower(s.parent_exe) <> 'explorer.exe'
"""

PARENT_NOT_OBSERVED = PAIRS + """
SELECT count(*) AS count
FROM reg
WHERE event_ref NOT IN (SELECT reg_ref FROM pairs)
"""

ANALYTIC = Analytic(
    id="CAR-2013-03-001",
    title="Reg.exe called from Command Shell",
    description=(
        "reg.exe started by a cmd.exe that was itself not started by explorer.exe, so "
        "batch files run by services, schedulers and remote tools stand out from "
        "interactive use. The shell is found by process GUID, or by pid where a GUID is "
        "missing (the latest cmd.exe with that pid at or before reg.exe). A reg.exe "
        "whose shell is not in the data is no hit, as in CAR's inner join, and is "
        "counted in the parent_not_observed diagnostic. The hit "
        "shows the chain oldest first: great-grandparent, grandparent, shell, reg.exe."
    ),
    analytic_type="TTP",
    techniques=(
        Technique("T1012", "Query Registry", ("TA0007",), "Moderate"),
        Technique("T1112", "Modify Registry", ("TA0005",), "Moderate"),
        Technique(
            "T1547.001", "Registry Run Keys / Startup Folder", ("TA0003",), "Moderate"
        ),
        Technique(
            "T1574.011",
            "Services Registry Permissions Weakness",
            ("TA0003", "TA0004"),
            "Moderate",
        ),
    ),
    fields=(
        "process_create.command_line",
        "process_create.event_ref",
        "process_create.exe",
        "process_create.hostname",
        "process_create.parent_exe",
        "process_create.parent_process_guid",
        "process_create.pid",
        "process_create.ppid",
        "process_create.process_guid",
        "process_create.time",
        "process_create.user",
    ),
    query=QUERY,
    diagnostics=(
        Diagnostic(
            "parent_not_observed",
            "reg.exe starts under cmd.exe whose shell is not in the data (no hit)",
            PARENT_NOT_OBSERVED,
        ),
    ),
    key_fields=("grandparent_exe", "reg_command_line"),
)
