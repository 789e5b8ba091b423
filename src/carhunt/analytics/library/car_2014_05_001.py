"""CAR-2014-05-001: RPC Activity."""

from carhunt.analytics.base import Analytic, Parameter, Technique

# M is a connection to the endpoint mapper (135), E one between two dynamic RPC
# ports, from the same client to the same server within window_seconds. When both
# ends run Sysmon, each connection is logged twice. Pairs that agree on client,
# server, mapper source port, endpoint source port and endpoint port are therefore
# one hit when each mapper time is within dedup_seconds of the previous one.
QUERY = """
WITH flows AS (
    SELECT time, hostname, event_ref, src_ip, src_port, dest_ip, dest_port, initiated, exe,
        pid, "user"
    FROM flow_start
    WHERE lower(protocol) = 'tcp' AND src_ip IS NOT NULL AND dest_ip IS NOT NULL
),
mapper AS (
    SELECT time, hostname, event_ref, src_ip, src_port, dest_ip, initiated, exe, pid, "user"
    FROM flows
    WHERE dest_port = 135
),
endpoint AS (
    SELECT time, event_ref, src_ip, src_port, dest_ip, dest_port
    FROM flows
    WHERE dest_port >= $dynamic_port_min AND src_port >= $dynamic_port_min
),
pairs AS (
    SELECT
        m.time AS mapper_time,
        e.time AS endpoint_time,
        m.hostname AS hostname,
        m.event_ref AS mapper_ref,
        e.event_ref AS endpoint_ref,
        m.src_ip AS src_ip,
        m.dest_ip AS dest_ip,
        m.src_port AS mapper_src_port,
        e.src_port AS endpoint_src_port,
        e.dest_port AS endpoint_port,
        CASE WHEN m.initiated THEN m.exe END AS client_exe,
        CASE WHEN m.initiated THEN m.pid END AS client_pid,
        CASE WHEN m.initiated THEN m."user" END AS client_user
    FROM mapper AS m
    JOIN endpoint AS e ON e.src_ip = m.src_ip AND e.dest_ip = m.dest_ip
    WHERE date_diff('millisecond', m.time, e.time) BETWEEN 0 AND $window_seconds * 1000
      AND NOT ($drop_self_pairs AND m.src_ip = m.dest_ip)
),
gaps AS (
    SELECT
        *,
        CASE
            WHEN date_diff(
                'millisecond',
                lag(mapper_time) OVER (
                    PARTITION BY src_ip, dest_ip, mapper_src_port, endpoint_src_port,
                        endpoint_port
                    ORDER BY mapper_time, mapper_ref, endpoint_ref
                ),
                mapper_time
            ) <= $dedup_seconds * 1000 THEN 0
            ELSE 1
        END AS starts_group
    FROM pairs
),
grouped AS (
    SELECT
        *,
        sum(starts_group) OVER (
            PARTITION BY src_ip, dest_ip, mapper_src_port, endpoint_src_port, endpoint_port
            ORDER BY mapper_time, mapper_ref, endpoint_ref
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS pair_group
    FROM gaps
)
SELECT
    min(mapper_time) AS time,
    min_by(hostname, mapper_time) AS hostname,
    list_sort(list_distinct(list_concat(list(mapper_ref), list(endpoint_ref)))) AS evidence,
    src_ip,
    dest_ip,
    min(mapper_time) AS mapper_time,
    min(endpoint_time) AS endpoint_time,
    endpoint_port,
    mapper_src_port,
    endpoint_src_port,
    max(client_exe) AS client_exe,
    max(client_pid) AS client_pid,
    max(client_user) AS client_user,
    list_sort(list(DISTINCT hostname)) AS reporting_hosts
FROM grouped
GROUP BY src_ip, dest_ip, mapper_src_port, endpoint_src_port, endpoint_port, pair_group
"""

