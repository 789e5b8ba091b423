"""Build small Sysmon inputs for tests: JSON lines in the pyevtx-rs event tree shape."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from carhunt.pipeline import HuntOptions, HuntResult, hunt

PROVIDER = {"#attributes": {"Name": "Microsoft-Windows-Sysmon",
                            "Guid": "5770385F-C22A-43E0-BF4C-06F5698FFBD9"}}


def event(
    event_id: int,
    data: Mapping[str, Any],
    computer: str = "WS01.corp.example",
    record_id: int = 1,
    channel: str = "Microsoft-Windows-Sysmon/Operational",
    provider: Mapping[str, Any] = PROVIDER,
) -> dict[str, Any]:
    """Return one event as pyevtx-rs renders it."""
    return {
        "Event": {
            "System": {
                "Provider": dict(provider),
                "EventID": event_id,
                "TimeCreated": {"#attributes": {"SystemTime": "2024-01-01T00:00:00.000000Z"}},
                "EventRecordID": record_id,
                "Channel": channel,
                "Computer": computer,
            },
            "EventData": dict(data),
        }
    }


def write_events(path: Path, events: Iterable[Mapping[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in events), encoding="utf-8")
    return path


def process(
    record_id: int,
    image: str,
    parent: str = "C:\\Windows\\explorer.exe",
    command_line: str | None = None,
    time: str = "2024-01-01 10:00:00.000",
    pid: int = 1000,
    ppid: int = 900,
    computer: str = "WS01.corp.example",
    **extra: Any,
) -> dict[str, Any]:
    """Return a Sysmon event 1 (process create) with the usual fields filled."""
    data = {
        "UtcTime": time,
        "ProcessGuid": f"{{11111111-2222-3333-4444-{record_id:012d}}}",
        "ProcessId": pid,
        "Image": image,
        "CommandLine": command_line if command_line is not None else image,
        "User": "CORP\\alice",
        "Hashes": "SHA1=AA,MD5=BB,SHA256=CC",
        "ParentProcessId": ppid,
        "ParentImage": parent,
    }
    data.update(extra)
    return event(1, data, computer=computer, record_id=record_id)


def hunt_events(
    tmp_path: Path, events: Iterable[Mapping[str, Any]], **options: Any
) -> HuntResult:
    """Write events to a file and run the real hunt pipeline over it."""
    path = write_events(tmp_path / "events.jsonl", events)
    return hunt([str(path)], HuntOptions(**options))


def hit_refs(result: HuntResult, analytic_id: str) -> list[list[str]]:
    """Return each hit's evidence references (sorted) for one analytic."""
    refs = []
    for dataset in result.datasets:
        for item in dataset.results:
            if item.analytic.id == analytic_id:
                assert item.error is None, item.error
                refs.extend(sorted(e.ref for e in hit.evidence) for hit in item.hits)
    return sorted(refs)
