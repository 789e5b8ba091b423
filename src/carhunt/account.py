"""The run account: what happened to every input record.

Every stage reports into one :class:`RunAccount`. The invariant the CLI prints
and the tests check is ``read == normalized + not_sysmon + skipped``, where
``skipped`` is the sum over all reasons.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from carhunt.errors import BadInputError

log = logging.getLogger(__name__)

MAX_EXAMPLES_PER_REASON = 20
"""How many skipped records per reason keep their file, offset and detail."""

MAX_LOGGED_PER_KIND = 5
"""How many problems of one kind are logged one by one before they are only counted."""

UNMAPPED_SYSMON = "unmapped_sysmon"
"""Key of ``normalized`` for Sysmon events whose id fills no CAR table (such as 10-13).

They are recognized and normalized Sysmon records, not skipped ones; CAR's Sysmon
3.2 model simply has no table for them.
"""


class ErrorPolicy(StrEnum):
    """Error policy: the effect of a bad record, damaged region or unreadable input on a run."""

    IGNORE = "ignore"
    """Count it in the account and log it at debug level only."""
    WARN = "warn"
    """Count it and log a warning (the first few of each kind, then a count)."""
    FAIL = "fail"
    """Stop the run with :class:`~carhunt.errors.BadInputError` naming file and offset."""


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


@dataclass(frozen=True)
class Anomaly:
    """Damage or an inconsistency in an input that cost no counted record by itself.

    Examples: an EVTX chunk header that claims records that never existed, a
    gzip stream cut short, a partly analysed file.
    """

    path: str
    offset: str
    kind: str
    detail: str


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
    anomalies: list[Anomaly] = field(default_factory=list)
    recovered: int = 0
    """Records a parser did not return that carhunt read back (EVTX signature scan)."""
    policy: ErrorPolicy = ErrorPolicy.WARN
    _logged: Counter[str] = field(default_factory=Counter, repr=False)

    def add_source(self, source: Source) -> None:
        self.sources[source.source_id] = source

    def skip(
        self, source: Source, offset: str, reason: str, detail: str = "", count: int = 1
    ) -> None:
        """Count read records as skipped, keeping an example per reason.

        ``count`` > 1 counts a run of records lost together, such as the records
        a damaged EVTX chunk held; ``offset`` then names where the run starts.
        """
        self.read += count
        self.skipped[reason] += count
        if self.skipped[reason] - count < MAX_EXAMPLES_PER_REASON:
            self.examples.append(Skip(source.display, offset, reason, detail))
        problem = f"at {offset}: skipped {count} record(s), {reason}"
        self._report(reason, source.display, problem + (f": {detail}" if detail else ""))

    def skip_records(
        self, reason: str, count: int, where: list[tuple[Source, str]], detail: str = ""
    ) -> None:
        """Count ``count`` skipped records of one reason, found in a batch at ``where``.

        ``where`` contains (source, offset) of some of them, kept as examples.
        """
        self.read += count
        kept = self.skipped[reason]
        self.skipped[reason] += count
        for source, offset in where[: max(0, MAX_EXAMPLES_PER_REASON - kept)]:
            self.examples.append(Skip(source.display, offset, reason, detail))
        if where:
            first, offset = where[0]
            problem = f"at {offset}: skipped {count} record(s) of this batch, {reason}"
            self._report(reason, first.display, problem + (f": {detail}" if detail else ""))

    def fail(self, path: str, reason: str) -> None:
        """Record an input that could not be read at all.

        It is logged at debug level only, because the closing account of a run
        lists every unreadable input once; under the ``fail`` policy it raises.
        """
        self.failures.append(InputFailure(path, reason))
        if self.policy is ErrorPolicy.FAIL:
            raise BadInputError(path, reason)
        log.debug("%s: %s", path, reason)

    def anomaly(self, source: Source, offset: str, kind: str, detail: str) -> None:
        """Record damage that cost no counted record by itself, as a warning."""
        self.anomalies.append(Anomaly(source.display, offset, kind, detail))
        self.warnings[kind] += 1
        self._report(kind, source.display, f"at {offset}: {detail}")

    def warn(self, kind: str, count: int = 1) -> None:
        self.warnings[kind] += count

    def _report(self, kind: str, path: str, problem: str) -> None:
        """Apply the error policy to one problem: raise, log or only count it."""
        if self.policy is ErrorPolicy.FAIL:
            raise BadInputError(path, problem)
        message = f"{path}: {problem}"
        self._logged[kind] += 1
        seen = self._logged[kind]
        if self.policy is ErrorPolicy.IGNORE or seen > MAX_LOGGED_PER_KIND:
            log.debug("%s", message)
        elif seen == MAX_LOGGED_PER_KIND:
            log.warning("%s (further %s problems are only counted)", message, kind)
        else:
            log.warning("%s", message)

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
        self.anomalies.extend(other.anomalies)
        self.recovered += other.recovered

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
        if self.recovered:
            line += f"; {self.recovered:,} recovered from damaged EVTX chunks"
        if self.anomalies:
            line += f"; {len(self.anomalies)} anomaly warning(s)"
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
            "anomalies": [vars(item) for item in self.anomalies],
            "recovered": self.recovered,
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
