"""Ingest input files into a Parquet data set, and hunt over one with any engine.

A Parquet data set (:mod:`carhunt.store.parquet_store`) grows by ingests and is
hunted through as a whole, or one input file at a time, by DuckDB or Spark.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow.compute as pc
import sqlglot
from sqlglot import exp

from carhunt.account import RunAccount, Source
from carhunt.analytics.base import SOURCE_DIALECT, Analytic, render
from carhunt.analytics.runner import AnalyticResult, run_analytics
from carhunt.engines import ENGINES
from carhunt.engines.base import Engine, EngineSettings
from carhunt.engines.duckdb import DuckDBEngine
from carhunt.errors import CarhuntError
from carhunt.ingest import Progress
from carhunt.model import car
from carhunt.normalize.envelope import quote
from carhunt.normalize.finalize import FlowOrientation
from carhunt.readers.inputs import iter_inputs
from carhunt.store.parquet_store import ManifestEntry, ParquetStore, car_table_selects

if TYPE_CHECKING:
    from carhunt.pipeline import DataSetResult, HuntOptions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Duplicate:
    """An input skipped because a file with the same SHA-256 is already ingested."""

    path: str
    ingested_as: str
    sha256: str


@dataclass
class IngestResult:
    """Outcome of one ingest: files added, files skipped, and the account of the records read."""

    account: RunAccount
    added: list[ManifestEntry] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)


def open_engine(name: str, settings: EngineSettings) -> Engine:
    return ENGINES.get(name).open(settings)


def ingest_paths(
    paths: Sequence[str],
    root: Path,
    engine_name: str = "duckdb",
    settings: EngineSettings | None = None,
    input_format: str | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Normalize the files under ``paths`` into the data set at ``root``, skipping known ones.

    The engine parses the files into the staging folder, Spark on its
    executors. This process then commits each file's Parquet files and
    manifest line, so a file ingested twice, in one run or two, is kept once.
    ``progress`` hears of each file as its engine finishes it.
    """
    result = IngestResult(RunAccount())
    items = iter_inputs(list(paths), result.account, input_format)
    if progress is not None:
        progress.start(None)
    store = ParquetStore(root, create=True)
    known = store.entries()
    engine = open_engine(engine_name, settings or EngineSettings())
    try:
        for staged in engine.parse_files(items, store, frozenset(known)):
            if progress is not None:
                progress.advance(staged.path, staged.account.read)
                progress.file_done(staged.path)
            if not staged.sha256:
                result.account.merge(staged.account)
                continue
            entry = None if staged.sha256 in known else store.commit(staged)
            if entry is None:
                store.discard(staged)
                first = known.get(staged.sha256) or store.entries()[staged.sha256]
                result.duplicates.append(Duplicate(staged.path, first.path, staged.sha256))
                log.info("skipped %s: already ingested as %s", staged.path, first.path)
                continue
            result.account.merge(staged.account)
            result.account.add_source(entry.source())
            result.added.append(entry)
    finally:
        engine.close()
    return result


def hunt_dataset(
    root: Path,
    analytics: list[Analytic],
    options: HuntOptions,
) -> tuple[list[DataSetResult], RunAccount]:
    """Run the analytics over a Parquet data set: as a whole, or per input file."""
    from carhunt.pipeline import DataSetResult, open_history

    store = ParquetStore(root)
    account = store.account()
    sources = store.sources()
    history = open_history(options, account) if options.baseline is not None else None
    engine = open_engine(options.engine, EngineSettings(options.threads, options.master))
    # NOTE: report context (evidence rows, process trees) is read from a DuckDB
    # store only, so outputs that need it show none for a Parquet data set.
    datasets = []
    try:
        history_engine = DuckDBEngine(history) if history is not None else None
        engine.load_parquet(store, cache=options.per_file)
        if options.per_file:
            per_source = run_per_source(engine, analytics, sources, options, history_engine)
            datasets = [
                DataSetResult(source.path, per_source[source_id])
                for source_id, source in sources.items()
            ]
        else:
            engine.select_sources(options.orientation)
            results = run_analytics(
                engine, analytics, sources, options.reading, options.parameters,
                now=options.now, history=history_engine,
            )
            datasets.append(DataSetResult(str(root), results))
    finally:
        engine.close()
        if history is not None:
            history.close()
    return datasets, account


SOURCE_COLUMN = "carhunt_source_id"
"""Column of a batched per-file query naming the input file each row belongs to."""

