"""Measure how carhunt's Spark engine scales with cores, on generated Sysmon input.

Three steps, each optional:

``generate``  write N events as JSON lines files, made from the real Sysmon
              records of the corpus's EVTX files. Every copy of a record gets
              its own host, time shift, process ids and GUIDs, so joins and
              windows see many distinct values. Generated data stays out of
              the repository (benchmarks/data/ is ignored).
``ingest``    normalize the files into a Parquet data set, with DuckDB in this
              process or with Spark on N local cores, and time it.
``scale``     write a data set of N events straight from the normalized rows
              of a small data set (such as the ingested corpus), each copy with
              its own host, time shift, process ids and GUIDs. This skips
              parsing, which runs at about a thousand JSON events per second
              and core, so that hunts can be measured on millions of events.
``hunt``      run every analytic over the data set with Spark on N local cores
              (or DuckDB), and time it.

Example (the figures on docs/operations.md)::

    carhunt ingest ../shared/corpus/EVTX-ATTACK-SAMPLES --parquet benchmarks/data/corpus
    python benchmarks/spark_scaling.py scale benchmarks/data/corpus --events 10000000 \
        --parquet benchmarks/data/pq
    python benchmarks/spark_scaling.py hunt --parquet benchmarks/data/pq --engine spark --cores 1
    python benchmarks/spark_scaling.py hunt --parquet benchmarks/data/pq --engine spark --cores 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import evtx

from carhunt.dataset import hunt_dataset, ingest_paths
from carhunt.engines.base import EngineSettings
from carhunt.model.mapping import EVENT_TABLES
from carhunt.pipeline import HuntOptions, selected_analytics

log = logging.getLogger("spark_scaling")

CORPUS = Path(
    os.environ.get("CARHUNT_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")
)
TEMPLATE_FOLDER = "EVTX-ATTACK-SAMPLES"
HOSTS = 500
EVENTS_PER_FILE = 500_000
GUID_FIELDS = ("ProcessGuid", "ParentProcessGuid", "SourceProcessGuid", "TargetProcessGuid")
PID_FIELDS = ("ProcessId", "ParentProcessId", "SourceProcessId", "TargetProcessId")
TIME_FIELDS = ("UtcTime", "CreationUtcTime", "PreviousCreationUtcTime")
SYSMON = "Microsoft-Windows-Sysmon"
MARKER = "\u0000{}"
SHIFT_SECONDS = 37
SCALE_HOSTS = 50
SCALE_START = "2024-01-01"
"""Seconds between two copies of the corpus, so copies spread over many days."""


def templates(corpus: Path) -> list[dict[str, Any]]:
    """Return the mapped Sysmon records of the corpus's EVTX files, as pyevtx-rs renders them."""
    found = []
    for path in sorted((corpus / TEMPLATE_FOLDER).rglob("*.evtx")):
        try:
            for record in evtx.PyEvtxParser(str(path)).records_json():
                if record is None:
                    continue
                event = json.loads(record["data"])
                system = event.get("Event", {}).get("System", {})
                provider = system.get("Provider", {}).get("#attributes", {}).get("Name")
                if provider == SYSMON and system.get("EventID") in EVENT_TABLES:
                    found.append(event)
        except (OSError, RuntimeError, ValueError) as error:
            log.warning("skipped %s: %s", path, error)
    return found


class Template:
    """One record serialized once, with slots for the values each copy changes.

    Serializing with marker strings and splitting on them leaves literal JSON
    pieces. A copy is the pieces joined with its own values, which is much
    faster than building and serializing a dict per event.
    """

    def __init__(self, event: dict[str, Any]) -> None:
        data = dict(event["Event"].get("EventData") or {})
        system = dict(event["Event"]["System"])
        self.slots: list[tuple[str, Any]] = [("host", None)]
        system["Computer"] = MARKER.format(0)
        for name in GUID_FIELDS:
            if isinstance(data.get(name), str) and len(data[name]) >= 36:
                data[name] = self._slot("guid", data[name])
        for name in PID_FIELDS:
            if str(data.get(name, "")).isdigit():
                data[name] = self._slot("pid", int(data[name]))
        for name in TIME_FIELDS:
            value = data.get(name)
            if isinstance(value, str) and len(value) >= 19:
                try:
                    parsed = dt.datetime.fromisoformat(value[:23])
                except ValueError:
                    continue
                data[name] = self._slot("time", parsed)
        text = json.dumps({"Event": {"System": system, "EventData": data}})
        self.pieces = re.split(r'"\\u0000(\d+)"', text)

    def _slot(self, kind: str, value: Any) -> str:
        self.slots.append((kind, value))
        return MARKER.format(len(self.slots) - 1)

    def render(self, copy: int, host: int) -> str:
        values = []
        for kind, value in self.slots:
            if kind == "host":
                values.append(f'"HOST{host:04d}.bench.example"')
            elif kind == "guid":
                values.append(json.dumps(_guid(value, copy)))
            elif kind == "pid":
                values.append(str(value ^ ((copy & 0xFFFF) << 2)))
            else:
                shifted = value + dt.timedelta(seconds=copy * SHIFT_SECONDS)
                values.append('"' + shifted.isoformat(sep=" ", timespec="milliseconds") + '"')
        out = [self.pieces[0]]
        for index in range(1, len(self.pieces), 2):
            out.append(values[int(self.pieces[index])])
            out.append(self.pieces[index + 1])
        return "".join(out)


