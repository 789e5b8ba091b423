"""CAR-2014-11-004: Remote PowerShell Sessions."""

from carhunt.analytics.base import Analytic, Parameter, Technique

# The session host is the hit. An inbound connection to a WinRM port on the same
# host shortly before raises confidence. It is reported but not required, because
# Sysmon logs only the first connection and network events are often disabled.
QUERY = """
WITH sessions AS (
    SELECT time, hostname, event_ref, "user", pid, ppid, command_line, parent_exe
    FROM process_create
    WHERE lower(exe) = 'wsmprovhost.exe' AND lower(parent_exe) = 'svchost.exe'
),
winrm_flows AS (
    SELECT time, hostname
    FROM flow_start
    WHERE list_contains($winrm_ports, dest_port) AND direction = 'inbound'
),
preceded AS (
    SELECT s.event_ref AS event_ref
    FROM sessions AS s
    JOIN winrm_flows AS f ON lower(f.hostname) = lower(s.hostname)
    WHERE date_diff('millisecond', f.time, s.time) BETWEEN 0 AND $flow_window_seconds * 1000
    GROUP BY s.event_ref
)
SELECT
    s.time AS time,
    s.hostname AS hostname,
    [s.event_ref] AS evidence,
    s."user" AS "user",
    s.pid AS pid,
    s.command_line AS command_line,
    s.ppid AS ppid,
    s.parent_exe AS parent_exe,
    p.event_ref IS NOT NULL AS inbound_winrm_flow
FROM sessions AS s
LEFT JOIN preceded AS p ON p.event_ref = s.event_ref
"""

ANALYTIC = Analytic(
    id="CAR-2014-11-004",
    title="Remote PowerShell Sessions",
    description=(
        "wsmprovhost.exe, the PowerShell remoting session host, started by svchost.exe, "
        "both compared by basename and case-insensitively. user is the remote account "
        "the session runs as. inbound_winrm_flow tells whether an inbound connection to "
        "a WinRM port (5985, 5986) on the same host was logged up to flow_window_seconds "
        "(2) before; it is context, not a condition. Loopback sessions and legitimate "
        "remoting (admins, DSC, SCCM, Exchange) also match. Children of wsmprovhost.exe "
        "are the follow-on activity and are not matched here."
    ),
    analytic_type="TTP",
    techniques=(
        Technique("T1059.001", "PowerShell", ("TA0002",), "Moderate"),
        Technique("T1021.006", "Windows Remote Management", ("TA0008",), "Moderate"),
    ),
    fields=(
        "flow_start.dest_port",
        "flow_start.direction",
        "flow_start.hostname",
        "flow_start.time",
        "process_create.command_line",
        "process_create.event_ref",
        "process_create.exe",
        "process_create.hostname",
        "process_create.parent_exe",
        "process_create.pid",
        "process_create.ppid",
        "process_create.time",
        "process_create.user",
    ),
    parameters=(
        Parameter("winrm_ports", (5985, 5986), "Ports of the WinRM listener"),
        Parameter(
            "flow_window_seconds",
            2.0,
            "Seconds before the session start in which an inbound WinRM connection counts",
            minimum=0,
        ),
    ),
    query=QUERY,
    context_tables=("flow_start",),
    key_fields=("user", "inbound_winrm_flow"),
)
