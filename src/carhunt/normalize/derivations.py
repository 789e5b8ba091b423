"""SQL for each derivation name of the mapping table.

Every function takes the SQL expression of the source value (text) and returns
the SQL expression of the CAR value. The value rules applied here:

* ``""`` and ``-`` are unknown and become null; in parent fields so does ``?``.
* Paths are trimmed of blanks and double quotes and lose a leading ``\\\\?\\`` or
  ``\\??\\``; no 8.3 short-name expansion is possible offline.
* ``<unknown process>`` (Sysmon's image of a process that already exited) stays
  in the path column as written, because it is information, and its basename
  is null.
* An all-zero GUID is unknown, and so is an all-zero hash.
"""

from __future__ import annotations

from collections.abc import Callable

ZERO_GUID = "00000000-0000-0000-0000-000000000000"
# The Win32 long-path prefix \\?\ and the NT object prefix \??\ at the start of a path.
LONG_PATH_PREFIX = r"^(\\\\\?|\\\?\?)\\"
UNKNOWN_PROCESS = "<unknown process>"
_PATH_BLANKS = '[ \\t\\r\\n"]'


def unknown_to_null(expr: str, parent: bool = False) -> str:
    markers = "'', '-', '?'" if parent else "'', '-'"
    return f"(CASE WHEN trim({expr}) IN ({markers}) THEN NULL ELSE {expr} END)"


def text(expr: str, parent: bool = False) -> str:
    return unknown_to_null(expr, parent)


def path(expr: str, parent: bool = False) -> str:
    value = unknown_to_null(expr, parent)
    # trim() with a character list costs about three times a regex test, and few paths
    # carry blanks or quotes at either end, so it runs only where one does.
    blank_end = f"regexp_matches({value}, '^{_PATH_BLANKS}|{_PATH_BLANKS}$')"
    trimmed = f"(CASE WHEN {blank_end} THEN trim({value}, ' \t\r\n\"') ELSE {value} END)"
    stripped = f"regexp_replace({trimmed}, '{LONG_PATH_PREFIX}', '')"
    return f"nullif({stripped}, '')"


def basename(expr: str, parent: bool = False) -> str:
    return basename_of_path(path(expr, parent))


def basename_of_path(full: str) -> str:
    """Return the basename of an expression that :func:`path` already normalized."""
    name = f"regexp_extract({full}, '[^\\\\/]*$')"
    return f"(CASE WHEN {full} = '{UNKNOWN_PROCESS}' THEN NULL ELSE nullif({name}, '') END)"


def computer(expr: str, parent: bool = False) -> str:
    return f"nullif(trim({expr}), '')"


def first_label(expr: str, parent: bool = False) -> str:
    return f"nullif(split_part(trim({expr}), '.', 1), '')"


def integer(expr: str, parent: bool = False) -> str:
    return f"TRY_CAST(trim({unknown_to_null(expr, parent)}) AS BIGINT)"


def utc_time(expr: str, parent: bool = False) -> str:
    return f"TRY_CAST(trim({unknown_to_null(expr)}) AS TIMESTAMP)"


def _hash(algorithm: str) -> Callable[[str, bool], str]:
    def derive(expr: str, parent: bool = False) -> str:
        # The value must hold a non-zero digit: an all-zero value is what Sysmon
        # writes when it could not compute the hash (IMPHASH of a non-PE file),
        # so it is unknown, not a value. One pattern does both, so the regex runs
        # once per row instead of twice.
        value = (
            f"regexp_extract({expr}, "
            f"'(?i)(?:^|,)\\s*{algorithm}=([0-9a-f]*[1-9a-f][0-9a-f]*)', 1)"
        )
        return f"lower(nullif({value}, ''))"

    return derive


def guid(expr: str, parent: bool = False) -> str:
    bare = f"upper(trim({unknown_to_null(expr)}, ' {{}}'))"
    return f"(CASE WHEN {bare} IN ('', '{ZERO_GUID}') THEN NULL ELSE {bare} END)"


def boolean(expr: str, parent: bool = False) -> str:
    lowered = f"lower(trim({expr}))"
    return f"(CASE {lowered} WHEN 'true' THEN true WHEN 'false' THEN false ELSE NULL END)"


def ip(expr: str, parent: bool = False) -> str:
    # carhunt_ip is a Python function the engine registers (see engines.duckdb):
    # RFC 5952 text for IPv6, IPv4-mapped IPv6 written as IPv4.
    return f"carhunt_ip({unknown_to_null(expr)})"


def lower(expr: str, parent: bool = False) -> str:
    return f"lower({unknown_to_null(expr)})"


def logon_id(expr: str, parent: bool = False) -> str:
    value = f"lower(trim({unknown_to_null(expr)}))"
    digits = f"ltrim(substr({value}, 3), '0')"
    from_hex = f"'0x' || (CASE WHEN {digits} = '' THEN '0' ELSE {digits} END)"
    from_decimal = f"'0x' || lower(to_hex(TRY_CAST({value} AS UBIGINT)))"
    return (
        f"(CASE WHEN {value} IS NULL THEN NULL WHEN {value} LIKE '0x%' THEN {from_hex} "
        f"WHEN TRY_CAST({value} AS UBIGINT) IS NOT NULL THEN {from_decimal} ELSE NULL END)"
    )


def nothing(expr: str, parent: bool = False) -> str:
    return "NULL"


COMPOSED: dict[str, tuple[str, Callable[[str], str]]] = {
    "basename": ("path", basename_of_path),
}
"""Derivations that finish another derivation's value: name to (base, finishing step).

The SQL builder computes the base once in an inner query and applies the step
to that column. Written as one expression, the base was evaluated twice by
DuckDB 2.0, once in the CASE condition and once in its branch.
"""

DERIVATIONS: dict[str, Callable[[str, bool], str]] = {
    "text": text,
    "path": path,
    "basename": basename,
    "computer": computer,
    "first_label": first_label,
    "int": integer,
    "utc_time": utc_time,
    "hash_md5": _hash("MD5"),
    "hash_sha1": _hash("SHA1"),
    "hash_sha256": _hash("SHA256"),
    "hash_imphash": _hash("IMPHASH"),
    "guid": guid,
    "bool": boolean,
    "ip": ip,
    "lower": lower,
    "logon_id": logon_id,
    "process_user": text,
    "none": nothing,
}
