"""JSON lines: one JSON object per line, in any of the JSON dialects.

Winlogbeat, NXLog, OTRF Security-Datasets exports and evtx_dump output all
arrive this way. The reader only cuts lines; which dialect a line is written in
is decided per record in SQL (:mod:`carhunt.normalize.dialects`). Lines that
carry an event as XML (Azure Syslog rows, Splunk exports) are expanded by
:mod:`carhunt.readers.embedded`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carhunt.account import RunAccount, Source
from carhunt.readers.base import RAW_SCHEMA, BatchBuilder, Reader, repair_surrogate_escapes
from carhunt.readers.embedded import expand_embedded_xml
from carhunt.readers.text import BLOCK_SIZE, decode_head, iter_lines, iter_text, sniff_encoding


class JsonLinesReader(Reader):
    """Newline-delimited JSON objects (blank lines are ignored)."""

    name = "jsonl"
    description = "JSON lines: Winlogbeat, NXLog, OTRF Security-Datasets, Azure, evtx_dump -o jsonl"

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        text = decode_head(head).lstrip()
        if not text.startswith("{"):
            return False
        first_line = text.split("\n", 1)[0].rstrip()
        # A pretty-printed document opens with a line that is "{" alone.
        return first_line != "{"

    def read(self, stream: BinaryIO, source: Source, account: RunAccount) -> Iterator[pa.Table]:
        for table in self._batches(stream, source, account):
            yield expand_embedded_xml(table, source, account)

    def _batches(
        self, stream: BinaryIO, source: Source, account: RunAccount
    ) -> Iterator[pa.Table]:
        """Cut UTF-8 input into lines with Arrow; other text goes line by line in Python."""
        data = stream.read(BLOCK_SIZE)
        encoding, skip = sniff_encoding(data)
        if encoding != "utf-8":
            yield from self._text_batches(
                iter_text(stream, account, first=data), source, account, 0
            )
            return
        data = data[skip:]
        pending = b""
        line_number = 0
        while data or pending:
            block = pending + data
            cut = block.rfind(b"\n") + 1 if data else len(block)
            if cut == 0:
                pending = block
                data = stream.read(BLOCK_SIZE)
                continue
            body, pending = block[:cut], block[cut:]
            lines = _split_lines(body, ends_with_newline=bool(data))
            if lines is None:
                # Not UTF-8: this block and the rest are read as Windows-1252,
                # as the text readers do.
                account.warn("decoded_as_windows_1252")
                rest = _cp1252_blocks(body + pending, stream)
                yield from self._text_batches(rest, source, account, line_number)
                return
            table = _lines_table(lines, line_number, source, account)
            line_number += len(lines)
            if table is not None:
                yield table
            data = stream.read(BLOCK_SIZE) if data else b""

    def _text_batches(
        self, blocks: Iterable[str], source: Source, account: RunAccount, line_number: int
    ) -> Iterator[pa.Table]:
        batch = BatchBuilder(source, account)
        for number, line in iter_lines(blocks, line_number):
            table = self._add(batch, line, number)
            if table is not None:
                yield table
        table = batch.flush()
        if table is not None:
            yield table

    @staticmethod
    def _add(batch: BatchBuilder, line: str, line_number: int) -> pa.Table | None:
        line = line.strip()
        if not line:
            return None
        return batch.add(batch.source.ref(f"line:{line_number}"), line)


def _split_lines(body: bytes, ends_with_newline: bool) -> pa.Array | None:
    """Return the lines of a block as Arrow text, or None when it is not UTF-8."""
    parts = pc.split_pattern(pa.array([body], pa.binary()), b"\n").flatten()
    if ends_with_newline:
        parts = parts.slice(0, len(parts) - 1)
    try:
        return parts.cast(pa.string())
    except pa.ArrowInvalid:
        return None


def _lines_table(
    lines: pa.Array, line_number: int, source: Source, account: RunAccount
) -> pa.Table | None:
    """Return the raw batch of a block's lines; blank lines are left out."""
    stripped = pc.utf8_trim_whitespace(lines)
    numbers = pa.array(np.arange(line_number + 1, line_number + 1 + len(lines), dtype=np.int64))
    keep = pc.greater(pc.binary_length(stripped), 0)
    payloads = stripped.filter(keep)
    if not len(payloads):
        return None
    refs = pc.binary_join_element_wise(
        source.ref("line:"), numbers.filter(keep).cast(pa.string()), ""
    )
    return pa.table(
        {
            "source_id": pa.array(np.full(len(payloads), source.source_id, dtype=np.int32)),
            "ref": refs,
            "payload": repair_surrogate_escapes(payloads, account),
        },
        schema=RAW_SCHEMA,
    )


def _cp1252_blocks(start: bytes, stream: BinaryIO) -> Iterator[str]:
    yield start.decode("cp1252", errors="replace")
    while block := stream.read(BLOCK_SIZE):
        yield block.decode("cp1252", errors="replace")
