"""CAR tables as a folder of Parquet files that DuckDB and Spark both read.

Layout of a data set folder ``DIR``::

    DIR/_manifest.jsonl                          one line per ingested input file
    DIR/<object>_<action>/date=<YYYY-MM-DD>/host=<host>/part-<uuid>.parquet
    DIR/_staging/                                files being written, not yet committed

Each table folder is partitioned hive-style by the event's UTC date and its
lower-cased host name (``unknown`` when either is missing). The ``date`` and
``host`` folder values only place files; the rows carry ``time`` and
``hostname`` themselves, and readers take those.

The files hold the logged columns only. Columns that a whole-data-set step
computes (derived user, flow orientation, see :mod:`carhunt.normalize.finalize`)
are null in the files and computed at hunt time over everything in ``DIR``.

An ingest appends new files and never rewrites old ones. The identity of a
record is the SHA-256 of its input file plus its reference in the file (record
id or line), so ``source_id`` is taken from the SHA-256. An input whose SHA-256
is already in the manifest is skipped whole.
"""

from __future__ import annotations

import fcntl
import json
import logging
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carhunt.account import InputFailure, RunAccount, Skip, Source
from carhunt.errors import StoreError
from carhunt.model import car
from carhunt.normalize.envelope import quote
from carhunt.normalize.finalize import FlowOrientation, Relation, finalized_selects

log = logging.getLogger(__name__)

MANIFEST = "_manifest.jsonl"
STAGING = "_staging"
PARTITION_COLUMNS = ("date", "host")
UNKNOWN_PARTITION = "unknown"

DATE_PARTITION_SQL = f"coalesce(strftime(time, '%Y-%m-%d'), '{UNKNOWN_PARTITION}')"
HOST_PARTITION_SQL = (
    "coalesce(nullif(regexp_replace(lower(hostname), '[^a-z0-9._-]', '_', 'g'), ''), "
    f"'{UNKNOWN_PARTITION}')"
)
"""Folder value of a host: lower-cased, any other character than [a-z0-9._-] as ``_``."""


def source_id_for(sha256: str) -> int:
    """Return the source id of an input file: the first 60 bits of its SHA-256.

    Sixty bits fit a signed BIGINT on every engine, and the id is the same on
    every machine and in every ingest, so executors need no shared counter.
    """
    return int(sha256[:15], 16)


@dataclass
class StagedFile:
    """One input file normalized into Parquet files under the staging folder."""

    sha256: str
    path: str
    format: str
    account: RunAccount
    staged: str | None = None
    """Folder holding the file's table folders; None when it wrote no rows."""
    member: str | None = None
    """Member inside an archive, as the readers name it; None for a plain file."""

    @property
    def source_id(self) -> int:
        return source_id_for(self.sha256)


@dataclass(frozen=True)
class ManifestEntry:
    """One ingested input file and the account of its records."""

    sha256: str
    source_id: int
    path: str
    format: str
    account: dict[str, Any] = field(default_factory=dict)
    member: str | None = None
    """Member inside an archive; ``sha256`` is then that of ``<file SHA-256>:<member>``."""

    def source(self) -> Source:
        return Source(self.source_id, self.path, self.member, self.format, self.sha256)


def account_to_json(account: RunAccount) -> dict[str, Any]:
    """Return the counts of an account as JSON values, without its sources."""
    return {
        "read": account.read,
        "normalized": dict(account.normalized),
        "not_sysmon": account.not_sysmon,
        "skipped": dict(account.skipped),
        "examples": [vars(item) for item in account.examples],
        "failures": [vars(item) for item in account.failures],
        "warnings": dict(account.warnings),
        "flags": dict(account.flags),
    }


def account_from_json(data: dict[str, Any]) -> RunAccount:
    """Rebuild an account from :func:`account_to_json` output."""
    return RunAccount(
        read=int(data.get("read", 0)),
        normalized=Counter(data.get("normalized", {})),
        not_sysmon=int(data.get("not_sysmon", 0)),
        skipped=Counter(data.get("skipped", {})),
        examples=[Skip(**item) for item in data.get("examples", [])],
        failures=[InputFailure(**item) for item in data.get("failures", [])],
        warnings=Counter(data.get("warnings", {})),
        flags=Counter(data.get("flags", {})),
    )


