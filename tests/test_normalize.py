"""Raw Sysmon events to CAR records, one test per mapped event id."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from carhunt.account import RunAccount, Source
from carhunt.normalize.finalize import FlowOrientation
from carhunt.readers.jsonl import JsonLinesReader
from carhunt.store.duckdb_store import Store
from sysmon import event, write_events

HOST = "WS01.corp.example"
GUID = "{94F748D5-4A45-5A42-0000-0010D265F20F}"
PARENT_GUID = "{94f748d5-d211-597d-0000-00109bd2c107}"


def load(tmp_path: Path, events: list[dict[str, Any]],
         orientation: FlowOrientation = FlowOrientation.AUTO) -> tuple[Store, RunAccount]:
    path = write_events(tmp_path / "in.jsonl", events)
    store = Store()
    account = RunAccount()
    source = Source(1, str(path), None, "jsonl")
    account.add_source(source)
    store.add_source(source)
    with path.open("rb") as stream:
        for batch in JsonLinesReader().read(stream, source, account):
            store.ingest(batch, account)
    store.finalize(orientation)
    return store, account


def rows(store: Store, table: str) -> list[dict[str, Any]]:
    return store.query(f"SELECT * FROM {table} ORDER BY event_ref").to_pylist()


PROCESS_CREATE_DATA = {
    "UtcTime": "2017-12-26 13:10:29.134",
    "ProcessGuid": GUID,
    "ProcessId": "9112",
    "Image": "C:\\Windows\\SysWOW64\\PING.EXE",
    "CommandLine": "ping  -n 6 127.0.0.1 ",
    "CurrentDirectory": "C:\\Windows\\Temp\\",
    "User": "NT AUTHORITY\\SYSTEM",
    "LogonGuid": "{94F748D5-5A64-5966-0000-0020E7030000}",
    "LogonId": "0x00000000000003e7",
    "TerminalSessionId": "0",
    "IntegrityLevel": "System",
    "Hashes": "SHA1=CE8E487CB76704FE5FBB821A78A1E969EFBE71F9,MD5=A27A24553B2C36E139647F88DF738C35,"
    "SHA256=8F16A431C919A0AA7C9466EC1CDC1E721F30EB5C8182835585A1B74ABECB1920,"
    "IMPHASH=0EB64EACA8C951D760EEA1A941A2A3F7",
    "ParentProcessGuid": PARENT_GUID,
    "ParentProcessId": 8392,
    "ParentImage": "\"C:\\Windows\\SysWOW64\\cmd.exe\"",
    "ParentCommandLine": "cmd.exe /c update.bat",
}


def test_event_1_to_process_create(tmp_path: Path) -> None:
    store, account = load(tmp_path, [event(1, PROCESS_CREATE_DATA, HOST, 1742)])
    assert rows(store, "process_create") == [{
        "source_id": 1, "ref": "line:1", "event_ref": "1/line:1", "event_id": 1,
        "time": dt.datetime(2017, 12, 26, 13, 10, 29, 134000), "time_from_transport": False,
        "hostname": "WS01", "fqdn": HOST, "pid": 9112, "ppid": 8392,
        "image_path": "C:\\Windows\\SysWOW64\\PING.EXE", "exe": "PING.EXE",
        "command_line": "ping  -n 6 127.0.0.1 ",
        "parent_image_path": "C:\\Windows\\SysWOW64\\cmd.exe", "parent_exe": "cmd.exe",
        "user": "NT AUTHORITY\\SYSTEM",
        "md5_hash": "a27a24553b2c36e139647f88df738c35",
        "sha1_hash": "ce8e487cb76704fe5fbb821a78a1e969efbe71f9",
        "sha256_hash": "8f16a431c919a0aa7c9466ec1cdc1e721f30eb5c8182835585a1b74abecb1920",
        "sid": None, "signer": None,
        "process_guid": "94F748D5-4A45-5A42-0000-0010D265F20F",
        "parent_process_guid": "94F748D5-D211-597D-0000-00109BD2C107",
        "parent_command_line": "cmd.exe /c update.bat",
        "current_directory": "C:\\Windows\\Temp\\",
        "logon_guid": "94F748D5-5A64-5966-0000-0020E7030000",
        "logon_id": "0x3e7", "terminal_session_id": 0, "integrity_level": "System",
        "imphash": "0eb64eaca8c951d760eea1a941a2a3f7", "original_file_name": None,
    }]
    assert account.balanced


def test_event_2_to_file_timestomp_with_derived_user(tmp_path: Path) -> None:
    data = {
        "UtcTime": "2017-12-26 13:11:00.000", "ProcessGuid": GUID, "ProcessId": "9112",
        "Image": "C:\\Windows\\SysWOW64\\PING.EXE",
        "TargetFilename": "C:\\Users\\tony\\evil.dll",
        "CreationUtcTime": "2015-01-01 00:00:00.000",
        "PreviousCreationUtcTime": "2017-12-26 13:10:59.000",
    }
    store, _ = load(tmp_path, [event(1, PROCESS_CREATE_DATA, HOST, 1), event(2, data, HOST, 2)])
    (row,) = rows(store, "file_timestomp")
    assert row["file_name"] == "evil.dll"
    assert row["file_path"] == "C:\\Users\\tony\\evil.dll"
    assert row["creation_time"] == dt.datetime(2015, 1, 1)
    assert row["previous_creation_time"] == dt.datetime(2017, 12, 26, 13, 10, 59)
    assert row["user"] == "NT AUTHORITY\\SYSTEM"
    assert row["user_derived"] is True
    assert row["pid"] == 9112
    assert row["exe"] == "PING.EXE"


def _flow(record_id: int, initiated: str, src: tuple[str, str], dest: tuple[str, str],
          computer: str = HOST) -> dict[str, Any]:
    return event(3, {
        "UtcTime": "2019-05-07 11:56:15.761", "ProcessGuid": GUID, "ProcessId": "5172",
        "Image": "C:\\Windows\\System32\\svchost.exe", "User": "NT AUTHORITY\\SYSTEM",
        "Protocol": "tcp", "Initiated": initiated, "SourceIsIpv6": "false",
        "SourceIp": src[0], "SourceHostname": "", "SourcePort": src[1],
        "DestinationIsIpv6": "false", "DestinationIp": dest[0], "DestinationPort": dest[1],
    }, computer, record_id)


def test_event_3_to_flow_start_outbound(tmp_path: Path) -> None:
    store, _ = load(tmp_path, [_flow(1, "true", ("10.0.0.6", "53366"), ("0:0:0:0:0:0:0:1", "443"))])
    (row,) = rows(store, "flow_start")
    assert (row["src_ip"], row["src_port"]) == ("10.0.0.6", 53366)
    assert (row["dest_ip"], row["dest_port"]) == ("::1", 443)
    assert row["protocol"] == "tcp"
    assert row["direction"] == "outbound"
    assert row["orientation"] == "as_logged"
    assert row["start_time"] == dt.datetime(2019, 5, 7, 11, 56, 15, 761000)
    assert row["src_hostname"] is None


def test_legacy_inbound_flow_is_swapped(tmp_path: Path) -> None:
    legacy_process = event(1, PROCESS_CREATE_DATA, HOST, 1)
    inbound = _flow(2, "false", ("10.0.0.18", "445"), ("10.0.0.19", "33801"))
    store, _ = load(tmp_path, [legacy_process, inbound])
    (row,) = rows(store, "flow_start")
    assert (row["src_ip"], row["src_port"]) == ("10.0.0.19", 33801)
    assert (row["dest_ip"], row["dest_port"]) == ("10.0.0.18", 445)
    assert (row["logged_src_ip"], row["logged_src_port"]) == ("10.0.0.18", 445)
    assert row["orientation"] == "swapped"
    assert row["direction"] == "inbound"


def test_modern_inbound_flow_is_kept(tmp_path: Path) -> None:
    modern = event(1, {**PROCESS_CREATE_DATA, "OriginalFileName": "ping.exe"}, HOST, 1)
    inbound = _flow(2, "false", ("10.0.2.17", "49851"), ("10.0.2.15", "135"))
    store, _ = load(tmp_path, [modern, inbound])
    (row,) = rows(store, "flow_start")
    assert (row["dest_ip"], row["dest_port"]) == ("10.0.2.15", 135)
    assert row["orientation"] == "as_logged"


def test_inbound_flow_without_evidence_is_undetermined(tmp_path: Path) -> None:
    store, _ = load(tmp_path, [_flow(1, "false", ("10.0.2.17", "49851"), ("10.0.2.15", "135"))])
    (row,) = rows(store, "flow_start")
    assert row["orientation"] == "undetermined"
    assert row["dest_port"] == 135


def test_orientation_override_legacy(tmp_path: Path) -> None:
    inbound = _flow(1, "false", ("10.0.2.15", "135"), ("10.0.2.17", "49851"))
    store, _ = load(tmp_path, [inbound], FlowOrientation.LEGACY)
    (row,) = rows(store, "flow_start")
    assert row["dest_port"] == 135
    assert row["orientation"] == "swapped"


def test_event_5_to_process_terminate(tmp_path: Path) -> None:
    data = {"UtcTime": "2017-12-26 13:12:00.000", "ProcessGuid": GUID, "ProcessId": "9112",
            "Image": "C:\\Windows\\SysWOW64\\PING.EXE"}
    store, _ = load(tmp_path, [event(1, PROCESS_CREATE_DATA, HOST, 1), event(5, data, HOST, 2)])
    (row,) = rows(store, "process_terminate")
    assert row["pid"] == 9112
    assert row["user"] == "NT AUTHORITY\\SYSTEM"
    assert row["user_derived"] is True
    assert row["hostname"] == "WS01"
    assert row["fqdn"] == HOST


def test_event_6_to_driver_load(tmp_path: Path) -> None:
    data = {"UtcTime": "2018-01-01 00:00:00.000",
            "ImageLoaded": "C:\\Windows\\System32\\drivers\\NvStreamKms.sys",
            "Hashes": "SHA256=ABCDEF", "Signed": "true", "Signature": "NVIDIA Corporation"}
    store, _ = load(tmp_path, [event(6, data, "PC01", 1)])
    (row,) = rows(store, "driver_load")
    assert row["module_name"] == "NvStreamKms.sys"
    assert row["image_path"] == "C:\\Windows\\System32\\drivers\\NvStreamKms.sys"
    assert row["sha256_hash"] == "abcdef"
    assert row["md5_hash"] is None
    assert row["signer"] == "NVIDIA Corporation"
    assert row["signed"] is True
    assert (row["hostname"], row["fqdn"]) == ("PC01", "PC01")


def test_event_7_to_module_load(tmp_path: Path) -> None:
    data = {"UtcTime": "2018-01-01 00:00:00.000", "ProcessGuid": GUID, "ProcessId": "77",
            "Image": "C:\\Windows\\explorer.exe", "ImageLoaded": "\\\\?\\C:\\x\\evil.dll",
            "Hashes": "MD5=0123", "Signed": "false", "Signature": "-"}
    store, _ = load(tmp_path, [event(7, data, HOST, 1)])
    (row,) = rows(store, "module_load")
    assert row["module_path"] == "C:\\x\\evil.dll"
    assert row["module_name"] == "evil.dll"
    assert row["exe"] == "explorer.exe"
    assert row["md5_hash"] == "0123"
    assert row["signer"] is None
    assert row["pid"] == 77


def test_event_8_to_thread_remote_create(tmp_path: Path) -> None:
    data = {"UtcTime": "2019-03-01 00:00:00.000",
            "SourceProcessGuid": GUID, "SourceProcessId": "5452",
            "SourceImage": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            "TargetProcessGuid": "{00000000-0000-0000-0000-000000000000}",
            "TargetProcessId": "3124", "TargetImage": "<unknown process>",
            "NewThreadId": "7940", "StartAddress": "0x00007FFECED8F220",
            "StartModule": "C:\\Windows\\System32\\KERNEL32.DLL", "StartFunction": "LoadLibraryA"}
    store, _ = load(tmp_path, [event(1, PROCESS_CREATE_DATA, HOST, 1), event(8, data, HOST, 2)])
    (row,) = rows(store, "thread_remote_create")
    assert (row["src_pid"], row["tgt_pid"], row["tgt_tid"]) == (5452, 3124, 7940)
    assert row["src_tid"] is None
    assert row["start_module_name"] == "KERNEL32.DLL"
    assert row["start_function"] == "LoadLibraryA"
    assert row["tgt_image_path"] == "<unknown process>"
    assert row["tgt_process_guid"] is None
    assert row["user"] == "NT AUTHORITY\\SYSTEM"


def test_account_counts_every_record(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    security = event(4688, {"NewProcessName": "x"}, HOST, 3,
                     channel="Security", provider={"#attributes": {"Name": "Security"}})
    lines = [
        _as_line(event(1, PROCESS_CREATE_DATA, HOST, 1)),
        _as_line(event(10, {"UtcTime": "2020-01-01 00:00:00.000"}, HOST, 2)),
        _as_line(security),
        "{not json",
        "",
        '{"some": "other shape"}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = Store()
    account = RunAccount()
    source = Source(1, str(path))
    account.add_source(source)
    with path.open("rb") as stream:
        for batch in JsonLinesReader().read(stream, source, account):
            store.ingest(batch, account)
    assert account.read == 5
    # The event 10 record is Sysmon without a CAR table: normalized, not skipped.
    assert account.total_normalized == 2
    assert account.normalized["unmapped_sysmon"] == 1
    assert account.not_sysmon == 1
    assert account.skipped == {"invalid_json": 1, "unrecognized_record": 1}
    assert account.balanced
    assert [(e.offset, e.reason) for e in account.examples] == [
        ("line:4", "invalid_json"), ("line:6", "unrecognized_record")
    ] or sorted((e.offset, e.reason) for e in account.examples) == [
        ("line:4", "invalid_json"), ("line:6", "unrecognized_record")
    ]


def _as_line(item: dict[str, Any]) -> str:
    import json

    return json.dumps(item)
