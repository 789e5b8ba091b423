"""Baseline analytics: windows, T, separate histories and the baseline_incomplete flag."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analytic_cases import SYS32, hits_of, refs, run_one
from carhunt.analytics.baseline import Span, covers, parse_now
from carhunt.cli.main import EXIT_OK, main
from carhunt.errors import UsageError
from carhunt.pipeline import HuntOptions, hunt
from sysmon import process, write_events

SERVICES = SYS32 + "services.exe"
TODAY = "2024-02-01 10:00:00.000"
LAST_WEEK = "2024-01-25 10:00:00.000"
LAST_YEAR = "2023-02-01 10:00:00.000"


def _service(record_id: int, image: str, time: str, parent: str = SERVICES,
              computer: str = "SRV1") -> dict[str, object]:
    return process(record_id, image, parent, image, time, computer=computer)


def _cmd(record_id: int, parent: str, time: str) -> dict[str, object]:
    return process(record_id, SYS32 + "cmd.exe", parent, "cmd.exe /c dir", time)


# CAR-2013-09-005 Service Outlier Executables

def _services_week() -> list[dict[str, object]]:
    return [
        _service(1, "c:\\windows\\system32\\svchost.exe", LAST_WEEK),
        _service(2, "c:\\windows\\system32\\spoolsv.exe", LAST_WEEK),
        _service(3, "C:\\Windows\\PSEXESVC.exe", TODAY),
        _service(4, "C:\\Windows\\System32\\svchost.exe", TODAY),
        _service(5, "C:\\Users\\x\\evil.exe", TODAY, parent="C:\\Users\\x\\services.exe"),
    ]


def test_service_outlier_new_service(tmp_path: Path) -> None:
    (hit,) = hits_of(tmp_path, _services_week(), "CAR-2013-09-005")
    assert refs([hit]) == [["line:3"]]
    assert hit.fields["image_path"] == "C:\\Windows\\PSEXESVC.exe"
    assert hit.fields["hosts"] == ["SRV1"]
    assert hit.fields["key_count"] == 1


def test_service_outlier_short_history_is_flagged(tmp_path: Path) -> None:
    item = run_one(tmp_path, _services_week(), "CAR-2013-09-005")
    assert [hit.flags for hit in item.hits] == [("baseline_incomplete",)]
    assert item.baseline is not None
    assert item.baseline.now == dt.datetime(2024, 2, 1, 10)
    assert item.baseline.baseline_start == dt.datetime(2024, 1, 2, 10)
    assert item.baseline.baseline_end == dt.datetime(2024, 1, 31, 10)


def test_service_outlier_full_history_is_not_flagged(tmp_path: Path) -> None:
    events = [_service(9, "C:\\Windows\\System32\\lsass.exe", LAST_YEAR), *_services_week()]
    (hit,) = hits_of(tmp_path, events, "CAR-2013-09-005")
    assert hit.flags == ()


def test_service_outlier_baseline_days_parameter(tmp_path: Path) -> None:
    parameters = {"CAR-2013-09-005": {"baseline_days": 5}}
    hits = hits_of(tmp_path, _services_week(), "CAR-2013-09-005", parameters=parameters)
    assert refs(hits) == [["line:3"], ["line:4"]]


def test_service_outlier_per_host(tmp_path: Path) -> None:
    events = [
        _service(1, "C:\\Windows\\System32\\svchost.exe", LAST_WEEK, computer="SRV1"),
        _service(2, "C:\\Windows\\System32\\svchost.exe", TODAY, computer="SRV2"),
    ]
    assert hits_of(tmp_path, events, "CAR-2013-09-005") == []
    parameters = {"CAR-2013-09-005": {"per_host": True}}
    hits = hits_of(tmp_path, events, "CAR-2013-09-005", parameters=parameters)
    assert refs(hits) == [["line:2"]]


def test_service_outlier_now_option(tmp_path: Path) -> None:
    now = dt.datetime(2024, 1, 25, 12)
    hits = hits_of(tmp_path, _services_week(), "CAR-2013-09-005", now=now)
    assert refs(hits) == [["line:1"], ["line:2"]]


def test_service_outlier_windows_must_not_overlap(tmp_path: Path) -> None:
    parameters = {"CAR-2013-09-005": {"baseline_days": 1, "current_days": 1}}
    with pytest.raises(UsageError, match="baseline_days"):
        hits_of(tmp_path, _services_week(), "CAR-2013-09-005", parameters=parameters)


# CAR-2014-11-002 Outlier Parents of Cmd

def test_cmd_outlier_parent(tmp_path: Path) -> None:
    events = [
        _cmd(1, "C:\\Windows\\explorer.exe", LAST_WEEK),
        _cmd(2, SYS32 + "cmd.exe", LAST_WEEK),
        _cmd(3, SYS32 + "svchost.exe", LAST_WEEK),
        _cmd(4, "C:\\Program Files\\Microsoft Office\\OUTLOOK.EXE", TODAY),
        _cmd(5, "C:\\Windows\\Explorer.EXE", TODAY),
    ]
    (hit,) = hits_of(tmp_path, events, "CAR-2014-11-002")
    assert refs([hit]) == [["line:4"]]
    assert hit.fields["parent_exe"] == "OUTLOOK.EXE"
    assert hit.flags == ("baseline_incomplete",)


def test_cmd_outlier_missing_parent_is_flagged(tmp_path: Path) -> None:
    (hit,) = hits_of(tmp_path, [_cmd(1, "-", TODAY)], "CAR-2014-11-002")
    assert hit.field_missing == ("parent_exe",)


def test_cmd_outlier_collapsed_names(tmp_path: Path) -> None:
    events = [
        _cmd(1, "C:\\Temp\\setup_1.2.3.exe", LAST_WEEK),
        _cmd(2, "C:\\Temp\\setup_1.2.4.exe", TODAY),
    ]
    assert refs(hits_of(tmp_path, events, "CAR-2014-11-002")) == [["line:2"]]
    parameters = {"CAR-2014-11-002": {"collapse_names": True}}
    assert hits_of(tmp_path, events, "CAR-2014-11-002", parameters=parameters) == []


# A separate history

def _history_and_today(tmp_path: Path) -> tuple[Path, Path]:
    history = tmp_path / "history"
    history.mkdir()
    write_events(history / "old.jsonl", [
        _service(1, "C:\\Windows\\System32\\svchost.exe", LAST_YEAR),
        _service(2, "C:\\Windows\\System32\\svchost.exe", LAST_WEEK),
        _service(3, "C:\\Windows\\System32\\spoolsv.exe", LAST_WEEK),
        _service(4, "C:\\Windows\\System32\\svchost.exe", "2024-01-31 09:30:00.000"),
    ])
    today = write_events(tmp_path / "today.jsonl", [
        _service(1, "C:\\Windows\\PSEXESVC.exe", TODAY),
        _service(2, "C:\\Windows\\System32\\spoolsv.exe", TODAY),
    ])
    return history, today


def _service_hits(today: Path, **options: object) -> list[list[str]]:
    result = hunt([str(today)], HuntOptions(analytic_ids=("CAR-2013-09-005",),
                                            **options))  # type: ignore[arg-type]
    return refs(result.datasets[0].results[0].hits)


def test_history_folder_of_logs(tmp_path: Path) -> None:
    history, today = _history_and_today(tmp_path)
    assert _service_hits(today) == [["line:1"], ["line:2"]]
    result = hunt([str(today)], HuntOptions(analytic_ids=("CAR-2013-09-005",),
                                            baseline=history))
    (hit,) = result.datasets[0].results[0].hits
    assert refs([hit]) == [["line:1"]]
    assert hit.flags == ()


def test_history_from_db_file(tmp_path: Path) -> None:
    history, today = _history_and_today(tmp_path)
    database = tmp_path / "history.duckdb"
    hunt([str(history)], HuntOptions(analytic_ids=("CAR-2013-09-005",), db_path=database))
    assert _service_hits(today, baseline=database) == [["line:1"]]


def test_history_with_a_gap_is_incomplete(tmp_path: Path) -> None:
    history = tmp_path / "history"
    history.mkdir()
    write_events(history / "old.jsonl", [_service(1, SYS32 + "svchost.exe", LAST_YEAR)])
    today = write_events(tmp_path / "today.jsonl", [_service(1, SYS32 + "spoolsv.exe", TODAY)])
    result = hunt([str(today)], HuntOptions(analytic_ids=("CAR-2013-09-005",),
                                            baseline=history))
    (hit,) = result.datasets[0].results[0].hits
    assert hit.flags == ("baseline_incomplete",)


def test_hunt_prints_one_baseline_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = [*_services_week(), _cmd(6, "C:\\Windows\\explorer.exe", TODAY)]
    path = write_events(tmp_path / "week.jsonl", events)
    code = main(["hunt", str(path), "--format", "jsonl"])
    err = capsys.readouterr().err
    assert code == EXIT_OK
    lines = [line for line in err.splitlines() if line.startswith("baseline incomplete")]
    assert lines == [
        "baseline incomplete: 2 hits of CAR-2013-09-005, CAR-2014-11-002 flagged, because "
        "the events do not reach back to the start of the baseline window (give older logs "
        "with --baseline)"
    ]


def test_hunt_now_and_baseline_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history, today = _history_and_today(tmp_path)
    code = main(["hunt", str(today), "--format", "jsonl", "-a", "CAR-2013-09-005",
                 "--baseline", str(history), "--now", "2024-02-01T11:00:00+01:00"])
    captured = capsys.readouterr()
    assert code == EXIT_OK
    assert len(captured.out.splitlines()) == 1
    assert "baseline incomplete" not in captured.err


# Window arithmetic

def test_parse_now_forms() -> None:
    assert parse_now("2024-02-01") == dt.datetime(2024, 2, 1)
    assert parse_now("2024-02-01 10:30:00") == dt.datetime(2024, 2, 1, 10, 30)
    assert parse_now("2024-02-01T10:30:00Z") == dt.datetime(2024, 2, 1, 10, 30)
    assert parse_now("2024-02-01T12:30:00+02:00") == dt.datetime(2024, 2, 1, 10, 30)


def test_parse_now_rejects_other_text() -> None:
    with pytest.raises(UsageError, match="invalid time 'yesterday'"):
        parse_now("yesterday")


def test_covers_joins_short_gaps() -> None:
    start, end = dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 30)
    rotated = (
        Span(dt.datetime(2023, 12, 31), dt.datetime(2024, 1, 15, 10, 0)),
        Span(dt.datetime(2024, 1, 15, 10, 30), dt.datetime(2024, 1, 31)),
    )
    assert covers(rotated, start, end) is True
    gap = (
        Span(dt.datetime(2023, 12, 31), dt.datetime(2024, 1, 10)),
        Span(dt.datetime(2024, 1, 15), dt.datetime(2024, 1, 31)),
    )
    assert covers(gap, start, end) is False
    assert covers((Span(dt.datetime(2024, 1, 2), dt.datetime(2024, 1, 31)),), start, end) is False
    late_by_minutes = Span(dt.datetime(2024, 1, 1, 0, 30), dt.datetime(2024, 1, 29, 23, 30))
    assert covers((late_by_minutes,), start, end) is True
