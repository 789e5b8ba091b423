"""EVTX gaps: records pyevtx-rs does not return are recovered or counted, never lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import load, make_case_input, rows


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


# Records pyevtx-rs 0.14 returns on its own for the damaged samples, as the upstream
# evtx tests expect. carhunt must read at least these and account for the rest.
DAMAGED_SAMPLES = [
    ("sample_with_a_bad_chunk_magic.evtx", 270),
    ("2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx", 1910),
    ("2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx", 1774),
    ("sample-with-zero-data-size-event.evtx", 335),
    ("sysmon.evtx", 358),
]


@pytest.mark.parametrize(("name", "minimum"), DAMAGED_SAMPLES)
def test_damaged_sample_reads_at_least(corpus: Path, name: str, minimum: int) -> None:
    _, account = load([corpus / "evtx" / "samples" / name])
    parsed = account.read - account.total_skipped
    assert parsed >= minimum
    assert account.balanced


@pytest.mark.parametrize(
    ("name", "parsed", "recovered", "skipped"),
    [
        ("sample_with_a_bad_chunk_magic.evtx", 351, 81, 248),
        ("sample-with-zero-data-size-event.evtx", 449, 114, 1),
        ("sysmon.evtx", 358, 0, 0),
    ],
)
def test_damaged_sample_exact_account(
    corpus: Path, name: str, parsed: int, recovered: int, skipped: int
) -> None:
    _, account = load([corpus / "evtx" / "samples" / name])
    assert account.read - account.total_skipped == parsed
    assert account.recovered == recovered
    assert account.total_skipped == skipped


def test_every_damaged_chunk_is_in_the_account(corpus: Path) -> None:
    _, account = load([corpus / "evtx" / "samples" / "sample_with_a_bad_chunk_magic.evtx"])
    invalid = {a.offset for a in account.anomalies if a.kind == "evtx_chunk_header_invalid"}
    # Chunks 6 and 10 have zeroed headers over records; zero-filled unused chunks are not damage.
    assert invalid == {"file offset 397312 (0x61000)", "file offset 659456 (0xA1000)"}
    checksums = [a for a in account.anomalies if a.kind == "evtx_chunk_checksum"]
    assert [a.detail for a in checksums] == [
        "chunk 0 data checksum mismatch; read anyway",
        "chunk 7 data checksum mismatch; read anyway",
        "chunk 9 data checksum mismatch; read anyway",
    ]


def test_zero_size_record_in_sample(corpus: Path) -> None:
    _, account = load([corpus / "evtx" / "samples" / "sample-with-zero-data-size-event.evtx"])
    assert account.skipped == {"evtx_record_damaged": 1}
    assert account.examples[0].offset == "rec:3 (chunk 0, file offset 6176 (0x1820))"
    assert account.examples[0].detail == "record size 0"


def test_carved_chunk(corpus: Path, tmp_path: Path) -> None:
    source = corpus / "EVTX-ATTACK-SAMPLES" / "AutomatedTestingTools" / "Malware"
    data = (source / "rundll32_cmd_schtask.evtx").read_bytes()
    carved = tmp_path / "carved.bin"
    carved.write_bytes(data[4096 : 4096 + 65536])
    store, account = load([carved])
    assert account.read == 50
    assert account.normalized["process_create"] == 8
    assert account.sources[1].format == "evtx"
    refs = [r["ref"] for r in rows(store, "SELECT ref FROM process_create ORDER BY time")]
    assert refs[0] == "rec:1"


def test_truncated_carved_chunk(corpus: Path, tmp_path: Path) -> None:
    source = corpus / "EVTX-ATTACK-SAMPLES" / "AutomatedTestingTools" / "Malware"
    data = (source / "rundll32_cmd_schtask.evtx").read_bytes()
    carved = tmp_path / "carved-cut.bin"
    carved.write_bytes(data[4096 : 4096 + 30000])
    _, account = load([carved])
    assert account.balanced
    assert account.skipped["evtx_record_cut"] == 1
    assert account.read - account.total_skipped >= 20


def test_file_shorter_than_a_chunk_header(tmp_path: Path) -> None:
    path = tmp_path / "short.evtx"
    path.write_bytes(b"ElfFile\x00" + bytes(100))
    _, account = load([path])
    assert account.failures[0].reason.startswith("EVTX file too short (108 bytes)")


def test_damaged_file_header_counts_nothing(corpus: Path, tmp_path: Path) -> None:
    """Found by the fuzz harness: a flipped next-record id invented 11 lost records."""
    source = corpus / "EVTX-ATTACK-SAMPLES" / "AutomatedTestingTools" / "Malware"
    data = bytearray((source / "rundll32_cmd_schtask.evtx").read_bytes())
    data[24] = 62
    path = tmp_path / "cut.evtx"
    path.write_bytes(bytes(data[:4608]))
    _, account = load([path])
    assert account.read == 50
    assert account.skipped == {"evtx_truncated": 50}
    assert "evtx_file_checksum" in account.warnings
