"""``carhunt coverage``: the CAR data-model coverage of the mapping, or of a data set."""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.table import Table

from carhunt import coverage as cov
from carhunt.account import RunAccount
from carhunt.pipeline import HuntOptions, ingest
from carhunt.readers.inputs import iter_inputs
from carhunt.store.duckdb_store import Store

LEGEND = (
    f"{cov.TICKED} ticked on CAR's Sysmon 3.2 sensor page and filled from the event; "
    f"{cov.UNBACKED} ticked, but the event does not carry it (derived by a join, or never "
    f"filled); {cov.EXTENDED} not ticked, filled by carhunt from the event"
)


def _cell_text(cell: cov.Cell | None) -> str:
    if cell is None:
        return ""
    if cell.populated is None:
        return cell.mark
    return f"{cell.mark} {cell.populated:.0%}"


def _print(objects: list[cov.ObjectCoverage], console: Console) -> None:
    for item in objects:
        table = Table(title=item.object, title_justify="left")
        table.add_column("field")
        for action in item.actions:
            records = item.records.get(action)
            header = action if records is None else f"{action} ({records:,})"
            table.add_column(header, justify="center")
        for name in item.fields:
            table.add_row(name, *(_cell_text(item.cells.get((a, name))) for a in item.actions))
        console.print(table)
    console.print(LEGEND)


def _as_json(objects: list[cov.ObjectCoverage]) -> str:
    data = {
        item.object: {
            "records": item.records,
            "cells": {
                f"{action}/{name}": {
                    "mark": cell.mark,
                    "sources": list(cell.sources),
                    "derivation": cell.derivation,
                    "note": cell.note,
                    "populated": cell.populated,
                }
                for (action, name), cell in item.cells.items()
            },
        }
        for item in objects
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print the coverage as JSON.")
def coverage(paths: tuple[str, ...], as_json: bool) -> int:
    """Print the CAR data-model coverage (objects, actions, fields) of the Sysmon mapping.

    With PATHS, also show for each field the share of that data set's records where it is
    filled, and the record count per host and Sysmon event id.
    """
    console = Console(file=sys.stdout, highlight=False)
    if not paths:
        objects = cov.model_coverage()
        click.echo(_as_json(objects)) if as_json else _print(objects, console)
        return 0
    account = RunAccount()
    store = Store()
    try:
        ingest(store, iter_inputs(list(paths), account), account, HuntOptions())
        objects = cov.data_coverage(store)
        counts = cov.host_event_counts(store)
    finally:
        store.close()
    if as_json:
        click.echo(_as_json(objects))
    else:
        _print(objects, console)
        table = Table(title="records per host and Sysmon event id", title_justify="left")
        for column in ("host", "event id", "records"):
            table.add_column(column)
        for host, event_id, count in counts:
            table.add_row(host, str(event_id), f"{count:,}")
        console.print(table)
    click.echo(f"records: {account.summary_line()}", err=True)
    return 3 if account.failures else 0
