"""CAR-2013-08-001: Execution with schtasks."""

from carhunt.analytics.base import Analytic, Technique

QUERY = r"""
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    "user",
    command_line,
    coalesce(
        nullif(
            lower(regexp_extract(
                command_line, '(?i)(?:^|\s)[/-](create|run|query|delete|change|end)\b', 1
            )),
            ''
        ),
        'none'
    ) AS verb,
    nullif(regexp_extract(command_line, '(?i)(?:^|\s)[/-]s\s+(\S+)', 1), '') AS remote_target,
    nullif(
        trim(regexp_extract(command_line, '(?i)(?:^|\s)[/-]ru\s+("[^"]*"|\S+)', 1), '"'), ''
    ) AS run_as,
    parent_exe
FROM process_create
WHERE lower(exe) = 'schtasks.exe'
"""

ANALYTIC = Analytic(
    id="CAR-2013-08-001",
    title="Execution with schtasks",
    description=(
        "Every start of schtasks.exe, compared by basename and case-insensitively, with "
        "no argument filter, as in CAR's pseudocode. It fires when schtasks.exe runs, not "
        "when the task later runs. verb is the first of /create, /run, /query, /delete, "
        "/change or /end (else none) so alerting can keep verb = create; remote_target is "
        "the /s host and run_as the /ru account."
    ),
    analytic_type="TTP",
    techniques=(Technique("T1053.005", "Scheduled Task", ("TA0003",), "Moderate"),),
    fields=(
        "process_create.command_line",
        "process_create.event_ref",
        "process_create.exe",
        "process_create.hostname",
        "process_create.parent_exe",
        "process_create.time",
        "process_create.user",
    ),
    query=QUERY,
    key_fields=("verb", "command_line"),
)
