"""The same event in two transports normalizes to the same CAR record."""

from __future__ import annotations

import codecs
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

import samples
from helpers import load, rows

PROVENANCE = ("source_id", "ref", "event_ref")


def _record(path: Path, table: str = "process_create") -> dict[str, Any]:
    store, account = load([path])
    assert account.total_skipped == 0, account.examples
    found = rows(store, f"SELECT * FROM {table}")
    assert len(found) == 1
    return {k: v for k, v in found[0].items() if k not in PROVENANCE}


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _renderings(tmp_path: Path) -> dict[str, Path]:
    """Write the sample event in every transport; return the file of each."""
    def jsonl(name: str, record: dict[str, Any]) -> Path:
        return _write(tmp_path, name, json.dumps(record) + "\n")

    wevtutil = samples.event_xml()
    python_evtx = (
        '<?xml version="1.1" encoding="utf-8" standalone="yes" ?>\n<Events>\n'
        + samples.event_xml(quote='"') + "\n</Events>\n"
    )
    return {
        "evtx_tree": jsonl("tree.jsonl", samples.evtx_tree()),
        "wevtutil": _write(tmp_path, "wevtutil.xml", wevtutil),
        "wevtutil_utf16": _write(
            tmp_path, "wevtutil16.xml", "\ufeff" + wevtutil, encoding="utf-16-le"
        ),
        "event_viewer": _write(tmp_path, "viewer.xml", python_evtx),
        "splunk": _write(tmp_path, "splunk.log", samples.event_xml() + "\n"),
        "splunk_json": jsonl(
            "splunk.json", {"preview": False, "result": {"_raw": samples.event_xml()}}
        ),
        "nxlog": jsonl("nxlog.json", samples.nxlog()),
        "winlogbeat6": jsonl("wlb6.json", samples.winlogbeat6()),
        "winlogbeat7": jsonl("wlb7.json", samples.winlogbeat7(module=False)),
        "winlogbeat7_module": jsonl("wlb7m.json", samples.winlogbeat7(module=True)),
        "flat": jsonl("flat.json", samples.flat()),
        "azure": jsonl("azure.json", samples.azure()),
        "helk": _write(tmp_path, "helk.json", json.dumps(samples.helk(), indent=2)),
        "json_array_gz": tmp_path / "array.json.gz",
    }


@pytest.fixture()
def renderings(tmp_path: Path) -> dict[str, Path]:
    files = _renderings(tmp_path)
    with gzip.open(files["json_array_gz"], "wt", encoding="utf-8") as out:
        json.dump([samples.evtx_tree()], out, indent=4)
    return files


TRANSPORTS = [
    "wevtutil", "wevtutil_utf16", "event_viewer", "splunk", "splunk_json", "nxlog",
    "winlogbeat6", "winlogbeat7", "winlogbeat7_module", "flat", "azure", "helk",
    "json_array_gz",
]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_same_record_as_evtx_tree(renderings: dict[str, Path], transport: str) -> None:
    reference = _record(renderings["evtx_tree"])
    other = _record(renderings[transport])
    for column, value in reference.items():
        assert (column, other[column]) == (column, value)


def test_reference_record_values(renderings: dict[str, Path]) -> None:
    record = _record(renderings["evtx_tree"])
    assert record["hostname"] == "WS01"
    assert record["fqdn"] == samples.HOST
    assert record["time"].isoformat(sep=" ", timespec="milliseconds") == samples.UTC
    assert record["time_from_transport"] is False
    assert record["process_guid"] == samples.GUID
    assert record["logon_id"] == "0x8cca0"
    assert record["command_line"] == samples.COMMAND
    assert record["md5_hash"] == samples.MD5.lower()
    assert record["sha1_hash"] is None
    assert record["imphash"] == samples.IMPHASH.lower()
    assert record["user"] == "HOST1\\user1"


def test_utf16_without_bom_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "nobom.xml", samples.event_xml(), encoding="utf-16-le")
    assert _record(path)["pid"] == 2472


def test_utf8_bom_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(codecs.BOM_UTF8 + json.dumps(samples.evtx_tree()).encode() + b"\n")
    assert _record(path)["pid"] == 2472


HELK_PAIRS = [
    "CAR-2013-10-002-mordor-01",
    "CAR-2014-04-003-mordor-01",
    "CAR-2016-03-001-mordor-01",
    "CAR-2016-03-001-mordor-02",
]


@pytest.mark.parametrize("name", HELK_PAIRS)
def test_helk_hit_and_snippet_agree(corpus: Path, name: str) -> None:
    folder = corpus / "car" / "docs" / "true_positives"
    store, _ = load([folder / f"{name}.json"])
    table = next(
        t for t in ("process_create", "thread_remote_create")
        if rows(store, f"SELECT count(*) AS n FROM {t}")[0]["n"]
    )
    hit = _record(folder / f"{name}.json", table)
    snippet = _record(folder / f"{name}-snippet.json", table)
    # Two snippets lack host_name: they get the unknown-host placeholder instead.
    host_columns = ("hostname", "fqdn")
    for column, value in hit.items():
        if column in host_columns and snippet[column].startswith("unknown-host-"):
            continue
        assert (column, snippet[column]) == (column, value)


def test_winlogbeat_raw_and_module_goldens_agree(corpus: Path) -> None:
    folder = corpus / "beats" / "x-pack" / "winlogbeat" / "module" / "sysmon" / "test" / "testdata"
    module = _record(folder / "sysmon-12-processcreate.evtx.golden.json")
    raw = _record(folder / "collection" / "sysmon-12-processcreate.evtx.golden.json")
    assert module == raw
    assert raw["user"] == "VAGRANT\\vagrant"
    assert raw["time"].isoformat(sep=" ", timespec="milliseconds") == "2020-10-27 20:00:14.320"
