"""The EVTX reader on real files: record counts, counted errors, one full record."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from carhunt.account import RunAccount, Source
from carhunt.readers import detect
from carhunt.readers.evtx import EvtxReader, parse


def read_all(path: Path) -> tuple[pa.Table | None, RunAccount]:
    account = RunAccount()
    source = Source(7, str(path))
    with path.open("rb") as stream:
        batches = list(EvtxReader().read(stream, source, account))
    return (pa.concat_tables(batches) if batches else None), account


@pytest.mark.corpus
def test_sysmon_evtx_reads_past_bad_chunks(corpus: Path) -> None:
    table, account = read_all(corpus / "evtx" / "samples" / "sysmon.evtx")
    assert table is not None
    assert table.num_rows == 358
    # Chunks 9-16 hold no chunk header and no record signature: damage, not records.
    assert account.total_skipped == 0
    damaged = [a for a in account.anomalies if a.kind == "evtx_chunk_header_invalid"]
    assert len(damaged) == 8
    assert damaged[0].offset == "file offset 593920 (0x91000)"
    first = table.slice(0, 1).to_pylist()[0]
    assert first["source_id"] == 7
    assert first["ref"] == "rec:1742"
    record = json.loads(first["payload"])
    assert record["Event"]["System"]["EventID"] == 1
    assert record["Event"]["System"]["Computer"] == "DESKTOP-2KGM189"
    assert record["Event"]["EventData"]["Image"] == "C:\\Windows\\SysWOW64\\PING.EXE"
    assert record["Event"]["EventData"]["ProcessId"] == 9112


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "records", "errors"),
    [
        ("sample_with_a_bad_chunk_magic.evtx", 270, 2),
        ("sample-with-zero-data-size-event.evtx", 335, 1),
    ],
)
def test_damaged_samples_counts(corpus: Path, name: str, records: int, errors: int) -> None:
    table, account = read_all(corpus / "evtx" / "samples" / name)
    assert table is not None
    assert table.num_rows >= records
    assert account.total_skipped >= errors


def test_evtx_sniff() -> None:
    assert detect(b"ElfFile\x00" + b"\x00" * 100) is EvtxReader
    assert EvtxReader.sniff(b"ElfChnk\x00") is True
    assert EvtxReader.sniff(b"{") is False


SCHTASK = ("EVTX-ATTACK-SAMPLES", "AutomatedTestingTools", "Malware", "rundll32_cmd_schtask.evtx")


@pytest.mark.corpus
def test_parse_block_order(corpus: Path) -> None:
    blocks = list(parse(str(corpus.joinpath(*SCHTASK)), 1, 1000, block=7))
    ids = [record_id for block in blocks if not isinstance(block, str) for record_id in block[0]]
    assert ids == list(range(1, 51))
    assert [len(block[0]) for block in blocks if not isinstance(block, str)] == [7] * 7 + [1]
    assert all(not isinstance(block, str) for block in blocks)


@pytest.mark.corpus
def test_parse_record_limit(corpus: Path) -> None:
    blocks = list(parse(str(corpus.joinpath(*SCHTASK)), 1, 10, block=4))
    ids = [record_id for block in blocks if not isinstance(block, str) for record_id in block[0]]
    assert ids == list(range(1, 11))
    assert blocks[-1] == "parser returned more than 10 records, more than the file can hold"
