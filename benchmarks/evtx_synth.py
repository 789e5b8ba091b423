"""Write valid EVTX files whose chunks are copies of real chunks with patched values.

An EVTX file is a 4 KiB header followed by 64 KiB chunks. Each chunk contains
its own string and template tables. A chunk copied byte for byte therefore
stays valid as long as every patched value keeps its length and the two CRC32
checksums of the chunk header are recomputed. This module parses just enough of the binary XML
(BinXML) of each record to find its substitution values: the typed values a
record fills into its template, including the nested template of a Sysmon
EventData block. A copy then rewrites, consistently within the copy:

* record ids (record header and ``EventRecordID``): renumbered per output file;
* FILETIME values and ``UtcTime``-shaped strings: shifted by one offset;
* GUIDs of the EventData (process, logon GUIDs): last 8 bytes XORed with a key;
* UInt32 values of the EventData (process and thread ids): XORed with a mask
  that keeps multiples of 4, as Windows process ids are;
* the computer name (a literal of the template, so patched wherever its UTF-16
  text occurs in the chunk): its last characters replaced by a host code.

Layouts follow the libyal libevtx format documentation of the EVTX file, chunk,
record and BinXML template instance structures.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

FILE_MAGIC = b"ElfFile\x00"
CHUNK_MAGIC = b"ElfChnk\x00"
RECORD_MAGIC = 0x00002A2A
FILE_HEADER_SIZE = 4096
CHUNK_SIZE = 65536
CHUNK_HEADER_SIZE = 512

TOKEN_FRAGMENT_HEADER = 0x0F
TOKEN_TEMPLATE_INSTANCE = 0x0C
TEMPLATE_HEADER_SIZE = 10
TEMPLATE_DEFINITION_HEADER_SIZE = 24

TYPE_STRING = 0x01
TYPE_UINT32 = 0x08
TYPE_UINT64 = 0x0A
TYPE_GUID = 0x0F
TYPE_FILETIME = 0x11
TYPE_BINXML = 0x21

FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
UTC_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$")
ZERO_GUID = bytes(16)
MIN_RENAMED_LABEL = 5
"""Computer names whose first label is shorter are left as they are: a short
label such as ``PC`` also occurs inside unrelated strings of the chunk."""
HOST_CODE_LENGTH = 4


class EvtxFormatError(ValueError):
    """A chunk or record does not have the structure this module can patch."""


@dataclass
class ChunkSites:
    """Byte offsets (relative to the chunk) of every value a copy rewrites."""

    record_starts: list[int] = field(default_factory=list)
    """Offsets of the record headers, whose u64 record id sits at +8."""
    event_record_ids: list[tuple[int, int]] = field(default_factory=list)
    """Offsets of EventRecordID values, with the index of their record."""
    filetimes: list[tuple[int, int]] = field(default_factory=list)
    utc_times: list[tuple[int, datetime]] = field(default_factory=list)
    guids: list[tuple[int, bytes]] = field(default_factory=list)
    uint32s: list[tuple[int, int]] = field(default_factory=list)
    names: list[tuple[int, str]] = field(default_factory=list)
    """Offsets of the UTF-16 text of computer-name labels, with the label."""


@dataclass
class SourceChunk:
    """One chunk of a real file, as the template every copy starts from."""

    data: bytes
    sites: ChunkSites

    @property
    def record_count(self) -> int:
        return len(self.sites.record_starts)


@dataclass
class SourceFile:
    """The chunks of one real EVTX file and the earliest time its records carry."""

    path: Path
    chunks: list[SourceChunk]
    first_time: datetime

    @property
    def record_count(self) -> int:
        return sum(chunk.record_count for chunk in self.chunks)


@dataclass(frozen=True)
class CopyKey:
    """Keys that rewrite the values of one copy of a source file."""

    shift: timedelta
    """Added to every time; a whole number of milliseconds."""
    guid_key: int
    """XORed into the last 8 bytes of every EventData GUID."""
    pid_mask: int
    """XORed into every EventData UInt32; a multiple of 4."""
    host_code: str
    """Replaces the last characters of the computer name's first label."""


