"""The hunt pipeline: inputs to CAR tables to hits, for one data set or one per file."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from carhunt.account import ErrorPolicy, RunAccount, Source
from carhunt.analytics import load_analytics
from carhunt.analytics.base import Analytic, Reading
from carhunt.analytics.runner import AnalyticResult, run_analytics
from carhunt.context import DataSetContext, collect_context
from carhunt.engines.base import Engine, EngineSettings
from carhunt.engines.duckdb import DuckDBEngine
from carhunt.errors import BadInputError, InputError, LimitError, UsageError
from carhunt.ingest import PassQueue, Progress
from carhunt.normalize.finalize import FlowOrientation
from carhunt.readers.containers import InputLimits
from carhunt.readers.inputs import InputItem, iter_inputs
from carhunt.store.duckdb_store import Store

log = logging.getLogger(__name__)

DEFAULT_MEMORY_LIMIT = "384MB"
"""DuckDB's memory limit for a hunt's store, unless --memory-limit sets another.

Beyond it the CAR tables and the analytics' joins spill to disk. The rest of a
hunt's memory is the interpreter, the passes in flight and the hits' rows, about
500 MB together at 3M events (benchmarks/RESULTS.md). 512MB measured 6 % faster
but 70 MB larger."""

HASH_BLOCK = 1024 * 1024



@dataclass(frozen=True)
class HuntOptions:
    """Settings of one hunt, as the CLI or a caller sets them."""

    reading: Reading = Reading.RECOMMENDED
    orientation: FlowOrientation = FlowOrientation.AUTO
    parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    analytic_ids: tuple[str, ...] = ()
    """Analytics to run; empty runs all."""
    per_file: bool = False
    db_path: Path | None = None
    input_format: str | None = None
    threads: int | None = None
    memory_limit: str | None = DEFAULT_MEMORY_LIMIT
    """DuckDB memory limit of the store (such as ``2GB``); None leaves DuckDB's default."""
    collect_context: bool = False
    """Also collect evidence events, process trees and data coverage for reports."""
    now: dt.datetime | None = None
    """T of the baseline analytics (naive UTC); None takes each data set's latest event."""
    baseline: Path | None = None
    """Older events for the baseline analytics: logs (a file or folder) or a --db file."""
    on_error: ErrorPolicy = ErrorPolicy.WARN
    """Error policy for bad records, damaged regions and unreadable inputs."""
    limits: InputLimits = field(default_factory=InputLimits)
    """Size and ratio limits for compressed files and archives."""
    parquet_path: Path | None = None
    """A Parquet data set to ingest the inputs into and hunt over, instead of a DuckDB store."""
    engine: str = "duckdb"
    """Engine that runs the analytics over ``parquet_path``."""
    master: str | None = None
    """Cluster address for a distributed engine (a Spark master URL or sc://host:port)."""


@dataclass
class DataSetResult:
    """Hits of every analytic over one data set."""

    name: str
    results: list[AnalyticResult]
    context: DataSetContext | None = None
    """Report context, when HuntOptions.collect_context asked for it."""


@dataclass
class HuntResult:
    """Everything a hunt produced: results per data set and the run account."""

    datasets: list[DataSetResult]
    account: RunAccount

    @property
    def hit_count(self) -> int:
        return sum(r.hit_count for d in self.datasets for r in d.results)

    @property
    def failed_analytics(self) -> list[str]:
        return sorted({r.analytic.id for d in self.datasets for r in d.results if r.error})

    def diagnostic_summary(self) -> str | None:
        """Return one line of the analytics' non-zero diagnostic counts, or None."""
        totals: dict[tuple[str, str], int] = {}
        for dataset in self.datasets:
            for item in dataset.results:
                for name, count in item.diagnostics.items():
                    key = (item.analytic.id, name)
                    totals[key] = totals.get(key, 0) + count
        shown = [f"{aid} {name} {count:,}" for (aid, name), count in sorted(totals.items())
                 if count]
        return "diagnostics: " + ", ".join(shown) if shown else None

    def baseline_summary(self) -> str | None:
        """Return one line on hits flagged baseline_incomplete, or None when there are none."""
        flagged: dict[str, int] = {}
        for dataset in self.datasets:
            for item in dataset.results:
                if item.baseline is not None and item.baseline.incomplete and item.hit_count:
                    flagged[item.analytic.id] = flagged.get(item.analytic.id, 0) + item.hit_count
        if not flagged:
            return None
        total = sum(flagged.values())
        return (
            f"baseline incomplete: {total:,} hit{'s' if total != 1 else ''} of "
            f"{', '.join(sorted(flagged))} flagged, because the events do not reach back to "
            "the start of the baseline window (give older logs with --baseline)"
        )


def selected_analytics(ids: Iterable[str] = ()) -> list[Analytic]:
    registry = load_analytics()
    requested = list(ids)
    if not requested:
        return list(registry)
    return [registry.get(analytic_id) for analytic_id in requested]


