"""Shared test settings: where the real Sysmon corpus is, and small helpers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent

# The real corpus is third-party data kept outside the repository. CARHUNT_CORPUS
# points at it; by default it is ../shared/corpus beside the checkout.
CORPUS = Path(os.environ.get("CARHUNT_CORPUS", REPO.parent / "shared" / "corpus")).resolve()
BUGCASES = CORPUS.parent / "bugcases"


@pytest.fixture(scope="session")
def corpus() -> Path:
    """Return the corpus folder, or skip the test when it is absent."""
    if not (CORPUS / "expected-hits.jsonl").is_file():
        pytest.skip(f"real Sysmon corpus not found at {CORPUS} (set CARHUNT_CORPUS)")
    return CORPUS


@pytest.fixture(scope="session")
def bugcases() -> Path:
    """Return the folder of bug-report cases, or skip the test when it is absent."""
    if not (BUGCASES / "README.md").is_file():
        pytest.skip(f"bug-report cases not found at {BUGCASES} (set CARHUNT_CORPUS)")
    return BUGCASES


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """Return one local Spark session for the whole run, or skip without PySpark."""
    pytest.importorskip("pyspark.sql", reason="PySpark not installed (pip install '.[spark]')")
    from carhunt.engines.spark import start_session

    session = start_session("local[2]")
    # Tiny test data: one shuffle partition saves scheduling time on every query.
    session.conf.set("spark.sql.shuffle.partitions", "1")
    yield session
    session.stop()
