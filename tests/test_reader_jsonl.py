"""The JSON lines reader: line references, blank lines, encodings."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carhunt.account import RunAccount, Source
from carhunt.readers import detect, jsonl
from carhunt.readers.jsonl import JsonLinesReader


def read_lines(path: Path) -> tuple[list[dict[str, object]], RunAccount]:
    account = RunAccount()
    source = Source(1, str(path))
    rows: list[dict[str, object]] = []
    with path.open("rb") as stream:
        for batch in JsonLinesReader().read(stream, source, account):
            rows.extend(batch.to_pylist())
    return rows, account


def test_line_refs_skip_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"a": 1}\n\n  \n{"b": 2}\r\n{"c": 3}')
    rows, account = read_lines(path)
    assert [r["ref"] for r in rows] == ["line:1", "line:4", "line:5"]
    assert [r["payload"] for r in rows] == ['{"a": 1}', '{"b": 2}', '{"c": 3}']
    assert account.read == 0


def test_bom_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n')
    rows, _ = read_lines(path)
    assert rows[0]["payload"] == '{"a": 1}'
    assert detect(path.read_bytes()) is JsonLinesReader


def test_windows_1252_fallback_is_counted(tmp_path: Path) -> None:
    path = tmp_path / "cp.jsonl"
    path.write_bytes('{"Product": "Microsoft® Windows®"}\n'.encode("cp1252"))
    rows, account = read_lines(path)
    assert rows[0]["payload"] == '{"Product": "Microsoft® Windows®"}'
    assert account.warnings == {"decoded_as_windows_1252": 1}


def test_long_file_spans_read_chunks(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    line = '{"pad": "' + "x" * 1000 + '"}\n'
    path.write_text(line * 20_000, encoding="utf-8")
    rows, _ = read_lines(path)
    assert len(rows) == 20_000
    assert rows[-1]["ref"] == "line:20000"
    assert all(r["payload"] == line.strip() for r in rows[::997])


def test_pretty_printed_document_is_not_json_lines() -> None:
    assert JsonLinesReader.sniff(b'{\n  "_source": {}\n}') is False
    assert JsonLinesReader.sniff(b'{"a": 1}\n') is True


def _both_paths(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[list[object], list[object]]:
    """Read bytes with the Arrow line splitter and with the Python line loop."""
    monkeypatch.setattr(jsonl, "BLOCK_SIZE", 7)
    source = Source(1, "x.jsonl", "member.jsonl")
    fast = [
        row
        for batch in JsonLinesReader().read(io.BytesIO(data), source, RunAccount())
        for row in batch.to_pylist()
    ]
    blocks = [data.decode("utf-8")]
    reader = JsonLinesReader()
    slow = [
        row
        for batch in reader._text_batches(blocks, source, RunAccount(), 0)
        for row in batch.to_pylist()
    ]
    return fast, slow


@given(
    lines=st.lists(
        st.sampled_from(['{"a": 1}', "", "  ", '{"b": "é"}', "x", " {}\t", "\r"]), max_size=30
    ),
    trailing=st.booleans(),
)
@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_arrow_equals_python_lines(
    lines: list[str], trailing: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = "\n".join(lines).encode() + (b"\n" if trailing else b"")
    fast, slow = _both_paths(data, monkeypatch)
    assert fast == slow


def test_small_blocks_keep_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl, "BLOCK_SIZE", 5)
    path = tmp_path / "small.jsonl"
    path.write_bytes(b'{"first": 1}\n\n{"second": 2}\n{"third": 3}')
    rows, _ = read_lines(path)
    assert [r["ref"] for r in rows] == ["line:1", "line:3", "line:4"]
    assert rows[2]["payload"] == '{"third": 3}'


def test_late_windows_1252_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl, "BLOCK_SIZE", 16)
    path = tmp_path / "late.jsonl"
    text = '{"a": "é"}\n{"b": 2}\n{"c": 3}\n{"Product": "Microsoft®"}\n{"d": 4}\n'
    path.write_bytes(text.encode("utf-8")[:28] + text[26:].encode("cp1252"))
    rows, account = read_lines(path)
    assert [r["ref"] for r in rows] == [f"line:{n}" for n in range(1, 6)]
    assert rows[0]["payload"] == '{"a": "é"}'
    assert rows[3]["payload"] == '{"Product": "Microsoft®"}'
    assert account.warnings == {"decoded_as_windows_1252": 1}


def test_arrow_path_repairs_surrogates(tmp_path: Path) -> None:
    path = tmp_path / "surrogate.jsonl"
    path.write_bytes(b'{"Image": "a\\udc80b"}\n{"Image": "ok"}\n')
    rows, account = read_lines(path)
    assert rows[0]["payload"] == '{"Image": "a\ufffdb"}'
    assert rows[1]["payload"] == '{"Image": "ok"}'
    assert account.warnings["invalid_utf16"] == 1
