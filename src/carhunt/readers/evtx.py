"""EVTX files and carved chunks, parsed by pyevtx-rs, with their losses accounted for.

pyevtx-rs (the ``evtx`` package) parses records on all cores. It raises per bad
record or chunk and goes on. On damaged files it can also return fewer records
than the file contains, without any error. A record whose size reads 0 ends its
chunk, a partial chunk at the end of a truncated file is dropped, and a stale
free-space offset in a dirty log hides the records written after it.

So after the parser is done, :class:`EvtxAudit` reads every chunk header
(:mod:`carhunt.readers.evtx_layout`) and compares the record ids each header
claims with the ids that came back. Where they differ it looks for record
signatures in that chunk, lets the parser read a repaired copy of the chunk
to recover what it can, and counts the rest as skipped with the chunk, file
offset and reason. Claimed records that never existed (a header that
over-claims) are reported as an anomaly, not as skipped records.

An unpaired UTF-16 surrogate in an EVTX string is dropped by pyevtx-rs 0.14,
where the other readers put U+FFFD in its place; a test pins the difference.
"""

from __future__ import annotations

import io
import logging
import mmap
import re
from bisect import bisect_left, bisect_right
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import BinaryIO

import evtx
import pyarrow as pa

from carhunt.account import RunAccount, Source
from carhunt.readers.base import BatchBuilder, Reader
from carhunt.readers.evtx_layout import (
    CHUNK_HEADER_SIZE,
    CHUNK_MAGIC,
    CHUNK_SIZE,
    FILE_HEADER_SIZE,
    FILE_MAGIC,
    MIN_RECORD_SIZE,
    Buffer,
    ChunkHeader,
    FileHeader,
    RecordSpot,
    chunk_count,
    file_header_for,
    read_chunk_header,
    read_file_header,
    rebuild_chunk,
    record_at,
    scan_records,
)

log = logging.getLogger(__name__)

# Used only to attach the parser's message to a record in reports.
_RECORD_NUMBER = re.compile(r"record number (\d+)")
_EMPTY_EVENT = '{"Event":null}'


def _hex(offset: int) -> str:
    return f"file offset {offset} (0x{offset:X})"


BLOCK_RECORDS = 4096
"""Records the parse loop collects before it hands them on, so that the work per
record in Python is two list appends."""

Block = tuple[list[int], list[str]]
"""Record ids and their JSON text, in the order the parser returned them."""


def parse(
    target: str | BinaryIO, threads: int, limit: int, block: int = BLOCK_RECORDS
) -> Iterator[Block | str]:
    """Yield blocks of (record ids, JSON texts) and the message of each parser error.

    ``limit`` bounds the number of records and errors: a file cannot hold more
    records than its size allows, so a parser that keeps yielding past that (the
    zero-size record loop of older evtx versions) is stopped.
    """
    # NOTE: this guards loops that yield; a parser spinning inside one call
    # cannot be interrupted in-process, only by running it in another process.
    parser = evtx.PyEvtxParser(target, number_of_threads=threads)
    records = parser.records_json()
    ids: list[int] = []
    payloads: list[str] = []
    yielded = 0
    failures = 0
    exhausted = False
    while not exhausted:
        try:
            # The hot path of EVTX reading: no Python call per record.
            for record in records:
                if record is None:
                    continue
                ids.append(record["event_record_id"])
                payloads.append(record["data"])
                if len(ids) >= block:
                    break
            else:
                exhausted = True
        except RuntimeError as error:
            # The iterator goes on after a bad record; the records collected so far stay.
            failures += 1
            yield str(error)
            if failures > limit:
                return
            continue
        room = limit - yielded
        if len(ids) > room:
            if room:
                yield ids[:room], payloads[:room]
            yield f"parser returned more than {limit} records, more than the file can hold"
            return
        if ids:
            yield ids, payloads
            yielded += len(ids)
            ids, payloads = [], []


