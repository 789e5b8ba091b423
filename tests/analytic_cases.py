"""Helpers for analytic tests: Sysmon network events and hunting one analytic."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from carhunt.analytics.base import Reading
from carhunt.analytics.runner import AnalyticResult
from carhunt.hits import Hit
from sysmon import event, hunt_events

SYS32 = "C:\\Windows\\System32\\"
POWERSHELL = SYS32 + "WindowsPowerShell\\v1.0\\powershell.exe"


def flow(
    record_id: int,
    image: str,
    source: tuple[str, int],
    destination: tuple[str, int],
    initiated: bool | None = True,
    time: str = "2024-01-01 10:00:00.000",
    pid: int = 1000,
    computer: str = "WS01.corp.example",
    protocol: str = "tcp",
    **extra: Any,
) -> dict[str, Any]:
    """Return a Sysmon event 3 (network connection) as logged."""
    data: dict[str, Any] = {
        "UtcTime": time,
        "ProcessGuid": f"{{22222222-2222-3333-4444-{pid:012d}}}",
        "ProcessId": pid,
        "Image": image,
        "User": "CORP\\alice",
        "Protocol": protocol,
        "SourceIp": source[0],
        "SourcePort": source[1],
        "DestinationIp": destination[0],
        "DestinationPort": destination[1],
    }
    if initiated is not None:
        data["Initiated"] = "true" if initiated else "false"
    data.update(extra)
    return event(3, data, computer=computer, record_id=record_id)


def run_one(
    tmp_path: Path,
    events: Iterable[Mapping[str, Any]],
    analytic_id: str,
    reading: Reading = Reading.RECOMMENDED,
    **options: Any,
) -> AnalyticResult:
    """Hunt the events with one analytic and return its result, failing on a query error."""
    result = hunt_events(
        tmp_path, events, analytic_ids=(analytic_id,), reading=reading, **options
    )
    (dataset,) = result.datasets
    (item,) = dataset.results
    assert item.error is None, item.error
    return item


def hits_of(
    tmp_path: Path,
    events: Iterable[Mapping[str, Any]],
    analytic_id: str,
    reading: Reading = Reading.RECOMMENDED,
    **options: Any,
) -> list[Hit]:
    """Return the hits of one analytic over the events."""
    return run_one(tmp_path, events, analytic_id, reading, **options).hits


def refs(hits: Iterable[Hit]) -> list[list[str]]:
    """Return each hit's evidence references, sorted."""
    return sorted(sorted(item.ref for item in hit.evidence) for hit in hits)
