"""Compressed files and archives: members, references, damage and limits."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import samples
from carhunt.account import RunAccount
from carhunt.errors import LimitError
from carhunt.readers.containers import InputLimits
from carhunt.readers.inputs import iter_inputs
from helpers import load, rows

LINE = (json.dumps(samples.evtx_tree()) + "\n").encode()


def _refs(path: Path) -> list[str]:
    store, _ = load([path])
    return [r["ref"] for r in rows(store, "SELECT ref FROM process_create ORDER BY ref")]


def test_gzip_file(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl.gz"
    path.write_bytes(gzip.compress(LINE * 2))
    assert _refs(path) == ["line:1", "line:2"]


def test_bzip2_file(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl.bz2"
    path.write_bytes(bz2.compress(LINE))
    assert _refs(path) == ["line:1"]


def test_multi_member_gzip(tmp_path: Path) -> None:
    path = tmp_path / "two.gz"
    path.write_bytes(gzip.compress(LINE) + gzip.compress(LINE))
    assert _refs(path) == ["line:1", "line:2"]


def test_gzip_trailing_bytes_are_a_notice(tmp_path: Path) -> None:
    path = tmp_path / "trailing.gz"
    path.write_bytes(gzip.compress(LINE) + b"garbage after the member")
    _, account = load([path])
    assert account.normalized["process_create"] == 1
    assert [a.kind for a in account.anomalies] == ["trailing_data"]


def test_truncated_gzip_keeps_complete_records(tmp_path: Path) -> None:
    data = gzip.compress(LINE * 50)
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) - 12])
    _, account = load([path])
    assert account.normalized["process_create"] >= 1
    assert "truncated_stream" in [a.kind for a in account.anomalies]


def test_zip_members_prefix_references(tmp_path: Path) -> None:
    path = tmp_path / "set.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("host/a.json", LINE)
        archive.writestr("__MACOSX/host/._a.json", b"\x00\x05\x16\x07 resource fork")
        archive.writestr("host/._b.json", b"\x00\x05\x16\x07")
        archive.writestr("empty/", b"")
    _, account = load([path])
    assert _refs(path) == ["host/a.json:line:1"]
    assert account.failures == []


def test_tar_gz_with_trailing_bytes(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("dataset/events.json")
        info.size = len(LINE)
        archive.addfile(info, io.BytesIO(LINE))
        link = tarfile.TarInfo("dataset/escape")
        link.type = tarfile.SYMTYPE
        link.linkname = "../../etc/passwd"
        archive.addfile(link)
    path = tmp_path / "set.tar.gz"
    path.write_bytes(gzip.compress(buffer.getvalue()) + b"\x00junk")
    _store, account = load([path])
    assert _refs(path) == ["dataset/events.json:line:1"]
    assert account.failures == []


def test_nested_archive_members(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("x.jsonl.gz", gzip.compress(LINE))
    path = tmp_path / "outer.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("inner.zip", inner.getvalue())
    assert _refs(path) == ["inner.zip:x.jsonl.gz:line:1"]


def test_evtx_in_zip(corpus: Path, tmp_path: Path) -> None:
    source = corpus / "EVTX-ATTACK-SAMPLES" / "AutomatedTestingTools" / "Malware"
    path = tmp_path / "logs.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(source / "rundll32_cmd_schtask.evtx", "Sysmon.evtx")
    _, account = load([path])
    assert account.read == 50
    assert account.normalized["process_create"] == 8


def _limited(path: Path, limits: InputLimits) -> RunAccount:
    account = RunAccount()
    for item in iter_inputs([str(path)], account, limits=limits):
        item.stream.read()
    return account


def test_bomb_ratio_limit(tmp_path: Path) -> None:
    path = tmp_path / "bomb.gz"
    path.write_bytes(gzip.compress(b"{}\n" * (4 << 20), compresslevel=9))
    limits = InputLimits(max_ratio=100, ratio_grace_bytes=1 << 20)
    with pytest.raises(LimitError, match="compression ratio above 100"):
        _limited(path, limits)


def test_bomb_is_one_unreadable_input(tmp_path: Path) -> None:
    bomb = tmp_path / "a-bomb.jsonl.gz"
    bomb.write_bytes(gzip.compress(b"{}\n" * (4 << 20)))
    good = tmp_path / "b-good.jsonl"
    good.write_bytes(LINE)
    from carhunt.pipeline import HuntOptions, hunt

    options = HuntOptions(limits=InputLimits(max_member_bytes=1 << 20))
    result = hunt([str(tmp_path)], options)
    assert result.account.normalized["process_create"] == 1
    reasons = [f.reason for f in result.account.failures]
    assert any("more than 1,048,576 bytes" in reason for reason in reasons)


def test_zip_member_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.jsonl", b"{}\n" * 100_000)
        archive.writestr("small.jsonl", LINE)
    account = _limited(path, InputLimits(max_member_bytes=10_000))
    assert len(account.failures) == 1
    assert "above the member size limit" in account.failures[0].reason


def test_total_limit(tmp_path: Path) -> None:
    path = tmp_path / "t.gz"
    path.write_bytes(gzip.compress(LINE * 100))
    account = _limited(path, InputLimits(max_total_bytes=1000))
    assert "decompressed data of this run exceeds 1,000 bytes" in account.failures[0].reason


def test_depth_limit(tmp_path: Path) -> None:
    data = LINE
    for _ in range(6):
        data = gzip.compress(data)
    path = tmp_path / "deep.gz"
    path.write_bytes(data)
    account = _limited(path, InputLimits(max_depth=3))
    assert "nested deeper than" in account.failures[0].reason


def test_damaged_zip_is_one_failure(tmp_path: Path) -> None:
    path = tmp_path / "bad.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    _, account = load([path])
    assert len(account.failures) == 1
    assert account.failures[0].reason.startswith("damaged zip archive")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.jsonl", b"", "empty file"),
        ("garbage.bin", bytes(range(256)) * 4, "unrecognized format"),
    ],
)
def test_unreadable_file_messages(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    _, account = load([path])
    assert len(account.failures) == 1
    assert account.failures[0].path == str(path)
    assert account.failures[0].reason.startswith(reason)


def test_missing_path_does_not_stop_others(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_bytes(LINE)
    _, account = load([tmp_path / "missing.evtx", good])
    assert account.normalized["process_create"] == 1
    assert account.failures[0].reason.startswith("not found")


def test_unreadable_directory(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "x.jsonl").write_bytes(LINE)
    locked.chmod(0)
    try:
        _, account = load([locked])
    finally:
        locked.chmod(0o755)
    if account.normalized["process_create"]:
        pytest.skip("running as a user that ignores directory permissions")
    assert len(account.failures) == 1


def test_standard_input(tmp_path: Path) -> None:
    script = (
        "import sys; sys.path.insert(0, 'tests');"
        "from helpers import load;"
        "_, a = load(['-']);"
        "print(a.normalized['process_create'], a.sources[1].path)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=gzip.compress(LINE * 3),
        capture_output=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.stdout.decode().split() == ["3", "(standard", "input)"]


def test_plain_tar(tmp_path: Path) -> None:
    path = tmp_path / "set.tar"
    with tarfile.open(path, "w") as archive:
        for name in ("a.jsonl", "__MACOSX/._a.jsonl"):
            info = tarfile.TarInfo(name)
            info.size = len(LINE)
            archive.addfile(info, io.BytesIO(LINE))
    assert _refs(path) == ["a.jsonl:line:1"]


def test_multi_stream_bzip2(tmp_path: Path) -> None:
    path = tmp_path / "two.bz2"
    path.write_bytes(bz2.compress(LINE) + bz2.compress(LINE))
    assert _refs(path) == ["line:1", "line:2"]
