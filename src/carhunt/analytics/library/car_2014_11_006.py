"""CAR-2014-11-006: Windows Remote Management (WinRM)."""

from carhunt.analytics.base import Analytic, Parameter, Technique

# Source and destination are read after orientation: for inbound records of older
# Sysmon versions the store swaps them so that the destination is the listener.
QUERY = """
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    direction,
    exe,
    image_path,
    pid,
    "user",
    src_ip,
    src_port,
    dest_ip,
    dest_port,
    coalesce(dest_hostname, dest_ip) AS dest_hostname,
    start_time,
    list_contains($tls_ports, dest_port) AS tls
FROM flow_start
WHERE list_contains($winrm_ports, dest_port) AND lower(protocol) = 'tcp'
"""

# CAR's pseudocode tests dest_port as logged, with no protocol test.
STRICT_QUERY = """
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    direction,
    exe,
    image_path,
    pid,
    "user",
    logged_src_ip AS src_ip,
    logged_src_port AS src_port,
    logged_dest_ip AS dest_ip,
    logged_dest_port AS dest_port,
    coalesce(logged_dest_hostname, logged_dest_ip) AS dest_hostname,
    start_time,
    list_contains($tls_ports, logged_dest_port) AS tls
FROM flow_start
WHERE list_contains($winrm_ports, logged_dest_port)
"""

ANALYTIC = Analytic(
    id="CAR-2014-11-006",
    title="Windows Remote Management (WinRM)",
    description=(
        "TCP connections to the WinRM ports, 5985 (HTTP) and 5986 (HTTPS, tls = true), "
        "in one stream with their direction. Ports are read after flow orientation "
        "(--flow-orientation), so the listener side of inbound records from Sysmon "
        "before version 10 is found too. dest_hostname is Sysmon's "
        "DestinationHostname when logged, else the destination address. WinRM on "
        "custom ports or the 80/443 compatibility listeners is missed."
    ),
    analytic_type="Situational Awareness",
    techniques=(
        Technique("T1021.006", "Windows Remote Management", ("TA0008",), "Moderate"),
    ),
    fields=(
        "flow_start.dest_hostname",
        "flow_start.dest_ip",
        "flow_start.dest_port",
        "flow_start.direction",
        "flow_start.event_ref",
        "flow_start.exe",
        "flow_start.hostname",
        "flow_start.image_path",
        "flow_start.logged_dest_hostname",
        "flow_start.logged_dest_ip",
        "flow_start.logged_dest_port",
        "flow_start.logged_src_ip",
        "flow_start.logged_src_port",
        "flow_start.pid",
        "flow_start.protocol",
        "flow_start.src_ip",
        "flow_start.src_port",
        "flow_start.start_time",
        "flow_start.time",
        "flow_start.user",
    ),
    parameters=(
        Parameter("winrm_ports", (5985, 5986), "Destination ports of WinRM"),
        Parameter("tls_ports", (5986,), "WinRM ports that carry HTTPS"),
    ),
    query=QUERY,
    strict_query=STRICT_QUERY,
    strict_difference=(
        "CAR-strict tests the destination port as Sysmon logged it, without orientation "
        "(server-side records of Sysmon before version 10 carry the listener port as "
        "source and do not match), and does not require TCP."
    ),
    key_fields=("direction", "exe", "dest_hostname", "dest_port"),
)
