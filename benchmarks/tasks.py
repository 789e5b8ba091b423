"""The measured programs of the benchmark, each run as a child process by run.py.

Each prints one JSON object as its last line of standard output::

    python -m benchmarks.tasks floor DIR [--workers N]
    python -m benchmarks.tasks ingest DIR --db FILE
    python -m benchmarks.tasks analytics --db FILE
    python -m benchmarks.tasks eql-analytics JSONL_DIR
    python -m benchmarks.tasks eql-pipeline EVTX_DIR --out DIR
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import evtx

from carhunt.account import RunAccount
from carhunt.analytics.base import Reading, render
from carhunt.engines.duckdb import DuckDBEngine
from carhunt.hits import hits_from_table
from carhunt.pipeline import DEFAULT_MEMORY_LIMIT, HuntOptions, ingest, selected_analytics
from carhunt.readers.inputs import iter_inputs
from carhunt.store.duckdb_store import Store

# Comparable EQL queries over the pyevtx-rs JSON of the same records, one per
# carhunt analytic that a single-event EQL query can express. Each matches the
# events the analytic's recommended query selects; the carhunt queries also
# join, window and aggregate where the analytic requires it.
EQL_QUERIES = {
    "CAR-2013-02-003": (
        'any where Event.System.EventID == 1 and Event.EventData.Image == "*\\\\cmd.exe"'
    ),
    "CAR-2013-03-001": (
        "any where Event.System.EventID == 1"
        ' and Event.EventData.Image == "*\\\\reg.exe"'
        ' and Event.EventData.ParentImage == "*\\\\cmd.exe"'
    ),
    "CAR-2013-10-002": (
        "any where Event.System.EventID == 8"
        ' and Event.EventData.StartFunction in ("LoadLibraryA", "LoadLibraryW")'
    ),
    "CAR-2014-04-003": (
        "any where Event.System.EventID == 1"
        ' and Event.EventData.Image == "*\\\\powershell.exe"'
        ' and Event.EventData.ParentImage != "*\\\\explorer.exe"'
    ),
    "CAR-2016-03-001": (
        "any where Event.System.EventID == 1 and (wildcard(Event.EventData.Image,"
        ' "*\\\\hostname.exe", "*\\\\ipconfig.exe", "*\\\\net.exe", "*\\\\quser.exe",'
        ' "*\\\\qwinsta.exe", "*\\\\systeminfo.exe", "*\\\\tasklist.exe",'
        ' "*\\\\whoami.exe", "*\\\\dsquery.exe")'
        ' or (Event.EventData.Image == "*\\\\sc.exe"'
        ' and wildcard(Event.EventData.CommandLine, "* query*", "* queryex*", "* qc*")))'
    ),
}


def _emit(result: dict[str, Any]) -> None:
    print(json.dumps(result))


def _files(folder: Path, suffix: str) -> list[Path]:
    return sorted(path for path in folder.rglob(f"*{suffix}") if path.is_file())


def _count_records(paths: list[Path]) -> int:
    count = 0
    for path in paths:
        records = evtx.PyEvtxParser(str(path), number_of_threads=1).records_json()
        while True:
            try:
                next(records)
            except StopIteration:
                break
            except RuntimeError:
                continue
            count += 1
    return count


def floor(folder: Path, workers: int) -> None:
    """Iterate every record of every EVTX file with pyevtx-rs and do nothing else."""
    paths = _files(folder, ".evtx")
    shares = [paths[index::workers] for index in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        records = sum(pool.map(_count_records, shares))
    _emit({"records": records, "workers": workers})


def ingest_only(folder: Path, db: Path) -> None:
    """Read and normalize the inputs into a DuckDB file, with no analytic."""
    account = RunAccount()
    inputs = iter_inputs([str(folder)], account)
    store = Store(db, memory_limit=DEFAULT_MEMORY_LIMIT)
    try:
        ingest(store, inputs, account, HuntOptions())
    finally:
        store.close()
    _emit({"records": account.read, "normalized": account.total_normalized})


def analytics_only(db: Path) -> None:
    """Run every analytic over a persisted store and time each one."""
    store = Store(db, memory_limit=DEFAULT_MEMORY_LIMIT)
    engine = DuckDBEngine(store)
    sources = store.sources()
    seconds: dict[str, float] = {}
    hits: dict[str, int] = {}
    for analytic in selected_analytics():
        start = time.perf_counter()
        table = engine.run(render(analytic, Reading.RECOMMENDED, None, engine.dialect))
        hits[analytic.id] = len(hits_from_table(analytic, Reading.RECOMMENDED, table, sources))
        seconds[analytic.id] = time.perf_counter() - start
    events = sum(store.count(name) for name in _car_tables(store))
    store.close()
    _emit({"seconds": seconds, "hits": hits, "events": events})


def _car_tables(store: Store) -> list[str]:
    from carhunt.model import car

    return [table.table for table in car.OBJECT_ACTIONS]


def _json_lines(paths: list[Path]) -> Iterator[dict[str, Any]]:
    for path in paths:
        with path.open(encoding="utf-8") as stream:
            for line in stream:
                if line.strip():
                    yield json.loads(line)


def _eql_engine(queries: list[str], hits: list[int]) -> Any:
    import eql

    engine = eql.PythonEngine({"print": False, "hooks": [lambda output: hits.append(1)]})
    with eql.ignore_missing_fields:
        for query in queries:
            engine.add_query(eql.parse_query(query, implied_any=True))
    return engine


def eql_analytics(folder: Path) -> None:
    """Load the JSON lines into eql events once, then time each query over them."""
    import eql

    start = time.perf_counter()
    events = [eql.Event.from_data(data) for data in _json_lines(_files(folder, ".jsonl"))]
    load = time.perf_counter() - start
    seconds: dict[str, float] = {}
    counts: dict[str, int] = {}
    for analytic_id, query in EQL_QUERIES.items():
        hits: list[int] = []
        engine = _eql_engine([query], hits)
        start = time.perf_counter()
        engine.stream_events(events)
        seconds[analytic_id] = time.perf_counter() - start
        counts[analytic_id] = len(hits)
    _emit({"records": len(events), "load_seconds": load, "seconds": seconds, "hits": counts})


def eql_pipeline(folder: Path, out: Path) -> None:
    """Convert EVTX to JSON lines with pyevtx-rs, then stream them through every query."""
    from benchmarks.generate import write_json_lines

    start = time.perf_counter()
    paths = _files(folder, ".evtx")
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        records = sum(pool.map(write_json_lines, paths, [out] * len(paths)))
    convert = time.perf_counter() - start
    hits: list[int] = []
    engine = _eql_engine(list(EQL_QUERIES.values()), hits)
    start = time.perf_counter()
    engine.stream_events(_json_lines(_files(out / "jsonl", ".jsonl")))
    query = time.perf_counter() - start
    _emit({"records": records, "convert_seconds": convert, "query_seconds": query,
           "hits": len(hits)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="One measured benchmark program.")
    commands = parser.add_subparsers(dest="task", required=True)
    command = commands.add_parser("floor")
    command.add_argument("folder", type=Path)
    command.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    command = commands.add_parser("ingest")
    command.add_argument("folder", type=Path)
    command.add_argument("--db", type=Path, required=True)
    command = commands.add_parser("analytics")
    command.add_argument("--db", type=Path, required=True)
    command = commands.add_parser("eql-analytics")
    command.add_argument("folder", type=Path)
    command = commands.add_parser("eql-pipeline")
    command.add_argument("folder", type=Path)
    command.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.task == "floor":
        floor(args.folder, args.workers)
    elif args.task == "ingest":
        ingest_only(args.folder, args.db)
    elif args.task == "analytics":
        analytics_only(args.db)
    elif args.task == "eql-analytics":
        eql_analytics(args.folder)
    else:
        eql_pipeline(args.folder, args.out)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