SOURCES_PER_QUERY = 32
"""Input files per batched query: more is fewer queries, but a longer plan to optimize."""


def run_per_source(
    engine: Engine,
    analytics: list[Analytic],
    sources: Mapping[int, Source],
    options: HuntOptions,
    history: Engine | None = None,
) -> dict[int, list[AnalyticResult]]:
    """Run every analytic over each input file of the loaded data set on its own.

    Each query covers a batch of files: one UNION ALL branch per file, whose
    CAR tables are CTEs over that file's rows alone, so an analytic never
    reads two files at once. One query per batch, rather than one per file,
    matters on Spark, where each query costs about a second to plan and
    schedule whatever the data size. Baseline analytics and analytics with
    diagnostics take values from the data set before their main query, so
    they run file by file through the runner.
    """
    ids = sorted(sources)
    batched = [a for a in analytics if not a.baseline and not a.diagnostics]
    by_file = [a for a in analytics if a.baseline or a.diagnostics]
    per_source: dict[int, dict[str, AnalyticResult]] = {source_id: {} for source_id in ids}
    for analytic in batched:
        for start in range(0, len(ids), SOURCES_PER_QUERY):
            batch = ids[start : start + SOURCES_PER_QUERY]
            for source_id, result in _run_batch(engine, analytic, batch, sources, options):
                per_source[source_id][analytic.id] = result
    if by_file:
        for source_id in ids:
            engine.select_sources(options.orientation, [source_id])
            results = run_analytics(
                engine, by_file, sources, options.reading, options.parameters,
                now=options.now, history=history,
            )
            per_source[source_id].update((r.analytic.id, r) for r in results)
    return {
        source_id: [per_source[source_id][a.id] for a in analytics] for source_id in ids
    }


def _run_batch(
    engine: Engine,
    analytic: Analytic,
    batch: Sequence[int],
    sources: Mapping[int, Source],
    options: HuntOptions,
) -> Iterator[tuple[int, AnalyticResult]]:
    """Run one analytic over a batch of files; a failure is the result of every file."""
    results = {source_id: AnalyticResult(analytic, options.reading) for source_id in batch}
    query = render(analytic, options.reading, options.parameters.get(analytic.id))
    try:
        table = engine.run(transpile(batched_query(query, batch, options.orientation),
                                     engine.dialect))
        for source_id in batch:
            rows = table.filter(pc.equal(table[SOURCE_COLUMN], source_id))
            results[source_id].keep_rows(rows.drop_columns([SOURCE_COLUMN]), sources)
    except CarhuntError:
        raise
    except Exception as error:
        log.error("analytic %s failed on %s: %s", analytic.id, engine.name, error)
        log.debug("analytic %s failure", analytic.id, exc_info=True)
        for result in results.values():
            result.error = f"{type(error).__name__}: {error}"
    yield from results.items()


def batched_query(query: str, source_ids: Sequence[int], orientation: FlowOrientation) -> str:
    """Return a DuckDB query that runs ``query`` over each source on its own.

    The result has the query's columns after a first column, SOURCE_COLUMN.
    """
    expression = sqlglot.parse_one(query, read=SOURCE_DIALECT)
    local = {cte.alias_or_name for cte in expression.find_all(exp.CTE)}
    tables = sorted(
        {t.name for t in expression.find_all(exp.Table) if t.name in car.BY_TABLE} - local
    )
    ctes: list[str] = []
    branches: list[str] = []
    for index, source_id in enumerate(source_ids):
        selects = car_table_selects(orientation, [source_id])
        renamed = {table: f"{table}_{index}" for table in tables}
        ctes.extend(f"{quote(renamed[table])} AS ({selects[table]})" for table in tables)

        def rename(node: exp.Expr, names: dict[str, str] = renamed) -> exp.Expr:
            if isinstance(node, exp.Table) and node.name in names and not node.db:
                alias = node.alias or node.name
                return exp.to_table(names[node.name]).as_(alias)
            return node

        body = expression.transform(rename).sql(dialect=SOURCE_DIALECT)
        branches.append(f"SELECT {int(source_id)} AS {SOURCE_COLUMN}, * FROM ({body})")
    with_clause = f"WITH {', '.join(ctes)} " if ctes else ""
    return with_clause + " UNION ALL ".join(branches)


def transpile(sql: str, dialect: str) -> str:
    if dialect == SOURCE_DIALECT:
        return sql
    return sqlglot.transpile(sql, read=SOURCE_DIALECT, write=dialect)[0]
