"""Analytic definitions: metadata plus one declarative query.

An analytic is data, not a code path. Its query is written once, in DuckDB's
SQL dialect, over the CAR tables of :mod:`carhunt.model.car`; parameters appear
as ``$name`` placeholders. :func:`render` substitutes parameter values as SQL
literals and writes the query in the dialect of the engine that runs it, using
sqlglot, so DuckDB and Spark run the same text.

Every query returns one row per hit with these columns:

``time``              TIMESTAMP of the hit (the key event's time)
``hostname``          host the hit is on
``evidence``          VARCHAR[] of ``event_ref`` values of the events it rests on
``matched_subrules``  optional VARCHAR[], for analytics with several sub-rules
``field_missing``     optional VARCHAR[], fields whose absence let a negative test pass
``flags``             optional VARCHAR[], such as ``baseline_incomplete``

Any other column is a key field of the hit, shown in outputs by its name.

Baseline analytics compare a current window against a baseline window. Their
``baseline_query`` returns the keys seen in the baseline window (one column,
``baseline_key``). It runs on the history, which is the data set itself or a
separate store. The runner then passes those keys and the window bounds to the
main query as the runtime parameters of :data:`RUNTIME_PARAMETERS`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import traverse_scope

from carhunt.errors import DefinitionError, UsageError
from carhunt.model import car

ANALYTIC_ID = re.compile(r"^CAR-\d{4}-\d{2}-\d{3}$")
SOURCE_DIALECT = "duckdb"
REQUIRED_COLUMNS = ("time", "hostname", "evidence")
LIST_COLUMNS = ("evidence", "matched_subrules", "field_missing", "flags")
BASELINE_KEY = "baseline_key"
DIAGNOSTIC_COUNT = "count"

RUNTIME_PARAMETERS: dict[str, str] = {
    "now": "T, the end of the current window: --now, else the data set's latest event time",
    "current_start": "start of the current window [current_start, now]",
    "baseline_start": "start of the baseline window [baseline_start, baseline_end)",
    "baseline_end": "end of the baseline window, equal to current_start",
    "baseline_keys": "keys seen in the baseline window, from the baseline query",
    "baseline_incomplete": "true when the history does not cover the baseline window",
}
"""Placeholders of baseline analytics that the runner fills, never the user."""


class Reading(StrEnum):
    """Reading of an analytic: carhunt's recommended rule or the literal CAR one."""

    RECOMMENDED = "recommended"
    """carhunt's rule: CAR's intent with its errata fixed."""
    CAR_STRICT = "car-strict"
    """The literal CAR pseudocode, for comparison with other implementations."""


@dataclass(frozen=True)
class Technique:
    """An ATT&CK technique and the tactics CAR files it under."""

    id: str
    name: str
    tactics: tuple[str, ...]
    coverage: str = ""
    """CAR's own rating of how well the analytic covers it: Low, Moderate or High."""


@dataclass(frozen=True)
class Parameter:
    """A tunable value of an analytic, substituted for ``$name`` in its query."""

    name: str
    default: Any
    description: str
    casefold: bool = False
    """True for names compared case-insensitively: values are lower-cased when rendered."""
    choices: tuple[str, ...] = ()
    """Allowed values of a text parameter; empty allows any text."""
    minimum: float | None = None
    """Smallest allowed value of a number parameter."""

    def coerce(self, value: Any) -> Any:
        """Convert a value from the command line or a config file, and check its range."""
        converted = self._convert(value)
        if self.choices and converted not in self.choices:
            raise UsageError(
                f"invalid value {value!r} for parameter {self.name}: "
                f"expected one of {', '.join(self.choices)}"
            )
        if self.minimum is not None and converted < self.minimum:
            raise UsageError(
                f"invalid value {value!r} for parameter {self.name}: "
                f"expected at least {self.minimum:g}"
            )
        return converted

    def _convert(self, value: Any) -> Any:
        if not isinstance(self.default, list | tuple):
            return self._scalar(value, type(self.default))
        if isinstance(value, str):
            items: Any = [item for item in value.split(",") if item.strip()]
        elif isinstance(value, list | tuple):
            items = value
        else:
            raise self._invalid(value, "list")
        element = type(self.default[0]) if self.default else str
        return tuple(self._scalar(item, element) for item in items)

    def _scalar(self, value: Any, expected: type) -> Any:
        """Convert one value to ``expected``: bool, int, float or str."""
        if expected is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "yes", "1", "on"):
                return True
            if text in ("false", "no", "0", "off"):
                return False
        elif expected in (int, float) and not isinstance(value, bool):
            try:
                number = expected(value.strip() if isinstance(value, str) else value)
            except (TypeError, ValueError):
                number = None
            # int(2.5) would drop the fraction silently.
            if number is not None and not (isinstance(value, float) and number != value):
                return number
        elif expected is str and isinstance(value, str | int | float):
            return str(value).strip()
        raise self._invalid(value, expected.__name__)

    def _invalid(self, value: Any, expected: str) -> UsageError:
        return UsageError(
            f"invalid value {value!r} for parameter {self.name}: "
            f"expected {expected} like {self.default!r}"
        )


