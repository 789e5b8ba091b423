"""Hits: the typed result of an analytic, which every output renders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from carhunt.account import Source
from carhunt.analytics.base import LIST_COLUMNS, Analytic, Reading

# Sort key for hits without a time; CAR times are naive UTC.
EPOCH = dt.datetime(1970, 1, 1)  # noqa: DTZ001


@dataclass(frozen=True, order=True)
class Evidence:
    """One event a hit rests on: the input file and the reference inside it."""

    path: str
    ref: str


@dataclass(frozen=True)
class Hit:
    """One detection of one analytic."""

    analytic_id: str
    title: str
    reading: Reading
    time: dt.datetime | None
    hostname: str | None
    techniques: tuple[str, ...]
    tactics: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    fields: Mapping[str, Any] = field(default_factory=dict)
    matched_subrules: tuple[str, ...] = ()
    field_missing: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "analytic": self.analytic_id,
            "title": self.title,
            "reading": self.reading.value,
            "time": self.time.isoformat(timespec="milliseconds") + "Z" if self.time else None,
            "hostname": self.hostname,
            "techniques": list(self.techniques),
            "tactics": list(self.tactics),
            "matched_subrules": list(self.matched_subrules),
            "field_missing": list(self.field_missing),
            "flags": list(self.flags),
            "fields": {key: _jsonable(value) for key, value in self.fields.items()},
            "evidence": [{"file": item.path, "ref": item.ref} for item in self.evidence],
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def resolve_evidence(event_ref: str, sources: Mapping[int, Source]) -> Evidence:
    """Turn an ``event_ref`` (``<source_id>/<ref>``) into the file path and reference."""
    source_id, _, ref = event_ref.partition("/")
    source = sources.get(int(source_id)) if source_id.isdigit() else None
    return Evidence(source.path if source else f"source {source_id}", ref)


def hits_from_table(
    analytic: Analytic,
    reading: Reading,
    table: pa.Table,
    sources: Mapping[int, Source],
) -> list[Hit]:
    """Build hits from the rows an analytic query returned."""
    techniques = tuple(dict.fromkeys(t.id for t in analytic.techniques))
    hits = []
    for row in table.to_pylist():
        evidence = tuple(
            sorted(resolve_evidence(ref, sources) for ref in (row.pop("evidence") or []))
        )
        lists = {name: tuple(row.pop(name, None) or ()) for name in LIST_COLUMNS[1:]}
        time = row.pop("time")
        hostname = row.pop("hostname")
        hits.append(
            Hit(
                analytic_id=analytic.id,
                title=analytic.title,
                reading=reading,
                time=time,
                hostname=hostname,
                techniques=techniques,
                tactics=analytic.tactics,
                evidence=evidence,
                fields=row,
                matched_subrules=lists["matched_subrules"],
                field_missing=lists["field_missing"],
                flags=lists["flags"],
            )
        )
    hits.sort(key=lambda hit: (hit.time is not None, hit.time or EPOCH, hit.evidence))
    return hits
