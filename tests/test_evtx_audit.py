"""EVTX gaps: records pyevtx-rs does not return are recovered or counted, never lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import load, make_case_input


@pytest.fixture()
def case01(bugcases: Path, corpus: Path, tmp_path: Path) -> Path:
    case = bugcases / "01-evtx-chunk-header-overclaims"
    return make_case_input(case, corpus, tmp_path / "01.evtx")


def test_overclaiming_header_is_one_anomaly(case01: Path) -> None:
    _, account = load([case01])
    assert account.read == 50
    assert account.total_skipped == 0
    assert account.normalized["process_create"] == 8
    assert account.not_sysmon == 0
    assert len(account.anomalies) == 1
    anomaly = account.anomalies[0]
    assert anomaly.kind == "evtx_chunk_overclaims"
    assert anomaly.offset == "file offset 4096 (0x1000)"
    assert "claims records up to id 60 / free-space offset 56000" in anomaly.detail
    missing = "no record signature at chunk offset 53408 (file offset 57504 (0xE0A0))"
    assert missing in anomaly.detail
    assert "10 claimed records absent" in anomaly.detail
