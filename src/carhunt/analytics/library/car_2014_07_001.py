"""CAR-2014-07-001: Service Search Path Interception."""

from carhunt.analytics.base import Analytic, Parameter, Technique

# Windows resolves an unquoted service path with spaces by trying each prefix that
# ends at a space: "C:\Program Files\A B\svc.exe" may run C:\Program.exe. The hit
# is a child of services.exe whose own image has no space and whose name is not in
# the command line it was started with.
QUERY = r"""
WITH children AS (
    SELECT
        time,
        hostname,
        event_ref,
        "user",
        pid,
        image_path,
        exe,
        command_line,
        regexp_replace(command_line, '^\s+', '') AS trimmed
    FROM process_create
    WHERE lower(parent_exe) = 'services.exe'
)
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    list_concat(
        CASE WHEN image_path IS NULL THEN ['image_path'] ELSE CAST([] AS VARCHAR[]) END,
        CASE WHEN exe IS NULL THEN ['exe'] ELSE CAST([] AS VARCHAR[]) END
    ) AS field_missing,
    image_path,
    command_line,
    "user",
    pid
FROM children
WHERE NOT starts_with(trimmed, '"')
  AND contains(trimmed, ' ')
  AND (image_path IS NULL OR NOT contains(image_path, ' '))
  AND (exe IS NULL OR NOT contains(lower(trimmed), lower(exe)))
  AND (
    NOT $confirm_prefix
    OR starts_with(
        lower(trimmed), lower(regexp_replace(image_path, '\.[^.\\]*$', '')) || ' '
    )
  )
"""

ANALYTIC = Analytic(
    id="CAR-2014-07-001",
    title="Service Search Path Interception",
    description=(
        "A child of services.exe started with an unquoted command line that contains a "
        "space, whose own image path has no space and whose name does not occur in that "
        "command line: Windows stopped at an earlier space and ran, say, C:\\Program.exe "
        "for C:\\Program Files\\Vendor App\\svc.exe. CAR's text says 'quoted' but its "
        "code and the technique mean unquoted; the code is followed. Hijacks whose path "
        "has a space themselves (C:\\Program Files\\Vendor.exe) are not found by design. "
        "Services registered without .exe and 8.3 paths cause false positives; "
        "confirm_prefix (off, not CAR) keeps only command lines that start with the "
        "image path minus its extension followed by a space."
    ),
    analytic_type="TTP",
    techniques=(
        Technique(
            "T1574.009", "Path Interception by Unquoted Path", ("TA0004", "TA0003"), "High"
        ),
    ),
    fields=(
        "process_create.command_line",
        "process_create.event_ref",
        "process_create.exe",
        "process_create.hostname",
        "process_create.image_path",
        "process_create.parent_exe",
        "process_create.pid",
        "process_create.time",
        "process_create.user",
    ),
    parameters=(
        Parameter(
            "confirm_prefix",
            False,
            "Require the command line to start with the image path minus its extension "
            "and a space (not CAR)",
        ),
    ),
    query=QUERY,
    key_fields=("image_path", "command_line"),
)
