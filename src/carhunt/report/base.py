"""Output format contract: render a hunt's hits and account to a text stream."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, TextIO

from carhunt.pipeline import HuntResult


class OutputFormat(ABC):
    """Base class of output formats. Every format renders from the same HuntResult."""

    name: ClassVar[str]
    description: ClassVar[str]

    @abstractmethod
    def write(self, result: HuntResult, stream: TextIO) -> None:
        """Write the result to a text stream."""
