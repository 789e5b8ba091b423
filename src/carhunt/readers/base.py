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

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import BinaryIO, ClassVar

import pyarrow as pa

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


class BatchBuilder:
    """Collects (ref, payload) pairs and cuts them into Arrow tables."""

    def __init__(self, source: Source, size: int = BATCH_SIZE) -> None:
        self.source = source
        self.size = size
        self.refs: list[str] = []
        self.payloads: list[str | None] = []

    def add(self, ref: str, payload: str | None) -> pa.Table | None:
        self.refs.append(ref)
        self.payloads.append(payload)
        if len(self.refs) >= self.size:
            return self.flush()
        return None

    def flush(self) -> pa.Table | None:
        if not self.refs:
            return None
        count = len(self.refs)
        table = pa.table(
            {
                "source_id": pa.array([self.source.source_id] * count, pa.int32()),
                "ref": pa.array(self.refs, pa.string()),
                "payload": pa.array(self.payloads, pa.string()),
            },
            schema=RAW_SCHEMA,
        )
        self.refs = []
        self.payloads = []
        return table
