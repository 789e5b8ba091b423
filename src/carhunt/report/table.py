"""The terminal summary: one row per analytic with hits, hosts and techniques."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console
from rich.table import Table

from carhunt.pipeline import HuntResult
from carhunt.report.base import OutputFormat
from carhunt.report.text import escape_controls


@dataclass
class AnalyticSummary:
    """Hits of one analytic summed over all data sets."""

    analytic_id: str
    title: str
    techniques: tuple[str, ...]
    hits: int = 0
    hosts: set[str] = field(default_factory=set)
    flags: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def summarize(result: HuntResult) -> list[AnalyticSummary]:
    """Return per-analytic totals in analytic id order."""
    summaries: dict[str, AnalyticSummary] = {}
    for dataset in result.datasets:
        for item in dataset.results:
            analytic = item.analytic
            summary = summaries.setdefault(
                analytic.id,
                AnalyticSummary(
                    analytic.id,
                    analytic.title,
                    tuple(dict.fromkeys(t.id for t in analytic.techniques)),
                ),
            )
            summary.hits += item.hit_count
            flags: dict[str, int] = defaultdict(int, summary.flags)
            for hit in item.hits:
                if hit.hostname:
                    summary.hosts.add(hit.hostname)
                for flag in hit.flags:
                    flags[flag] += 1
            summary.flags = dict(flags)
            if item.error:
                summary.errors.append(item.error)
    return [summaries[key] for key in sorted(summaries)]


def _techniques(items: tuple[str, ...], limit: int = 4) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" +{len(items) - limit}" if len(items) > limit else "")


class TableFormat(OutputFormat):
    """A summary table per analytic, then the record account."""

    name = "table"
    description = "summary table per analytic (the default on a terminal)"

    def write(self, result: HuntResult, stream: TextIO) -> None:
        console = Console(file=stream, highlight=False, soft_wrap=False)
        table = Table(title="CAR analytics", title_justify="left")
        for column, justify in (
            ("Analytic", "left"), ("Title", "left"), ("ATT&CK", "left"),
            ("Hits", "right"), ("Hosts", "right"),
        ):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for summary in summarize(result):
            hits = "error" if summary.errors else f"{summary.hits:,}"
            style = "dim"
            if summary.hits:
                style = "bold red"
            elif summary.errors:
                style = "red"
            table.add_row(
                summary.analytic_id,
                summary.title,
                _techniques(summary.techniques),
                hits,
                str(len(summary.hosts)),
                style=style,
            )
        console.print(table)
        for summary in summarize(result):
            for flag, count in sorted(summary.flags.items()):
                console.print(f"{summary.analytic_id}: {count:,} of {summary.hits:,} hits {flag}")
            for error in summary.errors:
                text = escape_controls(error)
                console.print(f"{summary.analytic_id} failed: {text}", style="red", markup=False)