class EvtxReader(Reader):
    """Windows event log files (``ElfFile``) and carved chunks (``ElfChnk``)."""

    name = "evtx"
    description = "Windows EVTX event log file or carved chunk, parsed by pyevtx-rs"

    def __init__(self, threads: int = 0) -> None:
        self.threads = threads
        """Parser worker threads; 0 lets pyevtx-rs use one per core."""

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.startswith((FILE_MAGIC, CHUNK_MAGIC))

    def read(self, stream: BinaryIO, source: Source, account: RunAccount) -> Iterator[pa.Table]:
        data, target = _load(stream)
        try:
            yield from self._read(data, target, source, account)
        finally:
            if isinstance(data, mmap.mmap):
                data.close()

    def _read(
        self, data: Buffer, target: str | BinaryIO, source: Source, account: RunAccount
    ) -> Iterator[pa.Table]:
        if data[:8] == CHUNK_MAGIC:
            data, target = _carved(data)
            log.info("%s: carved EVTX chunk(s), read with a rebuilt file header", source.display)
        if len(data) < FILE_HEADER_SIZE + CHUNK_HEADER_SIZE:
            account.fail(source.display, f"EVTX file too short ({len(data)} bytes): no chunk in it")
            return
        batch = BatchBuilder(source, account)
        seen: set[int] = set()
        errors: dict[int, str] = {}
        limit = len(data) // MIN_RECORD_SIZE + 1
        try:
            prefix = source.ref("rec:")
            for item in parse(target, self.threads, limit):
                if isinstance(item, str):
                    _note_error(item, errors, source)
                    continue
                ids, payloads = item
                seen.update(ids)
                yield from batch.extend([f"{prefix}{i}" for i in ids], payloads)
        except (RuntimeError, OSError) as error:
            account.fail(source.display, f"not a readable EVTX file: {error}")
            return
        audit = EvtxAudit(data, source, account, seen, errors, self.threads)
        for record_id, payload in audit.run():
            table = batch.add(source.ref(f"rec:{record_id}"), payload)
            if table is not None:
                yield table
        table = batch.flush()
        if table is not None:
            yield table


def _note_error(message: str, errors: dict[int, str], source: Source) -> None:
    found = _RECORD_NUMBER.search(message)
    if found:
        errors[int(found.group(1))] = message
    log.debug("%s: pyevtx-rs: %s", source.display, message)


def _load(stream: BinaryIO) -> tuple[Buffer, str | BinaryIO]:
    """Return the file content for header checks and what pyevtx-rs should open.

    A real file is mapped, not read, and handed to pyevtx-rs by path. A stream
    from an archive is read into memory, within the decompression limits.
    """
    name = getattr(stream, "name", None)
    if isinstance(name, str) and Path(name).is_file() and Path(name).stat().st_size:
        return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ), name
    data = stream.read()
    return data, io.BytesIO(data)


def _carved(data: Buffer) -> tuple[bytes, BinaryIO]:
    """Put a file header in front of carved chunks so that pyevtx-rs reads them."""
    count = chunk_count(len(data), 0)
    last_ids = [read_chunk_header(data, i, 0).last_id for i in range(count)]
    plausible = [i for i in last_ids if 0 < i < 1 << 48]
    content = file_header_for(count, max(plausible, default=0) + 1) + bytes(data[:])
    return content, io.BytesIO(content)


