"""Compressed streams and archives (gzip, bzip2, zip, tar), read within limits.

Inputs often arrive packed: OTRF Security-Datasets ships zip and tar.gz files,
eqllib ships gzip, triage collections ship zips of EVTX files. This module
unpacks them as streams, in memory, never writing a member to disk, so a member
name is only ever a label (no path traversal is possible).

Every decompressed byte counts against :class:`InputLimits`: a per-member size,
a total over the run and a compression ratio. Crossing one raises
:class:`~carhunt.errors.LimitError` for that input, which the caller records as
unreadable before it goes on with the next input.
"""

from __future__ import annotations

import bz2
import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, BinaryIO, Protocol

from carhunt.errors import LimitError

GZIP_MAGIC = b"\x1f\x8b"
BZIP2_MAGIC = b"BZh"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
TAR_MAGIC_OFFSET = 257
TAR_MAGIC = b"ustar"

READ_SIZE = 1 << 16
MIB = 1 << 20
GIB = 1 << 30


@dataclass(frozen=True)
class InputLimits:
    """Bounds on decompressed data, against decompression bombs."""

    max_member_bytes: int = 8 * GIB
    """Largest decompressed size of one member or one compressed file."""
    max_total_bytes: int = 64 * GIB
    """Largest decompressed size of all archives and compressed files of a run."""
    max_ratio: float = 300.0
    """Largest decompressed-to-compressed size ratio, checked past ``ratio_grace_bytes``.

    Event logs compress 10 to 50 times (the OTRF and eqllib archives do). One
    gzip or deflate layer cannot exceed about 1032 times, so bombs reach higher
    ratios only through nesting or bzip2.
    """
    ratio_grace_bytes: int = 16 * MIB
    """Decompressed bytes allowed before the ratio is checked (small members compress well)."""
    max_depth: int = 4
    """Deepest nesting of archives and compressed files."""
    max_members: int = 100_000
    """Most members read from one archive."""


@dataclass
class Budget:
    """Decompressed bytes of the whole run, shared by every stream of that run."""

    limits: InputLimits = field(default_factory=InputLimits)
    total: int = 0

    def charge(self, label: str, count: int) -> None:
        self.total += count
        if self.total > self.limits.max_total_bytes:
            raise LimitError(
                label,
                f"decompressed data of this run exceeds {self.limits.max_total_bytes:,} bytes; "
                "raise the total unpacked size limit if the input is trusted",
            )


NoticeSink = Callable[[str, str, str], None]
"""Receives (kind, offset, detail) of damage found while decompressing."""


class _Decoder(Protocol):
    eof: bool
    unused_data: bytes

    def decompress(self, data: bytes, max_length: int = ...) -> bytes: ...


