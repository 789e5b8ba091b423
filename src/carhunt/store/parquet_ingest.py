"""Normalize one input file into staged Parquet files: the unit of work of an ingest.

The same function runs in the carhunt process (DuckDB engine) and in Spark
executors (Spark engine): it hashes the file, parses it with carhunt's reader,
normalizes the batches in an in-memory DuckDB store and writes the CAR tables
to a staging folder of the data set. The caller commits the result
(:meth:`~carhunt.store.parquet_store.ParquetStore.commit`).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Collection
from pathlib import Path
from typing import Any, BinaryIO

import duckdb

from carhunt.account import RunAccount, Source
from carhunt.errors import CarhuntError, LimitError
from carhunt.model import car
from carhunt.normalize.envelope import quote
from carhunt.readers import READERS
from carhunt.readers.inputs import InputItem
from carhunt.store.duckdb_store import Store
from carhunt.store.parquet_store import (
    DATE_PARTITION_SQL,
    HOST_PARTITION_SQL,
    ParquetStore,
    StagedFile,
    account_from_json,
    account_to_json,
)

log = logging.getLogger(__name__)

FLUSH_ROWS = 1_000_000
"""Rows held in memory before they are written out, which bounds a worker's memory."""

HASH_BLOCK = 1 << 20
LOCAL_SOURCE_ID = 1
"""Source id inside the worker's own store; the Parquet rows get the SHA-256 one."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def identity(file_sha256: str, member: str | None) -> str:
    """Return the identity of an input: its file's SHA-256, or for an archive member
    the SHA-256 of ``<file SHA-256>:<member>``."""
    if member is None:
        return file_sha256
    return hashlib.sha256(f"{file_sha256}:{member}".encode()).hexdigest()


def normalize_file(
    path: Path,
    reader_name: str,
    root: Path,
    known: Collection[str] = (),
    threads: int | None = None,
) -> StagedFile:
    """Parse and normalize one file into the staging folder of the data set at ``root``.

    A file whose SHA-256 is in ``known`` is not parsed: the result has no
    staged folder and an empty account. A read that fails part-way keeps the
    records read so far and records the failure in the account.
    """
    sha256 = sha256_file(path)
    staged = StagedFile(sha256, str(path), reader_name, RunAccount())
    if sha256 in known:
        return staged
    with path.open("rb") as stream:
        return _normalize(stream, staged, root, threads)


def normalize_item(
    item: InputItem, root: Path, known: Collection[str] = (), threads: int | None = None
) -> StagedFile:
    """Normalize one input of :func:`~carhunt.readers.inputs.iter_inputs` in this process.

    Standard input has no file to hash, so its content is read into memory and hashed.
    """
    if item.file is None:
        content = item.stream.read()
        stream: BinaryIO = io.BytesIO(content)
        sha256 = hashlib.sha256(content).hexdigest()
    else:
        stream = item.stream
        sha256 = identity(sha256_file(item.file), item.member)
    staged = StagedFile(sha256, item.path, item.reader.name, RunAccount(), member=item.member)
    if sha256 in known:
        return staged
    return _normalize(stream, staged, root, threads)


def _normalize(
    stream: BinaryIO, staged: StagedFile, root: Path, threads: int | None
) -> StagedFile:
    account = staged.account
    source = Source(LOCAL_SOURCE_ID, staged.path, staged.member, staged.format, staged.sha256)
    account.add_source(source)
    folder = ParquetStore(root, create=True).new_staging_folder(staged.sha256)
    store = Store(None, threads=threads)
    written = False
    try:
        reader = READERS.get(staged.format)()
        try:
            for batch in reader.read(stream, source, account):
                store.ingest(batch, account)
                if _pending_rows(store) >= FLUSH_ROWS:
                    written |= _flush(store, folder, staged.source_id)
        except (OSError, ValueError, RuntimeError, EOFError, LimitError) as error:
            account.fail(source.display, f"read failed part-way, later records lost: {error}")
            log.debug("reading %s failed", source.display, exc_info=True)
        written |= _flush(store, folder, staged.source_id)
    finally:
        store.close()
    staged.staged = str(folder) if written else None
    if not written:
        folder.rmdir()
    # The local source id means nothing outside this function.
    account.sources.clear()
    return staged


def _pending_rows(store: Store) -> int:
    return sum(_rows(store, table.table) for table in car.OBJECT_ACTIONS)


def _rows(store: Store, table: str) -> int:
    # fetchall, not fetchone: DuckDB rejects the next statement while a result is unread.
    ((count,),) = store.con.execute(f"SELECT count(*) FROM {quote(table)}").fetchall()
    return int(count)


def _flush(store: Store, folder: Path, source_id: int) -> bool:
    """Write every non-empty CAR table to the staging folder and empty it."""
    wrote = False
    provenance = {
        car.SOURCE_ID: f"CAST({source_id} AS BIGINT)",
        car.EVENT_REF: f"'{source_id}/' || ref",
    }
    for table in car.OBJECT_ACTIONS:
        if _rows(store, table.table) == 0:
            continue
        columns = ", ".join(
            f"{provenance[name]} AS {quote(name)}" if name in provenance else quote(name)
            for name in table.column_names
        )
        target = str(folder / table.table).replace("'", "''")
        store.con.execute(
            f"COPY (SELECT {columns}, {DATE_PARTITION_SQL} AS date, "
            f"{HOST_PARTITION_SQL} AS host FROM {quote(table.table)}) "
            f"TO '{target}' (FORMAT parquet, PARTITION_BY (date, host), "
            "FILENAME_PATTERN 'part-{uuid}', APPEND true)"
        ).fetchall()
        store.con.execute(f"DELETE FROM {quote(table.table)}").fetchall()
        wrote = True
    return wrote


def staged_to_json(staged: StagedFile) -> str:
    """Serialize a result for the trip from a Spark executor to the driver."""
    data: dict[str, Any] = {
        "sha256": staged.sha256,
        "path": staged.path,
        "format": staged.format,
        "member": staged.member,
        "staged": staged.staged,
        "account": account_to_json(staged.account),
    }
    return json.dumps(data)


def staged_from_json(text: str) -> StagedFile:
    data = json.loads(text)
    return StagedFile(
        data["sha256"],
        data["path"],
        data["format"],
        account_from_json(data["account"]),
        data["staged"],
        data.get("member"),
    )


def normalize_file_safely(
    path: Path,
    reader_name: str,
    root: Path,
    known: Collection[str] = (),
    threads: int | None = None,
) -> StagedFile:
    """Run :func:`normalize_file`, turning a failure into an account entry.

    A result with an empty ``sha256`` is a file that could not be normalized
    at all; its account names the file and the reason.
    """
    try:
        return normalize_file(path, reader_name, root, known, threads)
    except (CarhuntError, OSError, duckdb.Error) as error:
        log.debug("normalizing %s failed", path, exc_info=True)
        account = RunAccount()
        account.fail(str(path), f"normalization failed: {error}")
        return StagedFile("", str(path), reader_name, account)


def normalize_item_safely(
    item: InputItem, root: Path, known: Collection[str] = (), threads: int | None = None
) -> StagedFile:
    """Run :func:`normalize_item`, turning a failure into an account entry."""
    try:
        return normalize_item(item, root, known, threads)
    except (CarhuntError, OSError, duckdb.Error) as error:
        log.debug("normalizing %s failed", item.display, exc_info=True)
        account = RunAccount()
        account.fail(item.display, f"normalization failed: {error}")
        return StagedFile("", item.path, item.reader.name, account, member=item.member)