def _guid(value: str, copy: int) -> str:
    """Return a GUID whose last 12 hex digits are mixed with the copy number."""
    braced = value.startswith("{")
    bare = value.strip("{}")
    tail = int(bare[-12:], 16) if all(c in "0123456789abcdefABCDEF" for c in bare[-12:]) else 0
    mixed = f"{bare[:-12]}{(tail ^ (copy * 0x9E3779B1)) & 0xFFFFFFFFFFFF:012X}"
    return "{" + mixed + "}" if braced else mixed


def generated(records: list[Template], count: int) -> Iterator[str]:
    for index in range(count):
        copy, position = divmod(index, len(records))
        yield records[position].render(copy, (copy * 7 + position) % HOSTS)


def generate(events: int, out: Path) -> None:
    records = [Template(event) for event in templates(CORPUS)]
    if not records:
        sys.exit(f"no Sysmon EVTX records under {CORPUS / TEMPLATE_FOLDER}")
    out.mkdir(parents=True, exist_ok=True)
    lines = generated(records, events)
    for number in range(0, events, EVENTS_PER_FILE):
        size = min(EVENTS_PER_FILE, events - number)
        with (out / f"sysmon-{number // EVENTS_PER_FILE:04d}.jsonl").open("w") as stream:
            for _ in range(size):
                stream.write(next(lines) + "\n")
    print(f"wrote {events:,} events from {len(records):,} corpus records into {out}")


