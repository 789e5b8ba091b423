"""CAR-2014-11-003: Debuggers for Accessibility Applications."""

from carhunt.analytics.base import Analytic, Parameter, Technique

# An Image File Execution Options debugger is started with the original command
# line appended, so the accessibility program shows up after a blank in another
# program's command line. The name must not be the tail of a longer file name
# (kiosk.exe): it follows the blank directly or a character outside [\w.-]. This
# is written without lookbehind, which RE2 (DuckDB) lacks.
NAMES = "sethc|utilman|osk|narrator|magnify"
EXTENSION_NAMES = "displayswitch|atbroker"
ARGUMENT = r"(?i)\s(?:.*[^\w.-])?({names})\.exe"
BASE_EXES = ", ".join(f"'{name}.exe'" for name in NAMES.split("|"))
EXTENSION_EXES = ", ".join(f"'{name}.exe'" for name in EXTENSION_NAMES.split("|"))

QUERY = rf"""
WITH candidates AS (
    SELECT
        time,
        hostname,
        event_ref,
        "user",
        exe,
        image_path,
        command_line,
        parent_exe,
        nullif(
            lower(regexp_extract(command_line, '{ARGUMENT.format(names=NAMES)}', 1)), ''
        ) AS base_name,
        CASE WHEN $extension THEN nullif(lower(regexp_extract(
            command_line, '{ARGUMENT.format(names=EXTENSION_NAMES)}', 1
        )), '') END AS extension_name
    FROM process_create
)
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    CASE WHEN exe IS NULL THEN ['exe'] ELSE CAST([] AS VARCHAR[]) END AS field_missing,
    "user",
    exe,
    image_path,
    command_line,
    parent_exe,
    coalesce(base_name, extension_name) || '.exe' AS matched_name
FROM candidates
WHERE (base_name IS NOT NULL OR extension_name IS NOT NULL)
  AND (
    exe IS NULL
    OR NOT (
        list_contains([{BASE_EXES}], lower(exe))
        OR ($extension AND list_contains([{EXTENSION_EXES}], lower(exe)))
    )
  )
"""

# CAR's pattern with its leading $ read as the ^ it was meant to be, and no guard
# on the program's own name.
STRICT_QUERY = rf"""
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    "user",
    exe,
    image_path,
    command_line,
    parent_exe,
    lower(regexp_extract(command_line, '(?i)^.* .*({NAMES})\.exe', 1)) || '.exe'
        AS matched_name
FROM process_create
WHERE regexp_matches(command_line, '(?i)^.* .*({NAMES})\.exe')
"""

ANALYTIC = Analytic(
    id="CAR-2014-11-003",
    title="Debuggers for Accessibility Applications",
    description=(
        "A program other than an accessibility binary whose command line names "
        "sethc.exe, utilman.exe, osk.exe, narrator.exe or magnify.exe as an argument, "
        "after a blank and not as the tail of a longer name (kiosk.exe): Windows starts "
        "an Image File Execution Options debugger with the original command line "
        "appended. Case-insensitive. Commands that only mention the names (taskkill "
        "/im osk.exe) also match. A missing image name passes the name guard and is "
        "flagged field_missing. The extension parameter (off, not CAR) adds "
        "displayswitch.exe and atbroker.exe."
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
        "process_create.image_path",
        "process_create.parent_exe",
        "process_create.time",
        "process_create.user",
    ),
    parameters=(
        Parameter(
            "extension",
            False,
            "Also match displayswitch.exe and atbroker.exe (not CAR; eqllib and Sigma)",
        ),
    ),
    query=QUERY,
    strict_query=STRICT_QUERY,
    strict_difference=(
        "CAR-strict uses CAR's regex with its leading $ read as ^ "
        "('^.* .*(sethc|utilman|osk|narrator|magnify)\\.exe'): any blank before the "
        "name, no word boundary (kiosk.exe matches) and no check of the program's own "
        "name."
    ),
    key_fields=("matched_name", "command_line"),
)
