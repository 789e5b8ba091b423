"""Acceptance: per corpus file, the hits of every analytic equal the expectations.

The expectations (``expected-hits.jsonl`` beside the corpus) were made with each
file analysed on its own, the recommended readings and default parameters. Every
file they list is a test case, and so is every other corpus file a registered
reader accepts (expected: no hit). A case whose format carhunt cannot read yet is
skipped with the reason, so the test tightens by itself as readers are added.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from carhunt.account import RunAccount
from carhunt.analytics import load_analytics
from carhunt.model import car
from carhunt.pipeline import HuntOptions, HuntResult, hunt, ingest
from carhunt.readers.inputs import iter_inputs
from carhunt.store.duckdb_store import Store
from conftest import CORPUS

Evidence = list[list[str]]


def _expected() -> dict[str, dict[str, Evidence]]:
    path = CORPUS / "expected-hits.jsonl"
    result: dict[str, dict[str, Evidence]] = defaultdict(dict)
    if not path.is_file():
        return result
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        result[record["file"]][record["analytic"]] = sorted(
            sorted(refs) for refs in record["evidence"]
        )
    return result


EXPECTED = _expected()


def _readable(path: Path, account: RunAccount) -> bool:
    """Return True when a reader accepts the file (or a member of the archive it is)."""
    return any(True for _ in iter_inputs([str(path)], account))


def _cases() -> list[str]:
    """Return the expected files and every other corpus file a reader accepts."""
    cases = set(EXPECTED)
    if CORPUS.is_dir():
        account = RunAccount()
        for path in sorted(CORPUS.rglob("*")):
            relative = str(path.relative_to(CORPUS))
            if path.is_file() and relative not in cases and _readable(path, account):
                cases.add(relative)
    return sorted(cases) or ["(corpus absent)"]


def _hits(result: HuntResult) -> dict[str, Evidence]:
    got: dict[str, Evidence] = {}
    for dataset in result.datasets:
        for item in dataset.results:
            assert item.error is None, f"{item.analytic.id}: {item.error}"
            if item.hits:
                got[item.analytic.id] = sorted(
                    sorted(e.ref for e in hit.evidence) for hit in item.hits
                )
    return got


def _unsupported_reason(path: Path, result: HuntResult) -> str | None:
    """Return why carhunt cannot read the file's format yet, or None when it can."""
    if result.account.failures:
        return "; ".join(failure.reason for failure in result.account.failures)
    # A record shape that a reader accepts but no JSON dialect maps (such as Azure
    # Monitor rows, whose EventData is a JSON string) normalizes with no event time.
    account = RunAccount()
    store = Store()
    try:
        ingest(store, iter_inputs([str(path)], account), account, HuntOptions())
        counts = " UNION ALL ".join(
            f"SELECT count(*) AS n, count(time) AS timed FROM {table.table}"
            for table in car.OBJECT_ACTIONS
        )
        totals = store.query(f"SELECT sum(n) AS n, sum(timed) AS timed FROM ({counts})")
        rows, timed = (int(totals.column(name)[0].as_py()) for name in ("n", "timed"))
    finally:
        store.close()
    if rows and not timed:
        return f"no JSON dialect maps the EventData of its {rows} Sysmon records yet"
    return None


CASES = _cases()


@pytest.mark.corpus
@pytest.mark.parametrize("relative", CASES, ids=CASES)
def test_file_hits_equal_expected(corpus: Path, relative: str) -> None:
    analytics = load_analytics()
    path = corpus / relative
    result = hunt([str(path)], HuntOptions(per_file=True))
    got = _hits(result)
    expected = {
        analytic: refs
        for analytic, refs in EXPECTED.get(relative, {}).items()
        if analytic in analytics
    }
    if got != expected:
        reason = _unsupported_reason(path, result)
        if reason is not None:
            pytest.skip(f"format not readable yet: {reason}")
    assert got == expected
