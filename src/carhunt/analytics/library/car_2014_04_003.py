"""CAR-2014-04-003: Powershell Execution."""

from carhunt.analytics.base import Analytic, Parameter, Technique

ANALYTIC = Analytic(
    id="CAR-2014-04-003",
    title="Powershell Execution",
    description=(
        "powershell.exe started by any parent other than explorer.exe, compared by "
        "basename and case-insensitively. A start whose parent is not in the event is "
        "a hit flagged field_missing=[parent_exe], because an unknown parent cannot be "
        "shown to be explorer.exe. PPID spoofing to explorer.exe evades it. The images "
        "parameter can add pwsh.exe and powershell_ise.exe (not CAR)."
    ),
    analytic_type="TTP",
    techniques=(
        Technique("T1059.001", "PowerShell", ("TA0002",), "High"),
        Technique("T1059.001", "PowerShell", ("TA0005",), "Moderate"),
    ),
    fields=(
        "process_create.command_line",
        "process_create.event_ref",
        "process_create.exe",
        "process_create.hostname",
        "process_create.parent_exe",
        "process_create.parent_image_path",
        "process_create.pid",
        "process_create.time",
        "process_create.user",
    ),
    parameters=(
        Parameter(
            "images",
            ("powershell.exe",),
            "PowerShell program basenames; pwsh.exe and powershell_ise.exe are an optional, "
            "non-CAR addition",
            casefold=True,
        ),
    ),
    query="""
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    CASE WHEN parent_exe IS NULL THEN ['parent_exe'] ELSE CAST([] AS VARCHAR[]) END
        AS field_missing,
    "user",
    pid,
    command_line,
    parent_exe,
    parent_image_path
FROM process_create
WHERE list_contains($images, lower(exe))
  AND (parent_exe IS NULL OR lower(parent_exe) <> 'explorer.exe')
""",
    key_fields=("parent_exe", "command_line"),
)
