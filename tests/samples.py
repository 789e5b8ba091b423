"""One Sysmon process-create event written in every transport the readers accept.

The values follow the wevtutil example of the format notes (an Empire macro test,
host and user replaced). Every rendering describes the same event, so each must
normalize to the same CAR record.
"""

from __future__ import annotations

import json
from typing import Any

HOST = "WS01.example.local"
GUID = "84453EAB-837F-5FC9-88AE-390200000000"
PARENT_GUID = "84453EAB-8372-5FC9-10CD-380200000000"
LOGON_GUID = "84453EAB-6BA3-5FC6-A0CC-080000000000"
UTC = "2020-12-04 00:31:59.845"
IMAGE = "C:\\Windows\\SysWOW64\\WindowsPowerShell\\v1.0\\powershell.exe"
PARENT = "C:\\Program Files (x86)\\Microsoft Office\\root\\Office16\\WINWORD.EXE"
COMMAND = "powershell.exe -noP -sta -w 1 -enc SQBGACgA & echo <done>"
PARENT_COMMAND = f'"{PARENT}" /n "C:\\Users\\user1\\Downloads\\malicious.docx" /o "u"'
MD5 = "92F44E405DB16AC55D97E3BFE3B132FA"
SHA256 = "6C05E11399B7E3C8ED31BAE72014CF249C144A8F4A2C54A758EB2E6FAD47AEC7"
IMPHASH = "96BA7A0F0D1C8C6B4A4C3E0B1D4A1C4B"

EVENT_DATA: dict[str, str] = {
    "RuleName": "-",
    "UtcTime": UTC,
    "ProcessGuid": "{" + GUID + "}",
    "ProcessId": "2472",
    "Image": IMAGE,
    "FileVersion": "10.0.14393.206 (rs1_release.160915-0644)",
    "Description": "Windows PowerShell",
    "Product": "Microsoft Windows Operating System",
    "Company": "Microsoft Corporation",
    "OriginalFileName": "PowerShell.EXE",
    "CommandLine": COMMAND,
    "CurrentDirectory": "C:\\Users\\user1\\Documents\\",
    "User": "HOST1\\user1",
    "LogonGuid": "{" + LOGON_GUID + "}",
    "LogonId": "0x8cca0",
    "TerminalSessionId": "2",
    "IntegrityLevel": "Medium",
    "Hashes": f"MD5={MD5},SHA256={SHA256},IMPHASH={IMPHASH}",
    "ParentProcessGuid": "{" + PARENT_GUID + "}",
    "ParentProcessId": "1596",
    "ParentImage": PARENT,
    "ParentCommandLine": PARENT_COMMAND,
}

PROVIDER_GUID = "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"
CHANNEL = "Microsoft-Windows-Sysmon/Operational"


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def event_xml(quote: str = "'", namespace: bool = True, record: int = 17839) -> str:
    """Return the event as Windows renders it (wevtutil, ToXml(), Splunk)."""
    q = quote
    namespace_uri = "http://schemas.microsoft.com/win/2004/08/events/event"
    xmlns = f" xmlns={q}{namespace_uri}{q}" if namespace else ""
    data = "".join(
        f"<Data Name={q}{name}{q}>{_xml_escape(value)}</Data>" for name, value in EVENT_DATA.items()
    )
    return (
        f"<Event{xmlns}><System><Provider Name={q}Microsoft-Windows-Sysmon{q} "
        f"Guid={q}{PROVIDER_GUID}{q}/><EventID>1</EventID><Version>5</Version><Level>4</Level>"
        f"<Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>"
        f"<TimeCreated SystemTime={q}2020-12-04T00:31:59.854152800Z{q}/>"
        f"<EventRecordID>{record}</EventRecordID><Correlation/>"
        f"<Execution ProcessID={q}956{q} ThreadID={q}3828{q}/><Channel>{CHANNEL}</Channel>"
        f"<Computer>{HOST}</Computer><Security UserID={q}S-1-5-18{q}/></System>"
        f"<EventData>{data}</EventData></Event>"
    )


def evtx_tree() -> dict[str, Any]:
    """Return the event as pyevtx-rs renders it (GUIDs upper-case without braces)."""
    data: dict[str, Any] = dict(EVENT_DATA)
    for key in ("ProcessGuid", "LogonGuid", "ParentProcessGuid"):
        data[key] = data[key].strip("{}")
    for key in ("ProcessId", "TerminalSessionId", "ParentProcessId"):
        data[key] = int(data[key])
    return {
        "Event": {
            "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
            "System": {
                "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon",
                                             "Guid": PROVIDER_GUID.strip("{}")}},
                "EventID": 1,
                "Channel": CHANNEL,
                "Computer": HOST,
                "EventRecordID": 17839,
                "TimeCreated": {"#attributes": {"SystemTime": "2020-12-04T00:31:59.854152Z"}},
            },
            "EventData": data,
        }
    }


def lower_braced(data: dict[str, str]) -> dict[str, str]:
    """Return EventData with GUIDs lower-case in braces, as NXLog and Winlogbeat send them."""
    result = dict(data)
    for key in ("ProcessGuid", "LogonGuid", "ParentProcessGuid"):
        result[key] = result[key].lower()
    return result


