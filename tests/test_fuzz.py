"""Fuzzing every reader: any bytes give records or counted errors, never a crash or hang.

Each example goes through the same path as a real input (reader, then the
store's SQL normalization), so a batch that DuckDB would reject is found too.
CARHUNT_FUZZ_EXAMPLES raises the number of examples per test (default 60).
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import samples
from carhunt.account import RunAccount
from carhunt.pipeline import HuntOptions, ingest, ingest_file
from carhunt.readers import READERS, Reader
from carhunt.readers.evtx_layout import file_header_for
from carhunt.readers.inputs import InputItem, iter_inputs
from carhunt.store.duckdb_store import Store

EXAMPLES = int(os.environ.get("CARHUNT_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=5000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

XML = samples.event_xml().encode()
SEEDS: dict[str, bytes] = {
    "evtx": file_header_for(1, 2) + b"ElfChnk\x00" + bytes(65528),
    "xml": b"<Events>" + XML + XML + b"</Events>",
    "json_array": json.dumps([samples.evtx_tree(), samples.flat()], indent=1).encode(),
    "json_document": json.dumps(samples.helk(), indent=2).encode(),
    "jsonl": (json.dumps(samples.nxlog()) + "\n" + json.dumps(samples.azure()) + "\n").encode(),
    "syslog": b"Nov 24 09:59:47 h sysmon: " + XML.replace(b" xmlns='", b" x='") + b"\n",
}


def _run(reader: type[Reader], data: bytes) -> RunAccount:
    """Read bytes with one reader into a real store, as the pipeline does."""
    account = RunAccount()
    store = Store()
    try:
        item = InputItem("fuzz", None, reader, io.BytesIO(data))
        ingest_file(store, item, account)
    finally:
        store.close()
    assert account.balanced
    return account


def test_every_reader_has_a_seed() -> None:
    assert sorted(SEEDS) == sorted(READERS.names())


@pytest.mark.parametrize("name", sorted(SEEDS))
@FUZZ
@given(data=st.binary(max_size=2048))
def test_reader_survives_random_bytes(name: str, data: bytes) -> None:
    _run(READERS.get(name), data)


@pytest.mark.parametrize("name", sorted(SEEDS))
@FUZZ
@given(
    cut=st.integers(min_value=0, max_value=1 << 17),
    flips=st.lists(
        st.tuples(st.integers(min_value=0, max_value=1 << 17), st.integers(0, 255)),
        max_size=8,
    ),
)
def test_reader_survives_damaged_seed(name: str, cut: int, flips: list[tuple[int, int]]) -> None:
    data = bytearray(SEEDS[name])
    for position, value in flips:
        data[position % len(data)] = value
    _run(READERS.get(name), bytes(data[: max(1, cut % (len(data) + 1))]))


def _wrapped(kind: str, data: bytes) -> bytes:
    if kind == "gzip":
        return gzip.compress(data)
    if kind == "bzip2":
        return bz2.compress(data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("member", data)
    return buffer.getvalue()


@FUZZ
@given(
    kind=st.sampled_from(["gzip", "bzip2", "zip"]),
    data=st.binary(max_size=1024),
    cut=st.integers(min_value=0, max_value=4096),
)
def test_inputs_survive_damaged_containers(
    tmp_path_factory: pytest.TempPathFactory, kind: str, data: bytes, cut: int
) -> None:
    packed = _wrapped(kind, SEEDS["jsonl"] + data)
    path = tmp_path_factory.mktemp("fuzz") / "input"
    path.write_bytes(packed[: max(1, cut % (len(packed) + 1))])
    account = RunAccount()
    store = Store()
    try:
        ingest(store, iter_inputs([str(path)], account), account, HuntOptions())
    finally:
        store.close()
    assert account.balanced


def test_lone_surrogate_in_key(tmp_path: Path) -> None:
    line = '{"Event": {"System": {"EventID": 1}, "EventData": {"\\ud800": "x"}}}\n'
    account = _run(READERS.get("jsonl"), line.encode())
    assert account.warnings["invalid_utf16"] == 1


@FUZZ
@given(
    cut=st.integers(min_value=4096, max_value=69632),
    flips=st.lists(
        st.tuples(st.integers(min_value=0, max_value=69631), st.integers(0, 255)),
        min_size=1,
        max_size=16,
    ),
)
def test_evtx_survives_damaged_real_file(
    corpus: Path, cut: int, flips: list[tuple[int, int]]
) -> None:
    source = corpus / "EVTX-ATTACK-SAMPLES" / "AutomatedTestingTools" / "Malware"
    data = bytearray((source / "rundll32_cmd_schtask.evtx").read_bytes())
    for position, value in flips:
        data[position] = value
    account = _run(READERS.get("evtx"), bytes(data[:cut]))
    assert account.read <= 50
