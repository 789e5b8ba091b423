"""JSON lines: one hit per line, for pipes, files and SIEM ingestion."""

from __future__ import annotations

import json
from typing import TextIO

from carhunt.pipeline import HuntResult
from carhunt.report.base import OutputFormat


class JsonLinesFormat(OutputFormat):
    """One JSON object per hit, with the data set it was found in."""

    name = "jsonl"
    description = "one JSON object per hit (the default when standard output is not a terminal)"

    def write(self, result: HuntResult, stream: TextIO) -> None:
        for dataset in result.datasets:
            for analytic_result in dataset.results:
                for hit in analytic_result.hits:
                    record = hit.to_dict()
                    if len(result.datasets) > 1:
                        record["dataset"] = dataset.name
                    stream.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
