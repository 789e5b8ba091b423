"""One registry shape for readers, analytics, engines and output formats."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Generic, TypeVar

from carhunt.errors import RegistryError, UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """Plugins by unique name, in registration order.

    Registering a name twice raises :class:`RegistryError`, and looking up an
    unknown name raises UnknownNameError with the closest registered names as a suggestion.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T) -> T:
        if name in self._items:
            raise RegistryError(
                f"duplicate {self.kind} {name!r}: a {self.kind} of that name exists"
            )
        self._items[name] = item
        return item

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self._items), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            choices = ", ".join(self._items)
            raise UnknownNameError(
                f"unknown {self.kind} {name!r}{hint} (choices: {choices})"
            ) from None

    def names(self) -> list[str]:
        return list(self._items)

    def items(self) -> list[tuple[str, T]]:
        return list(self._items.items())

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)
