"""The HTML report: one self-contained file an analyst opens offline.

The page has no script and loads nothing: its stylesheet is inline and a
Content-Security-Policy meta tag allows only that stylesheet (by its SHA-256
hash), so markup or script inside a logged command line can neither run nor
fetch anything. Jinja2 escapes every value (autoescape), and control and
bidirectional characters are shown as ``\\xNN`` / ``\\uNNNN`` escapes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, TextIO

import jinja2
from markupsafe import Markup, escape

from carhunt import coverage as cov
from carhunt.analytics.runner import AnalyticResult
from carhunt.context import DataSetContext, EvidenceEvent
from carhunt.hits import Hit
from carhunt.model import car
from carhunt.pipeline import DataSetResult, HuntResult
from carhunt.process_tree import ProcessNode, ProcessTree
from carhunt.report import attack
from carhunt.report.base import OutputFormat, analytic_results
from carhunt.report.csv import LIST_SEPARATOR, format_time
from carhunt.report.navigator import best_coverage
from carhunt.report.table import summarize
from carhunt.report.text import split_controls

MAX_DETAILED_HITS = 200
"""Hits per analytic and data set shown with evidence and process trees; the rest as rows."""

TIMELINE_WIDTH = 1000
PALETTE_SIZE = 10
"""Colour classes c0..c9 in report.css, one per analytic, reused past ten."""


def visible(value: Any) -> Markup:
    """Return a value as escaped HTML, control characters shown as marked escapes."""
    text = format_value(value)
    parts = []
    for piece, is_escape in split_controls(text):
        if is_escape:
            parts.append(Markup('<span class="ctl">{}</span>').format(piece))
        else:
            parts.append(escape(piece))
    return Markup("").join(parts)


def format_value(value: Any) -> str:
    """Return a hit or CAR value as display text."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_time(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(format_value(item) for item in value)
    if isinstance(value, float):
        return f"{value:.0%}" if 0 <= value <= 1 else str(value)
    return str(value)


@dataclass
class HitView:
    """One hit as the report shows it."""

    number: int
    dataset: str
    hit: Hit
    color: int
    summary: str
    detailed: bool
    events: list[EvidenceEvent] = field(default_factory=list)
    trees: list[list[tuple[int, str, ProcessNode | None]]] = field(default_factory=list)
    """Each tree as rows of (depth, role, node): role ancestor, focus or child with a node,
    more-ancestors or more-children without one."""


@dataclass
class TimelineRow:
    """One host's strip in the timeline: its telemetry span and its hits."""

    hostname: str
    span: tuple[float, float] | None
    marks: list[tuple[float, HitView]]


def _tree_rows(tree: ProcessTree) -> list[tuple[int, str, ProcessNode | None]]:
    rows: list[tuple[int, str, ProcessNode | None]] = []
    if tree.truncated:
        rows.append((0, "more-ancestors", None))
    for depth, node in enumerate(tree.ancestors):
        rows.append((depth, "ancestor", node))
    depth = len(tree.ancestors)
    rows.append((depth, "focus", tree.process))
    rows.extend((depth + 1, "child", child) for child in tree.children)
    if tree.children_total > len(tree.children):
        rows.append((depth + 1, "more-children", None))
    return rows


def _summary(hit: Hit, item: AnalyticResult) -> str:
    values = [format_value(hit.fields.get(name)) for name in item.analytic.key_fields]
    return " · ".join(value for value in values if value)


def hit_views(result: HuntResult) -> list[HitView]:
    """Return every hit with its number, colour and, for detailed ones, events and trees."""
    colors: dict[str, int] = {}
    views: list[HitView] = []
    detailed: Counter[tuple[str, str]] = Counter()
    for dataset, item in analytic_results(result):
        color = colors.setdefault(item.analytic.id, len(colors) % PALETTE_SIZE)
        for hit in item.hits:
            key = (dataset.name, item.analytic.id)
            detailed[key] += 1
            view = HitView(
                len(views) + 1, dataset.name, hit, color, _summary(hit, item),
                detailed[key] <= MAX_DETAILED_HITS,
            )
            if view.detailed and dataset.context is not None:
                view.events = dataset.context.events_for(hit)
                view.trees = [_tree_rows(tree) for tree in dataset.context.trees_for(hit)]
            views.append(view)
    return views


def _position(time: dt.datetime, start: dt.datetime, end: dt.datetime) -> float:
    if end <= start:
        return TIMELINE_WIDTH / 2
    return 2 + (TIMELINE_WIDTH - 4) * (time - start) / (end - start)


