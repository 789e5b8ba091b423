"""JSON lines: one JSON object per line, in any of the JSON dialects.

Winlogbeat, NXLog, OTRF Security-Datasets exports and evtx_dump output all
arrive this way. The reader only cuts lines; which dialect a line is written in
is decided per record in SQL (:mod:`carhunt.normalize.dialects`).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa

from carhunt.account import RunAccount, Source
from carhunt.readers.base import BatchBuilder, Reader

READ_SIZE = 8 * 1024 * 1024


def decode_line(raw: bytes, account: RunAccount) -> str:
    """Decode one line as UTF-8, falling back to Windows-1252 as Windows tools write it."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        account.warn("decoded_as_windows_1252")
        return raw.decode("cp1252", errors="replace")


class JsonLinesReader(Reader):
    """Newline-delimited JSON objects (blank lines are ignored)."""

    name = "jsonl"
    description = "JSON lines: Winlogbeat, NXLog, OTRF Security-Datasets, evtx_dump -o jsonl"

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        text = head.removeprefix(codecs.BOM_UTF8).lstrip()
        if not text.startswith(b"{"):
            return False
        first_line = text.split(b"\n", 1)[0].rstrip()
        # A pretty-printed document opens with a line that is "{" alone.
        return first_line != b"{"

    def read(self, stream: BinaryIO, source: Source, account: RunAccount) -> Iterator[pa.Table]:
        batch = BatchBuilder(source)
        line_number = 0
        pending = b""
        first = True
        while True:
            chunk = stream.read(READ_SIZE)
            if not chunk:
                break
            if first:
                chunk = chunk.removeprefix(codecs.BOM_UTF8)
                first = False
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            for raw in lines:
                line_number += 1
                table = self._add(batch, raw, line_number, account)
                if table is not None:
                    yield table
        if pending:
            table = self._add(batch, pending, line_number + 1, account)
            if table is not None:
                yield table
        table = batch.flush()
        if table is not None:
            yield table

    @staticmethod
    def _add(
        batch: BatchBuilder, raw: bytes, line_number: int, account: RunAccount
    ) -> pa.Table | None:
        raw = raw.strip()
        if not raw:
            return None
        return batch.add(batch.source.ref(f"line:{line_number}"), decode_line(raw, account))
