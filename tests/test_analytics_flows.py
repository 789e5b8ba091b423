"""Spec examples of the analytics that read network connections (Sysmon event 3)."""

from __future__ import annotations

from pathlib import Path

from analytic_cases import POWERSHELL, SYS32, flow, hits_of, refs
from carhunt.analytics.base import Reading
from carhunt.normalize.finalize import FlowOrientation
from sysmon import process

STRICT = Reading.CAR_STRICT
SERVICES = SYS32 + "services.exe"
SVCHOST = SYS32 + "svchost.exe"


# CAR-2014-03-005 Remotely Launched Executables via Services

def _service_start(child_time: str, flow_pid: int = 612, image: str = SERVICES,
                   local_port: int = 49669) -> list[dict[str, object]]:
    connection = flow(1, image, ("10.0.0.5", 50123), ("10.0.0.21", local_port), initiated=False,
                      time="2024-01-01 12:00:00.100", pid=flow_pid, computer="SRV1")
    child = process(2, "C:\\Windows\\evil.exe", SERVICES, "C:\\Windows\\evil.exe",
                    child_time, pid=4242, ppid=612, computer="SRV1")
    # Sysmon 10 and later: inbound records are logged with the initiator as source.
    child["Event"]["EventData"]["OriginalFileName"] = "evil.exe"
    return [connection, child]


def test_remote_service_positive(tmp_path: Path) -> None:
    (hit,) = hits_of(tmp_path, _service_start("2024-01-01 12:00:00.600"), "CAR-2014-03-005")
    assert refs([hit]) == [["line:1", "line:2"]]
    assert hit.fields["remote_ip"] == "10.0.0.5"
    assert hit.fields["remote_port"] == 50123
    assert hit.fields["local_port"] == 49669
    assert hit.fields["pid"] == 4242


def test_remote_service_too_late(tmp_path: Path) -> None:
    events = _service_start("2024-01-01 12:00:01.400")
    assert hits_of(tmp_path, events, "CAR-2014-03-005") == []


def test_remote_service_window_parameter(tmp_path: Path) -> None:
    events = _service_start("2024-01-01 12:00:01.400")
    parameters = {"CAR-2014-03-005": {"window_seconds": 2}}
    assert refs(hits_of(tmp_path, events, "CAR-2014-03-005", parameters=parameters)) == [
        ["line:1", "line:2"]
    ]


def test_remote_service_smb_system_connection(tmp_path: Path) -> None:
    events = _service_start("2024-01-01 12:00:00.600", flow_pid=4, image="System",
                            local_port=445)
    assert hits_of(tmp_path, events, "CAR-2014-03-005") == []


def test_remote_service_strict_joins_child_pid(tmp_path: Path) -> None:
    events = _service_start("2024-01-01 12:00:00.600")
    assert hits_of(tmp_path, events, "CAR-2014-03-005", STRICT) == []
    own = _service_start("2024-01-01 12:00:00.600", flow_pid=4242)
    assert refs(hits_of(tmp_path, own, "CAR-2014-03-005", STRICT)) == [["line:1", "line:2"]]


def test_remote_service_unknown_direction_is_flagged(tmp_path: Path) -> None:
    events = _service_start("2024-01-01 12:00:00.600")
    events[0]["Event"]["EventData"].pop("Initiated")  # type: ignore[index]
    (hit,) = hits_of(tmp_path, events, "CAR-2014-03-005")
    assert hit.field_missing == ("initiated",)


# CAR-2014-05-001 RPC Activity

def _rpc(endpoint_time: str, endpoint_src_port: int = 51001) -> list[dict[str, object]]:
    return [
        flow(1, SVCHOST, ("10.0.0.5", 51000), ("10.0.0.20", 135),
             time="2024-01-01 10:00:00.000"),
        flow(2, SVCHOST, ("10.0.0.5", endpoint_src_port), ("10.0.0.20", 49668),
             time=endpoint_time),
    ]


def test_rpc_positive(tmp_path: Path) -> None:
    (hit,) = hits_of(tmp_path, _rpc("2024-01-01 10:00:00.400"), "CAR-2014-05-001")
    assert refs([hit]) == [["line:1", "line:2"]]
    assert hit.fields["endpoint_port"] == 49668
    assert hit.fields["client_exe"] == "svchost.exe"


def test_rpc_endpoint_too_late(tmp_path: Path) -> None:
    assert hits_of(tmp_path, _rpc("2024-01-01 10:00:02.500"), "CAR-2014-05-001") == []


def test_rpc_endpoint_from_low_port(tmp_path: Path) -> None:
    events = _rpc("2024-01-01 10:00:00.400", endpoint_src_port=1500)
    assert hits_of(tmp_path, events, "CAR-2014-05-001") == []


