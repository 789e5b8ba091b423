"""Acceptance: per corpus file, the hits equal the product owner's expectations."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from carhunt.analytics import load_analytics
from carhunt.pipeline import HuntOptions, hunt
from conftest import CORPUS

# Corpus folders whose files the registered readers can open.
READABLE_FOLDERS = ("EVTX-ATTACK-SAMPLES", "evtx", "python-evtx")


def _expected() -> dict[str, dict[str, list[list[str]]]]:
    path = CORPUS / "expected-hits.jsonl"
    result: dict[str, dict[str, list[list[str]]]] = defaultdict(dict)
    if not path.is_file():
        return result
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        result[record["file"]][record["analytic"]] = sorted(
            sorted(refs) for refs in record["evidence"]
        )
    return result


EXPECTED = _expected()


def _corpus_files() -> list[str]:
    files = []
    for folder in READABLE_FOLDERS:
        root = CORPUS / folder
        if root.is_dir():
            files.extend(
                str(p.relative_to(CORPUS)) for p in sorted(root.rglob("*.evtx")) if p.is_file()
            )
    return files


@pytest.mark.corpus
@pytest.mark.parametrize("relative", _corpus_files() or ["(corpus absent)"])
def test_file_hits_equal_expected(corpus: Path, relative: str) -> None:
    analytics = load_analytics()
    result = hunt([str(corpus / relative)], HuntOptions(per_file=True))
    got: dict[str, list[list[str]]] = {}
    for dataset in result.datasets:
        for item in dataset.results:
            assert item.error is None, f"{item.analytic.id}: {item.error}"
            if item.hits:
                got[item.analytic.id] = sorted(
                    sorted(e.ref for e in hit.evidence) for hit in item.hits
                )
    expected = {
        analytic: refs
        for analytic, refs in EXPECTED.get(relative, {}).items()
        if analytic in analytics
    }
    assert got == expected
