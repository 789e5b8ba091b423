"""JSON lines: one JSON object per line, in any of the JSON dialects.

Winlogbeat, NXLog, OTRF Security-Datasets exports and evtx_dump output all
arrive this way. The reader only cuts lines; which dialect a line is written in
is decided per record in SQL (:mod:`carhunt.normalize.dialects`). Lines that
carry an event as XML (Azure Syslog rows, Splunk exports) are expanded by
:mod:`carhunt.readers.embedded`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa

from carhunt.account import RunAccount, Source
from carhunt.readers.base import BatchBuilder, Reader
from carhunt.readers.embedded import expand_embedded_xml
from carhunt.readers.text import decode_head, iter_text


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
        batch = BatchBuilder(source, account)
        line_number = 0
        pending = ""
        for block in iter_text(stream, account):
            lines = (pending + block).split("\n")
            pending = lines.pop()
            for line in lines:
                line_number += 1
                table = self._add(batch, line, line_number)
                if table is not None:
                    yield table
        if pending:
            table = self._add(batch, pending, line_number + 1)
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