class DecompressingStream(io.RawIOBase):
    """A gzip or bzip2 stream decompressed on read, within limits.

    Multi-member streams are read through. Trailing bytes that start no new member
    are ignored with a ``trailing_data`` notice (OTRF's tar.gz files carry such
    bytes), and a stream that ends before its end marker yields what it contains with
    a ``truncated_stream`` notice instead of an error, so complete records before
    the cut are not lost.
    """

    def __init__(
        self,
        raw: BinaryIO,
        kind: str,
        label: str,
        budget: Budget,
        notice: NoticeSink,
    ) -> None:
        super().__init__()
        self.raw = raw
        self.kind = kind
        self.label = label
        self.budget = budget
        self.notice = notice
        self.decoder = self._new_decoder()
        self.pending = b""
        self.tail = b""
        self.consumed = 0
        self.produced = 0
        self.finished = False
        self.more_output = False

    def _new_decoder(self) -> _Decoder:
        if self.kind == "gzip":
            return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # type: ignore[return-value]
        return bz2.BZ2Decompressor()  # type: ignore[return-value]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self.tail and not self.finished:
            self._step()
        count = min(len(buffer), len(self.tail))
        buffer[:count] = self.tail[:count]
        self.tail = self.tail[count:]
        return count

    def _step(self) -> None:
        if not self.pending and not self.more_output:
            self.pending = self.raw.read(READ_SIZE)
            self.consumed += len(self.pending)
            if not self.pending:
                self._end_of_input()
                return
        data, self.pending = self.pending, b""
        try:
            output = self._decompress(data)
        except (zlib.error, OSError, EOFError) as error:
            self.notice(
                "corrupt_stream",
                f"byte {self.consumed - len(data)}",
                f"{self.kind} data is corrupt ({error}); the data before it is read",
            )
            self.finished = True
            return
        self._account(len(output))
        self.tail = output
        if self.decoder.eof:
            self._next_member()

    def _decompress(self, data: bytes) -> bytes:
        # Output is capped per call so that one small input block cannot expand
        # into memory at once; the rest comes on the next call.
        output = self.decoder.decompress(data, READ_SIZE * 16)
        if self.kind == "gzip":
            self.pending = getattr(self.decoder, "unconsumed_tail", b"")
        else:
            needs_input = getattr(self.decoder, "needs_input", True)
            self.more_output = not needs_input and not self.decoder.eof
        return output

    def _next_member(self) -> None:
        rest = self.decoder.unused_data + self.pending
        self.pending = b""
        if not rest:
            rest = self.raw.read(READ_SIZE)
            self.consumed += len(rest)
        magic = GZIP_MAGIC if self.kind == "gzip" else BZIP2_MAGIC
        if not rest.strip(b"\0"):
            if not rest:
                self.finished = True
                return
            self.finished = not self._drain_zeros()
            return
        if rest.startswith(magic):
            self.decoder = self._new_decoder()
            self.pending = rest
            return
        self.notice(
            "trailing_data",
            f"byte {self.consumed - len(rest)}",
            f"bytes after the last {self.kind} member were ignored",
        )
        self.finished = True

    def _drain_zeros(self) -> bool:
        """Skip zero padding after a member; return True if another member follows."""
        while True:
            block = self.raw.read(READ_SIZE)
            self.consumed += len(block)
            if not block:
                return False
            if block.strip(b"\0"):
                self.pending = block.lstrip(b"\0")
                self.decoder = self._new_decoder()
                return True

    def _end_of_input(self) -> None:
        self.finished = True
        if not self.decoder.eof:
            self.notice(
                "truncated_stream",
                f"byte {self.consumed}",
                f"{self.kind} stream ends before its end marker; the data up to the cut is read",
            )

    def _account(self, count: int) -> None:
        self.produced += count
        limits = self.budget.limits
        self.budget.charge(self.label, count)
        if self.produced > limits.max_member_bytes:
            raise LimitError(
                self.label,
                f"decompresses to more than {limits.max_member_bytes:,} bytes; "
                "raise the member size limit if the input is trusted",
            )
        ratio = self.produced / max(self.consumed, 1)
        if self.produced > limits.ratio_grace_bytes and ratio > limits.max_ratio:
            raise LimitError(
                self.label,
                f"compression ratio above {limits.max_ratio:g} (likely a decompression "
                "bomb); raise the ratio limit if the input is trusted",
            )


class CountingStream(io.RawIOBase):
    """A member stream whose decompressed bytes count against the limits.

    A zip or tar header can state a false size, so the bytes are counted as they
    are read, not taken from the header.
    """

    def __init__(
        self, raw: IO[bytes], label: str, budget: Budget, compressed_size: int | None = None
    ) -> None:
        super().__init__()
        self.raw = raw
        self.label = label
        self.budget = budget
        self.compressed_size = compressed_size
        self.produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.raw.read(len(buffer))
        count = len(data)
        buffer[:count] = data
        self.produced += count
        limits = self.budget.limits
        self.budget.charge(self.label, count)
        if self.produced > limits.max_member_bytes:
            raise LimitError(
                self.label,
                f"member decompresses to more than {limits.max_member_bytes:,} bytes; "
                "raise the member size limit if the input is trusted",
            )
        ratio = self.produced / max(self.compressed_size or 1, 1)
        if (
            self.compressed_size is not None
            and self.produced > limits.ratio_grace_bytes
            and ratio > limits.max_ratio
        ):
            raise LimitError(
                self.label,
                f"member compression ratio above {limits.max_ratio:g} (likely a "
                "decompression bomb); raise the ratio limit if the input is trusted",
            )
        return count


class ReplayStream(io.RawIOBase):
    """A one-pass stream with its already peeked first bytes put back in front."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        super().__init__()
        self.head = head
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.head:
            count = min(len(buffer), len(self.head))
            buffer[:count] = self.head[:count]
            self.head = self.head[count:]
            return count
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def buffered(raw: io.RawIOBase) -> BinaryIO:
    """Wrap a raw stream for efficient reads."""
    return io.BufferedReader(raw, buffer_size=READ_SIZE)


def read_head(stream: BinaryIO, size: int) -> bytes:
    """Read up to ``size`` bytes, looping over short reads of pipes and decoders."""
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        data = stream.read(remaining)
        if not data:
            break
        parts.append(data)
        remaining -= len(data)
    return b"".join(parts)


def container_kind(head: bytes) -> str | None:
    """Return gzip, bzip2, zip or tar when these first bytes open such a container."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(BZIP2_MAGIC) and head[3:4].isdigit():
        return "bzip2"
    if head.startswith(ZIP_MAGICS):
        return "zip"
    if head[TAR_MAGIC_OFFSET : TAR_MAGIC_OFFSET + len(TAR_MAGIC)] == TAR_MAGIC:
        return "tar"
    return None


def skipped_member(name: str) -> bool:
    """Return True for archive members that are never event data (macOS metadata)."""
    parts = name.replace("\\", "/").split("/")
    return "__MACOSX" in parts or parts[-1].startswith("._")
