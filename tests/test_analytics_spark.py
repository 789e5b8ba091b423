"""The Spark rendering of every analytic finds the same hits as DuckDB.

The CAR tables of one real corpus file are copied from DuckDB into Spark temporary
views, and each analytic runs in both readings on both engines.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from carhunt.account import RunAccount
from carhunt.analytics import load_analytics
from carhunt.analytics.base import Reading, render
from carhunt.analytics.baseline import baseline_window
from carhunt.engines.duckdb import DuckDBEngine
from carhunt.model import car
from carhunt.pipeline import HuntOptions, ingest
from carhunt.readers.inputs import iter_inputs
from carhunt.store.duckdb_store import Store

pyspark_sql = pytest.importorskip("pyspark.sql", reason="pyspark is not installed")

SPARK_TYPES = {
    car.FieldType.TEXT: "string",
    car.FieldType.INT: "bigint",
    car.FieldType.TIMESTAMP: "timestamp",
    car.FieldType.BOOL: "boolean",
}
# A remote service start: process, network and RPC analytics all have hits in it.
SAMPLE = (
    "Security-Datasets/datasets/atomic/windows/lateral_movement/host/"
    "empire_psexec_dcerpc_tcp_svcctl/empire_psexec_dcerpc_tcp_svcctl_2020-09-20121608.json"
)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    yield session
    session.stop()


def _evidence(rows: list[dict[str, Any]]) -> list[list[str]]:
    return sorted(sorted(row["evidence"]) for row in rows)


@pytest.mark.spark
@pytest.mark.corpus
def test_spark_hits_equal_duckdb(corpus: Path, spark: Any) -> None:
    account = RunAccount()
    store = Store()
    try:
        ingest(store, iter_inputs([str(corpus / SAMPLE)], account), account, HuntOptions())
        for table in car.OBJECT_ACTIONS:
            schema = ", ".join(f"`{c.name}` {SPARK_TYPES[c.type]}" for c in table.columns)
            rows = store.query(f"SELECT * FROM {table.table}").to_pylist()
            spark.createDataFrame(rows, schema=schema).createOrReplaceTempView(table.table)
        engine = DuckDBEngine(store)
        compared = 0
        for analytic in load_analytics():
            runtime: dict[str, Any] = {}
            if analytic.baseline:
                window = baseline_window(analytic, analytic.resolve(), engine)
                assert window is not None
                runtime = window.runtime_values()
            for reading in Reading:
                if reading is Reading.CAR_STRICT and analytic.strict_query is None:
                    continue
                expected = store.query(render(analytic, reading, None, "duckdb", runtime))
                got = spark.sql(render(analytic, reading, None, "spark", runtime)).collect()
                assert _evidence([row.asDict() for row in got]) == _evidence(
                    expected.to_pylist()
                ), f"{analytic.id} {reading.value}"
                compared += 1
    finally:
        store.close()
    assert compared == 34
