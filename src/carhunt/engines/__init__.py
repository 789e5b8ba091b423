"""SQL engines that run analytics, registered by name.

The Spark engine is always registered; PySpark itself is imported only when
it starts, so that a missing extra is one error line, not an import failure.
"""

from __future__ import annotations

from carhunt.engines.base import Engine, EngineSettings
from carhunt.engines.duckdb import DuckDBEngine
from carhunt.engines.spark import SparkEngine
from carhunt.registry import Registry

ENGINES: Registry[type[Engine]] = Registry("engine")
for _engine in (DuckDBEngine, SparkEngine):
    ENGINES.register(_engine.name, _engine)

__all__ = ["ENGINES", "DuckDBEngine", "Engine", "EngineSettings", "SparkEngine"]
