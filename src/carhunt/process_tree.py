"""Process trees around evidence events: ancestors and children from process/create events.

A process is identified by its process/create event. Lookups follow the rule the
analytics use: a process is found by Sysmon process GUID on the same host, and by
pid only where a GUID is missing on either side. By pid, the latest process/create
of that pid on the host at or before the time of the event that names it wins.
With both GUIDs known and no match, the process is not in the data, because an
older process with a reused pid would be the wrong one.

Every step is one SQL query over all processes of the step at once, so the cost
grows with the depth of the trees, not with the number of hits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from carhunt.hits import EPOCH
from carhunt.model import car
from carhunt.store.duckdb_store import Store

MAX_ANCESTORS = 16
"""Ancestor levels followed above a process; deeper chains end with a truncation mark."""

MAX_CHILDREN = 50
"""Children kept per process, earliest first; the total is counted in full."""

_PROCESS_TABLE = car.PROCESS_CREATE.table

_NODE_COLUMNS = (
    "event_ref", "hostname", "pid", "process_guid", "image_path", "command_line", "user",
    "time", "ppid", "parent_process_guid", "parent_image_path", "parent_command_line",
)

_LOOKUP_SCHEMA = pa.schema([
    ("key", pa.string()),
    ("host", pa.string()),
    ("guid", pa.string()),
    ("pid", pa.int64()),
    ("time", pa.timestamp("us")),
    ("self_ref", pa.string()),
])


@dataclass(frozen=True)
class ProcessNode:
    """One process: from its process/create event, or a stub when that event is missing."""

    event_ref: str | None
    """The process/create event of the process; None for a stub."""
    hostname: str | None
    pid: int | None
    process_guid: str | None
    image_path: str | None
    command_line: str | None = None
    user: str | None = None
    time: dt.datetime | None = None
    """Start time of the process, from its process/create event."""

    @property
    def key(self) -> str:
        """Return a key that is unique per process within one data set."""
        if self.event_ref:
            return self.event_ref
        return f"stub:{self.hostname}:{self.process_guid}:{self.pid}:{self.image_path}"


@dataclass(frozen=True)
class ProcessTree:
    """A process with its ancestors (oldest first) and its direct children (earliest first)."""

    process: ProcessNode
    ancestors: tuple[ProcessNode, ...]
    children: tuple[ProcessNode, ...]
    children_total: int
    truncated: bool = False
    """True when the ancestor chain went on above the oldest ancestor shown."""


@dataclass(frozen=True)
class ProcessRef:
    """A process as another event names it: host, GUID, pid and the time of that event."""

    hostname: str | None
    process_guid: str | None
    pid: int | None
    time: dt.datetime | None
    image_path: str | None = None


def _node(row: Mapping[str, Any]) -> ProcessNode:
    return ProcessNode(
        row["event_ref"], row["hostname"], row["pid"], row["process_guid"],
        row["image_path"], row["command_line"], row["user"], row["time"],
    )


def _stub(ref: ProcessRef) -> ProcessNode:
    return ProcessNode(None, ref.hostname, ref.pid, ref.process_guid, ref.image_path)


def _parent_stub(row: Mapping[str, Any]) -> ProcessNode | None:
    if row["parent_process_guid"] is None and row["ppid"] is None:
        return None
    return ProcessNode(
        None, row["hostname"], row["ppid"], row["parent_process_guid"],
        row["parent_image_path"], row["parent_command_line"],
    )


class ProcessIndex:
    """Looks processes up in the process/create table of one open store."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.rows: dict[str, dict[str, Any]] = {}

    def resolve(
        self, lookups: Mapping[str, ProcessRef], exclude_self: bool = False
    ) -> dict[str, str]:
        """Return the process/create ``event_ref`` of each lookup key that names a known process.

        With ``exclude_self``, the key is an ``event_ref`` that must not match itself.
        """
        if not lookups:
            return {}
        table = pa.Table.from_pylist(
            [
                {
                    "key": key, "host": ref.hostname, "guid": ref.process_guid,
                    "pid": ref.pid, "time": ref.time,
                    "self_ref": key if exclude_self else None,
                }
                for key, ref in lookups.items()
            ],
            schema=_LOOKUP_SCHEMA,
        )
        found = self._query(_RESOLVE_SQL, table)
        matches = {str(row["key"]): str(row["ref"]) for row in found.to_pylist()}
        self.load(matches.values())
        return matches

    def load(self, refs: Iterable[str]) -> None:
        """Fetch the process/create rows of these event refs that are not loaded yet."""
        missing = sorted(set(refs) - self.rows.keys())
        if not missing:
            return
        table = pa.table({"ref": pa.array(missing, pa.string())})
        columns = ", ".join(f'p."{name}"' for name in _NODE_COLUMNS)
        sql = (
            f"SELECT {columns} FROM {_PROCESS_TABLE} AS p "
            "JOIN ctx_lookup AS l ON p.event_ref = l.ref"
        )
        for row in self._query(sql, table).to_pylist():
            self.rows.setdefault(row["event_ref"], row)

    def children(self, refs: Iterable[str]) -> dict[str, list[str]]:
        """Return the direct children of each process/create event, earliest first."""
        anchors = [self.rows[ref] for ref in sorted(set(refs)) if ref in self.rows]
        if not anchors:
            return {}
        table = pa.Table.from_pylist(
            [
                {"key": row["event_ref"], "host": row["hostname"],
                 "guid": row["process_guid"], "pid": row["pid"], "time": row["time"],
                 "self_ref": None}
                for row in anchors
            ],
            schema=_LOOKUP_SCHEMA,
        )
        candidates = self._query(_CHILD_CANDIDATES_SQL, table).to_pylist()
        lookups = {
            row["event_ref"]: ProcessRef(
                row["hostname"], row["parent_process_guid"], row["ppid"], row["time"]
            )
            for row in candidates
        }
        parents = self.resolve(lookups, exclude_self=True)
        self.load(lookups)
        result: dict[str, list[str]] = {}
        for child, parent in parents.items():
            result.setdefault(parent, []).append(child)
        for items in result.values():
            items.sort(key=lambda ref: (self.rows[ref]["time"] or EPOCH, ref))
        return result

    def _query(self, sql: str, table: pa.Table) -> pa.Table:
        con = self._store.con
        con.register("ctx_lookup", table)
        try:
            return con.sql(sql).to_arrow_table()
        finally:
            con.unregister("ctx_lookup")


