"""Analytic parameters from TOML files and --param, and the analytics commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analytic_cases import SYS32
from carhunt.analytics import load_analytics
from carhunt.analytics.base import Parameter
from carhunt.analytics.config import load_parameters, parse_param
from carhunt.cli.main import EXIT_OK, EXIT_USAGE, main
from carhunt.errors import UsageError
from sysmon import process, write_events

CMD = SYS32 + "cmd.exe"


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "carhunt.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_file_values_are_typed(tmp_path: Path) -> None:
    path = _config(tmp_path, """
["CAR-2013-04-002"]
gap_minutes = 45
commands = ["ping.exe", "NET.EXE"]

[CAR-2014-05-001]
window_seconds = 3
""")
    values = load_parameters(load_analytics(), path)
    assert values == {
        "CAR-2013-04-002": {"gap_minutes": 45, "commands": ("ping.exe", "NET.EXE")},
        "CAR-2014-05-001": {"window_seconds": 3.0},
    }


def test_param_overrides_config(tmp_path: Path) -> None:
    path = _config(tmp_path, '["CAR-2013-04-002"]\ngap_minutes = 45\n')
    values = load_parameters(
        load_analytics(), path, ["CAR-2013-04-002.gap_minutes=10",
                                 "CAR-2013-10-002.trusted_injectors=C:\\a.exe,C:\\b.exe"]
    )
    assert values["CAR-2013-04-002"] == {"gap_minutes": 10}
    assert values["CAR-2013-10-002"] == {"trusted_injectors": ("C:\\a.exe", "C:\\b.exe")}


def test_param_needs_id_name_and_value() -> None:
    assert parse_param("CAR-2013-04-002.gap_minutes=10") == (
        "CAR-2013-04-002", "gap_minutes", "10"
    )
    with pytest.raises(UsageError, match=r"expected ID\.name=value"):
        parse_param("gap_minutes=10")
    with pytest.raises(UsageError, match=r"expected ID\.name=value"):
        parse_param("CAR-2013-04-002.gap_minutes")


def test_unknown_analytic_is_usage_error() -> None:
    with pytest.raises(UsageError, match="did you mean CAR-2013-04-002"):
        load_parameters(load_analytics(), None, ["CAR-2013-04-020.gap_minutes=1"])


def test_unknown_parameter_lists_known_ones() -> None:
    with pytest.raises(UsageError, match=r"parameters: commands, gap_minutes, min_distinct"):
        load_parameters(load_analytics(), None, ["CAR-2013-04-002.gap=1"])


def test_bad_value_is_usage_error() -> None:
    with pytest.raises(UsageError, match="expected int like 30"):
        load_parameters(load_analytics(), None, ["CAR-2013-04-002.gap_minutes=soon"])
    with pytest.raises(UsageError, match="expected at least 0"):
        load_parameters(load_analytics(), None, ["CAR-2014-05-001.window_seconds=-1"])


def test_invalid_toml_is_usage_error(tmp_path: Path) -> None:
    path = _config(tmp_path, "[CAR-2013-04-002\n")
    with pytest.raises(UsageError, match="invalid TOML"):
        load_parameters(load_analytics(), path)


def test_parameter_choices_and_numbers() -> None:
    mode = Parameter("mode", "a", "test", choices=("a", "b"))
    assert mode.coerce("b") == "b"
    with pytest.raises(UsageError, match="expected one of a, b"):
        mode.coerce("c")
    ports = Parameter("ports", (1, 2), "test")
    assert ports.coerce("5985, 5986") == (5985, 5986)
    with pytest.raises(UsageError, match="expected int like 3"):
        Parameter("count", 3, "test").coerce(2.5)


# The hunt command

@pytest.fixture()
def recon_log(tmp_path: Path) -> Path:
    return write_events(tmp_path / "recon.jsonl", [
        process(1, SYS32 + "ipconfig.exe", CMD, "ipconfig", "2024-01-01 10:00:00.000", ppid=3000),
        process(2, SYS32 + "net.exe", CMD, "net view", "2024-01-01 10:40:00.000", ppid=3000),
    ])


def _analytics_in(out: str) -> list[str]:
    return [json.loads(line)["analytic"] for line in out.splitlines()]


def test_hunt_param_changes_the_window(
    recon_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["hunt", str(recon_log), "-a", "CAR-2013-04-002", "--format", "jsonl"])
    assert code == EXIT_OK
    assert _analytics_in(capsys.readouterr().out) == []
    code = main(["hunt", str(recon_log), "-a", "CAR-2013-04-002", "--format", "jsonl",
                 "--param", "CAR-2013-04-002.gap_minutes=45"])
    assert code == EXIT_OK
    assert _analytics_in(capsys.readouterr().out) == ["CAR-2013-04-002"]


def test_hunt_config_file(
    recon_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config(tmp_path, '["CAR-2013-04-002"]\ngap_minutes = 45\n')
    code = main(["hunt", str(recon_log), "-a", "CAR-2013-04-002", "--format", "jsonl",
                 "--config", str(path)])
    assert code == EXIT_OK
    assert _analytics_in(capsys.readouterr().out) == ["CAR-2013-04-002"]


def test_hunt_bad_param_exits_with_usage(
    recon_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["hunt", str(recon_log), "--param", "CAR-2013-04-002.gap_minutes=x"])
    assert code == EXIT_USAGE
    assert "invalid value 'x' for parameter gap_minutes" in capsys.readouterr().err


def test_hunt_bad_now_exits_with_usage(
    recon_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["hunt", str(recon_log), "--now", "tomorrow"])
    assert code == EXIT_USAGE
    assert "invalid time 'tomorrow'" in capsys.readouterr().err


# The analytics commands

def test_analytics_lists_all(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["analytics", "--json"])
    records = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK
    assert len(records) == 24
    first = records[0]
    assert first["id"] == "CAR-2013-02-003"
    assert first["techniques"] == ["T1059.003"]
    assert first["event_ids"] == [1]
    assert "process_create.exe" in first["fields"]


def test_analytics_of_a_data_set(recon_log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["analytics", str(recon_log), "--json"])
    records = {item["id"]: item for item in json.loads(capsys.readouterr().out)}
    assert code == EXIT_OK
    assert records["CAR-2013-02-003"]["readiness"] == "ready"
    assert records["CAR-2013-04-002"]["readiness"] == "partial"
    assert records["CAR-2013-04-002"]["empty_fields"] == ["process_create.parent_process_guid"]
    assert records["CAR-2014-11-006"]["readiness"] == "no events"
    assert records["CAR-2014-11-006"]["records"] == {"flow_start": 0}
    assert records["CAR-2014-11-004"]["readiness"] == "partial"
    assert records["CAR-2014-11-004"]["records"] == {"flow_start": 0, "process_create": 2}
    assert records["CAR-2013-05-009"]["readiness"] == "ready"


def test_analytics_reports_empty_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_events(tmp_path / "bare.jsonl", [
        process(1, SYS32 + "whoami.exe", CMD, Hashes="-", User="-"),
    ])
    code = main(["analytics", str(path), "--json"])
    records = {item["id"]: item for item in json.loads(capsys.readouterr().out)}
    assert code == EXIT_OK
    assert records["CAR-2013-05-009"]["readiness"] == "partial"
    assert records["CAR-2013-05-009"]["empty_fields"] == [
        "process_create.md5_hash", "process_create.sha1_hash", "process_create.sha256_hash"
    ]


def test_analytics_table(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code = main(["analytics"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "CAR-2016-03-002" in out
    assert "Create Remote Process via WMIC" in out


def test_analytics_show_both_readings(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["analytics", "show", "CAR-2014-11-003"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert out.startswith("CAR-2014-11-003: Debuggers for Accessibility Applications\n")
    assert "  T1546.008 Accessibility Features [TA0004, TA0003] Moderate" in out
    assert "  extension = False: Also match displayswitch.exe" in out
    assert "-- recommended query" in out
    assert "-- car-strict query" in out
    assert "CAR-strict (--car-strict): CAR-strict uses CAR's regex" in out


def test_analytics_show_rendered_for_spark(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["analytics", "show", "CAR-2013-04-002", "--dialect", "spark",
                 "--param", "CAR-2013-04-002.gap_minutes=45", "--json"])
    record = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK
    assert record["parameters"]["gap_minutes"] == {
        "value": 45, "default": 30,
        "description": "Maximum minutes between two events of one cluster (inclusive)",
    }
    assert "45 * 60000" in record["queries"]["recommended"]
    assert "ARRAY_CONTAINS" in record["queries"]["recommended"]


def test_analytics_show_baseline_runtime_values(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["analytics", "show", "CAR-2014-11-002"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "  baseline_keys: keys seen in the baseline window, from the baseline query" in out
    assert "-- baseline query" in out


def test_analytics_show_unknown_id(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["analytics", "show", "CAR-2099-01-001"])
    assert code == EXIT_USAGE
    assert "unknown analytic 'CAR-2099-01-001'" in capsys.readouterr().err
