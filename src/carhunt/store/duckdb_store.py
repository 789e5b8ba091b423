"""CAR tables in DuckDB: created from the model, filled batch by batch."""

from __future__ import annotations

import logging
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import duckdb.func
import pyarrow as pa

from carhunt.account import UNMAPPED_SYSMON, RunAccount, Source
from carhunt.errors import StoreError, UsageError
from carhunt.model import car
from carhunt.model.mapping import EVENT_TABLES
from carhunt.normalize.car_sql import insert_sql
from carhunt.normalize.envelope import INVALID, UNKNOWN, envelope_sql, quote
from carhunt.normalize.finalize import FlowOrientation, finalized_selects
from carhunt.normalize.values import canonical_ip_array

log = logging.getLogger(__name__)

SQL_TYPES = {
    car.FieldType.TEXT: "VARCHAR",
    car.FieldType.INT: "BIGINT",
    car.FieldType.TIMESTAMP: "TIMESTAMP",
    car.FieldType.BOOL: "BOOLEAN",
}

SOURCES_TABLE = "sources"
EXAMPLE_LIMIT = 20


def create_table_sql(table: car.ObjectAction) -> str:
    columns = ", ".join(f"{quote(c.name)} {SQL_TYPES[c.type]}" for c in table.columns)
    return f"CREATE TABLE IF NOT EXISTS {quote(table.table)} ({columns})"


@dataclass
class PassTally:
    """Counts of one normalization pass, to add to the run account."""

    normalized: Counter[str] = field(default_factory=Counter)
    not_sysmon: int = 0
    skipped: list[tuple[str, int, list[tuple[int, str]]]] = field(default_factory=list)
    """(reason, count, example (source id, ref) pairs) of skipped records."""
    flags: Counter[str] = field(default_factory=Counter)
    present: set[int] = field(default_factory=set)
    """Mapped Sysmon event ids in the pass."""

    def skip(
        self, cursor: duckdb.DuckDBPyConnection, reason: str, count: int, where: str
    ) -> None:
        rows = cursor.execute(
            f"SELECT source_id, ref FROM env WHERE {where} LIMIT {EXAMPLE_LIMIT}"
        ).fetchall()
        self.skipped.append((reason, count, [(int(r[0]), str(r[1])) for r in rows]))

    def apply(self, account: RunAccount) -> None:
        """Add the counts to the account, whose error policy then applies to the skipped records."""
        for reason, count, examples in self.skipped:
            found = [
                (account.sources.get(source_id) or Source(source_id, f"source {source_id}"), ref)
                for source_id, ref in examples
            ]
            account.skip_records(reason, count, found)
        account.read += self.not_sysmon + sum(self.normalized.values())
        account.not_sysmon += self.not_sysmon
        account.normalized.update(self.normalized)
        account.flags.update({k: v for k, v in self.flags.items() if v})


