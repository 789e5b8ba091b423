"""A small intrusion for report tests: a document spawns a hostile shell, reg.exe and an injection.

Line numbers of the written file (1-based) are the evidence references:

1. explorer.exe on WS01 (its parent userinit.exe is not in the data)
2. WINWORD.EXE, child of explorer.exe by GUID
3. cmd.exe, child of WINWORD.EXE, with a hostile command line (markup, script,
   a right-to-left override and an ANSI escape)
4. reg.exe, child of cmd.exe: fires CAR-2013-03-001
5. whoami.exe on DC01 (parent cmd.exe not in the data): fires CAR-2016-03-001
6. notepad.exe on WS01, child of cmd.exe
7. a LoadLibraryA remote thread from cmd.exe into notepad.exe: fires CAR-2013-10-002
8. an outbound connection of WINWORD.EXE
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sysmon import event, process, write_events

SYS32 = "C:\\Windows\\System32\\"
WORD = "C:\\Program Files\\Microsoft Office\\WINWORD.EXE"
# The analytics these report tests were written against. Pinning them keeps the
# scenario's hits (the four named above) fixed as the library grows.
ANALYTICS = (
    "CAR-2013-02-003", "CAR-2013-03-001", "CAR-2013-04-002", "CAR-2013-10-002",
    "CAR-2014-04-003", "CAR-2016-03-001",
)
HOSTILE = (
    'cmd.exe /c "<script>window.__carhunt_pwned=1</script>'
    '<img src=x onerror=window.__carhunt_pwned=2>" & echo \u202etxt.exe \x1b[31m'
)


def _guid(number: int) -> str:
    return f"{{5C3B5B1A-0000-4000-8000-{number:012d}}}"


def events() -> list[dict[str, Any]]:
    """Return the scenario's events in file order."""
    return [
        process(1, "C:\\Windows\\explorer.exe", SYS32 + "userinit.exe", pid=1200, ppid=1100,
                time="2024-03-05 08:00:00.000", ProcessGuid=_guid(1),
                ParentProcessGuid=_guid(99)),
        process(2, WORD, "C:\\Windows\\explorer.exe", f'"{WORD}" /n invoice.docm', pid=2400,
                ppid=1200, time="2024-03-05 09:14:02.250", ProcessGuid=_guid(2),
                ParentProcessGuid=_guid(1)),
        process(3, SYS32 + "cmd.exe", WORD, HOSTILE, pid=3300, ppid=2400,
                time="2024-03-05 09:14:05.500", ProcessGuid=_guid(3), ParentProcessGuid=_guid(2)),
        process(4, SYS32 + "reg.exe", SYS32 + "cmd.exe",
                'reg add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v upd /d '
                '"C:\\Users\\alice\\AppData\\upd.exe"', pid=4400, ppid=3300,
                time="2024-03-05 09:14:06.125", ProcessGuid=_guid(4), ParentProcessGuid=_guid(3)),
        process(5, SYS32 + "whoami.exe", SYS32 + "cmd.exe", "whoami /all", pid=5500, ppid=5400,
                time="2024-03-05 09:20:00.000", computer="DC01.corp.example",
                ProcessGuid=_guid(5), ParentProcessGuid=_guid(54)),
        process(6, SYS32 + "notepad.exe", SYS32 + "cmd.exe", "notepad", pid=6600, ppid=3300,
                time="2024-03-05 09:15:00.000", ProcessGuid=_guid(6), ParentProcessGuid=_guid(3)),
        event(8, {
            "UtcTime": "2024-03-05 09:15:30.000", "SourceProcessGuid": _guid(3),
            "SourceProcessId": 3300, "SourceImage": SYS32 + "cmd.exe",
            "TargetProcessGuid": _guid(6), "TargetProcessId": 6600,
            "TargetImage": SYS32 + "notepad.exe", "NewThreadId": 7940,
            "StartAddress": "0x00007FFECED8F220", "StartModule": SYS32 + "KERNEL32.DLL",
            "StartFunction": "LoadLibraryA",
        }, record_id=7),
        event(3, {
            "UtcTime": "2024-03-05 09:14:03.000", "ProcessGuid": _guid(2), "ProcessId": 2400,
            "Image": WORD, "User": "CORP\\alice", "Protocol": "tcp", "Initiated": "true",
            "SourceIsIpv6": "false", "SourceIp": "10.0.0.15", "SourceHostname": "WS01",
            "SourcePort": 50123, "DestinationIsIpv6": "false", "DestinationIp": "203.0.113.7",
            "DestinationHostname": "", "DestinationPort": 443,
        }, record_id=8),
    ]


def write(path: Path) -> Path:
    """Write the scenario as JSON lines in the pyevtx-rs event shape."""
    return write_events(path, events())
