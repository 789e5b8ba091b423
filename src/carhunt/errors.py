"""Exceptions raised by carhunt.

The tree::

    CarhuntError                 base of every error carhunt raises on purpose
    ├── UsageError               a bad option, parameter or configuration value
    ├── InputError               an input cannot be read at all (missing, unreadable, unknown)
    │   ├── BadInputError        a bad record or damaged region under the ``fail`` error policy
    │   └── LimitError           an archive member or stream exceeds a decompression limit
    ├── RegistryError            a plugin failed to register
    │   ├── UnknownNameError     a name the user gave is not registered (exit code 2)
    │   └── DefinitionError      an analytic definition is invalid
    ├── EngineError              a SQL engine failed or is not installed
    └── StoreError               the DuckDB store cannot be opened or written

A bad record inside a readable input is not an exception: readers count it in the
run account with its file, offset and reason and go on. Each class carries the
process exit code the CLI returns for it.
"""

from __future__ import annotations


class CarhuntError(Exception):
    """Base class of carhunt's own errors."""

    exit_code = 1


class UsageError(CarhuntError):
    """A bad option, analytic parameter or configuration value."""

    exit_code = 2


class InputError(CarhuntError):
    """An input that cannot be read at all."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class BadInputError(InputError):
    """A bad record, damaged region or unreadable input while the error policy is ``fail``."""

    account: object = None
    """The run account up to the failure (a RunAccount), for the account report."""


class LimitError(InputError):
    """Decompressed data beyond a size or ratio limit (a likely decompression bomb)."""


class RegistryError(CarhuntError):
    """A plugin that failed to register, or a name that is not registered."""


class UnknownNameError(RegistryError):
    """A reader, analytic, engine or format name that is not registered."""

    exit_code = 2


class DefinitionError(RegistryError):
    """An analytic definition that is invalid, with the analytic id in the message."""


class EngineError(CarhuntError):
    """A SQL engine that failed or is not installed."""


class StoreError(CarhuntError):
    """A DuckDB store that cannot be opened or written."""
