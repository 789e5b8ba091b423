"""Small helpers shared by the tests: run the real pipeline and read its CAR tables."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from carhunt.account import ErrorPolicy, RunAccount
from carhunt.pipeline import HuntOptions, ingest
from carhunt.readers.inputs import iter_inputs
from carhunt.store.duckdb_store import Store


def load(
    paths: list[str | Path],
    policy: ErrorPolicy = ErrorPolicy.WARN,
    input_format: str | None = None,
) -> tuple[Store, RunAccount]:
    """Ingest inputs into a fresh in-memory store; return the store and the account."""
    account = RunAccount(policy=policy)
    store = Store()
    items = iter_inputs([str(p) for p in paths], account, input_format)
    ingest(store, items, account, HuntOptions())
    return store, account


def rows(store: Store, sql: str) -> list[dict[str, Any]]:
    """Return the rows of a query as dictionaries."""
    return store.query(sql).to_pylist()


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def make_case_input(case_dir: Path, corpus: Path, out: Path) -> Path:
    """Run a bug case's make_input.py into ``out`` (the case folder is read-only)."""
    subprocess.run(
        [sys.executable, str(case_dir / "make_input.py"), str(corpus / "EVTX-ATTACK-SAMPLES"),
         str(out)],
        check=True,
        capture_output=True,
    )
    return out
