"""Inputs: paths, directories, standard input and archives to readable streams.

:func:`iter_inputs` walks what the user named and yields one :class:`InputItem`
per event file found, with the reader chosen by content. Compressed files and
archives are opened on the way (see :mod:`carhunt.readers.containers`). A
problem with one input is recorded in the run account with its path and what
to do, and the walk goes on with the next input.

Items are yielded lazily and share streams with the archive they come from: a
caller reads each item to the end (or drops it) before asking for the next.
"""

from __future__ import annotations

import io
import logging
import sys
import tarfile
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from carhunt.account import Anomaly, RunAccount, Source
from carhunt.errors import LimitError
from carhunt.readers import READERS, SNIFF_BYTES, Reader, detect
from carhunt.readers.containers import (
    Budget,
    CountingStream,
    DecompressingStream,
    InputLimits,
    ReplayStream,
    buffered,
    container_kind,
    read_head,
    skipped_member,
)

log = logging.getLogger(__name__)

STDIN = "-"
STDIN_LABEL = "(standard input)"


@dataclass
class InputItem:
    """One event file to read: a file, a member of an archive, or standard input."""

    path: str
    """The input as the user named it (a file found in a directory, or ``-``)."""
    member: str | None
    """Member inside an archive, nested members joined with ``:``; None for a plain file."""
    reader: type[Reader]
    stream: BinaryIO
    """The content from its first byte; for a plain file, the open file itself."""
    file: Path | None = None
    """The file on disk the content comes from (an archive for a member); None for stdin."""

    @property
    def display(self) -> str:
        return f"{self.path}:{self.member}" if self.member else self.path


@dataclass
class _Walk:
    """State of one walk over the inputs of a run."""

    account: RunAccount
    forced: type[Reader] | None
    budget: Budget
    formats: Counter[str] = field(default_factory=Counter)
    file: Path | None = None
    """The file on disk being walked, None while reading standard input."""


def iter_inputs(
    paths: list[str],
    account: RunAccount,
    forced: str | None = None,
    limits: InputLimits | None = None,
) -> Iterator[InputItem]:
    """Yield the event files under the given paths, each with its reader.

    Directories are walked recursively in sorted order, ``-`` is standard input,
    and compressed files and archives are unpacked in memory. ``forced`` names
    the reader for every event file instead of detection by content.
    """
    walk = _Walk(account, READERS.get(forced) if forced else None, Budget(limits or InputLimits()))
    for text in paths:
        if text == STDIN:
            yield from _expand_stream(walk, STDIN_LABEL, None, sys.stdin.buffer, 0, None)
            continue
        path = Path(text)
        if path.is_dir():
            yield from _expand_directory(walk, path)
        elif path.exists() or path.is_symlink():
            yield from _expand_file(walk, path)
        else:
            account.fail(text, "not found: check the path and that it is readable")


def _expand_directory(walk: _Walk, directory: Path) -> Iterator[InputItem]:
    try:
        files = sorted(item for item in directory.rglob("*") if item.is_file())
    except OSError as error:
        walk.account.fail(
            str(directory), f"cannot list directory ({error.strerror or error}): check permissions"
        )
        return
    if not files:
        walk.account.fail(str(directory), "directory contains no files")
        return
    before = Counter(walk.formats)
    for file in files:
        yield from _expand_file(walk, file)
    found = walk.formats - before
    if len(found) > 1:
        summary = ", ".join(f"{count} {name}" for name, count in sorted(found.items()))
        log.info("%s: formats found: %s", directory, summary)


def _expand_file(walk: _Walk, path: Path) -> Iterator[InputItem]:
    try:
        stream: BinaryIO = path.open("rb")
    except OSError as error:
        walk.account.fail(
            str(path), f"cannot open ({error.strerror or error}): check permissions"
        )
        return
    walk.file = path
    try:
        yield from _expand_stream(walk, str(path), None, stream, 0, stream)
    finally:
        walk.file = None
        stream.close()


def _expand_stream(
    walk: _Walk,
    path: str,
    member: str | None,
    stream: BinaryIO,
    depth: int,
    plain_file: BinaryIO | None,
) -> Iterator[InputItem]:
    """Yield the event files in one stream: itself, or what its container contains.

    ``plain_file`` is the stream again when it is an unchanged seekable file, so
    that it can be rewound instead of replayed.
    """
    display = f"{path}:{member}" if member else path
    try:
        head = read_head(stream, SNIFF_BYTES)
    except (OSError, EOFError, LimitError) as error:
        walk.account.fail(display, f"cannot read: {error}")
        return
    if not head:
        walk.account.fail(display, "empty file: nothing to read")
        return
    kind = container_kind(head)
    if kind is not None and depth >= walk.budget.limits.max_depth:
        walk.account.fail(display, f"{kind} nested deeper than {depth} levels: not unpacked")
        return
    if plain_file is not None:
        plain_file.seek(0)
        content: BinaryIO = plain_file
    else:
        content = buffered(ReplayStream(head, stream))
    if kind in ("gzip", "bzip2"):
        yield from _expand_compressed(walk, path, member, content, kind, depth)
    elif kind == "zip":
        yield from _expand_zip(walk, path, member, content, depth)
    elif kind == "tar":
        yield from _expand_tar(walk, path, member, content, depth)
    else:
        yield from _leaf(walk, path, member, content, head)


