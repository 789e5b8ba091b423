"""The progress bar of long runs, drawn on standard error."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TextIO

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

REFRESH_PER_SECOND = 4


def should_draw(quiet: bool, stream: TextIO | None = None) -> bool:
    """Return True when a progress bar should be drawn: not quiet, and a terminal."""
    target = sys.stderr if stream is None else stream
    return not quiet and target.isatty()


@contextmanager
def progress_bar() -> Iterator[ProgressBar | None]:
    """Yield the command's progress bar, or None under -q or off a terminal."""
    context = click.get_current_context(silent=True)
    quiet = bool(context is not None and (context.find_root().obj or {}).get("quiet"))
    if not should_draw(quiet):
        yield None
        return
    with ProgressBar() as bar:
        yield bar


class ProgressBar:
    """Shows files read, records read, records per second and elapsed time.

    Implements :class:`carhunt.ingest.Progress`. Inputs are found as they are read, so
    the number of files is counted, not known in advance. Use it as a context manager so the
    bar is removed from the terminal when the run ends, even on an error.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        console = Console(file=sys.stderr if stream is None else stream)
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed} files"),
            TextColumn("{task.fields[records]:,} records"),
            TextColumn("{task.fields[rate]:,.0f} records/s"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            refresh_per_second=REFRESH_PER_SECOND,
        )
        self._task: TaskID | None = None
        self._records = 0
        self._started = time.monotonic()

    def __enter__(self) -> ProgressBar:
        self._bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._bar.stop()

    def start(self, files: int | None) -> None:
        self._started = time.monotonic()
        self._task = self._bar.add_task("reading", total=files, records=0, rate=0.0)

    def advance(self, path: str, records: int) -> None:
        self._records += records
        self._update()

    def file_done(self, path: str) -> None:
        if self._task is not None:
            self._bar.advance(self._task)
        self._update()

    def phase(self, description: str) -> None:
        if self._task is not None:
            self._bar.update(self._task, description=description)

    def _update(self) -> None:
        if self._task is None:
            return
        elapsed = max(time.monotonic() - self._started, 1e-9)
        self._bar.update(self._task, records=self._records, rate=self._records / elapsed)