def ingest_file(
    store: Store,
    item: InputItem,
    account: RunAccount,
    progress: Progress | None = None,
    passes: PassQueue | None = None,
) -> None:
    """Read one input into the store; a failure mid-file is recorded, not raised.

    With ``passes`` the raw batches go to that queue, which normalizes them in
    the background. Without it, each batch is normalized before the next is read.

    An input whose content (SHA-256 of its file, with the archive member name) the
    store already contains is skipped with a warning, so that ingesting into a
    ``--db`` store again never doubles records. Standard input has no file to
    hash and is always read.
    """
    digest = ""
    if item.file is not None:
        try:
            digest = _cached_sha256(item.file)
        except OSError as error:
            account.fail(item.display, f"cannot read: {error.strerror or error}")
            return
        if store.has_source(digest, item.member):
            log.warning("%s: already in the store (same SHA-256), not ingested again", item.display)
            account.warn("already_ingested")
            return
    source = Source(store.next_source_id(), item.path, item.member, item.reader.name, digest)
    account.add_source(source)
    store.add_source(source)
    reader = item.reader()
    try:
        for batch in reader.read(item.stream, source, account):
            if passes is not None:
                passes.add(batch)
            else:
                store.ingest(batch, account)
            if progress is not None:
                progress.advance(source.display, batch.num_rows)
    except (OSError, ValueError, RuntimeError, EOFError, LimitError) as error:
        # Records already stored stay. The rest of the input is lost, and the account reports it.
        account.fail(source.display, f"read failed part-way, later records lost: {error}")
        log.debug("reading %s failed", source.display, exc_info=True)
    if progress is not None:
        progress.file_done(source.display)


@lru_cache(maxsize=64)
def _cached_sha256(path: Path) -> str:
    # Archive members share their file's hash, so an archive is hashed once.
    return file_sha256(path)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(HASH_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def ingest(
    store: Store,
    items: Iterable[InputItem],
    account: RunAccount,
    options: HuntOptions,
    progress: Progress | None = None,
) -> None:
    with PassQueue(store, account) as passes:
        for item in items:
            ingest_file(store, item, account, progress, passes)
    if progress is not None:
        progress.phase("finalizing")
    store.finalize(options.orientation)


def hunt(
    paths: list[str],
    options: HuntOptions,
    progress: Progress | None = None,
) -> HuntResult:
    """Run the whole pipeline over the given inputs."""
    analytics = selected_analytics(options.analytic_ids)
    if options.parquet_path is not None:
        return _hunt_parquet(paths, options.parquet_path, analytics, options)
    if options.engine != DuckDBEngine.name:
        raise UsageError(
            f"the {options.engine} engine reads a Parquet data set: add --parquet DIR"
        )
    account = RunAccount(policy=options.on_error)
    items = iter_inputs(paths, account, options.input_format, options.limits)
    if progress is not None:
        progress.start(None)
    history = open_history(options, account) if options.baseline is not None else None
    try:
        history_engine = DuckDBEngine(history) if history is not None else None
        if options.per_file:
            datasets = [
                _hunt_one([item], item.display, analytics, options, account, history_engine,
                          progress)
                for item in items
            ]
        else:
            name = ", ".join(paths) if paths else "(no input)"
            datasets = [
                _hunt_one(items, name, analytics, options, account, history_engine, progress)
            ]
    except BadInputError as error:
        error.account = account
        raise
    finally:
        if history is not None:
            history.close()
    return HuntResult(datasets, account)


def is_duckdb_file(path: Path) -> bool:
    """Return True when the file is a DuckDB database (magic ``DUCK`` at byte 8)."""
    try:
        with path.open("rb") as stream:
            head = stream.read(12)
    except OSError:
        return False
    return head[8:12] == b"DUCK"


def open_history(options: HuntOptions, account: RunAccount) -> Store:
    """Open the baseline history: a DuckDB file made by --db, or logs loaded into memory.

    Records of the history are counted in their own account; inputs it cannot read
    are added to the run's failures.
    """
    path = options.baseline
    assert path is not None
    if not path.exists():
        raise InputError(str(path), "baseline history not found: check the path")
    if path.is_file() and is_duckdb_file(path):
        return Store(path, threads=options.threads, memory_limit=options.memory_limit)
    history_account = RunAccount()
    items = iter_inputs([str(path)], history_account, options.input_format, options.limits)
    store = Store(None, threads=options.threads, memory_limit=options.memory_limit)
    ingest(store, items, history_account, options)
    account.failures.extend(history_account.failures)
    log.info("baseline history %s: %s", path, history_account.summary_line())
    return store


def _hunt_parquet(
    paths: list[str], root: Path, analytics: list[Analytic], options: HuntOptions
) -> HuntResult:
    """Ingest any inputs into the data set at ``root``, then hunt over all of it."""
    # Imported here: carhunt.dataset imports this module for its result types.
    from carhunt.dataset import hunt_dataset, ingest_paths

    failures = []
    if paths:
        settings = EngineSettings(options.threads, options.master)
        ingested = ingest_paths(paths, root, options.engine, settings, options.input_format)
        failures = ingested.account.failures
    datasets, account = hunt_dataset(root, analytics, options)
    account.failures.extend(item for item in failures if item not in account.failures)
    return HuntResult(datasets, account)


def _hunt_one(
    inputs: Iterable[InputItem],
    name: str,
    analytics: list[Analytic],
    options: HuntOptions,
    account: RunAccount,
    history: Engine | None,
    progress: Progress | None,
) -> DataSetResult:
    # Per-file data sets are analysed one by one, so they never share a --db store.
    db_path = None if options.per_file else options.db_path
    store = Store(db_path, threads=options.threads, memory_limit=options.memory_limit)
    try:
        ingest(store, inputs, account, options, progress)
        if progress is not None:
            progress.phase("running analytics")
        engine = DuckDBEngine(store)
        results = run_analytics(
            engine, analytics, store.sources(), options.reading, options.parameters,
            now=options.now, history=history,
        )
        context = collect_context(store, results) if options.collect_context else None
    finally:
        store.close()
    return DataSetResult(name, results, context)
