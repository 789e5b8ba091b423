"""CAR-2016-03-001: Host Discovery Commands."""

from carhunt.analytics.base import Analytic, Parameter, Technique

SC_VERBS = r"(?i)(?:^|\s)(query|queryex|qc)(?:\s|$)"

QUERY = f"""
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    CASE WHEN list_contains($commands, lower(exe)) THEN ['discovery_command']
        ELSE ['sc_query'] END AS matched_subrules,
    "user",
    exe,
    command_line,
    parent_exe,
    parent_image_path,
    CASE
        WHEN list_contains($commands, lower(exe)) THEN lower(exe)
        ELSE 'sc.exe ' || lower(regexp_extract(command_line, '{SC_VERBS}', 1))
    END AS matched_command
FROM process_create
WHERE list_contains($commands, lower(exe))
   OR (lower(exe) = 'sc.exe' AND regexp_matches(command_line, '{SC_VERBS}'))
"""

STRICT_QUERY = """
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    CASE WHEN lower(exe) = 'sc' THEN ['sc_query'] ELSE ['discovery_command'] END
        AS matched_subrules,
    "user",
    exe,
    command_line,
    parent_exe,
    parent_image_path,
    lower(exe) AS matched_command
FROM process_create
WHERE list_contains(
        ['hostname.exe', 'ipconfig.exe', 'net.exe', 'quser.exe', 'qwinsta.exe',
         'systeminfo.exe', 'tasklist.exe', 'whoami.exe'],
        lower(exe))
   OR (lower(exe) = 'sc' AND regexp_matches(command_line, '(?i) (query|qc)'))
"""

ANALYTIC = Analytic(
    id="CAR-2016-03-001",
    title="Host Discovery Commands",
    description=(
        "Starts of host discovery programs (hostname, ipconfig, net, quser, qwinsta, "
        "systeminfo, tasklist, whoami, dsquery) and of sc.exe with a query, queryex or "
        "qc verb as a whole token. dsquery and the sc verbs come from CAR's "
        "description, which its pseudocode dropped. net1.exe is an optional addition "
        "to the commands parameter."
    ),
    analytic_type="TTP",
    techniques=(
        Technique("T1087.001", "Local Account", ("TA0007",), "Moderate"),
        Technique("T1087.002", "Domain Account", ("TA0007",), "Moderate"),
        Technique("T1069.001", "Local Groups", ("TA0007",), "Moderate"),
        Technique("T1069.002", "Domain Groups", ("TA0007",), "Moderate"),
        Technique(
            "T1016", "System Network Configuration Discovery", ("TA0007",), "Moderate"
        ),
        Technique("T1082", "System Information Discovery", ("TA0007",), "Moderate"),
        Technique("T1033", "System Owner/User Discovery", ("TA0007",), "Moderate"),
        Technique("T1057", "Process Discovery", ("TA0007",), "Moderate"),
        Technique("T1007", "System Service Discovery", ("TA0007",), "Moderate"),
    ),
    fields=(
        "process_create.command_line",
        "process_create.event_ref",
        "process_create.exe",
        "process_create.hostname",
        "process_create.parent_exe",
        "process_create.parent_image_path",
        "process_create.time",
        "process_create.user",
    ),
    parameters=(
        Parameter(
            "commands",
            (
                "hostname.exe", "ipconfig.exe", "net.exe", "quser.exe", "qwinsta.exe",
                "systeminfo.exe", "tasklist.exe", "whoami.exe", "dsquery.exe",
            ),
            "Discovery program basenames",
            casefold=True,
        ),
    ),
    query=QUERY,
    strict_query=STRICT_QUERY,
    strict_difference=(
        "CAR-strict uses the pseudocode's eight names (no dsquery.exe) and its "
        "exe == \"sc\" test, which no real image name matches, so sc.exe never fires."
    ),
    key_fields=("matched_command", "command_line"),
)
