"""CAR tables in DuckDB: created from the model, filled batch by batch."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import duckdb
import duckdb.func
import pyarrow as pa

from carhunt.account import UNMAPPED_SYSMON, RunAccount, Source
from carhunt.errors import StoreError
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


class Store:
    """A DuckDB database holding the CAR tables and the list of ingested sources.

    ``path=None`` keeps everything in memory; a path keeps it in a file that a
    later run opens with ``--db`` and queries without parsing again.
    """

    def __init__(self, path: str | Path | None = None, threads: int | None = None) -> None:
        database = ":memory:" if path is None else str(path)
        try:
            self.con = duckdb.connect(database)
        except duckdb.Error as error:
            raise StoreError(f"cannot open DuckDB store {database}: {error}") from error
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        # DuckDB draws its own progress bar on long queries; the CLI draws one already.
        self.con.execute("SET enable_progress_bar = false")
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
        self._inserts = {event_id: insert_sql(event_id) for event_id in EVENT_TABLES}

    def close(self) -> None:
        self.con.close()

    def next_source_id(self) -> int:
        row = self.con.execute(f"SELECT coalesce(max(source_id), 0) FROM {SOURCES_TABLE}")
        value = row.fetchone()
        return int(value[0]) + 1 if value else 1

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
        ).fetchone()
        return bool(row and row[0])

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
        self.con.register("batch", batch)
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE env AS {self._envelope}")
        finally:
            self.con.unregister("batch")
        present = self._count(account)
        for event_id in present:
            self.con.execute(self._inserts[event_id])

    def _count(self, account: RunAccount) -> set[int]:
        """Count the envelope rows by outcome; return the mapped event ids present."""
        present: set[int] = set()
        rows = self.con.execute(
            "SELECT dialect, is_sysmon, event_id, count(*) FROM env GROUP BY ALL"
        ).fetchall()
        for dialect, is_sysmon, event_id, count in rows:
            if dialect == INVALID:
                self._skip(account, "invalid_json", count, f"dialect = '{INVALID}'")
            elif dialect == UNKNOWN:
                self._skip(account, "unrecognized_record", count, f"dialect = '{UNKNOWN}'")
            elif not is_sysmon:
                account.read += count
                account.not_sysmon += count
            elif event_id is None:
                self._skip(account, "missing_event_id", count, "is_sysmon AND event_id IS NULL")
            elif event_id not in EVENT_TABLES:
                # Recognized Sysmon events that CAR's Sysmon 3.2 model has no table for.
                account.read += count
                account.normalized[UNMAPPED_SYSMON] += count
            else:
                account.read += count
                account.normalized[EVENT_TABLES[event_id]] += count
                present.add(event_id)
        transport = self.con.execute(
            "SELECT count(*) FROM env WHERE is_sysmon AND \"UtcTime\" IS NULL "
            "AND transport_time IS NOT NULL"
        ).fetchone()
        if transport and transport[0]:
            account.flags["time_from_transport"] += int(transport[0])
        hostless = self.con.execute(
            "SELECT count(*) FROM env WHERE is_sysmon AND host_unknown"
        ).fetchone()
        if hostless and hostless[0]:
            account.flags["host_unknown"] += int(hostless[0])
        return present

    def _skip(self, account: RunAccount, reason: str, count: int, where: str) -> None:
        rows = self.con.execute(
            f"SELECT source_id, ref FROM env WHERE {where} LIMIT {EXAMPLE_LIMIT}"
        ).fetchall()
        found = []
        for source_id, ref in rows:
            source = account.sources.get(int(source_id))
            found.append((source or Source(int(source_id), f"source {source_id}"), str(ref)))
        account.skip_records(reason, count, found)

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
        row = self.con.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()
        return int(row[0]) if row else 0
