"""Acceptance over Parquet: per corpus file, DuckDB over the data set finds the expected hits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carhunt.analytics import load_analytics
from carhunt.dataset import ingest_paths
from carhunt.engines.base import EngineSettings
from carhunt.engines.duckdb import DuckDBEngine
from carhunt.model import car
from carhunt.normalize.finalize import FlowOrientation
from carhunt.pipeline import HuntOptions, hunt
from carhunt.store.parquet_store import ParquetStore


def _unmapped_sources(root: Path) -> set[int]:
    """Return sources whose rows all lack a time: a record shape no JSON dialect maps yet."""
    engine = DuckDBEngine.open(EngineSettings())
    try:
        engine.load_parquet(ParquetStore(root))
        engine.select_sources(FlowOrientation.AUTO)
        parts = " UNION ALL ".join(
            f"SELECT source_id, time FROM {table.table}" for table in car.OBJECT_ACTIONS
        )
        rows = engine.run(
            f"SELECT source_id FROM ({parts}) GROUP BY source_id HAVING count(time) = 0"
        ).to_pylist()
    finally:
        engine.close()
    return {int(row["source_id"]) for row in rows}


@pytest.mark.corpus
def test_parquet_per_file_equals_expected(corpus: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    ingest_paths([str(corpus)], root)
    result = hunt([], HuntOptions(parquet_path=root, per_file=True))
    unmapped = {
        str(Path(source.path).relative_to(corpus))
        for source_id, source in ParquetStore(root).sources().items()
        if source_id in _unmapped_sources(root)
    }
    got: dict[tuple[str, str], list[list[str]]] = {}
    for dataset in result.datasets:
        relative = str(Path(dataset.name).relative_to(corpus))
        for item in dataset.results:
            assert item.error is None, f"{relative} {item.analytic.id}: {item.error}"
            if item.hits and relative not in unmapped:
                got[(relative, item.analytic.id)] = sorted(
                    sorted(e.ref for e in hit.evidence) for hit in item.hits
                )
    compared = {str(Path(d.name).relative_to(corpus)) for d in result.datasets} - unmapped
    analytics = {analytic.id for analytic in load_analytics()}
    expected: dict[tuple[str, str], list[list[str]]] = {}
    for line in (corpus / "expected-hits.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["file"] in compared and record["analytic"] in analytics:
            expected[(record["file"], record["analytic"])] = sorted(
                sorted(refs) for refs in record["evidence"]
            )
    assert result.account.balanced
    assert got == expected
