"""The Spark engine returns the same hits as DuckDB, on the real corpus and the demo.

The corpus is ingested once into a Parquet data set (DuckDB engine); both
engines then hunt over it as one data set. Per-file hunts cost Spark about a
second per file and analytic in local mode, so they run on the PER_FILE_COUNT
corpus EVTX files on which the most analytics are expected to fire. Spark runs in
local mode in one session for the whole test run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from carhunt.analytics import load_analytics
from carhunt.dataset import ingest_paths
from carhunt.demo import capture_path
from carhunt.engines.spark import SparkEngine
from carhunt.hits import Hit
from carhunt.pipeline import HuntOptions, HuntResult, hunt
from carhunt.store.parquet_store import ParquetStore

pytestmark = pytest.mark.spark

# Folders of one corpus sub-tree whose files Spark parses in the ingest test.
SPARK_INGEST_FOLDER = "EVTX-ATTACK-SAMPLES/Execution"
PER_FILE_COUNT = 8


def _expected(corpus: Path) -> dict[tuple[str, str], list[list[str]]]:
    """Return the expected evidence per (file, analytic) for the registered analytics."""
    analytics = {analytic.id for analytic in load_analytics()}
    expected: dict[tuple[str, str], list[list[str]]] = {}
    for line in (corpus / "expected-hits.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["analytic"] in analytics:
            expected[(record["file"], record["analytic"])] = sorted(
                sorted(refs) for refs in record["evidence"]
            )
    return expected


@pytest.fixture(scope="module")
def corpus_data(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a Parquet data set holding the whole corpus, one source per file."""
    root = tmp_path_factory.mktemp("corpus") / "data"
    ingest_paths([str(corpus)], root)
    return root


@pytest.fixture()
def spark_engine(spark: Any) -> Iterator[None]:
    """Let hunts with engine "spark" run in the shared session."""
    yield
    # The shared session outlives each engine; cached tables must not.
    spark.catalog.clearCache()


def _hits(result: HuntResult) -> dict[str, list[dict[str, Any]]]:
    """Return hits per data set and analytic, as the JSON outputs write them."""
    found: dict[str, list[dict[str, Any]]] = {}
    for dataset in result.datasets:
        for item in dataset.results:
            assert item.error is None, f"{dataset.name} {item.analytic.id}: {item.error}"
            for hit in item.hits:
                found.setdefault(dataset.name, []).append(_comparable(hit))
    return {name: sorted(hits, key=json.dumps) for name, hits in found.items()}


def _comparable(hit: Hit) -> dict[str, Any]:
    data = hit.to_dict()
    # DuckDB sums to HUGEINT (Decimal in Python), Spark to BIGINT: compare numbers.
    data["fields"] = {
        key: int(value) if type(value).__name__ == "Decimal" else value
        for key, value in data["fields"].items()
    }
    return data


def test_whole_corpus_same_hits(corpus_data: Path, spark_engine: None) -> None:
    duckdb_result = hunt([], HuntOptions(parquet_path=corpus_data))
    spark_result = hunt([], HuntOptions(parquet_path=corpus_data, engine="spark"))
    expected = _hits(duckdb_result)
    assert sum(len(hits) for hits in expected.values()) > 0
    assert _hits(spark_result) == expected


@pytest.fixture(scope="module")
def busy_files(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a data set of the corpus files where the most analytics should fire."""
    counts: dict[str, int] = {}
    for file, _ in _expected(corpus):
        # EVTX only: every registered reader handles it, so every chosen file is ingested.
        if file.endswith(".evtx"):
            counts[file] = counts.get(file, 0) + 1
    chosen = sorted(counts, key=lambda file: (-counts[file], file))[:PER_FILE_COUNT]
    root = tmp_path_factory.mktemp("busy") / "data"
    ingest_paths([str(corpus / file) for file in chosen], root)
    return root


def test_per_file_same_hits(busy_files: Path, spark_engine: None) -> None:
    duckdb_result = hunt([], HuntOptions(parquet_path=busy_files, per_file=True))
    spark_result = hunt([], HuntOptions(parquet_path=busy_files, per_file=True, engine="spark"))
    assert len(spark_result.datasets) == len(ParquetStore(busy_files).sources())
    assert _hits(spark_result) == _hits(duckdb_result)


def test_per_file_matches_expected(corpus: Path, busy_files: Path, spark_engine: None) -> None:
    result = hunt([], HuntOptions(parquet_path=busy_files, per_file=True, engine="spark"))
    got: dict[tuple[str, str], list[list[str]]] = {}
    for dataset in result.datasets:
        relative = str(Path(dataset.name).relative_to(corpus))
        for item in dataset.results:
            if item.hits:
                got[(relative, item.analytic.id)] = sorted(
                    sorted(e.ref for e in hit.evidence) for hit in item.hits
                )
    ingested = {str(Path(d.name).relative_to(corpus)) for d in result.datasets}
    expected = {key: refs for key, refs in _expected(corpus).items() if key[0] in ingested}
    assert len(ingested) == PER_FILE_COUNT
    assert got == expected


def test_demo_capture_same_hits(tmp_path: Path, spark_engine: None) -> None:
    demo = capture_path()
    if not demo.is_file():
        pytest.skip(f"demo capture not built yet at {demo}")
    root = tmp_path / "demo"
    duckdb_result = hunt([str(demo)], HuntOptions(parquet_path=root))
    spark_result = hunt([], HuntOptions(parquet_path=root, engine="spark"))
    assert _hits(spark_result) == _hits(duckdb_result)


def test_spark_ingest_matches_duckdb(corpus: Path, tmp_path: Path, spark: Any) -> None:
    folder = str(corpus / SPARK_INGEST_FOLDER)
    by_duckdb = ingest_paths([folder], tmp_path / "duckdb")
    by_spark = ingest_paths([folder], tmp_path / "spark", engine_name=SparkEngine.name)
    assert by_spark.account.balanced
    assert by_spark.account.summary_line() == by_duckdb.account.summary_line()
    assert {e.sha256: e.account for e in by_spark.added} == {
        e.sha256: e.account for e in by_duckdb.added
    }
    assert _table_sizes(tmp_path / "spark") == _table_sizes(tmp_path / "duckdb")


def test_spark_ingest_skips_known(corpus: Path, tmp_path: Path, spark: Any) -> None:
    folder = str(corpus / SPARK_INGEST_FOLDER)
    first = ingest_paths([folder], tmp_path / "data", engine_name=SparkEngine.name)
    again = ingest_paths([folder], tmp_path / "data", engine_name=SparkEngine.name)
    assert again.added == []
    assert len(again.duplicates) == len(first.added) + len(first.duplicates)
    assert again.account.read == 0


def _table_sizes(root: Path) -> dict[str, int]:
    import pyarrow.parquet as pq

    sizes: dict[str, int] = {}
    for part in root.rglob("*.parquet"):
        table = part.relative_to(root).parts[0]
        sizes[table] = sizes.get(table, 0) + pq.ParquetFile(part).metadata.num_rows
    return sizes
