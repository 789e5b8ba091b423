"""JSON arrays of event objects: PowerShell ``ConvertTo-Json`` and Winlogbeat golden files.

``Get-WinEvent | ... | ConvertTo-Json`` writes one pretty-printed array (the
eqllib samples are such arrays, gzipped); Winlogbeat's test golden files are
arrays of ECS documents. Each element becomes one record, referenced
``idx:<i>`` (0-based). Elements are cut out of the text by the standard
library's JSON scanner, so the record keeps its original text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa

from carhunt.account import RunAccount, Source
from carhunt.readers.base import BatchBuilder, Reader
from carhunt.readers.embedded import expand_embedded_xml
from carhunt.readers.text import decode_head, read_text

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\r\n"


def skip_space(text: str, position: int) -> int:
    """Return the first position at or after ``position`` that is not JSON whitespace."""
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position


def iter_elements(text: str, start: int) -> Iterator[tuple[int, str | None, str]]:
    """Yield (index, element text, error) for the array that opens at ``start``.

    An element that cannot be scanned ends the array with its error, because
    where the next element starts is then unknown.
    """
    position = skip_space(text, start + 1)
    index = 0
    if position < len(text) and text[position] == "]":
        return
    while position < len(text):
        try:
            _, end = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError as error:
            yield index, None, f"{error.msg} at character {error.pos}"
            return
        yield index, text[position:end], ""
        index += 1
        position = skip_space(text, end)
        if position < len(text) and text[position] == ",":
            position = skip_space(text, position + 1)
        elif position < len(text) and text[position] == "]":
            return
        else:
            yield index, None, f"expected ',' or ']' at character {position}"
            return
    yield index, None, "input ends inside the array"


class JsonArrayReader(Reader):
    """A JSON array of event objects (PowerShell ConvertTo-Json, Winlogbeat goldens)."""

    name = "json_array"
    description = (
        "JSON array of events: PowerShell ConvertTo-Json (eqllib), Winlogbeat golden files"
    )

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        text = decode_head(head).lstrip()
        return text.startswith("[") and text[1:].lstrip()[:1] in ("{", "]", "")

    def read(self, stream: BinaryIO, source: Source, account: RunAccount) -> Iterator[pa.Table]:
        text = read_text(stream, account)
        batch = BatchBuilder(source, account)
        start = skip_space(text, 0)
        for index, element, error in iter_elements(text, start):
            if element is None:
                account.skip(source, f"idx:{index}", "invalid_json", f"array damaged: {error}")
                continue
            table = batch.add(source.ref(f"idx:{index}"), element)
            if table is not None:
                yield expand_embedded_xml(table, source, account)
        table = batch.flush()
        if table is not None:
            yield expand_embedded_xml(table, source, account)
