"""Reader contract: bytes in, batches of raw records out.

A reader turns one input into Arrow record batches of :data:`RAW_SCHEMA`: the
source id, the evidence reference of each record and the record itself as JSON
text in one of the dialects of :mod:`carhunt.normalize.dialects`. Everything after
that (picking fields, Sysmon filtering, CAR mapping) runs as SQL over whole
batches.

Three outcomes, as in every reader here:

* ``sniff`` returns False: not this reader's format, the registry tries the next;
* a bad record or chunk: ``account.skip`` with the offset and reason, reading goes on;
* an exception from ``read``: the input is unreadable; the caller records it in the
  account and moves on to the next input.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO, ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from carhunt.account import RunAccount, Source

RAW_SCHEMA = pa.schema(
    [
        pa.field("source_id", pa.int32(), nullable=False),
        pa.field("ref", pa.string(), nullable=False),
        pa.field("payload", pa.string()),
    ]
)

BATCH_SIZE = 20_000
"""Records per batch: large enough for columnar work, small enough to bound memory."""

SNIFF_BYTES = 4096

# A \uD800-\uDFFF escape in JSON text: only rows with one can hold an unpaired
# surrogate, which DuckDB's JSON functions reject for the whole batch.
_SURROGATE_ESCAPE = r"\\u[dD][89abcdefABCDEF][0-9a-fA-F]{2}"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class Reader(ABC):
    """Base class of input format readers."""

    name: ClassVar[str]
    description: ClassVar[str]

    @classmethod
    @abstractmethod
    def sniff(cls, head: bytes) -> bool:
        """Return True when the first bytes of an input look like this format."""

    @abstractmethod
    def read(self, stream: BinaryIO, source: Source, account: RunAccount) -> Iterator[pa.Table]:
        """Yield batches of raw records; count bad records in ``account``."""


def utf8_array(texts: Sequence[str | None]) -> pa.Array:
    """Return Python strings as an Arrow string array.

    Encoding in Python and viewing the bytes as text is about three times faster
    than ``pa.array(texts, pa.string())`` for text that is not pure ASCII (most
    Sysmon records hold a "®"), measured on pyevtx-rs output. ``str.encode``
    raises UnicodeEncodeError on a lone surrogate, as pyarrow does.
    """
    encoded = [None if text is None else text.encode() for text in texts]
    return pa.array(encoded, pa.binary()).view(pa.string())


class BatchBuilder:
    """Collects (ref, payload) pairs and cuts them into Arrow tables.

    Payloads pass one check on the way out: JSON text whose string values hold an
    unpaired UTF-16 surrogate (a ``\\udXXX`` escape without its partner) gets
    U+FFFD in its place, counted as the ``invalid_utf16`` warning, and the record
    is kept. Valid surrogate pairs are left as they are.
    """

    def __init__(self, source: Source, account: RunAccount, size: int = BATCH_SIZE) -> None:
        self.source = source
        self.account = account
        self.size = size
        self.refs: list[str] = []
        self.payloads: list[str | None] = []

    def add(self, ref: str, payload: str | None) -> pa.Table | None:
        self.refs.append(ref)
        self.payloads.append(payload)
        if len(self.refs) >= self.size:
            return self.flush()
        return None

    def extend(self, refs: Sequence[str], payloads: Sequence[str | None]) -> Iterator[pa.Table]:
        """Add many records at once; yield a table whenever the batch is full."""
        self.refs.extend(refs)
        self.payloads.extend(payloads)
        if len(self.refs) >= self.size:
            table = self.flush()
            if table is not None:
                yield table

    def flush(self) -> pa.Table | None:
        if not self.refs:
            return None
        count = len(self.refs)
        table = pa.table(
            {
                "source_id": pa.array([self.source.source_id] * count, pa.int32()),
                "ref": pa.array(self.refs, pa.string()),
                "payload": self._payload_array(),
            },
            schema=RAW_SCHEMA,
        )
        self.refs = []
        self.payloads = []
        return table

    def _payload_array(self) -> pa.Array:
        try:
            array = utf8_array(self.payloads)
        except UnicodeEncodeError:
            # A Python string with a raw surrogate code point cannot become UTF-8.
            self.payloads = [repair_text(p, self.account) for p in self.payloads]
            array = utf8_array(self.payloads)
        return repair_surrogate_escapes(array, self.account)


def repair_surrogate_escapes(array: pa.Array, account: RunAccount) -> pa.Array:
    """Return JSON texts with each unpaired surrogate escape replaced by U+FFFD.

    One regex over the column finds the rare rows that may contain one. Only
    those rows are decoded, and encoded again where a lone surrogate is found.
    """
    suspects = pc.match_substring_regex(array, _SURROGATE_ESCAPE)
    if not pc.any(suspects).as_py():
        return array
    texts: list[str | None] = array.to_pylist()
    for row in pc.indices_nonzero(suspects).to_pylist():
        texts[row] = _repair_json(texts[row], account)
    return utf8_array(texts)


def repair_text(text: str | None, account: RunAccount) -> str | None:
    """Return text with each lone surrogate code point replaced by U+FFFD, counted."""
    if text is None:
        return None
    repaired, count = _LONE_SURROGATE.subn("\ufffd", text)
    if count:
        account.warn("invalid_utf16", count)
    return repaired


def _repair_json(text: str | None, account: RunAccount) -> str | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return text  # counted later as invalid JSON, with its reference
    before = account.warnings["invalid_utf16"]
    repaired = _map_strings(value, lambda item: repair_text(item, account))
    if account.warnings["invalid_utf16"] == before:
        return text
    return json.dumps(repaired, ensure_ascii=False)


def _map_strings(value: Any, function: Any) -> Any:
    """Return a JSON value with ``function`` applied to every string, keys included."""
    if isinstance(value, str):
        return function(value)
    if isinstance(value, dict):
        return {function(k): _map_strings(v, function) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_strings(item, function) for item in value]
    return value
