"""Shared test settings: where the real Sysmon corpus is, and small helpers."""

from __future__ import annotations

import os
from pathlib import Path

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
