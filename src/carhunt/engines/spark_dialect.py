"""Spark SQL as carhunt's analytics need it: sqlglot's Spark dialect plus fixes.

Analytics are written in DuckDB's dialect. sqlglot translates most of it to
Spark SQL, but some DuckDB functions come out with another meaning or not at
all. :class:`CarhuntSpark` is sqlglot's Spark dialect with those constructs
rewritten on the syntax tree before generation, so that every analytic keeps
one query text:

==============================  ==============================================
DuckDB                          Spark, as written here
==============================  ==============================================
date_diff(unit, a, b)           boundary count as DuckDB does it (unix_millis,
                                unix_seconds DIV n, datediff of dates)
epoch_ms(timestamp)             unix_millis (sqlglot writes timestamp_millis)
epoch(t), extract(epoch ...)    unix_micros(t) / 1e6 as DOUBLE, as DuckDB
len(list)                       size (sqlglot writes length, strings only)
list(x ORDER BY k)              collect_list of (k, x) structs, sorted
regexp_replace without 'g'      replaces the first match only, as DuckDB does
regexp_* patterns (RE2)         Java regex: (?P<n> as (?<n>, POSIX classes
regexp_* options 'i', 's'       inline flags (?i), (?s)
regexp_full_match, SIMILAR TO   rlike with ^(?:p)\\z
list_position (0 = missing)     nullif(array_position, 0), NULL when missing
list_has_any                    arrays_overlap over the non-null elements
to_minutes(n) and relatives     make_dt_interval
==============================  ==============================================

The column types that decide ``len`` and ``epoch_ms`` come from the CAR model
via sqlglot's type annotation.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import sqlglot
from sqlglot import exp
from sqlglot.dialects.spark import Spark
from sqlglot.errors import SqlglotError
from sqlglot.generators.spark import SparkGenerator
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

from carhunt.analytics.base import SCHEMA, SOURCE_DIALECT

log = logging.getLogger(__name__)

DIALECT = "carhuntspark"
"""The sqlglot name of :class:`CarhuntSpark` (sqlglot registers its lower-cased class name)."""

_POSIX_CLASSES = {
    "alnum": r"\p{Alnum}", "alpha": r"\p{Alpha}", "blank": r"\p{Blank}",
    "cntrl": r"\p{Cntrl}", "digit": r"\p{Digit}", "graph": r"\p{Graph}",
    "lower": r"\p{Lower}", "print": r"\p{Print}", "punct": r"\p{Punct}",
    "space": r"\p{Space}", "upper": r"\p{Upper}", "word": r"\w", "xdigit": r"\p{XDigit}",
}
_REGEX_FLAGS = {"i": "i", "s": "s"}
_SECONDS_PER = {"second": 1, "minute": 60, "hour": 3600}
_INTERVAL_FIELDS = {
    "to_days": 0, "to_hours": 1, "to_minutes": 2, "to_seconds": 3,
}


def java_regex(pattern: str) -> str:
    """Return an RE2 pattern in Java's regex syntax (named groups, POSIX classes)."""
    pattern = pattern.replace("(?P<", "(?<")
    return re.sub(
        r"\[:(\w+):\]", lambda m: _POSIX_CLASSES.get(m.group(1), m.group(0)), pattern
    )


def java_replacement(replacement: str, shift: int = 0) -> str:
    r"""Return an RE2 replacement (``\1`` for a group) in Java's syntax (``$1``)."""
    out = []
    index = 0
    while index < len(replacement):
        char = replacement[index]
        following = replacement[index + 1] if index + 1 < len(replacement) else ""
        if char == "\\" and following.isdigit():
            out.append(f"${int(following) + shift}")
            index += 2
            continue
        if char == "\\" and following == "\\":
            out.append("\\\\")
            index += 2
            continue
        out.append("\\$" if char == "$" else char)
        index += 1
    return "".join(out)


def _string(node: exp.Expr | None) -> str | None:
    """Return the text of a string literal, or None for anything else."""
    if isinstance(node, exp.Literal) and node.is_string:
        return str(node.this)
    return None


def _flags(modifiers: str | None) -> str:
    if not modifiers:
        return ""
    flags = "".join(sorted({_REGEX_FLAGS[c] for c in modifiers if c in _REGEX_FLAGS}))
    return f"(?{flags})" if flags else ""


def _pattern(node: exp.Expr, modifiers: str | None = None, full: bool = False) -> exp.Expr:
    """Return a regex pattern argument in Java syntax with DuckDB's options inlined."""
    text = _string(node)
    if text is None:
        # NOTE: a pattern computed at run time is passed as it is; RE2-only
        # syntax in it fails or differs on Spark.
        return node
    text = java_regex(text)
    if full:
        text = f"^(?:{text})\\z"
    return exp.Literal.string(_flags(modifiers) + text)


