"""The analytic registry: every module of :mod:`carhunt.analytics.library`.

Each library module defines ``ANALYTIC``, an :class:`~carhunt.analytics.base.Analytic`.
Modules are found by listing the package, so adding an analytic is adding one
file; a definition that breaks the contract stops loading with the analytic id
and the reason in the error.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from carhunt.analytics import library
from carhunt.analytics.base import Analytic, Reading, render, validate
from carhunt.errors import DefinitionError
from carhunt.registry import Registry


@cache
def load_analytics() -> Registry[Analytic]:
    """Import, validate and register every analytic of the library, sorted by id."""
    found: list[Analytic] = []
    for module_info in pkgutil.iter_modules(library.__path__):
        module = importlib.import_module(f"{library.__name__}.{module_info.name}")
        analytic = getattr(module, "ANALYTIC", None)
        if not isinstance(analytic, Analytic):
            raise DefinitionError(
                f"{module.__name__}: defines no ANALYTIC of type Analytic"
            )
        validate(analytic)
        found.append(analytic)
    registry: Registry[Analytic] = Registry("analytic")
    for analytic in sorted(found, key=lambda item: item.id):
        registry.register(analytic.id, analytic)
    return registry


__all__ = ["Analytic", "Reading", "load_analytics", "render", "validate"]
