"""Inputs: expand paths into readable files and open them for the readers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from carhunt.account import RunAccount
from carhunt.readers import READERS, SNIFF_BYTES, Reader, detect

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InputFile:
    """A file to read, with the reader chosen for it."""

    path: Path
    reader: type[Reader]


def expand(paths: list[str], account: RunAccount) -> list[Path]:
    """List the files under the given paths, directories recursively, in sorted order.

    A path that does not exist or cannot be listed is recorded in the account
    and skipped, so that the other inputs are still read.
    """
    files: list[Path] = []
    for text in paths:
        path = Path(text)
        if not path.exists():
            account.fail(text, "not found: check the path")
        elif path.is_dir():
            try:
                found = sorted(item for item in path.rglob("*") if item.is_file())
            except OSError as error:
                account.fail(text, f"cannot list directory: {error.strerror or error}")
                continue
            files.extend(found)
        else:
            files.append(path)
    return files


def choose_reader(
    path: Path, account: RunAccount, forced: str | None = None
) -> InputFile | None:
    """Pick the reader for a file by its content, or record why none fits."""
    try:
        with path.open("rb") as stream:
            head = stream.read(SNIFF_BYTES)
    except OSError as error:
        account.fail(str(path), f"cannot read: {error.strerror or error}")
        return None
    if forced is not None:
        return InputFile(path, READERS.get(forced))
    if not head:
        account.fail(str(path), "empty file")
        return None
    reader = detect(head)
    if reader is None:
        account.fail(
            str(path),
            f"unrecognized format (first bytes {head[:16]!r}); "
            f"supported formats: {', '.join(READERS.names())}",
        )
        return None
    return InputFile(path, reader)