@dataclass(frozen=True)
class Diagnostic:
    """A count an analytic reports beside its hits, from a query returning ``count``."""

    name: str
    description: str
    query: str


@dataclass(frozen=True)
class Analytic:
    """One CAR analytic: identity, ATT&CK mapping, parameters and its queries."""

    id: str
    title: str
    description: str
    analytic_type: str
    techniques: tuple[Technique, ...]
    fields: tuple[str, ...]
    """CAR columns the query reads, as ``table.column`` (checked against the query)."""
    query: str
    parameters: tuple[Parameter, ...] = ()
    strict_query: str | None = None
    """The literal CAR reading, where it differs from the recommended rule."""
    strict_difference: str = ""
    """Difference of the CAR-strict reading from the recommended one, for the help text."""
    baseline: bool = False
    """True for analytics that compare the current day against a baseline period."""
    baseline_query: str | None = None
    """Query of the keys seen in the baseline window (column ``baseline_key``)."""
    key_fields: tuple[str, ...] = field(default=())
    """Hit columns shown in the terminal table, besides time and host."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Counts reported beside the hits, such as candidates whose parent is not in the data."""
    context_tables: tuple[str, ...] = ()
    """Tables read only to enrich hits; the analytic still finds hits when they are empty."""

    @property
    def tactics(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for technique in self.techniques:
            for tactic in technique.tactics:
                seen[tactic] = None
        return tuple(seen)

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(sorted({name.split(".", 1)[0] for name in self.fields}))

    def query_for(self, reading: Reading) -> str:
        if reading is Reading.CAR_STRICT and self.strict_query is not None:
            return self.strict_query
        return self.query

    def queries(self) -> dict[str, str]:
        """Return every query of the analytic by role: readings, baseline, diagnostics."""
        found = {Reading.RECOMMENDED.value: self.query}
        if self.strict_query is not None:
            found[Reading.CAR_STRICT.value] = self.strict_query
        if self.baseline_query is not None:
            found["baseline"] = self.baseline_query
        for item in self.diagnostics:
            found[f"diagnostic {item.name}"] = item.query
        return found

    def parameter(self, name: str) -> Parameter:
        for item in self.parameters:
            if item.name == name:
                return item
        known = ", ".join(p.name for p in self.parameters) or "none"
        raise UsageError(f"{self.id} has no parameter {name!r} (parameters: {known})")

    def resolve(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Return every parameter's value: the default unless overridden."""
        values = {p.name: p.default for p in self.parameters}
        for name, value in (overrides or {}).items():
            values[name] = self.parameter(name).coerce(value)
        return values


def _schema() -> dict[str, object]:
    types = {
        car.FieldType.TEXT: "VARCHAR",
        car.FieldType.INT: "BIGINT",
        car.FieldType.TIMESTAMP: "TIMESTAMP",
        car.FieldType.BOOL: "BOOLEAN",
    }
    return {
        table.table: {column.name: types[column.type] for column in table.columns}
        for table in car.OBJECT_ACTIONS
    }


SCHEMA = _schema()
KNOWN_COLUMNS = {
    f"{table.table}.{column}" for table in car.OBJECT_ACTIONS for column in table.column_names
}


def parse(query: str, analytic_id: str) -> exp.Expr:
    try:
        expression = sqlglot.parse_one(query, read=SOURCE_DIALECT)
    except ParseError as error:
        raise DefinitionError(f"{analytic_id}: query does not parse: {error}") from error
    if expression is None:
        raise DefinitionError(f"{analytic_id}: query is empty")
    return expression


def placeholders(expression: exp.Expr) -> set[str]:
    return {node.name for node in expression.find_all(exp.Placeholder)}


def fields_read(query: str, analytic_id: str = "query") -> set[str]:
    """Return the CAR columns a query reads, as ``table.column``."""
    expression = parse(query, analytic_id)
    for scope in traverse_scope(expression):
        selects = getattr(scope.expression, "selects", [])
        starred = any(isinstance(item, exp.Star) or item.is_star for item in selects)
        reads_table = any(
            isinstance(source, exp.Table) and source.name in SCHEMA
            for source in scope.sources.values()
        )
        if starred and reads_table:
            raise DefinitionError(
                f"{analytic_id}: SELECT * over a CAR table hides which fields the query "
                "needs; list the columns"
            )
    qualified = qualify(
        expression, schema=SCHEMA, dialect=SOURCE_DIALECT, validate_qualify_columns=False
    )
    used: set[str] = set()
    for scope in traverse_scope(qualified):
        for column in scope.columns:
            source = scope.sources.get(column.table)
            if isinstance(source, exp.Table) and source.name in SCHEMA:
                used.add(f"{source.name}.{column.name}")
    return used


def _literal(value: Any, casefold: bool = False) -> exp.Expr:
    """Return a SQL literal; lists become typed arrays, to be used with list_contains."""
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else list(value)
        if casefold:
            items = [item.lower() if isinstance(item, str) else item for item in items]
        array = exp.Array(expressions=[exp.convert(item) for item in items])
        # An empty array needs its element type, or engines cannot compare against it.
        return exp.cast(array, "ARRAY<VARCHAR>") if not items else array
    if casefold and isinstance(value, str):
        value = value.lower()
    return exp.convert(value)


def render(
    analytic: Analytic,
    reading: Reading = Reading.RECOMMENDED,
    values: Mapping[str, Any] | None = None,
    dialect: str = SOURCE_DIALECT,
    runtime: Mapping[str, Any] | None = None,
) -> str:
    """Return the analytic's query with parameters filled in, in an engine's dialect.

    ``runtime`` gives the values of :data:`RUNTIME_PARAMETERS` for a baseline
    analytic; without it they render as NULL and empty lists.
    """
    return render_query(analytic, analytic.query_for(reading), values, dialect, runtime)


def render_query(
    analytic: Analytic,
    query: str,
    values: Mapping[str, Any] | None = None,
    dialect: str = SOURCE_DIALECT,
    runtime: Mapping[str, Any] | None = None,
) -> str:
    """Return one of the analytic's queries with parameters filled in, in a dialect."""
    resolved = analytic.resolve(values)
    if analytic.baseline:
        resolved.update({name: None for name in RUNTIME_PARAMETERS})
        resolved["baseline_keys"] = ()
        resolved["baseline_incomplete"] = False
        resolved.update(runtime or {})
    casefold = frozenset(p.name for p in analytic.parameters if p.casefold)
    items = tuple(sorted(resolved.items()))
    try:
        return _render_cached(analytic.id, query, items, casefold, dialect)
    except TypeError:
        # A value that cannot be hashed (a list given by a caller) skips the cache.
        return _render(analytic.id, query, items, casefold, dialect)


def _render(
    analytic_id: str,
    query: str,
    items: tuple[tuple[str, Any], ...],
    casefold: frozenset[str],
    dialect: str,
) -> str:
    resolved = dict(items)

    def substitute(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Placeholder) and node.name in resolved:
            return _literal(resolved[node.name], node.name in casefold)
        return node

    return parse(query, analytic_id).transform(substitute).sql(dialect=dialect)


# Parsing and writing SQL with sqlglot costs more than running a query over a small
# file, and a per-file hunt renders the same queries once per file.
_render_cached = functools.lru_cache(maxsize=1024)(_render)


def derived_fields(analytic: Analytic) -> set[str]:
    """Return the CAR columns read by any query of the analytic, as ``table.column``."""
    used: set[str] = set()
    for query in analytic.queries().values():
        used |= fields_read(query, analytic.id)
    return used


def _check_query(analytic: Analytic, role: str, query: str, columns: tuple[str, ...]) -> None:
    expression = parse(query, analytic.id)
    if not isinstance(expression, exp.Query):
        raise DefinitionError(f"{analytic.id}: the {role} query must be a SELECT")
    allowed = {p.name for p in analytic.parameters}
    if analytic.baseline:
        allowed |= set(RUNTIME_PARAMETERS)
    undeclared = placeholders(expression) - allowed
    if undeclared:
        raise DefinitionError(
            f"{analytic.id}: {role} query uses undeclared parameters {sorted(undeclared)}"
        )
    names = set(expression.named_selects)
    missing = [name for name in columns if name not in names]
    if missing:
        raise DefinitionError(f"{analytic.id}: {role} query lacks columns {missing}")
    unknown = fields_read(query, analytic.id) - KNOWN_COLUMNS
    if unknown:
        raise DefinitionError(f"{analytic.id}: {role} query reads unknown {unknown}")


def validate(analytic: Analytic) -> None:
    """Raise DefinitionError when a definition breaks the contract of this module."""
    if not ANALYTIC_ID.match(analytic.id):
        raise DefinitionError(f"{analytic.id}: id must look like CAR-YYYY-MM-NNN")
    if not analytic.title or not analytic.description:
        raise DefinitionError(f"{analytic.id}: title and description are required")
    if not analytic.techniques:
        raise DefinitionError(f"{analytic.id}: at least one ATT&CK technique is required")
    declared = {p.name for p in analytic.parameters}
    if len(declared) != len(analytic.parameters):
        raise DefinitionError(f"{analytic.id}: duplicate parameter names")
    if declared & set(RUNTIME_PARAMETERS):
        raise DefinitionError(
            f"{analytic.id}: parameter names {sorted(declared & set(RUNTIME_PARAMETERS))} "
            "are reserved for the runner"
        )
    if analytic.baseline != (analytic.baseline_query is not None):
        raise DefinitionError(
            f"{analytic.id}: a baseline analytic needs a baseline query, and only it may have one"
        )
    for role, query in analytic.queries().items():
        if role == "baseline":
            columns: tuple[str, ...] = (BASELINE_KEY,)
        elif role.startswith("diagnostic"):
            columns = (DIAGNOSTIC_COUNT,)
        else:
            columns = REQUIRED_COLUMNS
        _check_query(analytic, role, query, columns)
    if analytic.strict_query is not None and not analytic.strict_difference:
        raise DefinitionError(f"{analytic.id}: a CAR-strict query needs strict_difference")