def _telemetry_spans(result: HuntResult) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """Return per host the first and last event time over all data sets."""
    spans: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for dataset in result.datasets:
        for item in dataset.context.hosts if dataset.context else []:
            if item.first is not None and item.last is not None:
                old = spans.get(item.hostname, (item.first, item.last))
                spans[item.hostname] = (min(old[0], item.first), max(old[1], item.last))
    return spans


def timeline(result: HuntResult, views: list[HitView]) -> tuple[list[TimelineRow], list[str]]:
    """Return a timeline row per host with hits, and the labels of its start and end."""
    spans = _telemetry_spans(result)
    timed = [(view.hit.time, view) for view in views if view.hit.time is not None]
    hosts = sorted({view.hit.hostname or "(unknown)" for _, view in timed})
    moments = [time for time, _ in timed]
    moments += [value for host in hosts for value in spans.get(host, ())]
    if not moments:
        return [], []
    start, end = min(moments), max(moments)
    rows = []
    for host in hosts:
        span = spans.get(host)
        bar = (_position(span[0], start, end), _position(span[1], start, end)) if span else None
        marks = [
            (_position(time, start, end), view)
            for time, view in timed
            if (view.hit.hostname or "(unknown)") == host
        ]
        rows.append(TimelineRow(host, bar, marks))
    return rows, [format_time(start), format_time(end)]


def host_summary(views: list[HitView]) -> list[dict[str, Any]]:
    """Return per host: hits, analytics that fired, first and last hit."""
    hosts: dict[str, dict[str, Any]] = {}
    for view in views:
        name = view.hit.hostname or "(unknown)"
        entry = hosts.setdefault(name, {"host": name, "hits": 0, "analytics": {}, "times": []})
        entry["hits"] += 1
        entry["analytics"][view.hit.analytic_id] = None
        if view.hit.time is not None:
            entry["times"].append(view.hit.time)
    for entry in hosts.values():
        entry["first"] = min(entry["times"], default=None)
        entry["last"] = max(entry["times"], default=None)
        entry["analytics"] = list(entry["analytics"])
    return [hosts[key] for key in sorted(hosts)]


def technique_summary(result: HuntResult) -> list[dict[str, Any]]:
    """Return per ATT&CK technique hit: name, tactics, hits and analytics."""
    rows: dict[str, dict[str, Any]] = {}
    for _, item in analytic_results(result):
        if not item.hit_count:
            continue
        counted: set[str] = set()
        # An analytic may list a technique twice, under different tactics: the hits
        # count once and the tactics add up.
        for technique in item.analytic.techniques:
            entry = rows.setdefault(technique.id, {
                "id": technique.id,
                "name": technique.name,
                "url": attack.technique_url(technique.id),
                "tactics": {},
                "hits": 0,
                "analytics": {},
            })
            for tactic in technique.tactics:
                entry["tactics"][attack.tactic_name(tactic)] = None
            if technique.id not in counted:
                entry["hits"] += item.hit_count
                counted.add(technique.id)
            entry["analytics"][item.analytic.id] = None
    return [rows[key] for key in sorted(rows)]


def _contexts(result: HuntResult) -> list[tuple[DataSetResult, DataSetContext]]:
    return [(d, d.context) for d in result.datasets if d.context is not None]


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("carhunt.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["visible"] = visible
    environment.filters["text"] = format_value
    return environment


def stylesheet() -> str:
    """Return the report's stylesheet, exactly as the page embeds it."""
    return (resources.files("carhunt.report") / "templates" / "report.css").read_text("utf-8")


def content_security_policy(css: str) -> str:
    """Return the page's policy: no scripts, no loads, only this inline stylesheet."""
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; script-src 'none'; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )


def render(result: HuntResult) -> str:
    """Return the whole report page for a hunt result."""
    css = stylesheet()
    views = hit_views(result)
    rows, bounds = timeline(result, views)
    template = _environment().get_template("report.html.j2")
    return template.render(
        css=Markup(css),
        policy=content_security_policy(css),
        result=result,
        analytics=summarize(result),
        hosts=host_summary(views),
        techniques=technique_summary(result),
        views=views,
        timeline=rows,
        bounds=bounds,
        width=TIMELINE_WIDTH,
        contexts=_contexts(result),
        analytic_coverage=best_coverage(result),
        coverage_marks={cov.FULL: "full", cov.PARTIAL: "partial", cov.NONE: "none"},
        account=result.account,
        max_detailed=MAX_DETAILED_HITS,
        provenance={car.SOURCE_ID, car.REF},
    )


class HtmlFormat(OutputFormat):
    """A self-contained HTML report with summaries, timeline, evidence and coverage."""

    name = "html"
    description = "self-contained HTML report: summary, timeline, evidence, process trees"
    needs_context = True

    def write(self, result: HuntResult, stream: TextIO) -> None:
        stream.write(render(result))
