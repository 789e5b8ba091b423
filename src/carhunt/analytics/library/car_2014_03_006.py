"""CAR-2014-03-006: RunDLL32.exe monitoring."""

from carhunt.analytics.base import Analytic, Technique

# The arguments start after the program token, quoted or not. The DLL is the first
# argument up to the first comma, and the entry point follows that comma up to the
# next blank.
ARGUMENTS = r"""regexp_extract(command_line, '(?s)^\s*(?:"[^"]*"|\S+)\s+(.*)$', 1)"""

QUERY = rf"""
WITH runs AS (
    SELECT
        time,
        hostname,
        event_ref,
        "user",
        command_line,
        parent_exe,
        image_path,
        {ARGUMENTS} AS arguments
    FROM process_create
    WHERE lower(exe) = 'rundll32.exe'
)
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    "user",
    command_line,
    nullif(trim(regexp_extract(arguments, '^("[^"]*"|[^,]*)', 1), ' "'), '') AS dll,
    nullif(regexp_extract(arguments, '^(?:"[^"]*"|[^,])*,\s*(\S*)', 1), '') AS entry,
    parent_exe,
    image_path
FROM runs
"""

ANALYTIC = Analytic(
    id="CAR-2014-03-006",
    title="RunDLL32.exe monitoring",
    description=(
        "Every start of rundll32.exe, compared by basename and case-insensitively, with "
        "the DLL (first argument up to the first comma) and its entry point (after that "
        "comma, up to blank) split out. image_path tells System32 from SysWOW64. Heavy "
        "legitimate use (Control Panel applets, printing); a renamed copy is missed."
    ),
    analytic_type="TTP",
    techniques=(Technique("T1218.011", "Rundll32", ("TA0005",), "Moderate"),),
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
    query=QUERY,
    key_fields=("dll", "entry"),
)