class ParquetStore:
    """A data set folder: the manifest, the table folders and the staging area."""

    def __init__(self, root: str | Path, create: bool = False) -> None:
        self.root = Path(root)
        if create:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(f"cannot create Parquet folder {self.root}: {error}") from error
        elif not (self.root / MANIFEST).is_file():
            raise StoreError(
                f"{self.root} is not a carhunt Parquet data set (no {MANIFEST}); "
                "create it with: carhunt ingest PATH... --parquet DIR"
            )
        self.manifest = self.root / MANIFEST
        self.manifest.touch(exist_ok=True)

    @property
    def staging(self) -> Path:
        return self.root / STAGING

    def table_path(self, table: str) -> Path:
        return self.root / table

    def table_files(self, table: str) -> list[Path]:
        """List the committed Parquet files of a table, sorted."""
        folder = self.table_path(table)
        if not folder.is_dir():
            return []
        return sorted(folder.glob("date=*/host=*/*.parquet"))

    def entries(self) -> dict[str, ManifestEntry]:
        """Return the manifest entries by SHA-256, in ingest order."""
        entries: dict[str, ManifestEntry] = {}
        with self.manifest.open(encoding="utf-8") as stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    entry = ManifestEntry(**json.loads(line))
                except (ValueError, TypeError) as error:
                    raise StoreError(
                        f"{self.manifest}:{number}: invalid manifest line: {error}"
                    ) from error
                entries[entry.sha256] = entry
        return entries

    def sources(self) -> dict[int, Source]:
        return {entry.source_id: entry.source() for entry in self.entries().values()}

    def account(self) -> RunAccount:
        """Return the merged account of every ingested file, with its sources."""
        total = RunAccount()
        for entry in self.entries().values():
            total.merge(account_from_json(entry.account))
            total.add_source(entry.source())
        return total

    def new_staging_folder(self, sha256: str) -> Path:
        folder = self.staging / f"{sha256[:16]}-{uuid.uuid4().hex}"
        folder.mkdir(parents=True, exist_ok=False)
        return folder

    def commit(self, staged: StagedFile) -> ManifestEntry | None:
        """Move a staged file's Parquet files into place and add it to the manifest.

        Returns None, and deletes the staged files, when an input with the same
        SHA-256 is already in the manifest.
        """
        with self._locked():
            known = self.entries().get(staged.sha256)
            if known is not None:
                self.discard(staged)
                return None
            if staged.staged is not None:
                self._move_into_place(Path(staged.staged))
            entry = ManifestEntry(
                staged.sha256,
                staged.source_id,
                staged.path,
                staged.format,
                account_to_json(staged.account),
                staged.member,
            )
            with self.manifest.open("a", encoding="utf-8") as stream:
                stream.write(json.dumps(vars(entry), sort_keys=True) + "\n")
        return entry

    def discard(self, staged: StagedFile) -> None:
        if staged.staged is not None:
            shutil.rmtree(staged.staged, ignore_errors=True)

    def _move_into_place(self, folder: Path) -> None:
        # NOTE: each move is atomic but the set is not: a crash part-way leaves
        # some of the file's rows in place without a manifest line, and a later
        # ingest of the same file adds them again.
        for table in car.OBJECT_ACTIONS:
            source = folder / table.table
            if not source.is_dir():
                continue
            for part in sorted(source.glob("date=*/host=*/*.parquet")):
                target = self.root / part.relative_to(folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                part.replace(target)
        shutil.rmtree(folder, ignore_errors=True)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold an exclusive lock on the manifest, so concurrent ingests commit in turn."""
        with (self.root / f"{MANIFEST}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


LOGGED_PREFIX = "logged_"
"""Engines hold the logged rows of table ``t`` as relation ``logged_t``."""


def logged_relation(source_ids: Sequence[int] | None = None) -> Relation:
    """Return the relation naming of logged rows, restricted to some sources if given."""

    def relation(table: str) -> str:
        name = quote(LOGGED_PREFIX + table)
        if source_ids is None:
            return name
        ids = ", ".join(str(int(item)) for item in source_ids) or "NULL"
        return f"(SELECT * FROM {name} WHERE source_id IN ({ids}))"

    return relation


def car_table_selects(
    orientation: FlowOrientation, source_ids: Sequence[int] | None = None
) -> dict[str, str]:
    """Return, per CAR table, the DuckDB SELECT of its rows over the logged relations.

    Tables with a whole-data-set step take its SELECT from
    :func:`~carhunt.normalize.finalize.finalized_selects`; the others are the
    logged rows as they are. Engines translate these to their dialect.
    """
    relation = logged_relation(source_ids)
    finals = finalized_selects(orientation, relation)
    selects = {}
    for table in car.OBJECT_ACTIONS:
        columns = ", ".join(f"t.{quote(name)}" for name in table.column_names)
        plain = f"SELECT {columns} FROM {relation(table.table)} AS t"
        selects[table.table] = finals.get(table.table, plain)
    return selects
