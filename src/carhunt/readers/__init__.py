"""Input readers, one module per format, registered in :data:`READERS`.

Formats are detected by content (:func:`detect`), never by file name, in the
registration order below, which is the detection order. Compressed files and
archives are not readers: :mod:`carhunt.readers.inputs` unpacks them first and
detects the format of what they contain.
"""

from __future__ import annotations

from carhunt.readers.base import SNIFF_BYTES, Reader
from carhunt.readers.evtx import EvtxReader
from carhunt.readers.jsonarray import JsonArrayReader
from carhunt.readers.jsondoc import JsonDocumentReader
from carhunt.readers.jsonl import JsonLinesReader
from carhunt.readers.syslog import LinuxSyslogReader
from carhunt.readers.xml import EventXmlReader
from carhunt.registry import Registry

READERS: Registry[type[Reader]] = Registry("input format")

for _reader in (
    EvtxReader,
    EventXmlReader,
    JsonArrayReader,
    JsonDocumentReader,
    JsonLinesReader,
    LinuxSyslogReader,
):
    READERS.register(_reader.name, _reader)


def detect(head: bytes) -> type[Reader] | None:
    """Return the first reader whose ``sniff`` accepts these leading bytes."""
    for reader in READERS:
        if reader.sniff(head):
            return reader
    return None


__all__ = ["READERS", "SNIFF_BYTES", "Reader", "detect"]