# Ties (the same GUID twice, or two starts of a pid at the same time) go to the
# smallest event_ref, so that reports are the same from run to run.
_RESOLVE_SQL = f"""
WITH by_guid AS (
    SELECT l.key, min(p.event_ref) AS ref
    FROM ctx_lookup AS l
    JOIN {_PROCESS_TABLE} AS p
        ON p.process_guid = l.guid AND lower(p.hostname) = lower(l.host)
    WHERE l.self_ref IS NULL OR p.event_ref <> l.self_ref
    GROUP BY l.key
),
by_pid AS (
    SELECT l.key, p.event_ref AS ref
    FROM ctx_lookup AS l
    JOIN {_PROCESS_TABLE} AS p
        ON p.pid = l.pid AND lower(p.hostname) = lower(l.host) AND p.time <= l.time
    WHERE (l.guid IS NULL OR p.process_guid IS NULL)
        AND (l.self_ref IS NULL OR p.event_ref <> l.self_ref)
        AND l.key NOT IN (SELECT key FROM by_guid)
    QUALIFY row_number() OVER (PARTITION BY l.key ORDER BY p.time DESC, p.event_ref) = 1
)
SELECT key, ref FROM by_guid
UNION ALL
SELECT key, ref FROM by_pid
"""

# Two equi-joins rather than one join on "guid OR pid", which DuckDB could only run
# as a nested loop over every process of the host.
_CHILD_CANDIDATES_SQL = f"""
SELECT c.event_ref, c.hostname, c.parent_process_guid, c.ppid, c.time
FROM ctx_lookup AS a
JOIN {_PROCESS_TABLE} AS c
    ON lower(c.hostname) = lower(a.host) AND c.parent_process_guid = a.guid
UNION
SELECT c.event_ref, c.hostname, c.parent_process_guid, c.ppid, c.time
FROM ctx_lookup AS a
JOIN {_PROCESS_TABLE} AS c
    ON lower(c.hostname) = lower(a.host) AND c.ppid = a.pid AND c.time >= a.time
"""


def build_trees(
    index: ProcessIndex, processes: Mapping[str, ProcessRef]
) -> dict[str, ProcessTree]:
    """Build the tree of each named process, keyed like ``processes``."""
    found = index.resolve(processes)
    parents = _ancestry(index, found.values())
    children = index.children(found.values())
    trees: dict[str, ProcessTree] = {}
    for key, ref in processes.items():
        if key not in found:
            # NOTE: a process whose process/create event is missing gets no ancestors
            # and no children, although children naming its GUID may be in the data.
            trees[key] = ProcessTree(_stub(ref), (), (), 0)
            continue
        node_ref = found[key]
        ancestors, truncated = _chain(index, parents, node_ref)
        kids = children.get(node_ref, [])
        trees[key] = ProcessTree(
            _node(index.rows[node_ref]),
            ancestors,
            tuple(_node(index.rows[child]) for child in kids[:MAX_CHILDREN]),
            len(kids),
            truncated,
        )
    return trees


def _ancestry(index: ProcessIndex, refs: Iterable[str]) -> dict[str, str]:
    """Return the parent event_ref of every process above these, level by level."""
    parents: dict[str, str] = {}
    frontier = set(refs)
    seen = set(frontier)
    for _ in range(MAX_ANCESTORS):
        lookups = {
            ref: ProcessRef(
                index.rows[ref]["hostname"], index.rows[ref]["parent_process_guid"],
                index.rows[ref]["ppid"], index.rows[ref]["time"],
            )
            for ref in frontier
        }
        found = index.resolve(lookups, exclude_self=True)
        parents.update(found)
        frontier = set(found.values()) - seen
        seen |= frontier
        if not frontier:
            break
    return parents


def _chain(
    index: ProcessIndex, parents: Mapping[str, str], ref: str
) -> tuple[tuple[ProcessNode, ...], bool]:
    """Return the ancestors of one process, oldest first, and whether the chain was cut."""
    chain: list[ProcessNode] = []
    visited = {ref}
    current = ref
    while len(chain) < MAX_ANCESTORS:
        parent = parents.get(current)
        if parent is None or parent in visited:
            stub = _parent_stub(index.rows[current]) if parent is None else None
            if stub is not None:
                chain.append(stub)
            chain.reverse()
            return tuple(chain), False
        chain.append(_node(index.rows[parent]))
        visited.add(parent)
        current = parent
    chain.reverse()
    truncated = current in parents or _parent_stub(index.rows[current]) is not None
    return tuple(chain), truncated
