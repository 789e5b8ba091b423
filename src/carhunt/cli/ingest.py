"""``carhunt ingest``: normalize Sysmon logs into a Parquet data set."""

from __future__ import annotations

from pathlib import Path

import click

from carhunt.cli.main import EXIT_OK, EXIT_PARTIAL
from carhunt.cli.progress import progress_bar
from carhunt.dataset import IngestResult, ingest_paths
from carhunt.engines import ENGINES
from carhunt.engines.base import EngineSettings
from carhunt.readers import READERS


def print_ingest(result: IngestResult, root: Path) -> None:
    """Print what an ingest added and skipped, and its record account, on standard error."""
    for duplicate in result.duplicates:
        click.echo(
            f"carhunt: skipped {duplicate.path}: already ingested as {duplicate.ingested_as} "
            f"(SHA-256 {duplicate.sha256[:16]}…)",
            err=True,
        )
    for failure in result.account.failures:
        click.echo(f"carhunt: cannot read {failure.path}: {failure.reason}", err=True)
    click.echo(
        f"ingested {len(result.added)} file(s) into {root}, "
        f"skipped {len(result.duplicates)} already ingested",
        err=True,
    )
    click.echo(f"records: {result.account.summary_line()}", err=True)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--parquet", "parquet_path", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Parquet data set folder to add the CAR tables to (created if missing).")
@click.option("--engine", type=click.Choice(ENGINES.names()), default="duckdb",
              show_default=True,
              help="Engine that parses the files: duckdb in this process, spark on the "
                   "executors of a Spark cluster.")
@click.option("--master", metavar="URL",
              help="Spark master URL or Spark Connect address sc://host:port. Default: the "
                   "master spark-submit or spark-defaults.conf sets, else local[*].")
@click.option("--input-format", type=click.Choice(READERS.names()),
              help="Read every input in this format instead of detecting it.")
def ingest(
    paths: tuple[str, ...],
    parquet_path: Path,
    engine: str,
    master: str | None,
    input_format: str | None,
) -> int:
    """Normalize Sysmon logs in PATHS into the Parquet data set at --parquet.

    Files already in the data set (same SHA-256) are skipped, so running an
    ingest again over a growing folder adds only the new files.

    \b
    Examples:
      carhunt ingest logs/ --parquet cases/acme
      carhunt ingest hdfs-mount/logs --parquet /shared/acme --engine spark --master yarn
    """
    with progress_bar() as bar:
        result = ingest_paths(
            list(paths), parquet_path, engine, EngineSettings(master=master), input_format, bar
        )
    print_ingest(result, parquet_path)
    return EXIT_PARTIAL if result.account.failures else EXIT_OK
