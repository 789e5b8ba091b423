"""Run one command as a child process and measure its wall time, CPU time and peak RSS.

Peak RSS is the largest sum of the resident set sizes of the child and all its
descendants (carhunt's worker processes included), polled every
:data:`POLL_SECONDS` while it runs, so a peak shorter than that can be missed.
CPU time is the user plus system time of the child and every descendant it
waited for, from ``getrusage(RUSAGE_CHILDREN)``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Measurement:
    """Cost of one run of a command, and the result line it printed."""

    command: list[str]
    seconds: float
    cpu_seconds: float
    peak_rss_bytes: int
    load_before: float
    load_after: float
    exit_code: int
    result: dict[str, object]
    """The JSON object the command printed last on standard output, if any."""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


def _last_json(text: str) -> dict[str, object]:
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    return {}


def measure(command: list[str], stdout: Path | None = None, cwd: Path | None = None) -> Measurement:
    """Run ``command`` to its end and measure it; its output goes to ``stdout`` or a pipe."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    sink = stdout.open("wb") if stdout is not None else subprocess.PIPE
    try:
        child = subprocess.Popen(command, stdout=sink, stderr=subprocess.PIPE, cwd=cwd)
        watched = psutil.Process(child.pid)
        peak = 0
        while child.poll() is None:
            peak = max(peak, _tree_rss(watched))
            time.sleep(POLL_SECONDS)
        out, err = child.communicate()
    finally:
        if stdout is not None and not isinstance(sink, int):
            sink.close()
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if child.returncode not in (0, 3):
        tail = (err or b"").decode("utf-8", "replace")[-2000:]
        raise RuntimeError(f"{' '.join(command)} exited {child.returncode}: {tail}")
    text = (out or b"").decode("utf-8", "replace") if stdout is None else ""
    return Measurement(
        command=command,
        seconds=seconds,
        cpu_seconds=cpu,
        peak_rss_bytes=peak,
        load_before=load_before,
        load_after=os.getloadavg()[0],
        exit_code=child.returncode,
        result=_last_json(text),
    )
