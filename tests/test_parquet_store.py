"""Parquet data sets: layout, manifest, appending ingests and hunt-time steps (DuckDB)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from carhunt.cli.main import EXIT_FAILURE, EXIT_OK, main
from carhunt.dataset import ingest_paths
from carhunt.engines.base import EngineSettings
from carhunt.engines.duckdb import DuckDBEngine
from carhunt.normalize.finalize import FlowOrientation
from carhunt.pipeline import HuntOptions, hunt
from carhunt.store.parquet_store import ParquetStore, source_id_for
from sysmon import event, process, write_events

HOST = "WS01.corp.example"
GUID = "{94F748D5-4A45-5A42-0000-0010D265F20F}"


def _terminate(record_id: int, guid: str = GUID) -> dict[str, Any]:
    return event(5, {
        "UtcTime": "2024-01-01 10:05:00.000", "ProcessGuid": guid, "ProcessId": "1000",
        "Image": "C:\\Windows\\System32\\cmd.exe",
    }, HOST, record_id)


def _flow(record_id: int) -> dict[str, Any]:
    return event(3, {
        "UtcTime": "2024-01-02 09:00:00.000", "ProcessGuid": GUID, "ProcessId": "4",
        "Image": "System", "User": "NT AUTHORITY\\SYSTEM", "Protocol": "tcp",
        "Initiated": "false", "SourceIp": "10.0.0.18", "SourcePort": "445",
        "DestinationIp": "10.0.0.19", "DestinationPort": "33801",
    }, HOST, record_id)


def _rows(root: Path, sql: str) -> list[dict[str, Any]]:
    engine = DuckDBEngine.open(EngineSettings())
    try:
        engine.load_parquet(ParquetStore(root))
        engine.select_sources(FlowOrientation.AUTO)
        rows: list[dict[str, Any]] = engine.run(sql).to_pylist()
    finally:
        engine.close()
    return rows


@pytest.fixture()
def two_hosts(tmp_path: Path) -> Path:
    return write_events(tmp_path / "two_hosts.jsonl", [
        process(1, "C:\\Windows\\System32\\cmd.exe", time="2024-01-01 10:00:00.000"),
        process(2, "C:\\Windows\\System32\\whoami.exe", time="2024-01-02 23:59:59.999",
                computer="WS02.corp.example"),
    ])


def test_ingest_writes_hive_layout(two_hosts: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    ingest_paths([str(two_hosts)], root)
    files = sorted(p.relative_to(root).parent.as_posix() for p in root.rglob("*.parquet"))
    assert files == [
        "process_create/date=2024-01-01/host=ws01",
        "process_create/date=2024-01-02/host=ws02",
    ]
    assert not list((root / "_staging").iterdir())


def test_manifest_names_file_by_sha256(two_hosts: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    ingest_paths([str(two_hosts)], root)
    sha256 = hashlib.sha256(two_hosts.read_bytes()).hexdigest()
    (line,) = (root / "_manifest.jsonl").read_text().splitlines()
    entry = json.loads(line)
    assert entry["sha256"] == sha256
    assert entry["source_id"] == source_id_for(sha256)
    assert entry["path"] == str(two_hosts)
    assert entry["format"] == "jsonl"
    assert entry["account"]["read"] == 2
    assert entry["account"]["normalized"] == {"process_create": 2}


def test_rows_carry_sha256_identity(two_hosts: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    ingest_paths([str(two_hosts)], root)
    source_id = source_id_for(hashlib.sha256(two_hosts.read_bytes()).hexdigest())
    rows = _rows(root, "SELECT source_id, ref, event_ref FROM process_create ORDER BY ref")
    assert rows == [
        {"source_id": source_id, "ref": "line:1", "event_ref": f"{source_id}/line:1"},
        {"source_id": source_id, "ref": "line:2", "event_ref": f"{source_id}/line:2"},
    ]


def test_second_ingest_skips_known_file(two_hosts: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    ingest_paths([str(two_hosts)], root)
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(two_hosts.read_bytes())
    again = ingest_paths([str(two_hosts), str(copy)], root)
    assert again.added == []
    assert [(d.path, d.ingested_as) for d in again.duplicates] == [
        (str(two_hosts), str(two_hosts)),
        (str(copy), str(two_hosts)),
    ]
    assert again.account.read == 0
    assert _rows(root, "SELECT count(*) AS n FROM process_create") == [{"n": 2}]


def test_ingest_appends_new_file(two_hosts: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    ingest_paths([str(two_hosts)], root)
    later = write_events(tmp_path / "later.jsonl", [_terminate(7)])
    result = ingest_paths([str(later)], root)
    assert [entry.path for entry in result.added] == [str(later)]
    assert len(ParquetStore(root).sources()) == 2
    assert _rows(root, "SELECT count(*) AS n FROM process_terminate") == [{"n": 1}]


def test_derived_user_spans_ingests(tmp_path: Path) -> None:
    root = tmp_path / "data"
    creator = process(1, "C:\\Windows\\System32\\cmd.exe", ProcessGuid=GUID, computer=HOST)
    ingest_paths([str(write_events(tmp_path / "a.jsonl", [creator]))], root)
    ingest_paths([str(write_events(tmp_path / "b.jsonl", [_terminate(2)]))], root)
    rows = _rows(root, 'SELECT "user", user_derived FROM process_terminate')
    assert rows == [{"user": "CORP\\alice", "user_derived": True}]


def test_orientation_spans_ingests(tmp_path: Path) -> None:
    root = tmp_path / "data"
    legacy = process(1, "C:\\Windows\\System32\\cmd.exe", computer=HOST)
    ingest_paths([str(write_events(tmp_path / "a.jsonl", [_flow(9)]))], root)
    before = _rows(root, "SELECT orientation, src_port FROM flow_start")
    ingest_paths([str(write_events(tmp_path / "b.jsonl", [legacy]))], root)
    after = _rows(root, "SELECT orientation, src_port, dest_port FROM flow_start")
    assert before == [{"orientation": "undetermined", "src_port": 445}]
    assert after == [{"orientation": "swapped", "src_port": 33801, "dest_port": 445}]


def test_parquet_hunt_equals_memory_hunt(two_hosts: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    in_memory = hunt([str(two_hosts)], HuntOptions())
    over_parquet = hunt([str(two_hosts)], HuntOptions(parquet_path=root))
    memory_hits = [h.to_dict() for d in in_memory.datasets for r in d.results for h in r.hits]
    parquet_hits = [
        h.to_dict() for d in over_parquet.datasets for r in d.results for h in r.hits
    ]
    assert len(memory_hits) == 3
    assert parquet_hits == memory_hits
    assert over_parquet.account.summary_line() == in_memory.account.summary_line()


def test_cli_ingest_reports_skips(
    two_hosts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "data"
    assert main(["ingest", str(two_hosts), "--parquet", str(root)]) == EXIT_OK
    first = capsys.readouterr().err
    assert main(["ingest", str(two_hosts), "--parquet", str(root)]) == EXIT_OK
    second = capsys.readouterr().err
    assert "ingested 1 file(s)" in first
    assert "records: read 2, normalized 2, not Sysmon 0, skipped 0" in first
    assert f"carhunt: skipped {two_hosts}: already ingested as {two_hosts}" in second
    assert "records: read 0, normalized 0, not Sysmon 0, skipped 0" in second


def test_cli_hunt_over_parquet(
    two_hosts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "data"
    main(["ingest", str(two_hosts), "--parquet", str(root)])
    capsys.readouterr()
    code = main(["hunt", "--parquet", str(root), "--format", "jsonl"])
    captured = capsys.readouterr()
    hits = [json.loads(line) for line in captured.out.splitlines()]
    assert code == EXIT_OK
    assert sorted(h["analytic"] for h in hits) == [
        "CAR-2013-02-003", "CAR-2013-05-009", "CAR-2016-03-001"
    ]
    assert "records: read 2, normalized 2, not Sysmon 0, skipped 0" in captured.err


def test_hunt_without_data_set_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["hunt", "--parquet", str(tmp_path / "none")])
    assert code == EXIT_FAILURE
    assert "is not a carhunt Parquet data set" in capsys.readouterr().err


def test_spark_missing_is_one_line(two_hosts: Path, tmp_path: Path) -> None:
    # A None entry in sys.modules makes `import pyspark` raise ImportError.
    script = (
        "import sys; sys.modules['pyspark'] = None; "
        "from carhunt.cli.main import main; "
        f"sys.exit(main(['ingest', {str(two_hosts)!r}, '--parquet', "
        f"{str(tmp_path / 'data')!r}, '--engine', 'spark']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == EXIT_FAILURE
    assert done.stderr.splitlines() == [
        "carhunt: error: the spark engine needs PySpark: pip install 'carhunt[spark]'"
    ]
