"""Ingestion in passes on background threads, the store's memory limit, the progress bar."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pytest

from carhunt.account import ErrorPolicy, RunAccount, Source
from carhunt.cli.main import EXIT_USAGE, main
from carhunt.cli.progress import ProgressBar, should_draw
from carhunt.dataset import ingest_paths
from carhunt.errors import BadInputError, UsageError
from carhunt.ingest import PassQueue
from carhunt.pipeline import HuntOptions, hunt
from carhunt.readers.base import RAW_SCHEMA
from carhunt.store.duckdb_store import Store
from sysmon import process, write_events


def raw(source: Source, payloads: list[str]) -> pa.Table:
    return pa.table(
        {
            "source_id": pa.array([source.source_id] * len(payloads), pa.int32()),
            "ref": pa.array([f"line:{n}" for n in range(1, len(payloads) + 1)]),
            "payload": pa.array(payloads),
        },
        schema=RAW_SCHEMA,
    )


def events(count: int, first: int = 1) -> list[str]:
    return [
        json.dumps(process(n, f"C:\\Tools\\tool{n}.exe")) for n in range(first, first + count)
    ]


def table_rows(store: Store, table: str) -> list[tuple[object, ...]]:
    return [
        tuple(row.values())
        for row in store.query(f"SELECT * FROM {table} ORDER BY ALL").to_pylist()
    ]


def test_passes_match_direct_ingest() -> None:
    source = Source(1, "a.jsonl")
    batches = [raw(source, events(7, first)) for first in (1, 8, 15, 22)]
    direct, queued = Store(), Store()
    direct_account, queued_account = RunAccount(), RunAccount()
    for account in (direct_account, queued_account):
        account.add_source(source)
    for batch in batches:
        direct.ingest(batch, direct_account)
    with PassQueue(queued, queued_account, rows=10) as passes:
        for batch in batches:
            passes.add(batch)
    assert queued.count("process_create") == 28
    assert table_rows(queued, "process_create") == table_rows(direct, "process_create")
    assert queued_account.normalized == direct_account.normalized
    assert queued_account.read == 28
    direct.close()
    queued.close()


def test_small_batches_join_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store()
    account = RunAccount()
    source = Source(1, "a.jsonl")
    account.add_source(source)
    sizes: list[int] = []
    normalize = store.normalize

    def counting(batch: pa.Table) -> object:
        sizes.append(batch.num_rows)
        return normalize(batch)

    monkeypatch.setattr(store, "normalize", counting)
    with PassQueue(store, account, rows=10) as passes:
        for first in range(1, 25, 3):
            passes.add(raw(source, events(3, first)))
    assert sizes == [12, 12]
    assert account.read == 24
    store.close()


def test_fail_policy_raises_in_caller() -> None:
    store = Store()
    account = RunAccount(policy=ErrorPolicy.FAIL)
    source = Source(1, "bad.jsonl")
    account.add_source(source)
    with pytest.raises(BadInputError, match="invalid_json"), PassQueue(store, account) as passes:
        passes.add(raw(source, ["{not json"]))
    store.close()


def test_hunt_reads_all_files(tmp_path: Path) -> None:
    for index in range(5):
        write_events(tmp_path / f"host{index}.jsonl",
                     [json.loads(line) for line in events(3, 10 * index + 1)])
    result = hunt([str(tmp_path)], HuntOptions())
    assert result.account.read == 15
    assert result.account.normalized == {"process_create": 15}
    assert result.account.balanced


def test_memory_limit_spill_folder() -> None:
    store = Store(memory_limit="64MB")
    assert store._spill is not None
    folder = Path(store._spill.name)
    setting = store.query("SELECT current_setting('temp_directory') AS folder").to_pylist()
    assert setting == [{"folder": str(folder)}]
    store.con.execute(
        "CREATE TABLE filler AS SELECT repeat(md5(i::VARCHAR), 8) AS text FROM range(600000) r(i)"
    )
    assert store.count("filler") == 600000
    store.close()
    assert not folder.exists()


def test_bad_memory_limit_rejected() -> None:
    with pytest.raises(UsageError, match="invalid memory limit"):
        Store(memory_limit="lots")


def test_cli_bad_memory_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_events(tmp_path / "a.jsonl", [process(1, "C:\\Windows\\cmd.exe")])
    code = main(["hunt", str(path), "--memory-limit", "lots"])
    assert code == EXIT_USAGE
    assert "invalid memory limit 'lots'" in capsys.readouterr().err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_terminal_only() -> None:
    assert should_draw(False, Terminal()) is True
    assert should_draw(True, Terminal()) is False
    assert should_draw(False, io.StringIO()) is False


def test_progress_bar_counts() -> None:
    stream = Terminal()
    with ProgressBar(stream) as bar:
        bar.start(None)
        bar.advance("a.evtx", 1200)
        bar.file_done("a.evtx")
        bar.advance("b.evtx", 34)
        bar.file_done("b.evtx")
        bar.phase("running analytics")
        bar._bar.refresh()
    drawn = stream.getvalue()
    assert "1,234 records" in drawn
    assert "2 files" in drawn
    assert "running analytics" in drawn


class Listener:
    """Recorder of what a run reports to its progress listener."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []

    def start(self, files: int | None) -> None:
        self.seen.append(("start", files))

    def advance(self, path: str, records: int) -> None:
        self.seen.append(("advance", records))

    def file_done(self, path: str) -> None:
        self.seen.append(("done", Path(path).name))

    def phase(self, description: str) -> None:
        self.seen.append(("phase", description))


def test_hunt_reports_progress(tmp_path: Path) -> None:
    path = write_events(tmp_path / "a.jsonl", [json.loads(line) for line in events(4)])
    listener = Listener()
    hunt([str(path)], HuntOptions(), listener)
    assert listener.seen == [
        ("start", None), ("advance", 4), ("done", "a.jsonl"),
        ("phase", "finalizing"), ("phase", "running analytics"),
    ]


def test_parquet_ingest_reports_progress(tmp_path: Path) -> None:
    path = write_events(tmp_path / "a.jsonl", [json.loads(line) for line in events(3)])
    listener = Listener()
    result = ingest_paths([str(path)], tmp_path / "data", progress=listener)
    assert len(result.added) == 1
    assert listener.seen == [("start", None), ("advance", 3), ("done", "a.jsonl")]