def scale(source: Path, events: int, parquet: Path) -> None:
    """Write ``events`` CAR rows as copies of the rows of the data set at ``source``."""
    import duckdb

    from carhunt.model import car
    from carhunt.normalize.envelope import quote
    from carhunt.store.parquet_store import (
        DATE_PARTITION_SQL,
        HOST_PARTITION_SQL,
        ParquetStore,
    )

    store = ParquetStore(source)
    con = duckdb.connect()
    total = sum(
        con.execute(f"SELECT count(*) FROM read_parquet({_files(store, t.table)})").fetchall()[0][0]
        for t in car.OBJECT_ACTIONS
        if store.table_files(t.table)
    )
    copies = -(-events // total)
    out = ParquetStore(parquet, create=True)
    for table in car.OBJECT_ACTIONS:
        if not store.table_files(table.table):
            continue
        columns = ", ".join(
            f"{_scaled(column)} AS {quote(column.name)}" for column in table.columns
        )
        rows = (
            f"SELECT {columns} FROM read_parquet({_files(store, table.table)}) "
            f"CROSS JOIN range({copies}) AS c(copy)"
        )
        target = out.table_path(table.table)
        con.execute(
            f"COPY (SELECT *, {DATE_PARTITION_SQL} AS date, {HOST_PARTITION_SQL} AS host "
            f"FROM ({rows})) TO '{target}' (FORMAT parquet, PARTITION_BY (date, host), "
            "FILENAME_PATTERN 'part-{uuid}', APPEND true)"
        ).fetchall()
    # One manifest line per copy of each source, with that copy's source id.
    with out.manifest.open("a", encoding="utf-8") as stream:
        for entry in store.entries().values():
            stream.write(json.dumps({**vars(entry), "account": {}}) + "\n")
    print(f"wrote {total * copies:,} rows ({copies:,} copies of {total:,}) into {parquet}")


def _files(store: Any, table: str) -> str:
    return "[" + ", ".join(f"'{path}'" for path in store.table_files(table)) + "]"


def _scaled(column: Any) -> str:
    """Return the SQL of one column of a copy: its own host, ids, GUIDs and times."""
    from carhunt.model import car

    name = column.name
    quoted = f'"{name}"'
    if name in ("hostname", "fqdn"):
        host = f"(copy * 7 + hash(hostname)) % {SCALE_HOSTS}"
        return f"'HOST' || lpad(CAST({host} AS VARCHAR), 4, '0')"
    if name == "event_ref":
        return "CAST(source_id AS VARCHAR) || '-' || CAST(copy AS VARCHAR) || '/' || ref"
    if name.endswith("guid"):
        suffix = "'-' || CAST(copy AS VARCHAR)"
        return f"CASE WHEN {quoted} IS NULL THEN NULL ELSE {quoted} || {suffix} END"
    if name in ("pid", "ppid", "src_pid", "tgt_pid"):
        return f"xor({quoted}, (copy % 65536) * 4)"
    if column.type is car.FieldType.TIMESTAMP:
        # Keep the time of day, move every record to SCALE_START plus the copy's shift,
        # so the data set spans days rather than the corpus's years.
        of_day = f"({quoted} - date_trunc('day', {quoted}))"
        return f"TIMESTAMP '{SCALE_START}' + {of_day} + to_seconds(copy * {SHIFT_SECONDS})"
    return quoted


def _spark_settings(cores: int) -> EngineSettings:
    return EngineSettings(master=f"local[{cores}]")


def ingest(inputs: list[str], parquet: Path, engine: str, cores: int) -> None:
    started = time.perf_counter()
    result = ingest_paths(inputs, parquet, engine, _spark_settings(cores))
    elapsed = time.perf_counter() - started
    _report("ingest", engine, cores, elapsed, result.account.read)
    print(f"records: {result.account.summary_line()}")


def hunt(parquet: Path, engine: str, cores: int) -> None:
    options = HuntOptions(parquet_path=parquet, engine=engine, master=f"local[{cores}]",
                          threads=cores)
    analytics = selected_analytics()
    started = time.perf_counter()
    datasets, _ = hunt_dataset(parquet, analytics, options)
    elapsed = time.perf_counter() - started
    hits = sum(len(r.hits) for d in datasets for r in d.results)
    errors = [r.analytic.id for d in datasets for r in d.results if r.error]
    _report("hunt", engine, cores, elapsed, _row_count(parquet))
    print(f"analytics {len(analytics)}, hits {hits:,}, failed {errors}")


def _row_count(parquet: Path) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(part).metadata.num_rows for part in parquet.rglob("*.parquet"))


def _report(step: str, engine: str, cores: int, elapsed: float, events: int) -> None:
    import duckdb

    versions = f"duckdb {duckdb.__version__}"
    try:
        import pyspark

        versions += f", pyspark {pyspark.__version__}"
    except ImportError:
        pass
    print(json.dumps({
        "step": step, "engine": engine, "cores": cores, "seconds": round(elapsed, 1),
        "events": events, "events_per_second": round(events / elapsed) if elapsed else None,
        "python": platform.python_version(), "versions": versions,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    steps = parser.add_subparsers(dest="step", required=True)
    gen = steps.add_parser("generate", help="write generated JSON lines input")
    gen.add_argument("--events", type=int, default=10_000_000)
    gen.add_argument("--out", type=Path, required=True)
    ing = steps.add_parser("ingest", help="normalize input files into a Parquet data set")
    ing.add_argument("inputs", nargs="+")
    ing.add_argument("--parquet", type=Path, required=True)
    ing.add_argument("--engine", default="duckdb", choices=("duckdb", "spark"))
    ing.add_argument("--cores", type=int, default=2)
    sca = steps.add_parser("scale", help="write a large data set from a small one's rows")
    sca.add_argument("source", type=Path)
    sca.add_argument("--events", type=int, default=10_000_000)
    sca.add_argument("--parquet", type=Path, required=True)
    run = steps.add_parser("hunt", help="run every analytic over a Parquet data set")
    run.add_argument("--parquet", type=Path, required=True)
    run.add_argument("--engine", default="spark", choices=("duckdb", "spark"))
    run.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.step == "generate":
        generate(args.events, args.out)
    elif args.step == "scale":
        scale(args.source, args.events, args.parquet)
    elif args.step == "ingest":
        ingest(args.inputs, args.parquet, args.engine, args.cores)
    else:
        hunt(args.parquet, args.engine, args.cores)


if __name__ == "__main__":
    main()
