"""``carhunt hunt``: run the CAR analytics over Sysmon logs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from carhunt.account import ErrorPolicy, RunAccount
from carhunt.analytics import load_analytics
from carhunt.analytics.base import Reading
from carhunt.analytics.baseline import parse_now
from carhunt.analytics.config import load_parameters
from carhunt.cli.main import EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL, EXIT_WARNINGS
from carhunt.cli.progress import progress_bar
from carhunt.demo import capture_path
from carhunt.engines import ENGINES
from carhunt.errors import BadInputError
from carhunt.normalize.finalize import FlowOrientation
from carhunt.pipeline import DEFAULT_MEMORY_LIMIT, HuntOptions, HuntResult
from carhunt.pipeline import hunt as run_hunt
from carhunt.readers import READERS
from carhunt.readers.containers import InputLimits
from carhunt.report import FORMATS
from carhunt.report.base import OutputFormat


def _default_format() -> str:
    return "table" if sys.stdout.isatty() else "jsonl"


def _print_account(result: HuntResult) -> None:
    account = result.account
    for failure in account.failures:
        click.echo(f"carhunt: cannot read {failure.path}: {failure.reason}", err=True)
    if account.anomalies:
        click.echo(
            f"carhunt: {len(account.anomalies)} input damage warning(s); "
            "--report-json FILE lists each with its file and offset",
            err=True,
        )
    flags = ", ".join(f"{name} {count:,}" for name, count in account.flags.items())
    click.echo(f"records: {account.summary_line()}", err=True)
    if flags:
        click.echo(f"flagged: {flags}", err=True)
    warnings = ", ".join(f"{name} {count:,}" for name, count in account.warnings.items())
    if warnings:
        click.echo(f"warnings: {warnings}", err=True)
    for line in (result.baseline_summary(), result.diagnostic_summary()):
        if line:
            click.echo(line, err=True)


def _write_files(result: HuntResult, files: dict[Path, type[OutputFormat]]) -> None:
    for path, file_format in files.items():
        try:
            with path.open("w", encoding="utf-8") as stream:
                file_format().write(result, stream)
        except OSError as error:
            raise click.FileError(str(path), hint=error.strerror or str(error)) from error


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Keep the CAR tables in this DuckDB file (created or appended to) "
                   "instead of memory, to query again without parsing.")
@click.option("--per-file", is_flag=True,
              help="Analyse each input file as its own data set.")
@click.option("-a", "--analytic", "analytic_ids", multiple=True, metavar="ID",
              help="Run only this analytic (repeatable). Default: all.")
@click.option("--car-strict", is_flag=True,
              help="Run the literal CAR pseudocode reading where it differs.")
@click.option("--flow-orientation", type=click.Choice([m.value for m in FlowOrientation]),
              default=FlowOrientation.AUTO.value, show_default=True,
              help="How inbound connections are oriented: per host from its events (auto), "
                   "swap all (legacy, Sysmon before 10) or keep all (modern).")
@click.option("--format", "output_format", type=click.Choice(FORMATS.names()),
              help="Format of standard output. Default: table on a terminal, else jsonl.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write every hit as JSON lines to this file.")
@click.option("--html", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a self-contained HTML report (evidence, process trees, "
                   "coverage) to this file.")
@click.option("--navigator", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write an ATT&CK Navigator layer of the techniques hit, scored by "
                   "hit count, to this file.")
@click.option("--navigator-coverage", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write an ATT&CK Navigator layer of the techniques the data can "
                   "detect (analytics whose CAR tables and fields are filled) to this file.")
@click.option("--input-format", type=click.Choice(READERS.names()),
              help="Read every input in this format instead of detecting it.")
@click.option("--on-error", type=click.Choice([p.value for p in ErrorPolicy]),
              default=ErrorPolicy.WARN.value, show_default=True,
              help="What a bad record, damaged region or unreadable input does: count it "
                   "silently (ignore), count it and log a warning (warn), or stop the run "
                   "naming file and offset (fail).")
@click.option("--max-unpacked-size", type=click.IntRange(min=1), metavar="BYTES",
              default=InputLimits.max_member_bytes, show_default=True,
              help="Largest decompressed size of one archive member or compressed file.")
@click.option("--max-unpacked-total", type=click.IntRange(min=1), metavar="BYTES",
              default=InputLimits.max_total_bytes, show_default=True,
              help="Largest decompressed size of all archives and compressed files of the run.")
@click.option("--max-unpacked-ratio", type=click.FloatRange(min=1), metavar="RATIO",
              default=InputLimits.max_ratio, show_default=True,
              help="Largest decompressed-to-compressed size ratio (against decompression "
                   "bombs), checked once a member passes 16 MiB.")
@click.option("--report-json", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the record account (counts, skipped records with file and "
                   "offset, damage warnings, unreadable inputs) to this JSON file.")
@click.option("--threads", type=click.IntRange(min=1),
              help="Worker threads of the store. Default: one per core.")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file of analytic parameters, one table per analytic id "
                   "(see carhunt analytics show ID).")
@click.option("--param", "params", multiple=True, metavar="ID.NAME=VALUE",
              help="Set one analytic parameter (repeatable); overrides --config. "
                   "Example: --param CAR-2013-04-002.gap_minutes=45")
@click.option("--now", "now", metavar="TIME",
              help="End of the current window of the baseline analytics, ISO 8601, UTC "
                   "unless an offset is given. Default: the latest event time of each data set.")
@click.option("--baseline", "baseline", type=click.Path(exists=True, path_type=Path),
              help="Older events for the baseline analytics: a log file or folder, or a "
                   "DuckDB file made with --db.")
@click.option("--parquet", "parquet_path", type=click.Path(file_okay=False, path_type=Path),
              help="Hunt over this Parquet data set (see carhunt ingest); any PATHS are "
                   "ingested into it first.")
@click.option("--engine", type=click.Choice(ENGINES.names()), default="duckdb",
              show_default=True,
              help="Engine that runs the analytics; spark needs --parquet.")
@click.option("--memory-limit", metavar="SIZE", default=DEFAULT_MEMORY_LIMIT, show_default=True,
              help="Memory the store may hold, such as 2GB; beyond it, tables and queries "
                   "spill to a temporary folder (or beside the --db file).")
@click.option("--master", metavar="URL",
              help="Spark master URL or Spark Connect address sc://host:port. Default: the "
                   "master spark-submit or spark-defaults.conf sets, else local[*].")
def hunt(
    paths: tuple[str, ...],
    db_path: Path | None,
    per_file: bool,
    analytic_ids: tuple[str, ...],
    car_strict: bool,
    flow_orientation: str,
    output_format: str | None,
    output: Path | None,
    html: Path | None,
    navigator: Path | None,
    navigator_coverage: Path | None,
    input_format: str | None,
    on_error: str,
    max_unpacked_size: int,
    max_unpacked_total: int,
    max_unpacked_ratio: float,
    report_json: Path | None,
    threads: int | None,
    config: Path | None,
    params: tuple[str, ...],
    now: str | None,
    baseline: Path | None,
    parquet_path: Path | None,
    engine: str,
    master: str | None,
    memory_limit: str,
) -> int:
    """Hunt through Sysmon logs in PATHS (files, folders, archives, or - for standard input).

    With no PATHS, hunts through the built-in demo capture, or with --db or
    --parquet through what that store already holds. Files already in the store
    (same SHA-256) are not ingested again.

    \b
    Examples:
      carhunt hunt C:/logs/Sysmon.evtx
      carhunt hunt logs/ --per-file -o hits.jsonl
      carhunt hunt logs/ --html report.html --navigator layer.json
      zcat sysmon.jsonl.gz | carhunt hunt - --report-json account.json
      carhunt hunt --parquet cases/acme --engine spark --master spark://head:7077
    """
    inputs = list(paths)
    if not inputs and db_path is None and parquet_path is None:
        inputs = [str(capture_path())]
    stdout_format = FORMATS.get(output_format or _default_format())
    files = {
        path: FORMATS.get(name)
        for name, path in (
            ("jsonl", output),
            ("html", html),
            ("navigator", navigator),
            ("navigator-coverage", navigator_coverage),
        )
        if path is not None
    }
    options = HuntOptions(
        reading=Reading.CAR_STRICT if car_strict else Reading.RECOMMENDED,
        orientation=FlowOrientation(flow_orientation),
        analytic_ids=analytic_ids,
        per_file=per_file,
        db_path=db_path,
        input_format=input_format,
        threads=threads,
        collect_context=any(f.needs_context for f in (stdout_format, *files.values())),
        parameters=load_parameters(load_analytics(), config, params),
        now=parse_now(now) if now is not None else None,
        baseline=baseline,
        on_error=ErrorPolicy(on_error),
        limits=InputLimits(
            max_member_bytes=max_unpacked_size,
            max_total_bytes=max_unpacked_total,
            max_ratio=max_unpacked_ratio,
        ),
        parquet_path=parquet_path,
        engine=engine,
        master=master,
        memory_limit=memory_limit,
    )
    try:
        result = _run_with_progress(inputs, options)
    except BadInputError as error:
        # The account up to the failure is still worth a report.
        if report_json is not None and isinstance(error.account, RunAccount):
            _write_report(error.account, report_json)
        raise
    if report_json is not None:
        _write_report(result.account, report_json)
    stdout_format().write(result, sys.stdout)
    sys.stdout.flush()
    _write_files(result, files)
    _print_account(result)
    return _exit_code(result)


def _run_with_progress(inputs: list[str], options: HuntOptions) -> HuntResult:
    """Run the hunt, with a progress bar on standard error when it is a terminal."""
    with progress_bar() as bar:
        return run_hunt(inputs, options, bar)


def _write_report(account: RunAccount, path: Path) -> None:
    text = json.dumps(account.to_dict(), indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def _exit_code(result: HuntResult) -> int:
    account = result.account
    if result.failed_analytics:
        return EXIT_FAILURE
    if account.failures or account.total_skipped:
        return EXIT_PARTIAL
    if account.anomalies:
        return EXIT_WARNINGS
    return EXIT_OK
