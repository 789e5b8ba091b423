"""CAR-2014-11-008: Command Launched from WinLogon."""

from carhunt.analytics.base import Analytic, Parameter, Technique

QUERY = """
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    "user",
    exe,
    command_line,
    pid,
    ppid
FROM process_create
WHERE lower(parent_exe) = 'winlogon.exe' AND list_contains($children, lower(exe))
"""

STRICT_QUERY = """
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    "user",
    exe,
    command_line,
    pid,
    ppid
FROM process_create
WHERE lower(parent_exe) = 'winlogon.exe' AND lower(exe) = 'cmd.exe'
"""

ANALYTIC = Analytic(
    id="CAR-2014-11-008",
    title="Command Launched from WinLogon",
    description=(
        "cmd.exe or powershell.exe started directly by winlogon.exe, as CAR's text "
        "describes: an Ease of Access backdoor used from the logon screen, usually over "
        "RDP. The command line often names the accessibility program; pair it with "
        "CAR-2014-11-003. Sigma's longer child list (cscript.exe, mshta.exe, pwsh.exe, "
        "regsvr32.exe, rundll32.exe, wscript.exe, wt.exe) can be added to the children "
        "parameter (not CAR). A sethc.exe replaced by a copy of cmd.exe runs as "
        "sethc.exe and is missed."
    ),
    analytic_type="TTP",
    techniques=(
        Technique("T1546.008", "Accessibility Features", ("TA0004", "TA0003"), "Moderate"),
    ),
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
    parameters=(
        Parameter(
            "children",
            ("cmd.exe", "powershell.exe"),
            "Program basenames that count when winlogon.exe starts them",
            casefold=True,
        ),
    ),
    query=QUERY,
    strict_query=STRICT_QUERY,
    strict_difference=(
        "CAR-strict matches cmd.exe only, as CAR's pseudocode and its Splunk and EQL "
        "versions do; CAR's description also names powershell.exe."
    ),
    key_fields=("exe", "command_line"),
)
