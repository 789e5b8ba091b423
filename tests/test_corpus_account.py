"""The whole corpus at once: every folder, every format, one data set, an exact account."""

from __future__ import annotations

from pathlib import Path

import pytest

from carhunt.cli.main import EXIT_PARTIAL, main
from carhunt.pipeline import HuntOptions, HuntResult, hunt

# Files of the corpus that are not event data: each is one "unrecognized format".
NOT_EVENT_FILES = {".md", ".yaml", ".GPL", ".txt", ".TXT", "", "-APACHE", "-MIT"}


@pytest.fixture(scope="module")
def whole(corpus: Path) -> HuntResult:
    return hunt([str(corpus)], HuntOptions(analytic_ids=("CAR-2013-02-003",)))


def test_account_adds_up(whole: HuntResult) -> None:
    account = whole.account
    assert account.balanced
    assert account.read == (
        account.total_normalized + account.not_sysmon + account.total_skipped
    )


def test_exact_totals(whole: HuntResult) -> None:
    account = whole.account
    assert account.read == 174_424
    assert account.total_normalized == 112_661
    assert account.not_sysmon == 60_968
    assert account.total_skipped == 795
    assert account.recovered == 323


def test_duplicate_files_read_once(whole: HuntResult) -> None:
    # python-evtx and evtx ship three identical EVTX files; one data set reads each once.
    assert whole.account.warnings["already_ingested"] == 3


def test_skip_reasons(whole: HuntResult) -> None:
    assert dict(whole.account.skipped) == {
        "evtx_chunk_header_invalid": 82,
        "evtx_record_damaged": 3,
        "evtx_record_missing": 348,
        "unrecognized_record": 361,
        "xml_not_well_formed": 1,
    }


def test_only_non_event_files_are_unreadable(whole: HuntResult) -> None:
    for failure in whole.account.failures:
        name = Path(failure.path).name
        assert failure.reason.startswith("unrecognized format"), failure
        assert name in ("LICENSE", "manifest.xml") or any(
            name.endswith(suffix) for suffix in NOT_EVENT_FILES if suffix
        ), failure
    assert len(whole.account.failures) == 44


def test_every_format_was_read(whole: HuntResult) -> None:
    formats = {source.format for source in whole.account.sources.values()}
    assert formats == {"evtx", "xml", "json_array", "json_document", "jsonl"}


def test_hunt_command_runs_to_the_end(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "account.json"
    code = main([
        "hunt", str(corpus), "-a", "CAR-2013-02-003", "--format", "jsonl",
        "--report-json", str(report),
    ])
    assert code == EXIT_PARTIAL
    assert "records: read 174,424" in capsys.readouterr().err
    assert report.is_file()