def _leaf(
    walk: _Walk, path: str, member: str | None, content: BinaryIO, head: bytes
) -> Iterator[InputItem]:
    display = f"{path}:{member}" if member else path
    reader = walk.forced or detect(head)
    if reader is None:
        walk.account.fail(
            display,
            f"unrecognized format (first bytes {head[:16]!r}): not an event file of a "
            f"supported format ({', '.join(READERS.names())}); use --input-format to force one",
        )
        return
    walk.formats[reader.name] += 1
    yield InputItem(path, member, reader, content, walk.file)


def _expand_compressed(
    walk: _Walk, path: str, member: str | None, content: BinaryIO, kind: str, depth: int
) -> Iterator[InputItem]:
    notices: list[Anomaly] = []
    display = f"{path}:{member}" if member else path

    def notice(what: str, offset: str, detail: str) -> None:
        notices.append(Anomaly(display, offset, what, detail))

    raw = DecompressingStream(content, kind, display, walk.budget, notice)
    yield from _expand_stream(walk, path, member, buffered(raw), depth + 1, None)
    # The consumer has read the stream to its end by now, so every notice is in.
    for found in notices:
        walk.account.anomaly(Source(0, path, member), found.offset, found.kind, found.detail)


def _member_label(member: str | None, name: str) -> str:
    return f"{member}:{name}" if member else name


def _expand_zip(
    walk: _Walk, path: str, member: str | None, content: BinaryIO, depth: int
) -> Iterator[InputItem]:
    display = f"{path}:{member}" if member else path
    try:
        archive = zipfile.ZipFile(_seekable(walk, display, content))
    except (zipfile.BadZipFile, OSError, EOFError, LimitError) as error:
        walk.account.fail(display, f"damaged zip archive: {error}")
        return
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        limits = walk.budget.limits
        for count, info in enumerate(members):
            label = _member_label(member, info.filename)
            if skipped_member(info.filename):
                continue
            if count >= limits.max_members:
                too_many = f"more than {limits.max_members:,} members: the rest is not read"
                walk.account.fail(display, too_many)
                return
            if info.flag_bits & 0x1:
                walk.account.fail(f"{path}:{label}", "encrypted zip member: not read")
                continue
            if info.file_size > limits.max_member_bytes:
                walk.account.fail(
                    f"{path}:{label}",
                    f"declares {info.file_size:,} bytes, above the member size limit "
                    f"{limits.max_member_bytes:,}: not read",
                )
                continue
            try:
                opened = archive.open(info)
            except (zipfile.BadZipFile, NotImplementedError, OSError, RuntimeError) as error:
                walk.account.fail(f"{path}:{label}", f"cannot open zip member: {error}")
                continue
            with opened:
                stream = buffered(
                    CountingStream(opened, f"{path}:{label}", walk.budget, info.compress_size)
                )
                yield from _expand_stream(walk, path, label, stream, depth + 1, None)


def _expand_tar(
    walk: _Walk, path: str, member: str | None, content: BinaryIO, depth: int
) -> Iterator[InputItem]:
    display = f"{path}:{member}" if member else path
    try:
        archive = tarfile.open(fileobj=content, mode="r|")  # noqa: SIM115 - closed below
    except (tarfile.TarError, OSError, EOFError) as error:
        walk.account.fail(display, f"damaged tar archive: {error}")
        return
    try:
        yield from _tar_members(walk, path, member, archive, depth)
    finally:
        archive.close()


def _tar_members(
    walk: _Walk, path: str, member: str | None, archive: tarfile.TarFile, depth: int
) -> Iterator[InputItem]:
    display = f"{path}:{member}" if member else path
    limits = walk.budget.limits
    count = 0
    try:
        for info in archive:
            if not info.isreg() or skipped_member(info.name):
                continue
            count += 1
            label = _member_label(member, info.name)
            if count > limits.max_members:
                too_many = f"more than {limits.max_members:,} members: the rest is not read"
                walk.account.fail(display, too_many)
                return
            if info.size > limits.max_member_bytes:
                walk.account.fail(
                    f"{path}:{label}",
                    f"declares {info.size:,} bytes, above the member size limit: not read",
                )
                continue
            opened = archive.extractfile(info)
            if opened is None:
                continue
            stream = buffered(CountingStream(opened, f"{path}:{label}", walk.budget))
            yield from _expand_stream(walk, path, label, stream, depth + 1, None)
    except (tarfile.TarError, OSError, EOFError) as error:
        walk.account.fail(display, f"tar archive damaged after {count} member(s): {error}")


def _seekable(walk: _Walk, display: str, content: BinaryIO) -> BinaryIO:
    """Return a seekable stream of the content, reading a one-pass stream into memory."""
    if content.seekable():
        return content
    data = content.read(walk.budget.limits.max_member_bytes + 1)
    if len(data) > walk.budget.limits.max_member_bytes:
        raise LimitError(display, "archive larger than the member size limit")
    return io.BytesIO(data)
