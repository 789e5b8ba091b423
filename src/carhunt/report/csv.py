"""CSV: one row per hit, for spreadsheets, safe to open.

Every text cell has its control and bidirectional characters escaped. A cell
that a spreadsheet would run as a formula gets a leading ``'``, as the OWASP
CSV injection guidance recommends: one that starts with ``=``, ``+``, ``-`` or
``@``, after any leading spaces. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from typing import Any, TextIO

from carhunt.hits import Hit
from carhunt.pipeline import HuntResult
from carhunt.report.base import OutputFormat, analytic_results
from carhunt.report.text import escape_controls

FIXED_COLUMNS = (
    "dataset", "analytic", "title", "reading", "time", "hostname", "techniques", "tactics",
    "matched_subrules", "field_missing", "flags", "evidence",
)
FORMULA_STARTS = ("=", "+", "-", "@")
LIST_SEPARATOR = "; "


def format_time(value: dt.datetime) -> str:
    """Return a CAR time (naive UTC) as ISO 8601 with milliseconds and ``Z``."""
    return value.isoformat(timespec="milliseconds") + "Z"


def safe_cell(value: Any) -> str | int | float:
    """Return a value as a CSV cell: escaped, formula-safe text, or a number."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.datetime):
        return format_time(value)
    if isinstance(value, list | tuple):
        text = LIST_SEPARATOR.join(str(safe_cell(item)) for item in value)
    else:
        text = escape_controls(str(value))
    if text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def key_field_names(hits: Iterable[Hit]) -> list[str]:
    """Return the key field names of the hits, in order of first appearance."""
    names: dict[str, None] = {}
    for hit in hits:
        for name in hit.fields:
            names.setdefault(name, None)
    return [name for name in names if name not in FIXED_COLUMNS]


class CsvFormat(OutputFormat):
    """One row per hit; key fields of every analytic become columns."""

    name = "csv"
    description = "one CSV row per hit, cells escaped and safe from formula injection"

    def write(self, result: HuntResult, stream: TextIO) -> None:
        rows = [
            (dataset.name, hit)
            for dataset, item in analytic_results(result)
            for hit in item.hits
        ]
        extra = key_field_names(hit for _, hit in rows)
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow([*FIXED_COLUMNS, *extra])
        for dataset, hit in rows:
            evidence = [f"{item.path}#{item.ref}" for item in hit.evidence]
            fixed = (
                dataset, hit.analytic_id, hit.title, hit.reading.value, hit.time,
                hit.hostname, hit.techniques, hit.tactics, hit.matched_subrules,
                hit.field_missing, hit.flags, evidence,
            )
            cells = [*fixed, *(hit.fields.get(name) for name in extra)]
            writer.writerow([safe_cell(value) for value in cells])
