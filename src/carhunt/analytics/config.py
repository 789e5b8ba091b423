"""Analytic parameters from a TOML file and from ``--param ID.name=value`` options.

The file has one table per analytic id; its keys are parameter names::

    ["CAR-2013-04-002"]
    gap_minutes = 45
    min_distinct = 3

    ["CAR-2013-10-002"]
    trusted_injectors = ['C:\\Program Files\\Vendor\\agent.exe']

Options on the command line override the file. Every value is checked against
the analytic's parameter (name, type, allowed values) before any data is read,
so a typo fails the run at once with the list of valid names.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from carhunt.analytics.base import Analytic
from carhunt.errors import UnknownNameError, UsageError
from carhunt.registry import Registry

Overrides = dict[str, dict[str, Any]]
"""Parameter values by analytic id, then by parameter name."""


def read_config(path: Path) -> Overrides:
    """Read a TOML parameter file into raw values by analytic id."""
    try:
        with path.open("rb") as stream:
            data = tomllib.load(stream)
    except OSError as error:
        raise UsageError(f"cannot read config file {path}: {error.strerror or error}") from error
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"invalid TOML in config file {path}: {error}") from error
    overrides: Overrides = {}
    for analytic_id, table in data.items():
        if not isinstance(table, dict):
            raise UsageError(
                f"config file {path}: {analytic_id!r} must be a table of parameters, "
                f'such as ["{analytic_id}"] followed by name = value lines'
            )
        overrides[analytic_id] = dict(table)
    return overrides


def parse_param(text: str) -> tuple[str, str, str]:
    """Split ``ID.name=value`` into its three parts."""
    target, separator, value = text.partition("=")
    analytic_id, dot, name = target.strip().rpartition(".")
    if not separator or not dot or not analytic_id or not name:
        raise UsageError(
            f"invalid --param {text!r}: expected ID.name=value, "
            "such as CAR-2013-04-002.gap_minutes=45"
        )
    return analytic_id, name.strip(), value


def merge(base: Mapping[str, Mapping[str, Any]], params: Iterable[str]) -> Overrides:
    """Return the file's values with ``--param`` options applied on top."""
    merged: Overrides = {analytic_id: dict(values) for analytic_id, values in base.items()}
    for text in params:
        analytic_id, name, value = parse_param(text)
        merged.setdefault(analytic_id, {})[name] = value
    return merged


def check(overrides: Mapping[str, Mapping[str, Any]], registry: Registry[Analytic]) -> Overrides:
    """Return the values converted to each parameter's type; raise UsageError on any error."""
    checked: Overrides = {}
    for analytic_id, values in overrides.items():
        try:
            analytic = registry.get(analytic_id)
        except UnknownNameError as error:
            raise UsageError(f"parameters for an unknown analytic: {error}") from error
        checked[analytic_id] = {
            name: analytic.parameter(name).coerce(value) for name, value in values.items()
        }
    return checked


def load_parameters(
    registry: Registry[Analytic], config: Path | None = None, params: Iterable[str] = ()
) -> Overrides:
    """Read the config file (if any), apply ``--param`` options and check every value."""
    base = read_config(config) if config is not None else {}
    return check(merge(base, params), registry)
