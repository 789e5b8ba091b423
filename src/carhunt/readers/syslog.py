"""Sysmon for Linux events in syslog files.

Sysmon for Linux logs one syslog line per event: the syslog prefix, the
program name ``sysmon`` and the event as XML without a namespace, for example::

    Nov 24 09:59:47 host1 sysmon: <Event><System><Provider Name="Linux-Sysmon" ...

The prefix differs by syslog daemon (classic ``MMM dd HH:MM:SS host``, RFC 5424
timestamps, a leading ``<PRI>``), so only the ``sysmon:`` tag and the XML after
it are relied on. Other lines of a shared syslog file are counted as not Sysmon.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa

from carhunt.account import RunAccount, Source
from carhunt.readers.base import BatchBuilder, Reader
from carhunt.readers.eventxml import parse_event
from carhunt.readers.text import decode_head, iter_lines, iter_text

SYSMON_LINE = re.compile(r"\bsysmon(?:\[\d+\])?:\s*(<Event>.*)$")
_MARKUP_OR_JSON = re.compile(r"\s*(?:[{\[]|<(?!\d{1,3}>))")
"""Text that opens as JSON or XML (but not with a syslog ``<PRI>``) is another format."""


class LinuxSyslogReader(Reader):
    """Syslog text with Sysmon for Linux ``sysmon: <Event>...`` lines."""

    name = "syslog"
    description = "Sysmon for Linux events in syslog files (sysmon: <Event>... lines)"

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        text = decode_head(head)
        if _MARKUP_OR_JSON.match(text):
            return False
        return any(SYSMON_LINE.search(line) for line in text.splitlines())

    def read(self, stream: BinaryIO, source: Source, account: RunAccount) -> Iterator[pa.Table]:
        batch = BatchBuilder(source, account)
        for number, line in iter_lines(iter_text(stream, account)):
            table = self._add(batch, line, number, account)
            if table is not None:
                yield table
        table = batch.flush()
        if table is not None:
            yield table

    @staticmethod
    def _add(batch: BatchBuilder, line: str, number: int, account: RunAccount) -> pa.Table | None:
        line = line.strip()
        if not line:
            return None
        found = SYSMON_LINE.search(line)
        if found is None:
            account.read += 1
            account.not_sysmon += 1
            return None
        parsed = parse_event(found.group(1))
        ref = batch.source.ref(f"line:{number}")
        if parsed.tree is None:
            account.skip(batch.source, f"line:{number}", "xml_not_well_formed", parsed.error)
            return None
        return batch.add(ref, parsed.payload())
