"""Generate benchmark inputs of any size from the real EVTX files of the corpus.

Every output file is one synthetic host: a sequence of copies of real EVTX
files, each copy rewritten by :mod:`benchmarks.evtx_synth` with its own time
shift, GUID key, process-id mask and host code, and the records renumbered per
output file. Joins on process GUIDs, windows over time and grouping by host
therefore see many distinct values, while every record stays a real Sysmon
record. The JSON lines of each file are the same records as pyevtx-rs renders
them (the shape ``evtx_dump -o jsonl`` writes).

Output is a pure function of the seed and the corpus. File ``i`` depends only
on ``(seed, i)``, so a set of N files is the first N files of a larger set.
``subset`` links the smaller sizes to the files of the largest one.

Usage::

    python -m benchmarks.generate --events 10000000 --out benchmarks/data/synth
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import evtx

from benchmarks.evtx_synth import (
    CopyKey,
    EvtxFormatError,
    SourceFile,
    file_header,
    load_source,
    patch_chunk,
)

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
SYSMON_PROVIDER = "Microsoft-Windows-Sysmon"
TIMELINE_START = datetime(2024, 1, 1, tzinfo=UTC)
HOST_STAGGER = timedelta(minutes=37)
MAX_COPY_GAP_MINUTES = 60
HOST_CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DEFAULT_RECORDS_PER_FILE = 10_000
MIN_RECORDS_PER_CHUNK = 10
"""Sources with sparser chunks are left out: a chunk is 64 KiB however few records
it holds, and real collected logs have full chunks (40 to 80 Sysmon records)."""


def default_corpus() -> Path:
    """Return the corpus folder: $CARHUNT_CORPUS, else ../shared/corpus beside the checkout."""
    return Path(os.environ.get("CARHUNT_CORPUS", REPO.parent / "shared" / "corpus")).resolve()


@dataclass(frozen=True)
class Plan:
    """Seed, size and output folder of a generated set."""

    seed: int
    events: int
    records_per_file: int
    out: Path

    @property
    def file_count(self) -> int:
        return max(1, -(-self.events // self.records_per_file))


def _sysmon_computers(path: Path) -> set[str] | None:
    """Return the computer names of a clean file's Sysmon records, or None to skip it."""
    computers: set[str] = set()
    sysmon = 0
    records = evtx.PyEvtxParser(str(path), number_of_threads=1).records_json()
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except RuntimeError:
            return None
        if record is None:
            continue
        data: dict[str, Any] = json.loads(record["data"])
        system = (data.get("Event") or {}).get("System") or {}
        computers.add(str(system.get("Computer") or ""))
        provider = (system.get("Provider") or {}).get("#attributes") or {}
        sysmon += provider.get("Name") == SYSMON_PROVIDER
    return computers if sysmon else None


def load_sources(corpus: Path) -> list[SourceFile]:
    """Load every corpus EVTX file with Sysmon records that parses cleanly and patches."""
    sources = []
    for path in sorted(corpus.rglob("*.evtx")):
        computers = _sysmon_computers(path)
        if computers is None:
            continue
        try:
            source = load_source(path, computers)
        except (EvtxFormatError, IndexError) as error:
            log.info("skipping %s: %s", path, error)
            continue
        if source.record_count >= MIN_RECORDS_PER_CHUNK * len(source.chunks):
            sources.append(source)
    if not sources:
        raise SystemExit(f"no usable EVTX file with Sysmon records under {corpus}")
    return sources


def host_code(index: int) -> str:
    """Return the 4-character code that marks the computer names of output file ``index``."""
    base = len(HOST_CODE_ALPHABET)
    digits = []
    for _ in range(4):
        index, digit = divmod(index, base)
        digits.append(HOST_CODE_ALPHABET[digit])
    return "".join(reversed(digits))


def _copies(
    sources: list[SourceFile], seed: int, index: int, records: int
) -> Iterator[tuple[SourceFile, CopyKey]]:
    rng = random.Random(seed * 1_000_003 + index)
    start = TIMELINE_START + index * HOST_STAGGER
    code = host_code(index)
    written = 0
    while written < records:
        source = rng.choice(sources)
        start += timedelta(minutes=rng.randint(1, MAX_COPY_GAP_MINUTES))
        shift = timedelta(seconds=round((start - source.first_time).total_seconds()))
        key = CopyKey(
            shift=shift,
            guid_key=rng.getrandbits(64),
            pid_mask=rng.randrange(1, 1 << 14) << 2,
            host_code=code,
        )
        yield source, key
        written += source.record_count


