"""EVTX files, parsed by pyevtx-rs (the ``evtx`` package) on all cores."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import evtx
import pyarrow as pa

from carhunt.account import RunAccount, Source
from carhunt.readers.base import BatchBuilder, Reader

log = logging.getLogger(__name__)

FILE_MAGIC = b"ElfFile\x00"
CHUNK_MAGIC = b"ElfChnk\x00"
FILE_HEADER_SIZE = 4096
CHUNK_SIZE = 65536

# Used only to report where a parse error happened, never to decide what to do.
_CHUNK_NUMBER = re.compile(r"chunk number (\d+)")


def _error_offset(message: str) -> str:
    match = _CHUNK_NUMBER.search(message)
    if match is None:
        return "unknown"
    chunk = int(match.group(1))
    return f"chunk {chunk} (byte {FILE_HEADER_SIZE + chunk * CHUNK_SIZE})"


class EvtxReader(Reader):
    """Windows event log files (``ElfFile``), including dirty and damaged ones."""

    name = "evtx"
    description = "Windows EVTX event log file, parsed by pyevtx-rs"

    def __init__(self, threads: int = 0) -> None:
        self.threads = threads
        """Parser worker threads; 0 lets pyevtx-rs use one per core."""

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.startswith(FILE_MAGIC)

    def read(self, stream: BinaryIO, source: Source, account: RunAccount) -> Iterator[pa.Table]:
        # A real file is handed over by path, so that pyevtx-rs reads it without
        # going through Python file calls.
        name = getattr(stream, "name", None)
        target: str | BinaryIO = name if isinstance(name, str) and Path(name).is_file() else stream
        parser = evtx.PyEvtxParser(target, number_of_threads=self.threads)
        records = parser.records_json()
        batch = BatchBuilder(source)
        while True:
            try:
                record: dict[str, Any] | None = next(records)
            except StopIteration:
                break
            except RuntimeError as error:
                # pyevtx-rs raises per bad chunk or record and goes on with the next one.
                message = str(error)
                account.skip(source, _error_offset(message), "evtx_parse_error", message)
                log.debug("%s: %s", source.display, message)
                continue
            if record is None:
                continue
            table = batch.add(source.ref(f"rec:{record['event_record_id']}"), record["data"])
            if table is not None:
                yield table
        table = batch.flush()
        if table is not None:
            yield table
