"""CAR-2016-03-002: Create Remote Process via WMIC."""

from carhunt.analytics.base import Analytic, Technique

# The node switch takes one host, a comma-separated list or @file, and quoted
# parts may contain blanks.
NODE_VALUE = r"""regexp_extract(command_line, '(?i)(?:^|\s)[/-]node:((?:"[^"]*"|[^\s"])+)', 1)"""

QUERY = rf"""
WITH remote AS (
    SELECT
        time,
        hostname,
        event_ref,
        "user",
        command_line,
        parent_exe,
        {NODE_VALUE} AS node_value
    FROM process_create
    WHERE lower(exe) = 'wmic.exe'
      AND regexp_matches(command_line, '(?i)(?:^|\s)[/-]node:')
      AND regexp_matches(command_line, '(?i)process\s+call\s+create')
)
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    "user",
    command_line,
    CASE
        WHEN starts_with(node_value, '@') THEN [node_value]
        ELSE string_split(replace(node_value, '"', ''), ',')
    END AS node_targets,
    nullif(
        trim(
            regexp_extract(command_line, '(?i)process\s+call\s+create\s+("[^"]*"|\S+)', 1),
            '"'
        ),
        ''
    ) AS created_command,
    parent_exe
FROM remote
"""

STRICT_QUERY = """
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    "user",
    command_line,
    parent_exe
FROM process_create
WHERE lower(exe) = 'wmic.exe'
  AND contains(lower(command_line), ' process call create ')
  AND contains(lower(command_line), ' /node:')
"""

ANALYTIC = Analytic(
    id="CAR-2016-03-002",
    title="Create Remote Process via WMIC",
    description=(
        "wmic.exe with a node switch (/node: or -node:) and 'process call create' "
        "(blanks of any length between the words, so 'path win32_process call create' "
        "counts too): a process started on another host. Case-insensitive. "
        "node_targets lists the hosts after node: with quotes removed (an @file list is "
        "kept as written) and created_command the command after create. "
        "/node:localhost is local and still matches. WMI calls from PowerShell or the "
        "API and renamed copies of wmic.exe are out of scope."
    ),
    analytic_type="TTP",
    techniques=(
        Technique("T1047", "Windows Management Instrumentation", ("TA0002",), "Low"),
    ),
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
    strict_query=STRICT_QUERY,
    strict_difference=(
        "CAR-strict needs the literal texts ' process call create ' and ' /node:' with "
        "single blanks, so -node:, a node switch at the start of the line and extra "
        "blanks do not match."
    ),
    key_fields=("node_targets", "created_command"),
)
