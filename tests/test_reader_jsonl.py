"""The JSON lines reader: line references, blank lines, encodings."""

from __future__ import annotations

from pathlib import Path

from carhunt.account import RunAccount, Source
from carhunt.readers import detect
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
