"""The Spark engine: the same analytics over a Parquet data set, on a Spark cluster.

PySpark is an optional extra (``pip install 'carhunt[spark]'``) and is imported
only when a Spark engine starts. The engine runs locally (``local[*]`` by
default), on any Spark master URL, or through Spark Connect (``sc://host:port``).
Queries are the analytics' DuckDB text translated by
:mod:`carhunt.engines.spark_dialect`; results come back as Arrow tables, the
same shape the DuckDB engine returns.

Paths of the data set and of the input files must be readable under the same
name on the driver and on every executor (a shared file system).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from carhunt.engines.base import Engine, EngineSettings
from carhunt.engines.spark_dialect import DIALECT, to_spark
from carhunt.errors import EngineError
from carhunt.model import car
from carhunt.normalize.finalize import FlowOrientation
from carhunt.readers.inputs import InputItem
from carhunt.store.parquet_ingest import normalize_item_safely, staged_from_json
from carhunt.store.parquet_store import LOGGED_PREFIX, ParquetStore, StagedFile, car_table_selects

log = logging.getLogger(__name__)

INSTALL_HINT = "the spark engine needs PySpark: pip install 'carhunt[spark]'"
DEFAULT_MASTER = "local[*]"

SPARK_TYPES = {
    car.FieldType.TEXT: "STRING",
    car.FieldType.INT: "BIGINT",
    # DuckDB writes CAR times as Parquet timestamps without a time zone.
    car.FieldType.TIMESTAMP: "TIMESTAMP_NTZ",
    car.FieldType.BOOL: "BOOLEAN",
}


def spark_schema(table: car.ObjectAction) -> str:
    """Return a table's columns as a Spark DDL schema string."""
    return ", ".join(f"`{c.name}` {SPARK_TYPES[c.type]}" for c in table.columns)


def _session_class() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise EngineError(INSTALL_HINT) from error
    return SparkSession


def configured_master() -> str:
    """Return the master that spark-submit or spark-defaults.conf sets, else local[*]."""
    from pyspark import SparkConf

    master: str = SparkConf().get("spark.master", DEFAULT_MASTER) or DEFAULT_MASTER
    return master


def start_session(master: str | None = None) -> Any:
    """Return a Spark session for a master URL or Spark Connect address, UTC times.

    Without ``master`` the session runs where spark-submit or
    spark-defaults.conf sets, else in local mode on every core. An active
    session of this process is reused with its settings.
    """
    session_class = _session_class()
    address = master or configured_master()
    builder = session_class.builder.appName("carhunt")
    if address.startswith("sc://"):
        builder = builder.remote(address)
    else:
        builder = builder.master(address)
        if address.startswith("local"):
            # Local Python workers must import carhunt from this interpreter's
            # environment; PySpark starts them with PYSPARK_PYTHON.
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            builder = builder.config("spark.ui.enabled", "false")
            cores = os.cpu_count() or 1
            builder = builder.config("spark.sql.shuffle.partitions", str(max(2, 2 * cores)))
    builder = builder.config("spark.sql.session.timeZone", "UTC")
    # Standard error carries carhunt's progress and record account, not Spark's.
    builder = builder.config("spark.ui.showConsoleProgress", "false")
    try:
        session = builder.getOrCreate()
    except Exception as error:
        # Py4J and Spark Connect raise their own exception types while starting.
        raise EngineError(f"cannot start Spark at {address}: {error}") from error
    session.conf.set("spark.sql.session.timeZone", "UTC")
    if not address.startswith("sc://"):
        session.sparkContext.setLogLevel("ERROR")
    return session


def _active_session() -> Any:
    return _session_class().getActiveSession()


class SparkEngine(Engine):
    """Runs analytics as Spark SQL over a Parquet data set."""

    name = "spark"
    description = "Apache Spark over a --parquet data set: local[*], a master URL or sc://"
    dialect = DIALECT

    def __init__(self, session: Any, owned: bool = False) -> None:
        self.session = session
        self.owned = owned
        """True when this engine started the session and stops it on close."""
        self._cached: list[Any] = []

    @classmethod
    def open(cls, settings: EngineSettings) -> SparkEngine:
        existing = _active_session()
        session = start_session(settings.master)
        return cls(session, owned=existing is None)

    def run(self, sql: str) -> pa.Table:
        table: pa.Table = self.session.sql(sql).toArrow()
        return table

    def load_parquet(self, store: ParquetStore, cache: bool = False) -> None:
        for table in car.OBJECT_ACTIONS:
            files = [str(path) for path in store.table_files(table.table)]
            if files:
                reader = self.session.read.option("basePath", str(store.table_path(table.table)))
                frame = reader.parquet(*files).selectExpr(
                    *(
                        f"CAST(`{c.name}` AS {SPARK_TYPES[c.type]}) AS `{c.name}`"
                        for c in table.columns
                    )
                )
            else:
                frame = self.session.createDataFrame([], spark_schema(table))
            if cache:
                frame = frame.persist()
                self._cached.append(frame)
            frame.createOrReplaceTempView(LOGGED_PREFIX + table.table)

    def select_sources(
        self, orientation: FlowOrientation, source_ids: Sequence[int] | None = None
    ) -> None:
        for table, select in car_table_selects(orientation, source_ids).items():
            self.session.sql(to_spark(select)).createOrReplaceTempView(table)

    def parse_files(
        self,
        items: Iterable[InputItem],
        store: ParquetStore,
        known: Collection[str] = (),
    ) -> Iterator[StagedFile]:
        """Parse and normalize plain files on the executors, one Spark task per file.

        Archive members and standard input exist only in this process's
        memory, so they are normalized here, one after another.
        """
        rows = []
        for item in items:
            if item.member is None and item.file is not None:
                # The executor opens the file by its path.
                item.stream.close()
                rows.append((str(item.file), item.reader.name))
            else:
                yield normalize_item_safely(item, store.root, known)
        if not rows:
            return
        frame = self.session.createDataFrame(rows, "path STRING, reader STRING")
        tasks = frame.repartition(len(rows)).mapInArrow(
            _task(str(store.root), sorted(known)), "result STRING"
        )
        for row in tasks.collect():
            yield staged_from_json(row["result"])

    def close(self) -> None:
        for frame in self._cached:
            frame.unpersist()
        self._cached.clear()
        if self.owned:
            self.session.stop()


def _task(root: str, known: list[str]) -> Any:
    """Return the function each Spark task runs over its share of the file list."""

    def work(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        # Runs on an executor: carhunt must be installed there.
        from carhunt.store.parquet_ingest import normalize_file_safely, staged_to_json

        skip = frozenset(known)
        for batch in batches:
            results = [
                staged_to_json(normalize_file_safely(Path(path), reader, Path(root), skip))
                for path, reader in zip(
                    batch.column("path").to_pylist(),
                    batch.column("reader").to_pylist(),
                    strict=True,
                )
            ]
            yield pa.RecordBatch.from_pydict({"result": results})

    return work
