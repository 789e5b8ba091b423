"""The DuckDB store of CAR tables: in memory, or a file that can be queried again."""

from carhunt.store.duckdb_store import Store

__all__ = ["Store"]
