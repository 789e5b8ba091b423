"""Ingestion: raw batches from the readers to CAR tables, reading and normalizing at once.

Reading holds the Python GIL (the reader loops, and pyevtx-rs hands records over
one by one), while normalizing is DuckDB work, which releases it. So a
:class:`PassQueue` runs the DuckDB side in background threads: the readers fill
the next pass while DuckDB normalizes the ones before.

Raw batches are also joined, across files, into passes of at least
:data:`PASS_ROWS` records: each pass pays a fixed cost of tens of milliseconds
for planning the envelope and mapping queries, which many small files would
otherwise pay one by one.

The run account is touched only by the calling thread: a pass returns a
:class:`~carhunt.store.duckdb_store.PassTally` that is applied to the account
when the pass is collected, so the error policy raises in the calling thread.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Protocol

import pyarrow as pa

from carhunt.account import RunAccount
from carhunt.store.duckdb_store import PassTally, Store

PASS_ROWS = 40_000
"""Raw records normalized in one pass. A pass costs about 60 ms of planning, so
larger passes spread that cost over more records. A pass of EVTX records contains
about 50 MB of JSON text, and at most :data:`PASSES_IN_FLIGHT` passes exist at once."""

NORMALIZERS = 2
"""Threads that normalize passes at once, each on its own DuckDB cursor.

With two, DuckDB normalizes two passes while the readers fill the next, which
keeps both cores of the benchmark machine busy (benchmarks/RESULTS.md)."""

PASSES_IN_FLIGHT = NORMALIZERS + 1
"""Passes queued for or being normalized: one per normalizer, and one ready behind."""


class Progress(Protocol):
    """Receives the progress of a run; the CLI draws it on standard error."""

    def start(self, files: int | None) -> None:
        """Announce the number of inputs about to be read, or None when unknown."""

    def advance(self, path: str, records: int) -> None:
        """Count records read from one input."""

    def file_done(self, path: str) -> None:
        """Mark one input as read."""

    def phase(self, description: str) -> None:
        """Name the step that runs now, such as running the analytics."""


class PassQueue:
    """Collects raw batches into passes and normalizes them in background threads.

    Use it as a context manager. Leaving the block normally normalizes what is
    left and waits for every pass. Leaving it on an error cancels the queued pass
    and waits for the running one, so the store is never closed under a query.
    """

    def __init__(self, store: Store, account: RunAccount, rows: int = PASS_ROWS) -> None:
        self.store = store
        self.account = account
        self.rows = rows
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._running: deque[Future[PassTally]] = deque()
        self._executor = ThreadPoolExecutor(
            max_workers=NORMALIZERS, thread_name_prefix="carhunt-normalize"
        )

    def __enter__(self) -> PassQueue:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                self.flush()
        finally:
            for future in self._running:
                future.cancel()
            self._executor.shutdown(wait=True)

    def add(self, batch: pa.Table) -> None:
        """Queue one raw batch; start a pass once enough records are queued."""
        if batch.num_rows == 0:
            return
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        if self._pending_rows >= self.rows:
            self._submit()

    def flush(self) -> None:
        """Normalize the queued records and wait until every pass is applied."""
        self._submit()
        while self._running:
            self._collect()

    def _submit(self) -> None:
        if not self._pending:
            return
        table = pa.concat_tables(self._pending)
        self._pending = []
        self._pending_rows = 0
        while len(self._running) >= PASSES_IN_FLIGHT:
            self._collect()
        self._running.append(self._executor.submit(self.store.normalize, table))

    def _collect(self) -> None:
        tally = self._running.popleft().result()
        tally.apply(self.account)
