"""SQL engines that run analytics, registered by name."""

from __future__ import annotations

from carhunt.engines.base import Engine
from carhunt.engines.duckdb import DuckDBEngine
from carhunt.registry import Registry

ENGINES: Registry[type[Engine]] = Registry("engine")
ENGINES.register(DuckDBEngine.name, DuckDBEngine)

__all__ = ["ENGINES", "DuckDBEngine", "Engine"]
