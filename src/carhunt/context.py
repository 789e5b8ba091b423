"""Report context: what outputs show beyond the hits, collected before the store closes.

Outputs render from result objects only and never read the store. Reports that
show evidence events in full, process trees or the coverage of the data ask the
pipeline for this context with ``HuntOptions.collect_context``. The pipeline then
calls :func:`collect_context` while the store is still open.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from carhunt import coverage as cov
from carhunt.analytics.runner import AnalyticResult
from carhunt.hits import Evidence, Hit
from carhunt.model import car
from carhunt.normalize.envelope import quote
from carhunt.process_tree import ProcessIndex, ProcessRef, ProcessTree, build_trees
from carhunt.store.duckdb_store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvidenceEvent:
    """One evidence event in full: every column of its CAR row, nulls included."""

    evidence: Evidence
    event_ref: str
    table: car.ObjectAction
    row: Mapping[str, Any]

    @property
    def time(self) -> dt.datetime | None:
        value = self.row.get(car.TIME)
        return value if isinstance(value, dt.datetime) else None


@dataclass(frozen=True)
class HostSpan:
    """The events of one host in the data set: count and first and last time."""

    hostname: str
    records: int
    first: dt.datetime | None
    last: dt.datetime | None


@dataclass
class DataSetContext:
    """Evidence events, process trees and coverage of one data set."""

    events: dict[Evidence, EvidenceEvent] = field(default_factory=dict)
    trees: dict[str, tuple[ProcessTree, ...]] = field(default_factory=dict)
    """Process trees by the ``event_ref`` of the evidence event that names the processes."""
    data_coverage: list[cov.ObjectCoverage] = field(default_factory=list)
    host_events: list[tuple[str, int, int]] = field(default_factory=list)
    """(host, Sysmon event id, records) for every mapped table."""
    hosts: list[HostSpan] = field(default_factory=list)
    table_rows: dict[str, int] = field(default_factory=dict)
    """Records per CAR table, by table name."""
    field_counts: dict[str, int] = field(default_factory=dict)
    """Non-null values per ``table.column``."""

    def events_for(self, hit: Hit) -> list[EvidenceEvent]:
        """Return the hit's evidence events that were found, in evidence order."""
        return [self.events[item] for item in hit.evidence if item in self.events]

    def trees_for(self, hit: Hit) -> list[ProcessTree]:
        """Return the process trees of a hit without repeating a process.

        Trees of the evidence events at the hit's time come first, and a tree whose
        process already shows in an earlier tree is left out.
        """
        events = self.events_for(hit)
        events.sort(key=lambda event: event.time != hit.time)
        shown: set[str] = set()
        trees = []
        for event in events:
            for tree in self.trees.get(event.event_ref, ()):
                if tree.process.key in shown:
                    continue
                trees.append(tree)
                shown.update(node.key for node in (*tree.ancestors, tree.process, *tree.children))
        return trees

    def analytic_coverage(self, results: Iterable[AnalyticResult]) -> list[cov.AnalyticCoverage]:
        """Return which of the analytics this data set can run, in the order given."""
        return [
            cov.analytic_coverage(
                item.analytic, self.table_rows, self.field_counts, item.reading
            )
            for item in results
        ]


def collect_context(store: Store, results: Sequence[AnalyticResult]) -> DataSetContext:
    """Collect the report context of one data set from its open store."""
    hits = [hit for item in results for hit in item.hits]
    context = DataSetContext()
    context.events = _evidence_events(store, hits)
    context.trees = _trees(store, context.events.values())
    context.data_coverage = cov.data_coverage(store)
    context.host_events = cov.host_event_counts(store)
    context.hosts = _host_spans(store)
    context.table_rows, context.field_counts = cov.field_counts(store)
    log.debug(
        "report context: %d evidence events, %d process trees",
        len(context.events), sum(len(trees) for trees in context.trees.values()),
    )
    return context


def _evidence_events(store: Store, hits: Iterable[Hit]) -> dict[Evidence, EvidenceEvent]:
    """Fetch the CAR row of every evidence event of the hits, one query per table."""
    ids_by_path: dict[str, list[int]] = {}
    for source in store.sources().values():
        ids_by_path.setdefault(source.path, []).append(source.source_id)
    wanted: dict[str, Evidence] = {}
    for hit in hits:
        for item in hit.evidence:
            for source_id in ids_by_path.get(item.path, ()):
                wanted[f"{source_id}/{item.ref}"] = item
    if not wanted:
        return {}
    refs = pa.table({"ref": pa.array(sorted(wanted), pa.string())})
    events: dict[Evidence, EvidenceEvent] = {}
    store.con.register("ctx_refs", refs)
    try:
        for table in car.OBJECT_ACTIONS:
            columns = ", ".join(f"t.{quote(name)}" for name in table.column_names)
            rows = store.con.sql(
                f"SELECT {columns} FROM {quote(table.table)} AS t "
                f"JOIN ctx_refs AS w ON t.{car.EVENT_REF} = w.ref"
            ).to_arrow_table()
            for row in rows.to_pylist():
                event_ref = row[car.EVENT_REF]
                evidence = wanted[event_ref]
                events.setdefault(evidence, EvidenceEvent(evidence, event_ref, table, row))
    finally:
        store.con.unregister("ctx_refs")
    return events


def acting_processes(event: EvidenceEvent) -> list[ProcessRef]:
    """Return the processes an event names: the actor, and for a remote thread its target."""
    row = event.row
    host = row.get("hostname")
    time = event.time
    if event.table is car.PROCESS_CREATE:
        return [ProcessRef(host, row["process_guid"], row["pid"], time, row["image_path"])]
    if event.table is car.THREAD_REMOTE_CREATE:
        return [
            ProcessRef(host, row["src_process_guid"], row["src_pid"], time, row["src_image_path"]),
            ProcessRef(host, row["tgt_process_guid"], row["tgt_pid"], time, row["tgt_image_path"]),
        ]
    if "process_guid" in row or "pid" in row:
        return [
            ProcessRef(host, row.get("process_guid"), row.get("pid"), time, row.get("image_path"))
        ]
    return []


def _trees(store: Store, events: Iterable[EvidenceEvent]) -> dict[str, tuple[ProcessTree, ...]]:
    named: dict[str, ProcessRef] = {}
    owners: dict[str, list[str]] = {}
    for event in events:
        for index, ref in enumerate(acting_processes(event)):
            key = f"{event.event_ref}#{index}"
            named[key] = ref
            owners.setdefault(event.event_ref, []).append(key)
    trees = build_trees(ProcessIndex(store), named)
    return {ref: tuple(trees[key] for key in keys) for ref, keys in owners.items()}


def _host_spans(store: Store) -> list[HostSpan]:
    parts = " UNION ALL ".join(
        f"SELECT hostname, {car.TIME} FROM {quote(table.table)}" for table in car.OBJECT_ACTIONS
    )
    rows = store.con.execute(
        f"SELECT coalesce(hostname, '(unknown)'), count(*), min({car.TIME}), max({car.TIME}) "
        f"FROM ({parts}) GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return [HostSpan(str(host), int(count), first, last) for host, count, first, last in rows]
