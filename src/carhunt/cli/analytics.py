"""``carhunt analytics``: the analytics, their rules and parameters, and what a data set
gives them.

``carhunt analytics [PATH...]`` lists every analytic. With paths it also reports for
each whether that data set can feed it. ``carhunt analytics show ID`` prints one
analytic in full.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from carhunt.account import RunAccount
from carhunt.analytics import load_analytics
from carhunt.analytics.base import RUNTIME_PARAMETERS, Analytic, Reading, render_query
from carhunt.analytics.config import load_parameters
from carhunt.analytics.coverage import AnalyticCoverage, analytic_coverage, describe
from carhunt.cli.main import EXIT_OK, EXIT_PARTIAL
from carhunt.engines.duckdb import DuckDBEngine
from carhunt.model.mapping import EVENT_TABLES
from carhunt.pipeline import HuntOptions, ingest
from carhunt.readers.inputs import iter_inputs
from carhunt.store.duckdb_store import Store

SQL_DIALECTS = ("duckdb", "spark")


class DefaultListGroup(click.Group):
    """A group whose first argument, when it is no subcommand, goes to ``list``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["list", *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultListGroup)
def analytics() -> None:
    """List the CAR analytics, or show one with its rule and parameters.

    \b
    Examples:
      carhunt analytics
      carhunt analytics logs/              (which analytics these logs can feed)
      carhunt analytics show CAR-2013-04-002
    """


def _reading(car_strict: bool) -> Reading:
    return Reading.CAR_STRICT if car_strict else Reading.RECOMMENDED


def _coverage_of(paths: tuple[str, ...], reading: Reading) -> tuple[list[AnalyticCoverage],
                                                                       RunAccount]:
    account = RunAccount()
    inputs = iter_inputs(list(paths), account)
    store = Store()
    try:
        ingest(store, inputs, account, HuntOptions())
        items = analytic_coverage(load_analytics(), reading, DuckDBEngine(store))
    finally:
        store.close()
    return items, account


def _techniques(analytic: Analytic, limit: int = 4) -> str:
    ids = list(dict.fromkeys(t.id for t in analytic.techniques))
    shown = ", ".join(ids[:limit])
    return shown + (f" +{len(ids) - limit}" if len(ids) > limit else "")


def _gaps(item: AnalyticCoverage) -> str:
    """Return the missing tables and, in tables that have records, the empty fields."""
    parts = []
    for table in item.missing_tables:
        events = ", ".join(str(e) for e, t in EVENT_TABLES.items() if t == table)
        parts.append(f"no {table} records (Sysmon event {events})")
    several_tables = len(item.records) > 1
    empty = [
        name if several_tables else name.split(".", 1)[1]
        for name in item.empty_fields
        if name.split(".", 1)[0] not in item.missing_tables
    ]
    if empty:
        parts.append("empty: " + ", ".join(empty))
    return "; ".join(parts)


