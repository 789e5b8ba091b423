"""Engine contract: run a rendered analytic query over the CAR tables."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import pyarrow as pa


class Engine(ABC):
    """A SQL engine holding the CAR tables.

    Engines differ by their SQL dialect (a sqlglot dialect name) and by where the
    tables live; analytics never know which engine runs them.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    dialect: ClassVar[str]

    @abstractmethod
    def run(self, sql: str) -> pa.Table:
        """Run a query written in this engine's dialect and return its rows."""

    def close(self) -> None:  # noqa: B027 - engines without resources need nothing here
        """Release the engine's resources."""
