"""Text decoding shared by the text readers.

A byte-order mark decides UTF-8 or UTF-16 (PowerShell 5.1 writes UTF-16LE with a
BOM when output is redirected). Without one the text is UTF-8, and a block that
is not valid UTF-8 is decoded as Windows-1252, the code page Windows tools
write, with one ``decoded_as_windows_1252`` warning per input.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from carhunt.account import RunAccount

BLOCK_SIZE = 8 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def sniff_encoding(head: bytes) -> tuple[str, int]:
    """Return the encoding of text starting with these bytes and the BOM length."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    # UTF-16 without a BOM: ASCII markup with every other byte zero.
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] and head[2]:
        return "utf-16-le", 0
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] and head[3]:
        return "utf-16-be", 0
    return "utf-8", 0


def decode_head(head: bytes) -> str:
    """Decode the first bytes of an input for sniffing, never raising."""
    encoding, skip = sniff_encoding(head)
    return head[skip:].decode(encoding, errors="replace")


def iter_text(
    stream: BinaryIO, account: RunAccount, block_size: int = BLOCK_SIZE, first: bytes | None = None
) -> Iterator[str]:
    """Yield the decoded text of a stream in blocks; ``first`` is its first block, if read."""
    if first is None:
        first = stream.read(block_size)
    encoding, skip = sniff_encoding(first)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    fallback = False
    data = first[skip:]
    while True:
        final = not data
        if fallback:
            yield data.decode("cp1252", errors="replace")
        else:
            try:
                yield decoder.decode(data, final=final)
            except UnicodeDecodeError:
                if encoding != "utf-8":
                    yield data.decode(encoding, errors="replace")
                else:
                    account.warn("decoded_as_windows_1252")
                    fallback = True
                    yield data.decode("cp1252", errors="replace")
        if final:
            return
        data = stream.read(block_size)


def iter_lines(blocks: Iterable[str], first_number: int = 0) -> Iterator[tuple[int, str]]:
    """Yield (1-based line number, line) of text given in blocks, without line ends.

    ``first_number`` is the number of lines before the first block. A last
    line without a line end is yielded too, and a trailing empty one is not.
    """
    number = first_number
    pending = ""
    for block in blocks:
        lines = (pending + block).split("\n")
        pending = lines.pop()
        for line in lines:
            number += 1
            yield number, line
    if pending:
        yield number + 1, pending


def read_text(stream: BinaryIO, account: RunAccount) -> str:
    """Return the whole decoded text of a stream."""
    return "".join(iter_text(stream, account))
