"""CAR-2013-02-003: Processes Spawning cmd.exe."""

from carhunt.analytics.base import Analytic, Technique

ANALYTIC = Analytic(
    id="CAR-2013-02-003",
    title="Processes Spawning cmd.exe",
    description=(
        "Every start of cmd.exe, with its parent kept so that an analyst can spot odd "
        "parents such as a document reader or a mail client. Matching is on the image "
        "basename, case-insensitive, so copies elsewhere (SysWOW64, C:\\Temp) are in "
        "and a name that only appears in another program's arguments is out. Renamed "
        "copies of cmd.exe are missed."
    ),
    analytic_type="Situational Awareness",
    techniques=(
        Technique("T1059.003", "Windows Command Shell", ("TA0002",), "Moderate"),
    ),
    fields=(
        "process_create.command_line",
        "process_create.event_ref",
        "process_create.exe",
        "process_create.hostname",
        "process_create.image_path",
        "process_create.parent_exe",
        "process_create.parent_image_path",
        "process_create.pid",
        "process_create.ppid",
        "process_create.time",
        "process_create.user",
    ),
    query="""
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    "user",
    pid,
    ppid,
    image_path,
    command_line,
    parent_exe,
    parent_image_path
FROM process_create
WHERE lower(exe) = 'cmd.exe'
""",
    key_fields=("parent_exe", "command_line"),
)
