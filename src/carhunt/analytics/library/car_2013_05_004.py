"""CAR-2013-05-004: Execution with AT."""

from carhunt.analytics.base import Analytic, Technique

# The first token is the program (quoted or not); a remote job names its target
# host as the first argument, \\host.
QUERY = r"""
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    "user",
    pid,
    command_line,
    nullif(
        regexp_extract(command_line, '^\s*(?:"[^"]*"|\S+)\s+(\\\\[^\s\\]+)', 1), ''
    ) AS remote_target,
    coalesce(regexp_matches(command_line, '(?i)\s/interactive'), false) AS interactive,
    coalesce(regexp_matches(command_line, '(?i)/delete'), false) AS delete_job,
    parent_exe
FROM process_create
WHERE lower(exe) = 'at.exe'
"""

ANALYTIC = Analytic(
    id="CAR-2013-05-004",
    title="Execution with AT",
    description=(
        "Every start of at.exe, compared by basename and case-insensitively. It fires "
        "when at.exe runs, not when the scheduled job later runs under the task service. "
        "The command line tells what was scheduled; remote_target is a leading "
        "\\\\host argument, interactive marks /interactive (a privilege-escalation "
        "trick), delete_job marks /delete. A bare 'at' only lists jobs."
    ),
    analytic_type="TTP",
    techniques=(Technique("T1053.002", "At", ("TA0002", "TA0003", "TA0004"), "Moderate"),),
    fields=(
        "process_create.command_line",
        "process_create.event_ref",
        "process_create.exe",
        "process_create.hostname",
        "process_create.parent_exe",
        "process_create.pid",
        "process_create.time",
        "process_create.user",
    ),
    query=QUERY,
    key_fields=("remote_target", "command_line"),
)
