"""Output formats, registered by name; ``--format`` lists the registry."""

from __future__ import annotations

from carhunt.registry import Registry
from carhunt.report.base import OutputFormat
from carhunt.report.csv import CsvFormat
from carhunt.report.ecs import EcsFormat
from carhunt.report.html import HtmlFormat
from carhunt.report.jsonl import JsonLinesFormat
from carhunt.report.navigator import NavigatorCoverageFormat, NavigatorFormat
from carhunt.report.table import TableFormat

FORMATS: Registry[type[OutputFormat]] = Registry("output format")
for _format in (
    TableFormat,
    JsonLinesFormat,
    CsvFormat,
    EcsFormat,
    HtmlFormat,
    NavigatorFormat,
    NavigatorCoverageFormat,
):
    FORMATS.register(_format.name, _format)

__all__ = ["FORMATS", "OutputFormat"]
