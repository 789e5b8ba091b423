"""CAR-2014-05-002: Services launching Cmd."""

from carhunt.analytics.base import Analytic, Technique

QUERY = """
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    "user",
    command_line,
    pid,
    ppid
FROM process_create
WHERE lower(exe) = 'cmd.exe' AND lower(parent_exe) = 'services.exe'
"""

ANALYTIC = Analytic(
    id="CAR-2014-05-002",
    title="Services launching Cmd",
    description=(
        "cmd.exe started directly by services.exe, both compared by basename and "
        "case-insensitively: a service whose ImagePath is a cmd.exe command line, as "
        "remote execution tools and malware install them. The /c payload is in "
        "command_line. A service binary that itself starts cmd.exe (PSEXESVC) is the "
        "parent instead and is not matched; a renamed cmd.exe is missed."
    ),
    analytic_type="TTP",
    techniques=(Technique("T1543.003", "Windows Service", ("TA0003", "TA0004"), "Moderate"),),
    fields=(
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
    query=QUERY,
    key_fields=("command_line",),
)
