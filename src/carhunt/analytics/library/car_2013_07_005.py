"""CAR-2013-07-005: Command Line Usage of Archiving Software."""

from carhunt.analytics.base import Analytic, Parameter, Technique

# 7-Zip and RAR take their command first: "7z.exe a out.zip in.txt".
FIRST_ARGUMENT_A = r'^\s*(?:"[^"]*"|\S+)\s+[aA](?:\s|$)'

QUERY = rf"""
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    "user",
    exe,
    image_path,
    command_line,
    parent_exe
FROM process_create
WHERE CASE
    WHEN $first_argument_only THEN regexp_matches(command_line, '{FIRST_ARGUMENT_A}')
    ELSE contains(lower(command_line), ' a ')
END
"""

ANALYTIC = Analytic(
    id="CAR-2013-07-005",
    title="Command Line Usage of Archiving Software",
    description=(
        "Command lines containing ' a ' (the add command of 7-Zip, RAR and similar "
        "archivers), case-insensitively and with no program filter, so renamed archivers "
        "are caught. Very noisy: the English article in any argument matches, while tabs, "
        "double spaces or an 'a' at the end of the line do not. The first_argument_only "
        "parameter (off, not CAR) matches only when the first argument after the program "
        "is 'a'."
    ),
    analytic_type="TTP",
    techniques=(Technique("T1560.001", "Archive via Utility", ("TA0010",), "Moderate"),),
    fields=(
        "process_create.command_line",
        "process_create.event_ref",
        "process_create.exe",
        "process_create.hostname",
        "process_create.image_path",
        "process_create.parent_exe",
        "process_create.time",
        "process_create.user",
    ),
    parameters=(
        Parameter(
            "first_argument_only",
            False,
            "Match only when the first argument after the program is 'a' (not CAR)",
        ),
    ),
    query=QUERY,
    key_fields=("exe", "command_line"),
)
