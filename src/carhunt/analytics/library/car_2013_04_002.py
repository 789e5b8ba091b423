"""CAR-2013-04-002: Quick execution of a series of suspicious commands."""

from carhunt.analytics.base import Analytic, Parameter, Technique

# CAR's 26 names, with its misspelling nbstat.exe kept and the real nbtstat.exe added.
COMMANDS = (
    "arp.exe", "at.exe", "attrib.exe", "cscript.exe", "dsquery.exe", "hostname.exe",
    "ipconfig.exe", "mimikatz.exe", "nbstat.exe", "nbtstat.exe", "net.exe", "netsh.exe",
    "nslookup.exe", "ping.exe", "quser.exe", "qwinsta.exe", "reg.exe", "runas.exe",
    "sc.exe", "schtasks.exe", "ssh.exe", "systeminfo.exe", "taskkill.exe", "telnet.exe",
    "tracert.exe", "wscript.exe", "xcopy.exe",
)

# Events are partitioned by host and parent (GUID where logged, else ppid),
# ordered by time, and a new cluster starts wherever the gap to the previous
# event exceeds the gap parameter. A gap equal to it stays in the cluster.
QUERY = """
WITH selected AS (
    SELECT
        time,
        hostname,
        lower(hostname) AS host_key,
        ppid,
        parent_exe,
        parent_image_path,
        coalesce('guid:' || parent_process_guid, 'pid:' || CAST(ppid AS VARCHAR)) AS parent_key,
        lower(exe) AS exe_key,
        event_ref,
        concat_ws(
            ' ', CAST(time AS VARCHAR), exe, 'pid ' || CAST(pid AS VARCHAR), "user", command_line
        ) AS event_summary
    FROM process_create
    WHERE list_contains($commands, lower(exe)) AND time IS NOT NULL
),
gaps AS (
    SELECT
        *,
        CASE
            WHEN date_diff(
                'millisecond',
                lag(time) OVER (PARTITION BY host_key, parent_key ORDER BY time, event_ref),
                time
            ) <= $gap_minutes * 60000 THEN 0
            ELSE 1
        END AS starts_cluster
    FROM selected
),
clusters AS (
    SELECT
        *,
        sum(starts_cluster) OVER (
            PARTITION BY host_key, parent_key
            ORDER BY time, event_ref
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS cluster
    FROM gaps
)
SELECT
    min(time) AS time,
    any_value(hostname) AS hostname,
    list_sort(list(event_ref)) AS evidence,
    any_value(ppid) AS ppid,
    any_value(parent_exe) AS parent_exe,
    any_value(parent_image_path) AS parent_image_path,
    min(time) AS first_time,
    max(time) AS last_time,
    count(*) AS event_count,
    list_sort(list(DISTINCT exe_key)) AS exes,
    list_sort(list(event_summary)) AS events
FROM clusters
GROUP BY host_key, parent_key, cluster
HAVING count(DISTINCT exe_key) >= $min_distinct
"""

STRICT_QUERY = QUERY.replace(
    "coalesce('guid:' || parent_process_guid, 'pid:' || CAST(ppid AS VARCHAR))",
    "'pid:' || CAST(ppid AS VARCHAR)",
).replace("HAVING count(DISTINCT exe_key) >= $min_distinct", "")

ANALYTIC = Analytic(
    id="CAR-2013-04-002",
    title="Quick execution of a series of suspicious commands",
    description=(
        "Clusters of reconnaissance and admin commands started by one parent process "
        "on one host, where each command follows the previous within gap_minutes "
        "(30 by default), with at least min_distinct (2) different programs, which "
        "drops single-tool loops such as a script pinging every minute. The parent is "
        "told apart by its process GUID where logged, else by ppid. nbtstat.exe is "
        "added beside CAR's misspelt nbstat.exe. events lists each member as time, "
        "program, pid, user and command line, in time order."
    ),
    analytic_type="TTP",
    techniques=(
        Technique("T1087.001", "Local Account", ("TA0007",), "Low"),
        Technique("T1087.002", "Domain Account", ("TA0007",), "Low"),
        Technique("T1003.002", "Security Account Manager", ("TA0006",), "Low"),
        Technique("T1069.001", "Local Groups", ("TA0007",), "Low"),
        Technique("T1069.002", "Domain Groups", ("TA0007",), "Low"),
        Technique("T1057", "Process Discovery", ("TA0007",), "Low"),
        Technique("T1021.002", "SMB/Windows Admin Shares", ("TA0008",), "Low"),
        Technique("T1543.003", "Windows Service", ("TA0003", "TA0004"), "Low"),
        Technique("T1112", "Modify Registry", ("TA0005",), "Low"),
        Technique(
            "T1574.011", "Services Registry Permissions Weakness", ("TA0003", "TA0004"), "Low"
        ),
        Technique("T1018", "Remote System Discovery", ("TA0007",), "Low"),
        Technique("T1569.002", "Service Execution", ("TA0002",), "Low"),
        Technique("T1053.002", "At", ("TA0003", "TA0004", "TA0002"), "Low"),
        Technique("T1053.005", "Scheduled Task", ("TA0003", "TA0004", "TA0002"), "Low"),
        Technique("T1029", "Scheduled Transfer", ("TA0010",), "Low"),
        Technique("T1033", "System Owner/User Discovery", ("TA0007",), "Low"),
        Technique("T1007", "System Service Discovery", ("TA0007",), "Low"),
        Technique("T1082", "System Information Discovery", ("TA0007",), "Low"),
        Technique("T1049", "System Network Connections Discovery", ("TA0007",), "Low"),
        Technique(
            "T1016", "System Network Configuration Discovery", ("TA0007",), "Low"
        ),
        Technique("T1010", "Application Window Discovery", ("TA0007",), "Low"),
        Technique("T1518.001", "Security Software Discovery", ("TA0007",), "Low"),
        Technique("T1046", "Network Service Discovery", ("TA0007",), "Low"),
        Technique("T1562.001", "Disable or Modify Tools", ("TA0005",), "Low"),
        Technique("T1562.006", "Indicator Blocking", ("TA0005",), "Low"),
        Technique("T1098", "Account Manipulation", ("TA0006",), "Low"),
        Technique("T1059.005", "Visual Basic", ("TA0002",), "Moderate"),
        Technique("T1012", "Query Registry", ("TA0007",), "Low"),
    ),
    fields=(
        "process_create.command_line",
        "process_create.event_ref",
        "process_create.exe",
        "process_create.hostname",
        "process_create.parent_exe",
        "process_create.parent_image_path",
        "process_create.parent_process_guid",
        "process_create.pid",
        "process_create.ppid",
        "process_create.time",
        "process_create.user",
    ),
    parameters=(
        Parameter("commands", COMMANDS, "Program basenames that count", casefold=True),
        Parameter(
            "gap_minutes", 30, "Maximum minutes between two events of one cluster (inclusive)"
        ),
        Parameter("min_distinct", 2, "Minimum number of different programs in a cluster"),
    ),
    query=QUERY,
    strict_query=STRICT_QUERY,
    strict_difference=(
        "CAR-strict groups by host and ppid only (never the parent GUID) and reports "
        "every cluster, even of one event, as CAR's pseudocode sets no minimum."
    ),
    key_fields=("parent_exe", "exes", "event_count"),
)