class EvtxAudit:
    """Compare chunk headers with the records the parser returned; recover and count gaps."""

    def __init__(
        self,
        data: Buffer,
        source: Source,
        account: RunAccount,
        seen: set[int],
        errors: dict[int, str],
        threads: int,
    ) -> None:
        self.data = data
        self.source = source
        self.account = account
        self.seen = seen
        self.errors = errors
        self.threads = threads
        self.header: FileHeader = read_file_header(data)
        # Counts taken from the file header are used only when its checksum matches:
        # a damaged next-record id would otherwise invent or hide lost records.
        self.trusted = self.header.valid and self.header.checksum_ok
        self.truncated_ids: list[int] = []
        self.highest_claimed = 0
        self.ordered = sorted(seen)
        """The ids the first pass returned, sorted, to count a chunk's ids by bisection."""

    def run(self) -> Iterator[tuple[int, str]]:
        """Yield recovered records; count every other gap in the account."""
        if self.header.valid and not self.header.checksum_ok:
            self._anomaly(0, "evtx_file_checksum", "file header checksum mismatch; read anyway")
        for index in range(chunk_count(len(self.data))):
            chunk = read_chunk_header(self.data, index)
            if chunk.all_zero:
                continue
            if chunk.claims:
                self.highest_claimed = max(self.highest_claimed, chunk.last_id)
            yield from self._audit_chunk(chunk)
        self._account_truncation()

    def _audit_chunk(self, chunk: ChunkHeader) -> Generator[tuple[int, str], None, None]:
        label = f"chunk {chunk.index}"
        if chunk.magic_ok and not chunk.header_checksum_ok:
            self._anomaly(chunk.offset, "evtx_chunk_checksum",
                          f"{label} header checksum mismatch; read anyway")
        if chunk.magic_ok and not chunk.data_checksum_ok and not chunk.partial:
            self._anomaly(chunk.offset, "evtx_chunk_checksum",
                          f"{label} data checksum mismatch; read anyway")
        content = bytes(self.data[chunk.offset : chunk.offset + CHUNK_SIZE])
        if not self._needs_scan(chunk, content):
            return
        spots = scan_records(content)
        intact = [s for s in spots if not s.problem and s.record_id > 0]
        recovered = yield from self._recover(content, self._recoverable(chunk, intact))
        self._count_losses(chunk, spots, intact, recovered)

    def _needs_scan(self, chunk: ChunkHeader, content: bytes) -> bool:
        if not chunk.magic_ok or chunk.partial:
            return True
        claimed = chunk.claimed
        if claimed:
            returned = bisect_right(self.ordered, claimed[-1]) - bisect_left(
                self.ordered, claimed[0]
            )
            if returned < len(claimed):
                return True
        # A dirty log's chunk header may describe an earlier state: the records
        # written after its last flush start at the stated free-space offset.
        after = record_at(content, chunk.free_space_offset)
        return after is not None and not after.problem and after.record_id == chunk.last_id + 1

    def _recover(
        self, content: bytes, intact: list[RecordSpot]
    ) -> Generator[tuple[int, str], None, set[int]]:
        """Parse a repaired copy of the chunk; yield and return what the first pass missed."""
        recovered: set[int] = set()
        if not any(spot.record_id not in self.seen for spot in intact):
            return recovered
        rebuilt = rebuild_chunk(content, intact)
        if rebuilt is None:
            return recovered
        for item in parse(io.BytesIO(rebuilt), self.threads, len(intact) + 1):
            if isinstance(item, str):
                _note_error(item, self.errors, self.source)
                continue
            for record_id, payload in zip(*item, strict=True):
                if record_id in self.seen or record_id == 0 or payload.strip() == _EMPTY_EVENT:
                    continue
                recovered.add(record_id)
                self.seen.add(record_id)
                yield record_id, payload
        self.account.recovered += len(recovered)
        return recovered

    def _count_losses(
        self,
        chunk: ChunkHeader,
        spots: list[RecordSpot],
        intact: list[RecordSpot],
        recovered: set[int],
    ) -> None:
        label = f"chunk {chunk.index}"
        if not chunk.magic_ok:
            magic = bytes(self.data[chunk.offset : chunk.offset + 8])
            self._anomaly(chunk.offset, "evtx_chunk_header_invalid",
                          f"{label}: invalid chunk header (magic {magic!r}); "
                          f"{len(intact)} record signature(s) found in it")
        beyond = [i for i in recovered if chunk.claims and i > chunk.last_id]
        if beyond and chunk.claims and min(beyond) == chunk.last_id + 1:
            self._anomaly(chunk.offset, "evtx_stale_header",
                          f"{label}: {len(beyond)} records beyond stale header recovered "
                          f"(header ends at record {chunk.last_id}"
                          f"{', file flagged dirty' if self.header.dirty else ''})")
        lost = self._count_unreadable(chunk, intact, recovered)
        lost |= self._count_damaged(chunk, spots, recovered, lost)
        absent = [i for i in chunk.claimed if i not in self.seen and i not in lost]
        if absent:
            self._count_absent(chunk, intact, absent)

    def _recoverable(self, chunk: ChunkHeader, intact: list[RecordSpot]) -> list[RecordSpot]:
        """Return the intact records worth recovering, without damaged copies of claimed ones.

        Some records in the chunk's written area carry an id the header does not
        claim. Such a record is a claimed one with a damaged id when two things
        hold: it sits where a missing claimed id belongs (next to that id's
        neighbours), and its id differs from that id in one byte only.
        Recovering it would count the record twice, under the wrong id and as
        the missing claimed id. Other unclaimed records stay recoverable: older
        ones in slack space, or newer ones that a stale header does not describe
        yet (a log copied mid-write).
        """
        if not chunk.claims:
            return intact
        scope = self._in_scope(chunk, intact)
        missing = {i for i in chunk.claimed if i not in self.seen}
        ordered = sorted(intact, key=lambda spot: spot.offset)
        recoverable = []
        for index, spot in enumerate(ordered):
            if spot.record_id in scope or spot.offset >= chunk.free_space_offset:
                recoverable.append(spot)
                continue
            before = ordered[index - 1].record_id + 1 if index else None
            after = ordered[index + 1].record_id - 1 if index + 1 < len(ordered) else None
            displaced = {i for i in (before, after) if i in missing}
            if not any(_one_byte_apart(spot.record_id, i) for i in displaced):
                recoverable.append(spot)
        return recoverable

    def _in_scope(self, chunk: ChunkHeader, intact: list[RecordSpot]) -> set[int]:
        """Return the ids of the records that belong to the chunk's current content.

        With a valid header these are the claimed ids and the run of records that
        continues right after the claimed ones (written after a stale header's
        last flush). Other signatures are remnants of older data in slack space.
        Without a valid header every intact record counts.
        """
        if not chunk.claims:
            return {spot.record_id for spot in intact}
        scope = set(chunk.claimed)
        expected = chunk.last_id + 1
        for spot in intact:
            if spot.record_id == expected and spot.offset >= chunk.free_space_offset:
                scope.add(expected)
                expected += 1
        return scope

    def _count_unreadable(
        self, chunk: ChunkHeader, intact: list[RecordSpot], recovered: set[int]
    ) -> set[int]:
        scope = self._in_scope(chunk, intact)
        lost: set[int] = set()
        remnants = 0
        for spot in intact:
            if spot.record_id in self.seen or spot.record_id in recovered:
                continue
            if spot.record_id not in scope:
                remnants += 1
                continue
            lost.add(spot.record_id)
            reason = "evtx_record_unreadable" if chunk.magic_ok else "evtx_chunk_header_invalid"
            detail = self.errors.get(spot.record_id, "the parser could not read this record")
            where = f"rec:{spot.record_id} ({label_offset(chunk, spot)})"
            self.account.skip(self.source, where, reason, detail)
        salvaged = len([i for i in recovered if i not in scope])
        if remnants or salvaged:
            self._anomaly(chunk.offset, "evtx_slack_remnants",
                          f"chunk {chunk.index}: {remnants + salvaged} older record(s) found in "
                          f"slack space, {salvaged} of them recovered")
        return lost

    def _count_damaged(
        self, chunk: ChunkHeader, spots: list[RecordSpot], recovered: set[int], lost: set[int]
    ) -> set[int]:
        damaged: set[int] = set()
        for spot in spots:
            record_id = spot.record_id
            if not spot.problem or record_id not in chunk.claimed:
                continue
            if record_id in self.seen or record_id in recovered or record_id in lost | damaged:
                continue
            damaged.add(record_id)
            reason = "evtx_record_cut" if "cut at end" in spot.problem else "evtx_record_damaged"
            where = f"rec:{record_id} ({label_offset(chunk, spot)})"
            self.account.skip(self.source, where, reason, spot.problem)
        return damaged

    def _count_absent(
        self, chunk: ChunkHeader, intact: list[RecordSpot], absent: list[int]
    ) -> None:
        label = f"chunk {chunk.index}"
        if chunk.partial:
            self.truncated_ids.extend(absent)
            return
        if not chunk.header_checksum_ok:
            # A damaged header's record range is no count of lost records.
            self._anomaly(chunk.offset, "evtx_chunk_claims_untrusted",
                          f"{label}: {len(absent)} records claimed by a header whose checksum "
                          "does not match were not found; they are not counted")
            return
        end = max((s.end for s in intact), default=CHUNK_HEADER_SIZE)
        next_id = self.header.next_record_id if self.trusted else 0
        highest = max(self.seen, default=0)
        if next_id == highest + 1 and absent[0] > highest:
            # Nothing of these records is in the chunk, and the file header's next
            # record id agrees with the records that are: they were never
            # written, the chunk header over-claims.
            self._anomaly(chunk.offset, "evtx_chunk_overclaims",
                          f"{label} ({_hex(chunk.offset)}) claims records up to id {chunk.last_id} "
                          f"/ free-space offset {chunk.free_space_offset}, but no record signature "
                          f"at chunk offset {end} ({_hex(chunk.offset + end)}); "
                          f"{len(absent)} claimed records absent")
            return
        self.account.skip(self.source, f"rec:{absent[0]} ({label}, {_hex(chunk.offset)})",
                          "evtx_record_missing",
                          f"{label} header claims records {absent[0]}-{absent[-1]} that the parser "
                          f"did not return and no intact record signature contains",
                          count=len(absent))

    def _account_truncation(self) -> None:
        size = len(self.data)
        declared = FILE_HEADER_SIZE + self.header.chunk_count * CHUNK_SIZE
        last_chunk = (size - FILE_HEADER_SIZE) // CHUNK_SIZE
        partial = (size - FILE_HEADER_SIZE) % CHUNK_SIZE != 0
        if not partial and not (self.trusted and size < declared):
            return
        missing = list(self.truncated_ids)
        highest = max(self.highest_claimed, max(self.seen, default=0))
        if self.trusted and self.header.next_record_id > highest + 1:
            missing.extend(range(highest + 1, self.header.next_record_id))
        offset = FILE_HEADER_SIZE + last_chunk * CHUNK_SIZE
        detail = (f"file truncated at {size:,} bytes inside chunk {last_chunk} ({_hex(offset)}); "
                  f"file header declares {self.header.chunk_count} chunks / next record "
                  f"{self.header.next_record_id}")
        if not missing:
            self._anomaly(offset, "evtx_truncated", detail)
            return
        missing.sort()
        self.account.skip(self.source, f"rec:{missing[0]} ({_hex(offset)})", "evtx_truncated",
                          f"{detail}; records {missing[0]}-{missing[-1]} ({len(missing)}) not in "
                          "the file", count=len(missing))

    def _anomaly(self, offset: int, kind: str, detail: str) -> None:
        self.account.anomaly(self.source, _hex(offset), kind, detail)


def _one_byte_apart(first: int, second: int) -> bool:
    """Return True when two record ids differ, and only within one byte."""
    difference = first ^ second
    return difference != 0 and any(
        difference & ~(0xFF << (8 * byte)) == 0 for byte in range(8)
    )


def label_offset(chunk: ChunkHeader, spot: RecordSpot) -> str:
    return f"chunk {chunk.index}, {_hex(chunk.offset + spot.offset)}"
