"""The carhunt command, run in-process: output, exit codes and the record account."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carhunt.cli.main import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, main
from sysmon import process, write_events

SYS32 = "C:\\Windows\\System32\\"


@pytest.fixture()
def small_log(tmp_path: Path) -> Path:
    return write_events(tmp_path / "small.jsonl", [
        process(1, SYS32 + "cmd.exe", "C:\\Program Files\\Adobe\\AcroRd32.exe", "cmd /c whoami",
                Hashes=f"SHA1={'1' * 40},MD5={'1' * 32},SHA256={'1' * 64}"),
        process(2, SYS32 + "whoami.exe", SYS32 + "cmd.exe", "whoami",
                Hashes=f"SHA1={'2' * 40},MD5={'2' * 32},SHA256={'2' * 64}"),
    ])


def test_hunt_writes_hits_as_json_lines(
    small_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "hits.jsonl"
    code = main(["hunt", str(small_log), "--format", "jsonl", "-o", str(output)])
    captured = capsys.readouterr()
    assert code == EXIT_OK
    hits = [json.loads(line) for line in output.read_text().splitlines()]
    assert sorted(h["analytic"] for h in hits) == [
        "CAR-2013-02-003", "CAR-2014-11-002", "CAR-2016-03-001"
    ]
    assert captured.out.splitlines() == output.read_text().splitlines()
    cmd_hit = next(h for h in hits if h["analytic"] == "CAR-2013-02-003")
    assert cmd_hit["evidence"] == [{"file": str(small_log), "ref": "line:1"}]
    assert cmd_hit["hostname"] == "WS01"
    assert cmd_hit["time"] == "2024-01-01T10:00:00.000Z"
    assert "records: read 2, normalized 2, not Sysmon 0, skipped 0" in captured.err


def test_hunt_table_lists_every_analytic(
    small_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["hunt", str(small_log), "--format", "table"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "CAR-2013-02-003" in out
    assert "Processes Spawning" in out


def test_hunt_missing_input_is_partial(
    small_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.evtx"
    code = main(["hunt", str(missing), str(small_log), "--format", "jsonl"])
    captured = capsys.readouterr()
    assert code == EXIT_PARTIAL
    assert f"cannot read {missing}: not found" in captured.err
    assert len(captured.out.splitlines()) == 3


def test_hunt_unknown_analytic_is_usage_error(
    small_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["hunt", str(small_log), "-a", "CAR-2013-02-00"])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert "unknown analytic 'CAR-2013-02-00'" in err
    assert "did you mean" in err


def test_bad_option_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hunt", "--no-such-option"]) == EXIT_USAGE


def test_coverage_prints_ticks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage", "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["thread"]["cells"]["remote_create/src_tid"]["mark"] == "✓*"
    assert data["process"]["cells"]["create/exe"]["mark"] == "✓"


def test_coverage_of_data_set(small_log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage", str(small_log), "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["process"]["records"]["create"] == 2
    assert data["process"]["cells"]["create/exe"]["populated"] == 1.0
    assert data["process"]["cells"]["create/sha256_hash"]["populated"] == 1.0
    assert data["process"]["cells"]["create/md5_hash"]["populated"] == 1.0


def test_db_store_is_queried_again_without_inputs(
    small_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "store.duckdb"
    assert main(["hunt", str(small_log), "--db", str(database), "--format", "jsonl"]) == EXIT_OK
    first = capsys.readouterr().out.splitlines()
    assert main(["hunt", "--db", str(database), "--format", "jsonl"]) == EXIT_OK
    second = capsys.readouterr()
    assert second.out.splitlines() == first
    assert "records: read 0" in second.err


def test_db_store_never_ingests_a_file_twice(
    small_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "store.duckdb"
    main(["hunt", str(small_log), "--db", str(database), "--format", "jsonl"])
    first = capsys.readouterr().out.splitlines()
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(small_log.read_bytes())
    assert main(["hunt", str(copy), "--db", str(database), "--format", "jsonl"]) == EXIT_OK
    second = capsys.readouterr()
    assert second.out.splitlines() == first
    assert "warnings: already_ingested 1" in second.err
