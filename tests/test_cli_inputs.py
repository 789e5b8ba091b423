"""The hunt command's input options: error policy, account report, standard input."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

import samples
from carhunt.cli.main import EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL, EXIT_WARNINGS, main
from helpers import make_case_input

LINE = json.dumps(samples.evtx_tree()) + "\n"


@pytest.fixture()
def overclaiming(bugcases: Path, corpus: Path, tmp_path: Path) -> Path:
    case = bugcases / "01-evtx-chunk-header-overclaims"
    return make_case_input(case, corpus, tmp_path / "input.evtx")


def test_clean_input_exits_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "clean.jsonl"
    path.write_text(LINE, encoding="utf-8")
    assert main(["hunt", str(path), "--format", "jsonl"]) == EXIT_OK


def test_damage_warning_exit_status(
    overclaiming: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["hunt", str(overclaiming), "--format", "jsonl"])
    captured = capsys.readouterr()
    assert code == EXIT_WARNINGS
    assert "1 input damage warning(s)" in captured.err


def test_fail_policy_names_file_and_offset(
    overclaiming: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "account.json"
    code = main([
        "hunt", str(overclaiming), "--format", "jsonl", "--on-error", "fail",
        "--report-json", str(report),
    ])
    captured = capsys.readouterr()
    assert code == EXIT_FAILURE
    assert str(overclaiming) in captured.err
    assert "file offset 4096 (0x1000)" in captured.err
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["sources"][0]["path"] == str(overclaiming)


def test_ignore_policy_logs_nothing(
    overclaiming: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["hunt", str(overclaiming), "--format", "jsonl", "--on-error", "ignore"])
    assert code == EXIT_WARNINGS
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_report_json(
    overclaiming: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "account.json"
    main(["hunt", str(overclaiming), "--format", "jsonl", "--report-json", str(report)])
    account = json.loads(report.read_text(encoding="utf-8"))
    assert account["read"] == 50
    assert account["normalized"] == 50
    assert account["skipped"] == 0
    assert account["balanced"] is True
    assert account["anomalies"][0]["kind"] == "evtx_chunk_overclaims"
    assert account["anomalies"][0]["path"] == str(overclaiming)


def test_skipped_records_are_partial(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(LINE + "{broken\n", encoding="utf-8")
    assert main(["hunt", str(path), "--format", "jsonl"]) == EXIT_PARTIAL


def test_standard_input_dash(tmp_path: Path) -> None:
    report = tmp_path / "account.json"
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from carhunt.cli.main import main; sys.exit(main())",
         "hunt", "-", "--format", "jsonl", "--report-json", str(report)],
        input=gzip.compress(LINE.encode() * 2),
        capture_output=True,
        check=False,
    )
    assert done.returncode == EXIT_OK, done.stderr
    account = json.loads(report.read_text(encoding="utf-8"))
    assert account["normalized_by_table"] == {"process_create": 2}
    assert account["sources"][0]["path"] == "(standard input)"


def test_unpacked_size_limit_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.jsonl.gz"
    path.write_bytes(gzip.compress(LINE.encode() * 1000))
    code = main(["hunt", str(path), "--format", "jsonl", "--max-unpacked-size", "10000"])
    captured = capsys.readouterr()
    assert code == EXIT_PARTIAL
    assert "decompresses to more than 10,000 bytes" in captured.err
