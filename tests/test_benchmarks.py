"""The benchmark harness: generated inputs are valid and repeatable, and a tiny run works."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import evtx
import pytest
from benchmarks import run
from benchmarks.generate import Plan, generate, host_code, subset

from carhunt.pipeline import HuntOptions, hunt


def _digests(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "manifest.json"
    }


def _records(path: Path) -> list[dict[str, object]]:
    records = []
    parser = evtx.PyEvtxParser(str(path), number_of_threads=1).records_json()
    while True:
        try:
            record = next(parser)
        except StopIteration:
            break
        records.append(record)
    return records


@pytest.fixture(scope="module")
def generated(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(Plan(seed=7, events=1_500, records_per_file=600, out=out), corpus, workers=1)
    return out


def test_generate_same_seed_same_bytes(
    generated: Path, corpus: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    generate(Plan(seed=7, events=1_500, records_per_file=600, out=again), corpus, workers=1)
    assert _digests(again) == _digests(generated)


def test_generate_other_seed_other_bytes(
    generated: Path, corpus: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    generate(Plan(seed=8, events=1_500, records_per_file=600, out=other), corpus, workers=1)
    assert _digests(other) != _digests(generated)


def test_generated_evtx_reads_cleanly(generated: Path) -> None:
    manifest = json.loads((generated / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == ["host-00000.evtx", "host-00001.evtx", "host-00002.evtx"]
    for name, count in manifest["files"].items():
        records = _records(generated / "evtx" / name)
        assert len(records) == count
        assert [r["event_record_id"] for r in records] == list(range(1, count + 1))


def test_generated_hosts_carry_file_code(generated: Path) -> None:
    records = _records(generated / "evtx" / "host-00002.evtx")
    computers = {
        json.loads(str(r["data"]))["Event"]["System"]["Computer"] for r in records
    }
    renamed = {name for name in computers if name.split(".")[0].endswith(host_code(2))}
    assert host_code(2) == "0002"
    assert renamed
    assert all(len(name.split(".")[0]) < 5 for name in computers - renamed)


def test_generated_json_lines_match_evtx(generated: Path) -> None:
    evtx_records = _records(generated / "evtx" / "host-00001.evtx")
    lines = (generated / "jsonl" / "host-00001.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines == [r["data"] for r in evtx_records]


def test_generated_set_hunts_with_hits(generated: Path) -> None:
    result = hunt([str(generated / "evtx")], HuntOptions())
    manifest = json.loads((generated / "manifest.json").read_text(encoding="utf-8"))
    assert result.account.read == manifest["records"]
    assert result.account.balanced
    assert result.hit_count > 0


def test_subset_links_first_files(generated: Path, tmp_path: Path) -> None:
    manifest = json.loads((generated / "manifest.json").read_text(encoding="utf-8"))
    first, second = list(manifest["files"].values())[:2]
    records = subset(generated, first + 1, tmp_path / "small")
    assert records == first + second
    assert sorted(p.name for p in (tmp_path / "small" / "evtx").iterdir()) == [
        "host-00000.evtx", "host-00001.evtx"
    ]


def test_parse_size_suffixes() -> None:
    assert run.parse_size("1M") == 1_000_000
    assert run.parse_size("200k") == 200_000
    assert run.parse_size("1500") == 1_500


def test_harness_runs_on_tiny_input(corpus: Path, tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    code = run.main([
        "--sizes", "400", "--repeat", "1", "--eql-events", "400", "--json-events", "400",
        "--records-per-file", "200", "--data", str(tmp_path / "data"),
        "--out", str(tmp_path / "out"), "--results", str(results),
    ])
    raw = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    text = results.read_text(encoding="utf-8")
    assert code == 0
    assert sorted(raw["sizes"][0]["runs"]) == [
        "analytics", "floor", "hunt_evtx", "hunt_jsonl", "ingest"
    ]
    assert sorted(raw["eql"]["runs"]) == [
        "carhunt_analytics", "carhunt_pipeline", "eql_analytics", "eql_pipeline"
    ]
    floor = raw["sizes"][0]["runs"]["floor"][0]["result"]["records"]
    ingested = raw["sizes"][0]["runs"]["ingest"][0]["result"]["records"]
    assert floor == raw["sizes"][0]["records"]
    assert ingested == floor
    assert "## Targets" in text
    assert "hunt on EVTX >= 0.5x parse floor | 400 |" in text