# The pseudocode as written: ports and addresses as logged, no protocol test, strict
# time bounds, and every pair its own hit.
STRICT_QUERY = """
WITH mapper AS (
    SELECT time, hostname, event_ref, logged_src_ip AS src_ip, logged_src_port AS src_port,
        logged_dest_ip AS dest_ip, initiated, exe, pid, "user"
    FROM flow_start
    WHERE logged_dest_port = 135
),
endpoint AS (
    SELECT time, event_ref, logged_src_ip AS src_ip, logged_src_port AS src_port,
        logged_dest_ip AS dest_ip, logged_dest_port AS dest_port
    FROM flow_start
    WHERE logged_dest_port >= $dynamic_port_min AND logged_src_port >= $dynamic_port_min
)
SELECT
    m.time AS time,
    m.hostname AS hostname,
    list_sort([m.event_ref, e.event_ref]) AS evidence,
    m.src_ip AS src_ip,
    m.dest_ip AS dest_ip,
    m.time AS mapper_time,
    e.time AS endpoint_time,
    e.dest_port AS endpoint_port,
    m.src_port AS mapper_src_port,
    e.src_port AS endpoint_src_port,
    CASE WHEN m.initiated THEN m.exe END AS client_exe,
    CASE WHEN m.initiated THEN m.pid END AS client_pid,
    CASE WHEN m.initiated THEN m."user" END AS client_user,
    [m.hostname] AS reporting_hosts
FROM mapper AS m
JOIN endpoint AS e ON e.src_ip = m.src_ip AND e.dest_ip = m.dest_ip
WHERE m.time < e.time AND date_diff('millisecond', m.time, e.time) < $window_seconds * 1000
"""

ANALYTIC = Analytic(
    id="CAR-2014-05-001",
    title="RPC Activity",
    description=(
        "A TCP connection to the RPC endpoint mapper (port 135) followed within "
        "window_seconds (2, inclusive) by a connection from the same client to the same "
        "server between two dynamic ports (both at least dynamic_port_min, 49152): the "
        "mapper lookup and the RPC call it resolved. Ports are read after flow "
        "orientation (--flow-orientation). A pair seen from both ends is one hit: pairs "
        "with the same addresses and ports whose mapper connections lie within "
        "dedup_seconds (1) are merged. drop_self_pairs (off) drops local RPC where "
        "client and server address are equal. Misses the pre-Vista range 1025-5000, "
        "fixed-port services, RPC over SMB pipes or HTTP, and reused connections."
    ),
    analytic_type="TTP, Situational Awareness",
    techniques=(
        Technique("T1021.002", "SMB/Windows Admin Shares", ("TA0008",), "Moderate"),
        Technique("T1021.003", "Distributed Component Object Model", ("TA0008",), "Moderate"),
        Technique("T1021.006", "Windows Remote Management", ("TA0008",), "Moderate"),
    ),
    fields=(
        "flow_start.dest_ip",
        "flow_start.dest_port",
        "flow_start.event_ref",
        "flow_start.exe",
        "flow_start.hostname",
        "flow_start.initiated",
        "flow_start.logged_dest_ip",
        "flow_start.logged_dest_port",
        "flow_start.logged_src_ip",
        "flow_start.logged_src_port",
        "flow_start.pid",
        "flow_start.protocol",
        "flow_start.src_ip",
        "flow_start.src_port",
        "flow_start.time",
        "flow_start.user",
    ),
    parameters=(
        Parameter(
            "window_seconds",
            2.0,
            "Maximum seconds from the endpoint mapper connection to the RPC connection",
            minimum=0,
        ),
        Parameter(
            "dynamic_port_min",
            49152,
            "Lowest port of the dynamic RPC range, on both ends",
            minimum=0,
        ),
        Parameter(
            "dedup_seconds",
            1.0,
            "Pairs with equal addresses and ports this close in time are one hit",
            minimum=0,
        ),
        Parameter(
            "drop_self_pairs", False, "Drop pairs whose client and server address are equal"
        ),
    ),
    query=QUERY,
    strict_query=STRICT_QUERY,
    strict_difference=(
        "CAR-strict reads addresses and ports as Sysmon logged them (no orientation, so "
        "server-side records of Sysmon before version 10 do not match), does not require "
        "TCP, uses strict time bounds and reports every pair, seen from both ends or not."
    ),
    key_fields=("src_ip", "dest_ip", "endpoint_port"),
)