def write_host_file(sources: list[SourceFile], plan: Plan, index: int) -> tuple[Path, int]:
    """Write output file ``index`` of the plan; return its path and record count."""
    path = plan.out / "evtx" / f"host-{index:05d}.evtx"
    patched: list[bytes] = []
    next_id = 1
    for source, key in _copies(sources, plan.seed, index, plan.records_per_file):
        for chunk in source.chunks:
            patched.append(patch_chunk(chunk, key, next_id))
            next_id += chunk.record_count
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as stream:
        stream.write(file_header(len(patched), next_id))
        for data in patched:
            stream.write(data)
    return path, next_id - 1


def write_json_lines(evtx_path: Path, out: Path) -> int:
    """Write the records of an EVTX file as JSON lines, as pyevtx-rs renders them."""
    path = out / "jsonl" / evtx_path.with_suffix(".jsonl").name
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as stream:
        for record in evtx.PyEvtxParser(str(evtx_path), number_of_threads=1).records_json():
            if record is None:
                continue
            text: str = record["data"]
            stream.write(text)
            stream.write("\n")
            count += 1
    return count


_WORKER_SOURCES: list[SourceFile] = []


def _init_worker(corpus: Path) -> None:
    _WORKER_SOURCES.extend(load_sources(corpus))


def _generate_one(plan: Plan, index: int, json_lines: bool) -> tuple[str, int]:
    """Write output file ``index``, and its JSON lines when asked."""
    path, count = write_host_file(_WORKER_SOURCES, plan, index)
    if json_lines:
        write_json_lines(path, plan.out)
    return path.name, count


def generate(
    plan: Plan, corpus: Path, json_lines_files: int | None = None, workers: int = 2
) -> dict[str, Any]:
    """Write every file of the plan and its manifest; return the manifest.

    JSON lines are written for the first ``json_lines_files`` files (all when None).
    """
    plan.out.mkdir(parents=True, exist_ok=True)
    sources = load_sources(corpus)
    counts: dict[str, int] = {}
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(corpus,)) as pool:
        futures = [
            pool.submit(
                _generate_one,
                plan,
                index,
                json_lines_files is None or index < json_lines_files,
            )
            for index in range(plan.file_count)
        ]
        for future in futures:
            name, count = future.result()
            counts[name] = count
    manifest = {
        "seed": plan.seed,
        "requested_events": plan.events,
        "records_per_file": plan.records_per_file,
        "records": sum(counts.values()),
        "files": counts,
        "sources": [str(source.path.relative_to(corpus)) for source in sources],
        "source_records": sum(source.record_count for source in sources),
    }
    (plan.out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def subset(full: Path, events: int, out: Path) -> int:
    """Link the first files of a generated set that hold at least ``events`` records.

    Returns the number of records in the subset.
    """
    manifest = json.loads((full / "manifest.json").read_text(encoding="utf-8"))
    chosen: list[str] = []
    total = 0
    for name, count in manifest["files"].items():
        if total >= events:
            break
        chosen.append(name)
        total += count
    for kind, suffix in (("evtx", ".evtx"), ("jsonl", ".jsonl")):
        folder = out / kind
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        for name in chosen:
            target = (full / kind / name).with_suffix(suffix)
            if target.exists():
                (folder / target.name).symlink_to(target.resolve())
    subset_manifest = dict(manifest, records=total, files={n: manifest["files"][n] for n in chosen})
    (out / "manifest.json").write_text(json.dumps(subset_manifest, indent=1), encoding="utf-8")
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, required=True, help="minimum number of records")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--records-per-file", type=int, default=DEFAULT_RECORDS_PER_FILE,
                        help="records per output file, i.e. per synthetic host")
    parser.add_argument("--corpus", type=Path, default=default_corpus(),
                        help="corpus folder (default: $CARHUNT_CORPUS or ../shared/corpus)")
    parser.add_argument("--jsonl-events", type=int,
                        help="write JSON lines only for the files that hold the first "
                             "this many records (default: for every file)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    plan = Plan(args.seed, args.events, args.records_per_file, args.out)
    json_lines_files = None
    if args.jsonl_events is not None:
        json_lines_files = -(-args.jsonl_events // args.records_per_file)
    manifest = generate(plan, args.corpus, json_lines_files, args.workers)
    print(f"wrote {manifest['records']:,} records in {len(manifest['files'])} files to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