def nxlog() -> dict[str, Any]:
    record: dict[str, Any] = {
        "EventTime": "2020-12-03 19:31:59",
        "EventReceivedTime": "2020-12-03 19:32:00",
        "SourceModuleName": "eventlog",
        "SourceModuleType": "im_msvistalog",
        "Hostname": HOST,
        "EventType": "INFO",
        "EventID": 1,
        "SourceName": "Microsoft-Windows-Sysmon",
        "ProviderGuid": PROVIDER_GUID,
        "RecordNumber": 17839,
        "Channel": CHANNEL,
        "AccountName": "SYSTEM",
        "Domain": "NT AUTHORITY",
        "host": "wec.internal.example",
    }
    escaped = {k: v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
               for k, v in lower_braced(EVENT_DATA).items()}
    record.update(escaped)
    return record


def winlogbeat6() -> dict[str, Any]:
    data = {k: v for k, v in lower_braced(EVENT_DATA).items() if v}
    return {
        "@timestamp": "2020-12-04T00:32:00.100Z",
        "@metadata": {"beat": "winlogbeat", "type": "doc", "version": "6.7.0"},
        "beat": {"hostname": "WECserver", "name": "WECserver"},
        "host": {"name": "WECserver"},
        "computer_name": HOST,
        "log_name": CHANNEL,
        "source_name": "Microsoft-Windows-Sysmon",
        "event_id": 1,
        "record_number": "17839",
        "user": {"domain": "NT AUTHORITY", "name": "SYSTEM", "identifier": "S-1-5-18"},
        "event_data": data,
    }


def winlogbeat7(module: bool) -> dict[str, Any]:
    data: dict[str, Any] = dict(EVENT_DATA)
    record: dict[str, Any] = {
        "@timestamp": "2020-12-04T00:31:59.845Z",
        "agent": {"type": "winlogbeat", "version": "7.16.2"},
        "host": {"name": "collector01"},
        "winlog": {
            "channel": CHANNEL,
            "provider_name": "Microsoft-Windows-Sysmon",
            "computer_name": HOST,
            "event_id": "1",
            "record_id": 17839,
            "user": {"identifier": "S-1-5-18", "domain": "NT AUTHORITY", "name": "SYSTEM"},
            "event_data": data,
        },
        "event": {"code": "1", "provider": "Microsoft-Windows-Sysmon"},
    }
    if not module:
        return record
    for key in ("UtcTime", "ProcessGuid", "ProcessId", "Image", "CommandLine", "CurrentDirectory",
                "User", "Hashes", "ParentProcessGuid", "ParentProcessId", "ParentImage",
                "ParentCommandLine", "OriginalFileName", "RuleName"):
        data.pop(key)
    record["event"]["module"] = "sysmon"
    record["process"] = {
        "entity_id": EVENT_DATA["ProcessGuid"],
        "pid": 2472,
        "executable": IMAGE,
        "command_line": COMMAND,
        "working_directory": EVENT_DATA["CurrentDirectory"],
        "hash": {"md5": MD5.lower(), "sha256": SHA256.lower()},
        "pe": {"original_file_name": "PowerShell.EXE", "imphash": IMPHASH.lower()},
        "parent": {"entity_id": EVENT_DATA["ParentProcessGuid"], "pid": 1596,
                   "executable": PARENT, "command_line": PARENT_COMMAND},
    }
    record["user"] = {"domain": "HOST1", "name": "user1"}
    return record


def flat() -> dict[str, Any]:
    record: dict[str, Any] = {
        "SourceName": "Microsoft-Windows-Sysmon",
        "ProviderGuid": PROVIDER_GUID.lower(),
        "Channel": CHANNEL,
        "Hostname": HOST,
        # OTRF flat exports label local time with a Z: never the event time.
        "TimeCreated": "2020-12-03T07:31:59.854Z",
        "EventID": 1,
        "Message": "Process Create:\r\nRuleName: -",
    }
    record.update(lower_braced(EVENT_DATA))
    return record


def azure() -> dict[str, Any]:
    data = lower_braced(EVENT_DATA)
    data["UtcTime"] = "2020-12-04T00:31:59.8450000Z"
    return {
        "TenantId": "redacted",
        "SourceSystem": "OpsManager",
        "TimeGenerated": "2020-12-04T00:32:01.000Z",
        "Provider": "Microsoft-Windows-Sysmon",
        "Channel": CHANNEL,
        "Computer": HOST,
        "EventID": 1,
        "Type": "WindowsEvent",
        "EventData": json.dumps(data),
    }


def helk() -> dict[str, Any]:
    """Return the event as HELK's pipeline writes it (snake_case, decimal LogonId)."""
    return {
        "_index": "logs-endpoint-winevent-sysmon-2020.12.04",
        "_source": {
            "log_name": CHANNEL,
            "source_name": "Microsoft-Windows-Sysmon",
            "event_id": 1,
            "record_number": "17839",
            "host_name": HOST,
            "@event_date_creation": "2020-12-04T00:31:59.845Z",
            "@timestamp": "2020-12-04T00:32:00.100Z",
            "process_guid": GUID.lower(),
            "process_id": "2472",
            "process_path": IMAGE,
            "process_command_line": COMMAND,
            "process_current_directory": EVENT_DATA["CurrentDirectory"],
            "process_integrity_level": "Medium",
            "process_parent_guid": PARENT_GUID.lower(),
            "process_parent_id": "1596",
            "process_parent_path": PARENT,
            "process_parent_command_line": PARENT_COMMAND,
            "user_account": "HOST1\\user1",
            "user_logon_guid": LOGON_GUID.lower(),
            "user_logon_id": 0x8CCA0,
            "user_session_id": "2",
            "hash_md5": MD5,
            "hash_sha256": SHA256,
            "hash_imphash": IMPHASH,
            "file_name_original": "PowerShell.EXE",
        },
    }
