"""EVTX file and chunk headers, read with ``struct``, and rebuilt chunks for recovery.

pyevtx-rs trusts the headers. It stops a chunk at a record it cannot walk past,
skips a chunk whose magic is wrong, drops a partial chunk at the end of a
truncated file and reads no further than a stale free-space offset. It does
not say how many records that cost. This module reads what the headers promise
so that the reader can compare it with what the parser returned, and builds a
repaired single-chunk file from which the parser can read the records it
missed.

Layout (all integers little-endian), from the EVTX format as libevtx documents
it: a 4096-byte file header, then 65536-byte chunks, each a 512-byte header
(128 bytes of fields, then string and template offset tables) followed by
records. A record is ``**\\0\\0``, its size, its id and time (24 bytes), the
BinXML body, and its size again in its last 4 bytes.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Protocol

FILE_MAGIC = b"ElfFile\x00"
CHUNK_MAGIC = b"ElfChnk\x00"
RECORD_MAGIC = b"**\x00\x00"
FILE_HEADER_SIZE = 4096
CHUNK_SIZE = 65536
CHUNK_HEADER_SIZE = 512
RECORD_HEADER_SIZE = 24
MIN_RECORD_SIZE = 28
MAX_RECORDS_PER_CHUNK = (CHUNK_SIZE - CHUNK_HEADER_SIZE) // MIN_RECORD_SIZE
FLAG_DIRTY = 0x1

_FILE_FIELDS = struct.Struct("<8sQQQIHHHH")
_CHUNK_FIELDS = struct.Struct("<8sQQQQIIII")
_RECORD_FIELDS = struct.Struct("<4sIQQ")
_U32 = struct.Struct("<I")


class Buffer(Protocol):
    """Bytes, a memoryview or an mmap: anything sliceable with find()."""

    def __len__(self) -> int: ...

    def __getitem__(self, key: slice) -> bytes: ...

    def find(self, sub: bytes, start: int = ..., end: int = ...) -> int: ...


@dataclass(frozen=True)
class FileHeader:
    """The EVTX file header fields that state how much the file contains."""

    valid: bool
    next_record_id: int
    chunk_count: int
    flags: int
    checksum_ok: bool

    @property
    def dirty(self) -> bool:
        return bool(self.flags & FLAG_DIRTY)


@dataclass(frozen=True)
class ChunkHeader:
    """One chunk header: the records it claims and where its data ends."""

    index: int
    offset: int
    """File offset of the chunk."""
    length: int
    """Bytes of the chunk present in the file (less than 65536 when truncated)."""
    magic_ok: bool
    all_zero: bool
    first_id: int
    last_id: int
    last_record_offset: int
    free_space_offset: int
    header_checksum_ok: bool
    data_checksum_ok: bool

    @property
    def claims(self) -> bool:
        """True when the header contains a plausible range of record ids."""
        return (
            self.magic_ok
            and 0 < self.first_id <= self.last_id
            and self.last_id - self.first_id < MAX_RECORDS_PER_CHUNK
        )

    @property
    def claimed(self) -> range:
        return range(self.first_id, self.last_id + 1) if self.claims else range(0)

    @property
    def partial(self) -> bool:
        return self.length < CHUNK_SIZE


@dataclass(frozen=True)
class RecordSpot:
    """A record signature found in a chunk, and whether its framing is intact."""

    offset: int
    """Offset inside the chunk."""
    size: int
    record_id: int
    problem: str
    """Empty for an intact frame, else why it is not (such as ``record size 0``)."""

    @property
    def end(self) -> int:
        return self.offset + self.size


def read_file_header(data: Buffer) -> FileHeader:
    raw = data[:128]
    if len(raw) < 128 or raw[:8] != FILE_MAGIC:
        return FileHeader(False, 0, 0, 0, False)
    fields = _FILE_FIELDS.unpack_from(raw, 0)
    flags, checksum = struct.unpack_from("<II", raw, 120)
    return FileHeader(
        valid=True,
        next_record_id=fields[3],
        chunk_count=fields[8],
        flags=flags,
        checksum_ok=zlib.crc32(raw[:120]) == checksum,
    )


def read_chunk_header(data: Buffer, index: int, base: int = FILE_HEADER_SIZE) -> ChunkHeader:
    """Read chunk ``index`` whose chunks start at file offset ``base``."""
    offset = base + index * CHUNK_SIZE
    chunk = data[offset : offset + CHUNK_SIZE]
    header = chunk[:CHUNK_HEADER_SIZE]
    if len(header) < 128:
        zero = not chunk.strip(b"\x00")
        return ChunkHeader(index, offset, len(chunk), False, zero, 0, 0, 0, 0, False, False)
    magic, _, _, first_id, last_id, _, last_offset, free_space, data_crc = (
        _CHUNK_FIELDS.unpack_from(header, 0)
    )
    header_crc = _U32.unpack_from(header, 124)[0]
    header_ok = len(header) == CHUNK_HEADER_SIZE and (
        zlib.crc32(header[:120] + header[128:]) == header_crc
    )
    data_ok = CHUNK_HEADER_SIZE <= free_space <= len(chunk) and (
        zlib.crc32(chunk[CHUNK_HEADER_SIZE:free_space]) == data_crc
    )
    return ChunkHeader(
        index=index,
        offset=offset,
        length=len(chunk),
        magic_ok=magic == CHUNK_MAGIC,
        all_zero=not chunk.strip(b"\x00"),
        first_id=first_id,
        last_id=last_id,
        last_record_offset=last_offset,
        free_space_offset=free_space,
        header_checksum_ok=header_ok,
        data_checksum_ok=data_ok,
    )


def chunk_count(size: int, base: int = FILE_HEADER_SIZE) -> int:
    """Return how many chunks, the last possibly partial, fit in ``size`` bytes."""
    return max(0, -(-(size - base) // CHUNK_SIZE))


def record_at(chunk: bytes, offset: int) -> RecordSpot | None:
    """Return the record framed at ``offset`` of a chunk, or None without a signature."""
    if offset + RECORD_HEADER_SIZE > len(chunk) or chunk[offset : offset + 4] != RECORD_MAGIC:
        return None
    _, size, record_id, _ = _RECORD_FIELDS.unpack_from(chunk, offset)
    problem = ""
    if size < MIN_RECORD_SIZE:
        problem = f"record size {size}"
    elif offset + size > CHUNK_SIZE:
        problem = f"record size {size} runs past the end of the chunk"
    elif offset + size > len(chunk):
        problem = (
            f"record cut at end of file, {len(chunk) - offset} of {size} bytes present"
        )
    elif _U32.unpack_from(chunk, offset + size - 4)[0] != size:
        problem = f"record size {size} does not match its trailing copy"
    return RecordSpot(offset, size, record_id, problem)


def scan_records(chunk: bytes) -> list[RecordSpot]:
    """Find record signatures in one chunk's bytes, intact or not.

    Runs only on chunks whose headers disagree with what the parser returned,
    never on every chunk. A signature inside an intact record's body is
    skipped, because real records do not overlap.
    """
    spots: list[RecordSpot] = []
    position = CHUNK_HEADER_SIZE
    while True:
        position = chunk.find(RECORD_MAGIC, position)
        if position < 0:
            return spots
        spot = record_at(chunk, position)
        if spot is None:
            return spots
        spots.append(spot)
        position = spot.end if not spot.problem else position + 4


def _filler(chunk: bytearray, offset: int, size: int) -> None:
    """Write a record frame with id 0 over bytes that hold no intact record.

    The parser walks records by their sizes from the start of the chunk. A frame
    over a damaged record or a gap lets it reach the intact records after it,
    which keep their offsets, because their templates are found by offset. The
    parser fails on the filler or returns an empty event, and id 0 is ignored.
    """
    _RECORD_FIELDS.pack_into(chunk, offset, RECORD_MAGIC, size, 0, 0)
    _U32.pack_into(chunk, offset + size - 4, size)


def rebuild_chunk(chunk: bytes, intact: list[RecordSpot]) -> bytes | None:
    """Return a one-chunk EVTX file whose headers describe the intact records.

    The string and template tables of the original header are kept. Returns
    None when the records cannot be chained (a gap too small for a frame).
    """
    if not intact:
        return None
    rebuilt = bytearray(chunk.ljust(CHUNK_SIZE, b"\x00"))
    position = CHUNK_HEADER_SIZE
    for spot in intact:
        gap = spot.offset - position
        if gap and gap < MIN_RECORD_SIZE:
            return None
        if gap:
            _filler(rebuilt, position, gap)
        position = spot.end
    first, last = intact[0].record_id, intact[-1].record_id
    _CHUNK_FIELDS.pack_into(
        rebuilt, 0, CHUNK_MAGIC, first, last, first, last, 128, intact[-1].offset, position, 0
    )
    _U32.pack_into(rebuilt, 52, zlib.crc32(bytes(rebuilt[CHUNK_HEADER_SIZE:position])))
    _U32.pack_into(rebuilt, 124, zlib.crc32(bytes(rebuilt[:120] + rebuilt[128:512])))
    return file_header_for(1, last + 1) + bytes(rebuilt)


def file_header_for(chunks: int, next_record_id: int) -> bytes:
    """Return a clean EVTX file header for ``chunks`` chunks (version 3.1)."""
    header = bytearray(FILE_HEADER_SIZE)
    _FILE_FIELDS.pack_into(
        header, 0, FILE_MAGIC, 0, max(chunks - 1, 0), next_record_id, 128, 1, 3,
        FILE_HEADER_SIZE, chunks,
    )
    _U32.pack_into(header, 124, zlib.crc32(bytes(header[:120])))
    return bytes(header)
