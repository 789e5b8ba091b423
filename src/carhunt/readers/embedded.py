"""Event XML carried inside JSON records, turned into the evtx-rs JSON tree.

Some JSON exports carry the event itself as an XML string:

* Azure Log Analytics ``Syslog`` rows: Sysmon for Linux XML in ``SyslogMessage``;
* Splunk JSON exports: the ``XmlWinEventLog`` event in ``_raw`` (or ``result._raw``);
* Azure's older ``Event`` table: only ``EventData`` as an XML string.

A regular expression over the whole batch column finds the few rows that carry
such XML; only those are parsed in Python. The row keeps its evidence reference.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from carhunt.account import RunAccount, Source
from carhunt.readers.eventxml import event_data_items, parse_event

_CARRIERS = ("SyslogMessage", "_raw")
_CARRIER_PATTERN = (
    r'"(?:SyslogMessage|_raw)"\s*:\s*"[^"]*(?:<|\\u003[cC])Event[\s>\\]'
    r'|"EventData"\s*:\s*"\s*(?:<|\\u003[cC])'
)


def expand_embedded_xml(table: pa.Table, source: Source, account: RunAccount) -> pa.Table:
    """Return the batch with embedded event XML replaced by the evtx-rs JSON tree.

    A carried event that is not well-formed is counted as skipped and its row
    is dropped from the batch.
    """
    payloads = table.column("payload")
    found = pc.match_substring_regex(payloads, _CARRIER_PATTERN)
    if not pc.any(found).as_py():
        return table
    texts = payloads.to_pylist()
    refs = table.column("ref").to_pylist()
    keep = [True] * len(texts)
    for row in pc.indices_nonzero(found).to_pylist():
        expanded, error = _expand(texts[row])
        if error:
            account.skip(source, refs[row], "xml_not_well_formed", error)
            keep[row] = False
        else:
            texts[row] = expanded
    table = table.set_column(
        table.schema.get_field_index("payload"), "payload", pa.array(texts, pa.string())
    )
    return table.filter(pa.array(keep))


def _expand(text: str) -> tuple[str, str]:
    """Return (new payload, error); the payload is unchanged when nothing is carried."""
    try:
        record = json.loads(text)
    except ValueError:
        return text, ""
    if not isinstance(record, dict):
        return text, ""
    holders: list[dict[str, Any]] = [record]
    if isinstance(record.get("result"), dict):
        holders.append(record["result"])
    for holder in holders:
        for key in _CARRIERS:
            value = holder.get(key)
            if isinstance(value, str) and "<Event" in value:
                parsed = parse_event(value[value.index("<Event") :].strip())
                if parsed.tree is None:
                    return text, parsed.error
                return parsed.payload(), ""
    event_data = record.get("EventData")
    if isinstance(event_data, str) and event_data.lstrip().startswith("<"):
        items = event_data_items(event_data.strip())
        if items is not None:
            record["EventData"] = items
            return json.dumps(record, ensure_ascii=False), ""
    return text, ""
