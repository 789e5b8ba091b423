"""Whole JSON documents: pretty-printed events and Elasticsearch hits.

HELK and the MITRE CAR true-positive samples keep one pretty-printed document
per file: an Elasticsearch hit (``_index``, ``_source``) or a bare ``_source``.
A search response (``hits.hits``) contains many hits. Several documents may follow
one another in a file. Each document is one record, referenced ``doc:<i>``
(0-based); the hits of a search response are ``doc:<i>:idx:<j>``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO

import pyarrow as pa

from carhunt.account import RunAccount, Source
from carhunt.readers.base import BatchBuilder, Reader
from carhunt.readers.embedded import expand_embedded_xml
from carhunt.readers.jsonarray import skip_space
from carhunt.readers.text import decode_head, read_text

_DECODER = json.JSONDecoder()


def _hits(document: Any) -> list[Any] | None:
    """Return the hits of an Elasticsearch search response, or None for another document."""
    if not isinstance(document, dict):
        return None
    hits = document.get("hits")
    if isinstance(hits, dict) and isinstance(hits.get("hits"), list):
        return list(hits["hits"])
    return None


class JsonDocumentReader(Reader):
    """Pretty-printed JSON documents: HELK / Elasticsearch hits and _source objects."""

    name = "json_document"
    description = "Pretty-printed JSON documents: HELK / Elasticsearch hits, search responses"

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        text = decode_head(head).lstrip()
        if not text.startswith("{"):
            return False
        return text.split("\n", 1)[0].rstrip() == "{"

    def read(self, stream: BinaryIO, source: Source, account: RunAccount) -> Iterator[pa.Table]:
        text = read_text(stream, account)
        batch = BatchBuilder(source, account)
        position = skip_space(text, 0)
        number = 0
        while position < len(text):
            try:
                document, end = _DECODER.raw_decode(text, position)
            except json.JSONDecodeError as error:
                detail = f"{error.msg} at character {error.pos}; the rest of the input is not read"
                account.skip(source, f"doc:{number}", "invalid_json", detail)
                break
            for ref, payload in self._records(document, text[position:end], number):
                table = batch.add(source.ref(ref), payload)
                if table is not None:
                    yield expand_embedded_xml(table, source, account)
            number += 1
            position = skip_space(text, end)
        table = batch.flush()
        if table is not None:
            yield expand_embedded_xml(table, source, account)

    @staticmethod
    def _records(document: Any, original: str, number: int) -> Iterator[tuple[str, str]]:
        hits = _hits(document)
        if hits is None:
            yield f"doc:{number}", original
            return
        for index, hit in enumerate(hits):
            yield f"doc:{number}:idx:{index}", json.dumps(hit, ensure_ascii=False)