def test_rpc_seen_from_both_ends_is_one_hit(tmp_path: Path) -> None:
    server = [
        flow(3, SVCHOST, ("10.0.0.5", 51000), ("10.0.0.20", 135), initiated=False,
             time="2024-01-01 10:00:00.010", computer="SRV1", OriginalFileName="x"),
        flow(4, SVCHOST, ("10.0.0.5", 51001), ("10.0.0.20", 49668), initiated=False,
             time="2024-01-01 10:00:00.420", computer="SRV1"),
    ]
    events = _rpc("2024-01-01 10:00:00.400") + server
    (hit,) = hits_of(tmp_path, events, "CAR-2014-05-001",
                     orientation=FlowOrientation.MODERN)
    assert refs([hit]) == [["line:1", "line:2", "line:3", "line:4"]]
    assert hit.fields["reporting_hosts"] == ["SRV1", "WS01"]
    strict = hits_of(tmp_path, events, "CAR-2014-05-001", STRICT,
                     orientation=FlowOrientation.MODERN)
    assert refs(strict) == [
        ["line:1", "line:2"], ["line:1", "line:4"], ["line:2", "line:3"], ["line:3", "line:4"]
    ]


def test_rpc_legacy_server_record_needs_orientation(tmp_path: Path) -> None:
    # Sysmon before version 10 logs the listener as source of an inbound connection.
    events = [
        flow(1, SVCHOST, ("10.0.0.20", 135), ("10.0.0.5", 51000), initiated=False,
             time="2024-01-01 10:00:00.000", computer="SRV1"),
        flow(2, SVCHOST, ("10.0.0.20", 49668), ("10.0.0.5", 51001), initiated=False,
             time="2024-01-01 10:00:00.400", computer="SRV1"),
    ]
    hits = hits_of(tmp_path, events, "CAR-2014-05-001", orientation=FlowOrientation.LEGACY)
    assert refs(hits) == [["line:1", "line:2"]]
    assert hits[0].fields["src_ip"] == "10.0.0.5"
    assert hits_of(tmp_path, events, "CAR-2014-05-001", STRICT,
                   orientation=FlowOrientation.LEGACY) == []


def test_rpc_self_pairs_can_be_dropped(tmp_path: Path) -> None:
    events = [
        flow(1, SVCHOST, ("10.0.0.5", 51000), ("10.0.0.5", 135)),
        flow(2, SVCHOST, ("10.0.0.5", 51001), ("10.0.0.5", 49668),
             time="2024-01-01 10:00:00.400"),
    ]
    assert refs(hits_of(tmp_path, events, "CAR-2014-05-001")) == [["line:1", "line:2"]]
    parameters = {"CAR-2014-05-001": {"drop_self_pairs": True}}
    assert hits_of(tmp_path, events, "CAR-2014-05-001", parameters=parameters) == []


# CAR-2014-11-006 WinRM

def test_winrm_client_connection(tmp_path: Path) -> None:
    events = [flow(1, POWERSHELL, ("10.0.0.5", 50500), ("10.0.0.20", 5985))]
    (hit,) = hits_of(tmp_path, events, "CAR-2014-11-006")
    assert hit.fields["tls"] is False
    assert hit.fields["direction"] == "outbound"
    assert hit.fields["dest_hostname"] == "10.0.0.20"


def test_winrm_https(tmp_path: Path) -> None:
    events = [flow(1, POWERSHELL, ("10.0.0.5", 50500), ("10.0.0.20", 5986),
                   DestinationHostname="srv01.corp.example")]
    (hit,) = hits_of(tmp_path, events, "CAR-2014-11-006")
    assert hit.fields["tls"] is True
    assert hit.fields["dest_hostname"] == "srv01.corp.example"


def test_winrm_legacy_server_record(tmp_path: Path) -> None:
    events = [flow(1, SVCHOST, ("10.0.0.20", 5985), ("10.0.0.5", 50500), initiated=False,
                   computer="SRV1")]
    legacy = FlowOrientation.LEGACY
    assert hits_of(tmp_path, events, "CAR-2014-11-006", STRICT, orientation=legacy) == []
    (hit,) = hits_of(tmp_path, events, "CAR-2014-11-006", orientation=legacy)
    assert hit.fields["direction"] == "inbound"
    assert hit.fields["src_ip"] == "10.0.0.5"


def test_winrm_udp_is_no_hit(tmp_path: Path) -> None:
    events = [flow(1, POWERSHELL, ("10.0.0.5", 50500), ("10.0.0.20", 5985), protocol="udp")]
    assert hits_of(tmp_path, events, "CAR-2014-11-006") == []
    assert refs(hits_of(tmp_path, events, "CAR-2014-11-006", STRICT)) == [["line:1"]]


# CAR-2014-11-004 enrichment: an inbound WinRM connection just before the session

def test_remote_powershell_after_inbound_winrm(tmp_path: Path) -> None:
    events = [
        flow(1, "System", ("10.0.0.5", 50500), ("10.0.0.20", 5985), initiated=False,
             time="2024-01-01 10:00:00.000", pid=4, OriginalFileName="x"),
        process(2, SYS32 + "wsmprovhost.exe", SVCHOST, "wsmprovhost.exe -Embedding",
                "2024-01-01 10:00:01.500", OriginalFileName="wsmprovhost.exe"),
    ]
    (hit,) = hits_of(tmp_path, events, "CAR-2014-11-004")
    assert refs([hit]) == [["line:2"]]
    assert hit.fields["inbound_winrm_flow"] is True
