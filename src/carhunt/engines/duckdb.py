"""The DuckDB engine: the default, and the reference the other engines must match."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from carhunt.engines.base import Engine, EngineSettings
from carhunt.errors import EngineError
from carhunt.model import car
from carhunt.normalize.envelope import quote
from carhunt.normalize.finalize import FlowOrientation
from carhunt.store.duckdb_store import SQL_TYPES, Store
from carhunt.store.parquet_store import LOGGED_PREFIX, ParquetStore, car_table_selects


class DuckDBEngine(Engine):
    """Runs analytics in a DuckDB store, or in DuckDB over a Parquet data set."""

    name = "duckdb"
    description = "DuckDB, embedded, in memory or in a --db file (default)"
    dialect = "duckdb"

    def __init__(self, store: Store | None = None, settings: EngineSettings | None = None) -> None:
        self.store = store
        if store is not None:
            self.con = store.con
            return
        try:
            self.con = duckdb.connect(":memory:")
        except duckdb.Error as error:
            raise EngineError(f"cannot start DuckDB: {error}") from error
        threads = (settings or EngineSettings()).threads
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")

    @classmethod
    def open(cls, settings: EngineSettings) -> DuckDBEngine:
        return cls(None, settings)

    def run(self, sql: str) -> pa.Table:
        if self.store is not None:
            return self.store.query(sql)
        return self.con.sql(sql).to_arrow_table()

    def load_parquet(self, store: ParquetStore, cache: bool = False) -> None:
        for table in car.OBJECT_ACTIONS:
            logged = quote(LOGGED_PREFIX + table.table)
            files = store.table_files(table.table)
            if not files:
                # An empty table of the model's types, so that queries still bind.
                typed = ", ".join(f"{quote(c.name)} {SQL_TYPES[c.type]}" for c in table.columns)
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE {logged} ({typed})")
                continue
            listed = ", ".join("'" + str(path).replace("'", "''") + "'" for path in files)
            columns = ", ".join(quote(name) for name in table.column_names)
            kind = "TEMP TABLE" if cache else "TEMP VIEW"
            self.con.execute(
                f"CREATE OR REPLACE {kind} {logged} AS SELECT {columns} "
                f"FROM read_parquet([{listed}], hive_partitioning = false)"
            )

    def select_sources(
        self, orientation: FlowOrientation, source_ids: Sequence[int] | None = None
    ) -> None:
        for table, select in car_table_selects(orientation, source_ids).items():
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW {quote(table)} AS {select}")

    def close(self) -> None:
        if self.store is None:
            self.con.close()