class Store:
    """A DuckDB database holding the CAR tables and the list of ingested sources.

    ``path=None`` keeps everything in memory; a path keeps it in a file that a
    later run opens with ``--db`` and queries without parsing again.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        threads: int | None = None,
        memory_limit: str | None = None,
    ) -> None:
        database = ":memory:" if path is None else str(path)
        try:
            self.con = duckdb.connect(database)
        except duckdb.Error as error:
            raise StoreError(f"cannot open DuckDB store {database}: {error}") from error
        self._spill: tempfile.TemporaryDirectory[str] | None = None
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        # DuckDB draws its own progress bar on long queries; the CLI draws one already.
        self.con.execute("SET enable_progress_bar = false")
        # Rows of a CAR table have no order anyway; without keeping it, DuckDB
        # streams large INSERT ... SELECT statements in less memory.
        self.con.execute("SET preserve_insertion_order = false")
        if memory_limit:
            self._limit_memory(memory_limit, in_memory=path is None)
        self.con.create_function(
            "carhunt_ip", canonical_ip_array, ["VARCHAR"], "VARCHAR", type=duckdb.func.ARROW
        )
        for table in car.OBJECT_ACTIONS:
            self.con.execute(create_table_sql(table))
        self.con.execute(
            f"CREATE TABLE IF NOT EXISTS {SOURCES_TABLE} (source_id INTEGER PRIMARY KEY, "
            "path VARCHAR, member VARCHAR, format VARCHAR, sha256 VARCHAR)"
        )
        self._envelope = envelope_sql("batch")
        # Each thread normalizes on a cursor of its own (a connection to the same
        # database), so passes may run in background threads beside this connection.
        self._local = threading.local()
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self._cursors_lock = threading.Lock()
        self._inserts = {event_id: insert_sql(event_id) for event_id in EVENT_TABLES}

    def _limit_memory(self, limit: str, in_memory: bool) -> None:
        """Bound DuckDB's memory, beyond which tables and operators spill to disk.

        An in-memory store spills to a temporary folder of its own, because DuckDB
        would use ``.tmp`` in the working directory. A file store spills beside its file.
        """
        try:
            self.con.execute("SET memory_limit = ?", [limit])
        except duckdb.Error as error:
            raise UsageError(f"invalid memory limit {limit!r}: {error}") from error
        if in_memory:
            self._spill = tempfile.TemporaryDirectory(prefix="carhunt-spill-")
            self.con.execute("SET temp_directory = ?", [self._spill.name])

    def close(self) -> None:
        for cursor in self._cursors:
            cursor.close()
        self.con.close()
        if self._spill is not None:
            self._spill.cleanup()

    def next_source_id(self) -> int:
        # fetchall() throughout: DuckDB rejects the next statement while a result is unread.
        rows = self.con.execute(f"SELECT coalesce(max(source_id), 0) FROM {SOURCES_TABLE}")
        return int(rows.fetchall()[0][0]) + 1

    def add_source(self, source: Source) -> None:
        self.con.execute(
            f"INSERT INTO {SOURCES_TABLE} VALUES (?, ?, ?, ?, ?)",
            [source.source_id, source.path, source.member, source.format, source.sha256],
        )

    def has_source(self, sha256: str, member: str | None = None) -> bool:
        """Return True when a file (or archive member) with this hash is already stored."""
        row = self.con.execute(
            f"SELECT count(*) FROM {SOURCES_TABLE} WHERE sha256 = ? "
            "AND member IS NOT DISTINCT FROM ?",
            [sha256, member],
        ).fetchall()
        return bool(row and row[0][0])

    def sources(self) -> dict[int, Source]:
        rows = self.con.execute(
            f"SELECT source_id, path, member, format, sha256 FROM {SOURCES_TABLE}"
        )
        return {
            int(r[0]): Source(int(r[0]), r[1], r[2], r[3] or "", r[4] or "")
            for r in rows.fetchall()
        }

    def ingest(self, batch: pa.Table, account: RunAccount) -> None:
        """Normalize one raw batch into the CAR tables and count every record."""
        self.normalize(batch).apply(account)

    def normalize(self, batch: pa.Table) -> PassTally:
        """Normalize one raw batch into the CAR tables; return its counts for the account.

        Runs on a cursor of the calling thread, so background threads may call
        it at once, beside this thread registering sources. The caller applies
        the tally to the run account in its own thread (see
        :class:`carhunt.ingest.PassQueue`).
        """
        cursor = self._thread_cursor()
        cursor.register("batch", batch)
        try:
            cursor.execute(f"CREATE OR REPLACE TEMP TABLE env AS {self._envelope}")
        finally:
            cursor.unregister("batch")
        tally = self._tally(cursor)
        for event_id in sorted(tally.present):
            cursor.execute(self._inserts[event_id])
        return tally

    def _thread_cursor(self) -> duckdb.DuckDBPyConnection:
        cursor: duckdb.DuckDBPyConnection | None = getattr(self._local, "cursor", None)
        if cursor is None:
            with self._cursors_lock:
                cursor = self.con.cursor()
                self._cursors.append(cursor)
            self._local.cursor = cursor
        return cursor

    def _tally(self, cursor: duckdb.DuckDBPyConnection) -> PassTally:
        """Count the envelope rows by outcome, with example refs of skipped ones."""
        tally = PassTally()
        rows = cursor.execute(
            "SELECT dialect, is_sysmon, event_id, count(*) FROM env GROUP BY ALL"
        ).fetchall()
        for dialect, is_sysmon, event_id, count in rows:
            if dialect == INVALID:
                tally.skip(cursor, "invalid_json", count, f"dialect = '{INVALID}'")
            elif dialect == UNKNOWN:
                tally.skip(cursor, "unrecognized_record", count, f"dialect = '{UNKNOWN}'")
            elif not is_sysmon:
                tally.not_sysmon += count
            elif event_id is None:
                tally.skip(cursor, "missing_event_id", count, "is_sysmon AND event_id IS NULL")
            elif event_id not in EVENT_TABLES:
                # Recognized Sysmon events that CAR's Sysmon 3.2 model has no table for.
                tally.normalized[UNMAPPED_SYSMON] += count
            else:
                tally.normalized[EVENT_TABLES[event_id]] += count
                tally.present.add(event_id)
        flags = cursor.execute(
            "SELECT count(*) FILTER (WHERE \"UtcTime\" IS NULL AND transport_time IS NOT NULL), "
            "count(*) FILTER (WHERE host_unknown) FROM env WHERE is_sysmon"
        ).fetchall()
        # fetchall(), not fetchone(): a result left unfinished blocks the cursor's next query.
        for transport, hostless in flags:
            tally.flags["time_from_transport"] += int(transport or 0)
            tally.flags["host_unknown"] += int(hostless or 0)
        return tally

    def finalize(self, orientation: FlowOrientation = FlowOrientation.AUTO) -> None:
        """Fill derived users and orient flows over everything loaded so far."""
        for table, select in finalized_selects(orientation, quote).items():
            self.con.execute(f"CREATE OR REPLACE TABLE {quote(table)} AS {select}")

    def query(self, sql: str, parameters: dict[str, Any] | None = None) -> pa.Table:
        relation = self.con.sql(sql, params=parameters or None)
        if relation is None:
            raise StoreError(f"query returned no result set: {sql[:80]}")
        return relation.to_arrow_table()

    def count(self, table: str) -> int:
        rows = self.con.execute(f"SELECT count(*) FROM {quote(table)}").fetchall()
        return int(rows[0][0]) if rows else 0