def _filetime_to_datetime(value: int) -> datetime:
    return FILETIME_EPOCH + timedelta(microseconds=value // 10)


def _scan_values(
    chunk: bytes, start: int, record: tuple[int, int], sites: ChunkSites, nested: bool
) -> int:
    """Record the patch sites of one template instance at ``start``; return its end."""
    position = start
    if chunk[position] == TOKEN_FRAGMENT_HEADER:
        position += 4
    if chunk[position] != TOKEN_TEMPLATE_INSTANCE:
        raise EvtxFormatError(f"no template instance at chunk offset {position}")
    (definition_offset,) = struct.unpack_from("<I", chunk, position + 6)
    position += TEMPLATE_HEADER_SIZE
    if definition_offset == position:
        (definition_size,) = struct.unpack_from("<I", chunk, position + 20)
        position += TEMPLATE_DEFINITION_HEADER_SIZE + definition_size
    count: int = struct.unpack_from("<I", chunk, position)[0]
    position += 4
    descriptors = [struct.unpack_from("<HBx", chunk, position + 4 * i) for i in range(count)]
    position += 4 * count
    for size, value_type in descriptors:
        _scan_value(chunk, position, size, value_type, record, sites, nested)
        position += size
    return position


def _scan_value(
    chunk: bytes,
    offset: int,
    size: int,
    value_type: int,
    record: tuple[int, int],
    sites: ChunkSites,
    nested: bool,
) -> None:
    record_id, record_index = record
    if value_type == TYPE_FILETIME and size == 8:
        moment = struct.unpack_from("<Q", chunk, offset)[0]
        if moment:
            sites.filetimes.append((offset, moment))
    elif value_type == TYPE_UINT64 and size == 8 and not nested:
        if struct.unpack_from("<Q", chunk, offset)[0] == record_id:
            sites.event_record_ids.append((offset, record_index))
    elif value_type == TYPE_BINXML and size > 0:
        _scan_values(chunk, offset, record, sites, nested=True)
    elif not nested:
        # The System block: provider GUID, Sysmon's own process id, channel.
        return
    elif value_type == TYPE_GUID and size == 16:
        value = bytes(chunk[offset : offset + 16])
        if value != ZERO_GUID:
            sites.guids.append((offset, value))
    elif value_type == TYPE_UINT32 and size == 4:
        number = struct.unpack_from("<I", chunk, offset)[0]
        if number:
            sites.uint32s.append((offset, number))
    elif value_type == TYPE_STRING and size == 46:
        text = chunk[offset : offset + size].decode("utf-16-le", errors="replace")
        if UTC_TIME.match(text):
            moment = datetime.strptime(text, UTC_TIME_FORMAT).replace(tzinfo=UTC)
            sites.utc_times.append((offset, moment))


def scan_chunk(chunk: bytes, computers: set[str]) -> ChunkSites:
    """Find every patch site of a chunk's records."""
    if not chunk.startswith(CHUNK_MAGIC):
        raise EvtxFormatError("chunk magic missing")
    (last_record_offset,) = struct.unpack_from("<I", chunk, 44)
    sites = ChunkSites()
    offset = CHUNK_HEADER_SIZE
    while offset <= last_record_offset:
        magic, size, record_id = struct.unpack_from("<IIQ", chunk, offset)
        if magic != RECORD_MAGIC or size < 28 or offset + size > CHUNK_SIZE:
            raise EvtxFormatError(f"bad record header at chunk offset {offset}")
        record = (record_id, len(sites.record_starts))
        sites.record_starts.append(offset)
        (written,) = struct.unpack_from("<Q", chunk, offset + 16)
        if written:
            sites.filetimes.append((offset + 16, written))
        _scan_values(chunk, offset + 24, record, sites, nested=False)
        offset += size
    for computer in computers:
        label = computer.split(".", 1)[0]
        if len(label) < MIN_RENAMED_LABEL:
            continue
        encoded = label.encode("utf-16-le")
        # BinXML text is not aligned, so a match may start at an odd offset.
        for match in re.finditer(re.escape(encoded), chunk):
            sites.names.append((match.start(), label))
    return sites


def load_source(path: Path, computers: set[str]) -> SourceFile:
    """Read a real EVTX file's chunks and their patch sites."""
    data = path.read_bytes()
    if not data.startswith(FILE_MAGIC):
        raise EvtxFormatError(f"{path}: not an EVTX file")
    (chunk_count,) = struct.unpack_from("<H", data, 42)
    chunks = []
    for index in range(chunk_count):
        start = FILE_HEADER_SIZE + index * CHUNK_SIZE
        chunk = data[start : start + CHUNK_SIZE]
        if len(chunk) < CHUNK_SIZE or not chunk.startswith(CHUNK_MAGIC):
            break
        sites = scan_chunk(chunk, computers)
        if sites.record_starts:
            chunks.append(SourceChunk(chunk, sites))
    written = [
        moment
        for chunk in chunks
        for start in chunk.sites.record_starts
        if (moment := struct.unpack_from("<Q", chunk.data, start + 16)[0])
    ]
    if not written:
        raise EvtxFormatError(f"{path}: no records")
    return SourceFile(path, chunks, _filetime_to_datetime(min(written)))


def _renamed(label: str, code: str) -> str:
    keep = len(label) - HOST_CODE_LENGTH
    return label[:keep] + code


def patch_chunk(source: SourceChunk, key: CopyKey, first_record_id: int) -> bytes:
    """Return a copy of a chunk with the copy's values and fresh record numbers."""
    chunk = bytearray(source.data)
    sites = source.sites
    for index, record_start in enumerate(sites.record_starts):
        struct.pack_into("<Q", chunk, record_start + 8, first_record_id + index)
    for offset, index in sites.event_record_ids:
        struct.pack_into("<Q", chunk, offset, first_record_id + index)
    shift_100ns = int(key.shift / timedelta(microseconds=1)) * 10
    for offset, value in sites.filetimes:
        struct.pack_into("<Q", chunk, offset, value + shift_100ns)
    for offset, moment in sites.utc_times:
        text = (moment + key.shift).strftime(UTC_TIME_FORMAT)[:-3]
        chunk[offset : offset + 46] = text.encode("utf-16-le")
    for offset, guid in sites.guids:
        tail = int.from_bytes(guid[8:], "little") ^ key.guid_key
        chunk[offset + 8 : offset + 16] = tail.to_bytes(8, "little")
    for offset, number in sites.uint32s:
        struct.pack_into("<I", chunk, offset, number ^ key.pid_mask)
    for offset, label in sites.names:
        new = _renamed(label, key.host_code).encode("utf-16-le")
        chunk[offset : offset + len(new)] = new
    last_id = first_record_id + len(sites.record_starts) - 1
    struct.pack_into("<QQQQ", chunk, 8, first_record_id, last_id, first_record_id, last_id)
    _seal_chunk(chunk)
    return bytes(chunk)


def _seal_chunk(chunk: bytearray) -> None:
    """Recompute the records checksum and the header checksum of a chunk."""
    (free_space_offset,) = struct.unpack_from("<I", chunk, 48)
    records_crc = zlib.crc32(chunk[CHUNK_HEADER_SIZE:free_space_offset])
    struct.pack_into("<I", chunk, 52, records_crc)
    header_crc = zlib.crc32(chunk[128:CHUNK_HEADER_SIZE], zlib.crc32(chunk[:120]))
    struct.pack_into("<I", chunk, 124, header_crc)


def file_header(chunk_count: int, next_record_id: int) -> bytes:
    """Return a clean EVTX file header (version 3.1) for the given chunks."""
    header = bytearray(FILE_HEADER_SIZE)
    header[:8] = FILE_MAGIC
    struct.pack_into(
        "<QQQIHHHH",
        header,
        8,
        0,
        max(chunk_count - 1, 0),
        next_record_id,
        128,
        1,
        3,
        FILE_HEADER_SIZE,
        chunk_count,
    )
    struct.pack_into("<I", header, 124, zlib.crc32(header[:120]))
    return bytes(header)
