"""The DuckDB engine: the default, and the reference the other engines must match."""

from __future__ import annotations

import pyarrow as pa

from carhunt.engines.base import Engine
from carhunt.store.duckdb_store import Store


class DuckDBEngine(Engine):
    """Runs analytics in the DuckDB store the data was loaded into."""

    name = "duckdb"
    description = "DuckDB, embedded, in memory or in a --db file (default)"
    dialect = "duckdb"

    def __init__(self, store: Store) -> None:
        self.store = store

    def run(self, sql: str) -> pa.Table:
        return self.store.query(sql)
