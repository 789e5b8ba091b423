"""Windows Event XML: wevtutil, Event Viewer, PowerShell ``ToXml()``, python-evtx, Splunk.

All of these write ``<Event>`` elements of the same schema, in different
wrappings:

* ``wevtutil qe ... /f:xml`` (and ``/f:RenderedXml``): events back to back with
  no root element and no XML declaration, so the text is not one well-formed
  document; redirected in Windows PowerShell 5.1 it is UTF-16LE with a BOM;
* Event Viewer "Save All Events As... XML" and python-evtx ``evtx_dump.py``: an
  ``<?xml ...?>`` declaration and an ``<Events>`` root;
* Splunk ``XmlWinEventLog``: one event per line;
* events pasted one after another from Event Viewer's XML view, pretty-printed,
  sometimes with ``&`` left unescaped.

The reader therefore cuts the text into ``<Event>...</Event>`` spans itself and
parses each span on its own, so one damaged event costs only that event.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa

from carhunt.account import RunAccount, Source
from carhunt.readers.base import BatchBuilder, Reader
from carhunt.readers.eventxml import parse_event
from carhunt.readers.text import decode_head, iter_text

_PROLOG = re.compile(r"\s*(?:<\?xml[^>]*\?>\s*|<!--.*?-->\s*)*", re.S)
_OPENING = re.compile(r"<Events?[\s>/]")
_TOKEN = re.compile(r"<Event[\s>/]|</Event\s*>")
_KEEP_TAIL = 16
"""Characters kept from the end of a block with no open event: a tag cut in two."""


class EventXmlReader(Reader):
    """Windows Event XML: one ``<Event>`` after another, with or without ``<Events>``."""

    name = "xml"
    description = (
        "Windows Event XML: wevtutil /f:xml and /f:RenderedXml, Event Viewer and "
        "python-evtx <Events> exports, Splunk XmlWinEventLog, UTF-8 or UTF-16"
    )

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        text = decode_head(head)
        start = _PROLOG.match(text)
        rest = text[start.end() :] if start else text
        return _OPENING.match(rest) is not None

    def read(self, stream: BinaryIO, source: Source, account: RunAccount) -> Iterator[pa.Table]:
        batch = BatchBuilder(source, account)
        index = 0
        pending = ""
        for block in iter_text(stream, account):
            spans, pending = _split(pending + block)
            for text, closed in spans:
                table = self._add(batch, text, closed, index, account)
                index += 1
                if table is not None:
                    yield table
        if _TOKEN.search(pending):
            account.skip(
                source, f"idx:{index}", "xml_event_not_closed", "input ends inside an <Event>"
            )
        table = batch.flush()
        if table is not None:
            yield table

    @staticmethod
    def _add(
        batch: BatchBuilder, text: str, closed: bool, index: int, account: RunAccount
    ) -> pa.Table | None:
        source = batch.source
        if not closed:
            account.skip(
                source,
                f"idx:{index}",
                "xml_event_not_closed",
                "an <Event> starts before the previous one ends",
            )
            return None
        parsed = parse_event(text)
        if parsed.tree is None:
            account.skip(source, f"idx:{index}", "xml_not_well_formed", parsed.error)
            return None
        local = f"rec:{parsed.record_id}" if parsed.record_id else f"idx:{index}"
        if parsed.replaced_surrogates:
            account.warn("invalid_utf16", parsed.replaced_surrogates)
        if parsed.repaired_ampersands:
            account.anomaly(
                source,
                local,
                "xml_unescaped_ampersand",
                f"{parsed.repaired_ampersands} bare '&' taken literally to read the event",
            )
        return batch.add(source.ref(local), parsed.payload())


def _split(text: str) -> tuple[list[tuple[str, bool]], str]:
    """Cut text into event spans; return them (with a closed flag) and the unfinished rest."""
    spans: list[tuple[str, bool]] = []
    start: int | None = None
    consumed = 0
    for token in _TOKEN.finditer(text):
        if token.group().startswith("</"):
            if start is not None:
                spans.append((text[start : token.end()], True))
                start = None
            consumed = token.end()
        else:
            if start is not None:
                spans.append((text[start : token.start()], False))
            start = token.start()
    if start is not None:
        return spans, text[start:]
    return spans, text[max(consumed, len(text) - _KEEP_TAIL) :]