def _regexp_replace(node: exp.RegexpReplace) -> exp.Expr:
    modifiers = _string(node.args.get("modifiers")) or ""
    pattern = _string(node.expression)
    replacement = _string(node.args.get("replacement"))
    if pattern is None or replacement is None:
        return node
    pattern = java_regex(pattern)
    shift = 0
    if "g" not in modifiers and not pattern.startswith("^"):
        # Spark replaces every match; DuckDB without 'g' only the first. A lazy
        # prefix group anchored at the start matches up to the first match.
        pattern = f"^((?s:.*?))(?:{pattern})"
        shift = 1
    text = java_replacement(replacement, shift)
    if shift:
        text = "$1" + text
    return exp.RegexpReplace(
        this=node.this,
        expression=exp.Literal.string(_flags(modifiers) + pattern),
        replacement=exp.Literal.string(text),
    )


def _func(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def _date_diff(node: exp.DateDiff) -> exp.Expr:
    """Count unit boundaries between two timestamps, as DuckDB's date_diff does."""
    unit = node.text("unit").lower().rstrip("s")
    start, end = node.expression, node.this
    if unit in ("microsecond", "millisecond"):
        name = "unix_micros" if unit == "microsecond" else "unix_millis"
        return exp.Paren(this=exp.Sub(this=_func(name, end), expression=_func(name, start)))
    if unit in _SECONDS_PER:
        def seconds(value: exp.Expr) -> exp.Expr:
            whole = _func("unix_seconds", value)
            if _SECONDS_PER[unit] == 1:
                return whole
            return exp.IntDiv(this=whole, expression=exp.Literal.number(_SECONDS_PER[unit]))

        return exp.Paren(this=exp.Sub(this=seconds(end), expression=seconds(start)))
    if unit == "day":
        return _func(
            "datediff", exp.cast(end.copy(), "DATE"), exp.cast(start.copy(), "DATE")
        )
    # NOTE: week, month, quarter and year keep sqlglot's translation, which Spark
    # computes as whole elapsed units rather than DuckDB's boundary count.
    return node


def _ordered_list(node: exp.ArrayAgg | exp.GroupConcat) -> exp.Expr:
    """Return collect_list ordered by the ORDER BY keys, or the node when it has none."""
    order = node.this
    if not isinstance(order, exp.Order):
        return node
    keys = order.expressions
    descending = {bool(key.args.get("desc")) for key in keys}
    if len(descending) != 1:
        # NOTE: mixed ASC and DESC keys in an ordered list() are not rewritten.
        return node
    fields = [
        exp.alias_(key.this.copy(), f"k{index}") for index, key in enumerate(keys)
    ]
    fields.append(exp.alias_(order.this.copy(), "v"))
    collected = exp.ArrayAgg(this=exp.Struct(expressions=fields))
    ordered = _func("sort_array", collected, exp.Boolean(this=not descending.pop()))
    element = exp.to_identifier("e")
    values = exp.Transform(
        this=ordered,
        expression=exp.Lambda(
            this=exp.Dot(this=exp.column("e"), expression=exp.to_identifier("v")),
            expressions=[element],
        ),
    )
    if isinstance(node, exp.GroupConcat):
        separator = node.args.get("separator") or exp.Literal.string(",")
        return _func("array_join", values, separator)
    return values


def _anonymous(node: exp.Anonymous) -> exp.Expr:
    name = node.name.lower()
    args = node.expressions
    if name in _INTERVAL_FIELDS and len(args) == 1:
        fields: list[exp.Expr] = [exp.Literal.number(0)] * 4
        fields[_INTERVAL_FIELDS[name]] = args[0]
        return _func("make_dt_interval", *fields)
    if name == "list_position" and len(args) == 2:
        return exp.Nullif(
            this=_func("array_position", *args), expression=exp.Literal.number(0)
        )
    if name == "list_intersect" and len(args) == 2:
        return _func("array_intersect", *args)
    return node


def _non_null(array: exp.Expr) -> exp.Expr:
    element = exp.to_identifier("x")
    return _func(
        "filter",
        array,
        exp.Lambda(this=exp.Not(this=exp.Is(this=exp.column("x"), expression=exp.Null())),
                   expressions=[element]),
    )


def _typed_nodes(expression: exp.Expr) -> dict[int, exp.DataType | None]:
    """Return the argument type of each len() and epoch_ms() call, keyed by node id."""
    typed_kinds = (exp.Length, exp.UnixToTime)
    originals = list(expression.find_all(*typed_kinds))
    if not originals:
        return {}
    try:
        typed = annotate_types(
            qualify(
                expression.copy(), schema=SCHEMA, dialect=SOURCE_DIALECT,
                validate_qualify_columns=False,
            ),
            schema=SCHEMA,
            dialect=SOURCE_DIALECT,
        )
    except SqlglotError as error:
        log.debug("type annotation failed, len() and epoch_ms() keep defaults: %s", error)
        return {}
    copies = list(typed.find_all(*typed_kinds))
    if len(copies) != len(originals):
        return {}
    return {id(o): c.this.type for o, c in zip(originals, copies, strict=True)}


def _is_array(kind: exp.DataType | None, node: exp.Expr) -> bool:
    if isinstance(node, exp.Array | exp.ArrayAgg | exp.ArraySort | exp.ArrayConcat):
        return True
    return kind is not None and kind.is_type(exp.DataType.Type.ARRAY)


def _is_temporal(kind: exp.DataType | None) -> bool:
    return kind is not None and kind.is_type(*exp.DataType.TEMPORAL_TYPES)


def spark_semantics(expression: exp.Expr) -> exp.Expr:
    """Rewrite the DuckDB constructs whose sqlglot Spark output has another meaning."""
    tree = expression.copy()
    types = _typed_nodes(tree)
    # Children first, so that a rewritten node keeps already rewritten arguments.
    for node in reversed(list(tree.walk(bfs=False))):
        fixed = _fix(node, types)
        if fixed is not node:
            if node is tree:
                tree = fixed
            else:
                node.replace(fixed)
    return tree


def _fix(node: exp.Expr, types: dict[int, exp.DataType | None]) -> exp.Expr:
    rewrite = _REWRITES.get(type(node))
    if rewrite is not None:
        return rewrite(node)
    if isinstance(node, exp.Length) and _is_array(types.get(id(node)), node.this):
        return exp.ArraySize(this=node.this)
    if isinstance(node, exp.UnixToTime) and node.text("scale") == "3":
        if _is_temporal(types.get(id(node))):
            return _func("unix_millis", node.this)
        return exp.cast(_func("timestamp_millis", node.this), "TIMESTAMP_NTZ")
    return node


def _epoch_seconds(value: exp.Expr) -> exp.Expr:
    micros = exp.cast(_func("unix_micros", value), "DOUBLE")
    return exp.Div(this=micros, expression=exp.Literal.number(1_000_000))


def _with_pattern(node: exp.Expr) -> exp.Expr:
    node.set("expression", _pattern(node.expression))
    return node


def _extract(node: exp.Extract) -> exp.Expr:
    if node.name.lower() == "epoch":
        return _epoch_seconds(node.expression)
    return node


_REWRITES: dict[type[exp.Expr], Callable[[exp.Expr], exp.Expr]] = {
    exp.DateDiff: lambda node: _date_diff(node),  # type: ignore[arg-type]
    exp.RegexpReplace: lambda node: _regexp_replace(node),  # type: ignore[arg-type]
    exp.RegexpLike: lambda node: exp.RegexpLike(
        this=node.this, expression=_pattern(node.expression, _string(node.args.get("flag")))
    ),
    exp.RegexpExtract: lambda node: _with_pattern(node),
    exp.RegexpFullMatch: lambda node: exp.RegexpLike(
        this=node.this, expression=_pattern(node.expression, full=True)
    ),
    exp.SimilarTo: lambda node: exp.RegexpLike(
        this=node.this, expression=_pattern(node.expression, full=True)
    ),
    exp.ArrayAgg: lambda node: _ordered_list(node),  # type: ignore[arg-type]
    exp.GroupConcat: lambda node: _ordered_list(node),  # type: ignore[arg-type]
    exp.Anonymous: lambda node: _anonymous(node),  # type: ignore[arg-type]
    exp.TimeToUnix: lambda node: _epoch_seconds(node.this),
    exp.Extract: lambda node: _extract(node),  # type: ignore[arg-type]
    exp.ArrayOverlaps: lambda node: _func(
        "arrays_overlap", _non_null(node.this), _non_null(node.expression)
    ),
}


class CarhuntSparkGenerator(SparkGenerator):
    """sqlglot's Spark generator, run on the tree after :func:`spark_semantics`."""

    def generate(self, expression: exp.Expr, copy: bool = True) -> str:
        text: str = super().generate(spark_semantics(expression), copy=False)
        return text


class CarhuntSpark(Spark):
    """Spark SQL with DuckDB's meaning kept for the constructs listed in this module."""

    Generator = CarhuntSparkGenerator


def to_spark(sql: str) -> str:
    """Translate one DuckDB query to Spark SQL through :class:`CarhuntSpark`."""
    return sqlglot.transpile(sql, read=SOURCE_DIALECT, write=DIALECT)[0]
