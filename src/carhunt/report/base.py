"""Output format contract: render a hunt's hits and account to a text stream."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import ClassVar, TextIO

from carhunt.analytics.runner import AnalyticResult
from carhunt.pipeline import DataSetResult, HuntResult


class OutputFormat(ABC):
    """Base class of output formats. Every format renders from the same HuntResult."""

    name: ClassVar[str]
    description: ClassVar[str]
    needs_context: ClassVar[bool] = False
    """True when the format shows evidence events, process trees or data coverage, so
    the hunt must collect them (``HuntOptions.collect_context``)."""

    @abstractmethod
    def write(self, result: HuntResult, stream: TextIO) -> None:
        """Write the result to a text stream."""


def analytic_results(result: HuntResult) -> Iterator[tuple[DataSetResult, AnalyticResult]]:
    """Yield every analytic result with its data set, data set by data set."""
    for dataset in result.datasets:
        for item in dataset.results:
            yield dataset, item
