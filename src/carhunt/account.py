"""The run account: what happened to every input record.

Every stage reports into one :class:`RunAccount`. The invariant the CLI prints
and the tests check is ``read == normalized + not_sysmon + skipped``, where
``skipped`` is the sum over all reasons.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

MAX_EXAMPLES_PER_REASON = 20
"""How many skipped records per reason keep their file, offset and detail."""


@dataclass(frozen=True)
class Source:
    """One input: a file, or a member of an archive file."""

    source_id: int
    path: str
    member: str | None = None
    format: str = ""
    sha256: str = ""
    """SHA-256 of the input file: its identity, so that it is never ingested twice."""

    @property
    def display(self) -> str:
        return f"{self.path}:{self.member}" if self.member else self.path

    def ref(self, local: str) -> str:
        """Return the evidence reference of a record, with the archive member prefix."""
        return f"{self.member}:{local}" if self.member else local


@dataclass(frozen=True)
class Skip:
    """A record or byte range that was read but could not be normalized."""

    path: str
    offset: str
    reason: str
    detail: str


@dataclass(frozen=True)
class InputFailure:
    """An input that could not be read at all."""

    path: str
    reason: str


@dataclass
class RunAccount:
    """Counts of every input record, by outcome."""

    sources: dict[int, Source] = field(default_factory=dict)
    read: int = 0
    normalized: Counter[str] = field(default_factory=Counter)
    not_sysmon: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    examples: list[Skip] = field(default_factory=list)
    failures: list[InputFailure] = field(default_factory=list)
    warnings: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)
    """Counts of normalized records carrying a flag, such as time_from_transport."""

    def add_source(self, source: Source) -> None:
        self.sources[source.source_id] = source

    def skip(self, source: Source, offset: str, reason: str, detail: str = "") -> None:
        """Count one read record as skipped, keeping an example per reason."""
        self.read += 1
        self.skipped[reason] += 1
        if self.skipped[reason] <= MAX_EXAMPLES_PER_REASON:
            self.examples.append(Skip(source.display, offset, reason, detail))

    def fail(self, path: str, reason: str) -> None:
        self.failures.append(InputFailure(path, reason))

    def warn(self, kind: str, count: int = 1) -> None:
        self.warnings[kind] += count

    @property
    def total_normalized(self) -> int:
        return sum(self.normalized.values())

    @property
    def total_skipped(self) -> int:
        return sum(self.skipped.values())

    @property
    def balanced(self) -> bool:
        return self.read == self.total_normalized + self.not_sysmon + self.total_skipped

    def merge(self, other: RunAccount) -> None:
        """Add another account's counts to this one (per-file runs)."""
        self.sources.update(other.sources)
        self.read += other.read
        self.normalized.update(other.normalized)
        self.not_sysmon += other.not_sysmon
        self.skipped.update(other.skipped)
        self.examples.extend(other.examples)
        self.failures.extend(other.failures)
        self.warnings.update(other.warnings)
        self.flags.update(other.flags)

    def summary_line(self) -> str:
        """Return the closing line of a run: every record accounted for."""
        parts = [
            f"read {self.read:,}",
            f"normalized {self.total_normalized:,}",
            f"not Sysmon {self.not_sysmon:,}",
            f"skipped {self.total_skipped:,}",
        ]
        line = ", ".join(parts)
        if self.skipped:
            reasons = ", ".join(f"{reason} {n:,}" for reason, n in self.skipped.most_common())
            line += f" ({reasons})"
        if self.failures:
            line += f"; {len(self.failures)} input(s) unreadable"
        return line

    def to_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "normalized": self.total_normalized,
            "normalized_by_table": dict(self.normalized),
            "not_sysmon": self.not_sysmon,
            "skipped": self.total_skipped,
            "skipped_by_reason": dict(self.skipped),
            "balanced": self.balanced,
            "skip_examples": [vars(item) for item in self.examples],
            "unreadable_inputs": [vars(item) for item in self.failures],
            "warnings": dict(self.warnings),
            "flags": dict(self.flags),
            "sources": [
                {
                    "source_id": s.source_id,
                    "path": s.path,
                    "member": s.member,
                    "format": s.format,
                    "sha256": s.sha256,
                }
                for s in self.sources.values()
            ],
        }