def _print_list(items: list[AnalyticCoverage], with_data: bool, console: Console) -> None:
    table = Table(title="CAR analytics", title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("title")
    if not with_data:
        table.add_column("type")
    table.add_column("ATT&CK")
    table.add_column("Sysmon events")
    if with_data:
        table.add_column("data set")
        table.add_column("missing or empty")
    for item in items:
        analytic = item.analytic
        row = [analytic.id, analytic.title]
        if not with_data:
            row.append(analytic.analytic_type)
        row += [_techniques(analytic), ", ".join(str(event_id) for event_id in item.event_ids)]
        if with_data:
            row += [str(item.readiness), _gaps(item)]
        table.add_row(*row)
    console.print(table)


def _list_json(items: list[AnalyticCoverage], with_data: bool) -> str:
    records = []
    for item in items:
        record: dict[str, Any] = {
            "id": item.analytic.id,
            "title": item.analytic.title,
            "type": item.analytic.analytic_type,
            "reading": item.reading.value,
            "techniques": [t.id for t in item.analytic.techniques],
            "tactics": list(item.analytic.tactics),
            "event_ids": list(item.event_ids),
            "fields": list(item.fields),
        }
        if with_data:
            record["readiness"] = str(item.readiness)
            record["records"] = item.records
            record["empty_fields"] = list(item.empty_fields)
        records.append(record)
    return json.dumps(records, indent=2)


@analytics.command("list")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--car-strict", is_flag=True, help="Report the fields of the CAR-strict reading.")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def list_analytics(paths: tuple[str, ...], car_strict: bool, as_json: bool) -> int:
    """List the analytics with their ATT&CK techniques and the Sysmon events they need.

    With PATHS (files or folders of logs), also tell for each analytic whether that
    data set can feed it: ready, partial (some fields it reads are empty in every
    record) or no events (a table it reads has no records).
    """
    reading = _reading(car_strict)
    account: RunAccount | None = None
    if paths:
        items, account = _coverage_of(paths, reading)
    else:
        items = [describe(analytic, reading) for analytic in load_analytics()]
    if as_json:
        click.echo(_list_json(items, bool(paths)))
    else:
        _print_list(items, bool(paths), Console(file=sys.stdout, highlight=False))
    if account is None:
        return EXIT_OK
    click.echo(f"records: {account.summary_line()}", err=True)
    return EXIT_PARTIAL if account.failures else EXIT_OK


def _parameter_lines(analytic: Analytic, values: dict[str, Any]) -> list[str]:
    lines = []
    for parameter in analytic.parameters:
        value = values[parameter.name]
        shown = f"{value!r}" + ("" if value == parameter.default else
                                f" (default {parameter.default!r})")
        limits = []
        if parameter.choices:
            limits.append("one of " + ", ".join(parameter.choices))
        if parameter.minimum is not None:
            limits.append(f"at least {parameter.minimum:g}")
        if parameter.casefold:
            limits.append("compared case-insensitively")
        suffix = f" [{'; '.join(limits)}]" if limits else ""
        lines.append(f"  {parameter.name} = {shown}: {parameter.description}{suffix}")
    return lines or ["  (none)"]


def _query_sections(
    analytic: Analytic, values: dict[str, Any], dialect: str | None
) -> list[tuple[str, str]]:
    sections = []
    for role, query in analytic.queries().items():
        text = query.strip() if dialect is None else render_query(
            analytic, query, values, dialect
        )
        sections.append((role, text))
    return sections


def _show_text(analytic: Analytic, values: dict[str, Any], dialect: str | None) -> list[str]:
    needs = describe(analytic)
    lines = [
        f"{analytic.id}: {analytic.title}",
        f"type: {analytic.analytic_type}",
        "",
        analytic.description,
        "",
        "ATT&CK:",
        *(
            f"  {t.id} {t.name} [{', '.join(t.tactics)}]" + (f" {t.coverage}" if t.coverage
                                                             else "")
            for t in analytic.techniques
        ),
        f"Sysmon events: {', '.join(str(e) for e in needs.event_ids)}",
        f"fields: {', '.join(needs.fields)}",
        "parameters (set with --config FILE or --param ID.name=value):",
        *_parameter_lines(analytic, values),
    ]
    if analytic.baseline:
        lines.append("filled in by the run (baseline window):")
        lines += [f"  {name}: {text}" for name, text in RUNTIME_PARAMETERS.items()]
    if analytic.strict_query is not None:
        lines += ["", f"CAR-strict (--car-strict): {analytic.strict_difference}"]
    for role, text in _query_sections(analytic, values, dialect):
        lines += ["", f"-- {role} query", text]
    return lines


@analytics.command("show")
@click.argument("analytic_id", metavar="ID")
@click.option("--dialect", type=click.Choice(SQL_DIALECTS),
              help="Print the queries with parameter values filled in, in this SQL dialect. "
                   "Default: as written, with $name placeholders.")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file of parameter values, one table per analytic id.")
@click.option("--param", "params", multiple=True, metavar="ID.NAME=VALUE",
              help="Set one parameter (repeatable); overrides --config.")
@click.option("--json", "as_json", is_flag=True, help="Print the analytic as JSON.")
def show(analytic_id: str, dialect: str | None, config: Path | None, params: tuple[str, ...],
         as_json: bool) -> int:
    """Print one analytic: rule, both readings' queries, parameters, ATT&CK and fields."""
    registry = load_analytics()
    analytic = registry.get(analytic_id)
    overrides = load_parameters(registry, config, params)
    values = analytic.resolve(overrides.get(analytic.id))
    if not as_json:
        click.echo("\n".join(_show_text(analytic, values, dialect)))
        return EXIT_OK
    needs = describe(analytic)
    record = {
        "id": analytic.id,
        "title": analytic.title,
        "type": analytic.analytic_type,
        "description": analytic.description,
        "techniques": [
            {"id": t.id, "name": t.name, "tactics": list(t.tactics), "coverage": t.coverage}
            for t in analytic.techniques
        ],
        "event_ids": list(needs.event_ids),
        "fields": list(needs.fields),
        "parameters": {
            p.name: {"value": values[p.name], "default": p.default, "description": p.description}
            for p in analytic.parameters
        },
        "strict_difference": analytic.strict_difference or None,
        "queries": dict(_query_sections(analytic, values, dialect)),
    }
    click.echo(json.dumps(record, indent=2, default=list))
    return EXIT_OK
