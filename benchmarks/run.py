"""Run the whole benchmark and write benchmarks/RESULTS.md.

Usage (``make bench`` runs the default)::

    python -m benchmarks.run [--sizes 1M,3M,10M] [--repeat 3] [--eql-events 200k]

Each size gets these measurements, each in a child process: the parse floor
(pyevtx-rs iterating the records on every core), ``ingest`` alone into a DuckDB
file, all analytics over that file, and ``carhunt hunt`` on the EVTX files. Where
the generator wrote JSON lines, ``carhunt hunt`` also runs on them. The eql
peer is measured first, at its own size, then the sizes in the order given.
Figures are medians over ``--repeat`` runs. The raw runs go to
benchmarks/out/results.json after each step, so a failed size keeps the others.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks.generate import (
    DEFAULT_RECORDS_PER_FILE,
    Plan,
    default_corpus,
    generate,
    subset,
)
from benchmarks.measure import Measurement, measure
from benchmarks.report import write_report

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
CARHUNT = str(Path(sys.executable).with_name("carhunt"))


def parse_size(text: str) -> int:
    """Return the number of events that ``1M``, ``200k`` or ``5000`` stands for."""
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if scale > 1 else text
    return int(float(number) * scale)


@dataclass
class SizeResult:
    """Every measurement at one input size."""

    label: str
    records: int
    runs: dict[str, list[Measurement]] = field(default_factory=dict)


def machine() -> dict[str, Any]:
    """Describe the machine, the versions and the load the figures were taken under."""
    model = ""
    with Path("/proc/cpuinfo").open(encoding="utf-8") as stream:
        for line in stream:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
    ).stdout.strip()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {
            name: version(name)
            for name in ("carhunt", "duckdb", "pyarrow", "evtx", "eql", "numpy")
        },
        "commit": commit,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join(["python -m benchmarks.run", *sys.argv[1:]]),
    }


def ensure_data(plan: Plan, json_lines: int) -> Path:
    """Generate the plan's set unless one as large, from the same seed and layout, is there."""
    manifest_path = plan.out / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        same = (manifest["seed"], manifest["records_per_file"]) == (
            plan.seed, plan.records_per_file
        )
        if same and manifest["records"] >= plan.events:
            return plan.out
        shutil.rmtree(plan.out)
    json_files = -(-json_lines // plan.records_per_file)
    generate(plan, default_corpus(), json_files, os.cpu_count() or 1)
    return plan.out


def _repeat(count: int, command: list[str], before: Path | None = None) -> list[Measurement]:
    """Measure a task ``count`` times, deleting ``before`` ahead of each run."""
    runs = []
    for _ in range(count):
        if before is not None:
            before.unlink(missing_ok=True)
        runs.append(measure(command))
    return runs


def measure_size(
    folder: Path, label: str, records: int, repeat: int, out: Path, ingest_alone: bool = True
) -> SizeResult:
    """Run every carhunt measurement and the floor over one subset.

    Without ``ingest_alone`` the analytics run over the store that ``hunt --db``
    wrote, which saves one ingestion of the whole input.
    """
    result = SizeResult(label, records)
    db = out / f"{label}.duckdb"
    evtx, jsonl = folder / "evtx", folder / "jsonl"
    hits = out / f"{label}-hits.jsonl"
    runs = result.runs
    runs["floor"] = _repeat(repeat, [PYTHON, "-m", "benchmarks.tasks", "floor", str(evtx)])
    if ingest_alone:
        ingest = [PYTHON, "-m", "benchmarks.tasks", "ingest", str(evtx), "--db", str(db)]
        runs["ingest"] = _repeat(repeat, ingest, before=db)
    hunt = [CARHUNT, "-q", "hunt", str(evtx), "--format", "jsonl"]
    if not ingest_alone:
        hunt += ["--db", str(db)]
    hunt_runs = []
    for _ in range(repeat):
        if not ingest_alone:
            db.unlink(missing_ok=True)
        hunt_runs.append(measure(hunt, stdout=hits))
    analytics = [PYTHON, "-m", "benchmarks.tasks", "analytics", "--db", str(db)]
    runs["analytics"] = _repeat(repeat, analytics)
    runs["hunt_evtx"] = hunt_runs
    if any(jsonl.glob("*.jsonl")) and len(list(jsonl.glob("*.jsonl"))) == len(
        list(evtx.glob("*.evtx"))
    ):
        hunt_json = [CARHUNT, "-q", "hunt", str(jsonl), "--format", "jsonl"]
        runs["hunt_jsonl"] = [measure(hunt_json, stdout=hits) for _ in range(repeat)]
    db.unlink(missing_ok=True)
    return result


def measure_eql(folder: Path, label: str, repeat: int, out: Path) -> dict[str, list[Measurement]]:
    """Run the eql peer and the matching carhunt runs on the same records."""
    db = out / f"{label}.duckdb"
    converted = out / "eql-json"
    runs: dict[str, list[Measurement]] = {}
    ingest = [PYTHON, "-m", "benchmarks.tasks", "ingest", str(folder / "evtx"), "--db", str(db)]
    _repeat(1, ingest, before=db)
    analytics = [PYTHON, "-m", "benchmarks.tasks", "analytics", "--db", str(db)]
    runs["carhunt_analytics"] = _repeat(repeat, analytics)
    eql_analytics = [PYTHON, "-m", "benchmarks.tasks", "eql-analytics", str(folder / "jsonl")]
    runs["eql_analytics"] = _repeat(repeat, eql_analytics)
    hunt = [CARHUNT, "-q", "hunt", str(folder / "evtx"), "--format", "jsonl"]
    runs["carhunt_pipeline"] = [
        measure(hunt, stdout=out / "eql-hits.jsonl") for _ in range(repeat)
    ]
    pipeline_runs = []
    for _ in range(repeat):
        shutil.rmtree(converted, ignore_errors=True)
        command = [PYTHON, "-m", "benchmarks.tasks", "eql-pipeline", str(folder / "evtx"),
                   "--out", str(converted)]
        pipeline_runs.append(measure(command))
    runs["eql_pipeline"] = pipeline_runs
    shutil.rmtree(converted, ignore_errors=True)
    db.unlink(missing_ok=True)
    return runs


def _save(
    out: Path,
    info: dict[str, Any],
    results: list[SizeResult],
    eql: tuple[int, dict[str, list[Measurement]]] | None,
) -> dict[str, Any]:
    """Write the runs so far to results.json, so that a failed size keeps the others."""
    raw: dict[str, Any] = {
        "machine": info,
        "sizes": [
            {"label": r.label, "records": r.records,
             "runs": {k: [m.to_dict() for m in v] for k, v in r.runs.items()}}
            for r in results
        ],
    }
    if eql is not None:
        records, runs = eql
        raw["eql"] = {"records": records,
                      "runs": {k: [m.to_dict() for m in v] for k, v in runs.items()}}
    (out / "results.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")
    return raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1M,3M,10M",
                        help="comma-separated event counts (default 1M,3M,10M)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    parser.add_argument("--ingest-up-to", default="3M",
                        help="larger sizes measure no separate ingestion; their analytics "
                             "run over the store of hunt --db")
    parser.add_argument("--repeat-up-to", default="3M",
                        help="larger sizes are measured once, to bound the run time")
    parser.add_argument("--eql-events", default="200k",
                        help="events of the eql comparison, which keeps them all in memory")
    parser.add_argument("--json-events", default="3M",
                        help="largest size that also gets JSON lines (disk: about 1.3 kB each)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite RESULTS.md from the runs in results.json, measure nothing")
    parser.add_argument("--eql-only", action="store_true",
                        help="measure only the eql comparison, keeping the sizes in results.json")
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--out", type=Path, default=HERE / "out",
                        help="folder for stores, hits and results.json (default benchmarks/out)")
    parser.add_argument("--records-per-file", type=int, default=DEFAULT_RECORDS_PER_FILE,
                        help="records per generated file, i.e. per synthetic host")
    args = parser.parse_args(argv)
    sizes = [(label.strip(), parse_size(label)) for label in args.sizes.split(",")]
    eql_events = parse_size(args.eql_events)
    largest = max([events for _, events in sizes] + [eql_events])
    json_lines = max(parse_size(args.json_events), eql_events)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    if args.report_only or args.eql_only:
        raw = json.loads((out / "results.json").read_text(encoding="utf-8"))
        if args.eql_only:
            folder = args.data / "sets" / f"eql-{args.eql_events}"
            records = subset(args.data / "synth", eql_events, folder)
            runs = measure_eql(folder, f"eql-{args.eql_events}", args.repeat, out)
            raw["eql"] = {"records": records,
                          "runs": {k: [m.to_dict() for m in v] for k, v in runs.items()}}
            (out / "results.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")
        write_report(raw, args.results, HERE / "analysis.md")
        return 0
    plan = Plan(args.seed, largest, args.records_per_file, args.data / "synth")
    full = ensure_data(plan, json_lines)
    info = machine()
    results: list[SizeResult] = []
    eql_folder = args.data / "sets" / f"eql-{args.eql_events}"
    eql_records = subset(full, eql_events, eql_folder)
    print(f"measuring eql ({eql_records:,} records)", file=sys.stderr, flush=True)
    eql_runs = measure_eql(eql_folder, f"eql-{args.eql_events}", args.repeat, out)
    raw = _save(out, info, results, (eql_records, eql_runs))
    for label, events in sizes:
        folder = args.data / "sets" / label
        records = subset(full, events, folder)
        print(f"measuring {label} ({records:,} records)", file=sys.stderr, flush=True)
        repeat = args.repeat if events <= parse_size(args.repeat_up_to) else 1
        ingest_alone = events <= parse_size(args.ingest_up_to)
        results.append(measure_size(folder, label, records, repeat, out, ingest_alone))
        raw = _save(out, info, results, (eql_records, eql_runs))
    write_report(raw, args.results, HERE / "analysis.md")
    print(f"wrote {args.results}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
