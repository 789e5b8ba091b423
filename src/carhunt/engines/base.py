"""Engine contract: hold the CAR tables and run rendered analytic queries over them.

An engine runs queries in its own SQL dialect (a sqlglot dialect name), so the
analytics, written once in DuckDB's dialect, are rendered for it. Besides the
DuckDB store that the pipeline fills, every engine can read a Parquet data set
(:mod:`carhunt.store.parquet_store`) and can normalize input files into one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar

import pyarrow as pa

from carhunt.errors import EngineError
from carhunt.normalize.finalize import FlowOrientation
from carhunt.readers.inputs import InputItem
from carhunt.store.parquet_ingest import normalize_item_safely
from carhunt.store.parquet_store import ParquetStore, StagedFile


@dataclass(frozen=True)
class EngineSettings:
    """How to start an engine, as the CLI or a caller sets it."""

    threads: int | None = None
    """Worker threads of an embedded engine; None uses one per core."""
    master: str | None = None
    """Cluster address of a distributed engine: a Spark master URL or ``sc://host:port``."""


class Engine(ABC):
    """A SQL engine holding the CAR tables.

    Engines differ by their SQL dialect and by where the tables live; analytics
    never know which engine runs them.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    dialect: ClassVar[str]

    @classmethod
    def open(cls, settings: EngineSettings) -> Engine:
        """Start an engine with no tables yet, to load a Parquet data set into."""
        raise EngineError(f"the {cls.name} engine cannot be started on its own")

    @abstractmethod
    def run(self, sql: str) -> pa.Table:
        """Run a query written in this engine's dialect and return its rows."""

    def load_parquet(self, store: ParquetStore, cache: bool = False) -> None:
        """Make the logged rows of a Parquet data set the engine's ``logged_*`` relations.

        ``cache`` keeps them in memory, for data sets queried many times over
        (one per input file).
        """
        raise EngineError(f"the {self.name} engine cannot read a Parquet data set")

    def select_sources(
        self, orientation: FlowOrientation, source_ids: Sequence[int] | None = None
    ) -> None:
        """Define the CAR tables over the loaded Parquet data, for some sources or all."""
        raise EngineError(f"the {self.name} engine cannot read a Parquet data set")

    def parse_files(
        self,
        items: Iterable[InputItem],
        store: ParquetStore,
        known: Collection[str] = (),
    ) -> Iterator[StagedFile]:
        """Normalize inputs into the data set's staging folder, one result per input.

        This default parses the inputs one after another in this process.
        Inputs whose identity (SHA-256) is in ``known`` are hashed but not parsed.
        """
        for item in items:
            yield normalize_item_safely(item, store.root, known)

    def close(self) -> None:  # noqa: B027 - engines without resources need nothing here
        """Release the engine's resources."""
