"""Readers on small inputs written here: shapes, references and bad records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import samples
from carhunt.readers import READERS, Reader, detect
from helpers import load, rows

LINUX_EVENT = (
    '<Event><System><Provider Name="Linux-Sysmon" Guid="{ff032593-a8d3-4f13-b0d6-01fc615a0f97}"/>'
    "<EventID>1</EventID><Version>5</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode>"
    "<Keywords>0x8000000000000000</Keywords>"
    '<TimeCreated SystemTime="2022-11-24T09:59:47.867270000Z"/>'
    "<EventRecordID>76947</EventRecordID><Correlation/>"
    '<Execution ProcessID="1109" ThreadID="1109"/><Channel>Linux-Sysmon/Operational</Channel>'
    '<Computer>host1</Computer><Security UserId="0"/></System><EventData>'
    '<Data Name="RuleName">-</Data><Data Name="UtcTime">2022-11-24 09:59:47.872</Data>'
    '<Data Name="ProcessGuid">{c9eb4a87-4093-637f-e091-5b045a550000}</Data>'
    '<Data Name="ProcessId">4002</Data><Data Name="Image">/bin/chmod</Data>'
    '<Data Name="CommandLine">chmod +x injector.sh</Data>'
    '<Data Name="CurrentDirectory">/opt/automation</Data><Data Name="User">root</Data>'
    '<Data Name="LogonGuid">{c9eb4a87-0000-0000-0000-000001000000}</Data>'
    '<Data Name="LogonId">0</Data><Data Name="TerminalSessionId">66</Data>'
    '<Data Name="IntegrityLevel">no level</Data><Data Name="Hashes">-</Data>'
    '<Data Name="ParentProcessGuid">{c9eb4a87-4093-637f-48c4-357f11560000}</Data>'
    '<Data Name="ParentProcessId">4000</Data><Data Name="ParentImage">/bin/bash</Data>'
    '<Data Name="ParentCommandLine">/bin/bash</Data><Data Name="ParentUser">root</Data>'
    "</EventData></Event>"
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("head", "reader"),
    [
        (b"ElfFile\x00", "evtx"),
        (b"ElfChnk\x00", "evtx"),
        (b"<Event xmlns='x'>", "xml"),
        (b'<?xml version="1.0"?>\r\n<Events><Event>', "xml"),
        ("\ufeff<Event xmlns='x'>".encode("utf-16-le"), "xml"),
        (b"[\n  {\n", "json_array"),
        (b"{\n  \"_source\": {}", "json_document"),
        (b'{"a": 1}\n{"a": 2}\n', "jsonl"),
        (b"Nov 24 09:59:47 host1 sysmon: <Event><System>", "syslog"),
        (b"<134>1 2025-12-10T22:27:58+09:00 host sysmon[42]: <Event><System>", "syslog"),
    ],
)
def test_detection(head: bytes, reader: str) -> None:
    found = detect(head)
    assert found is not None
    assert found.name == reader


@pytest.mark.parametrize("head", [b"# notes\n", b"\x00\x01\x02", b"title: x\n", b"<manifests>"])
def test_detection_rejects(head: bytes) -> None:
    assert detect(head) is None


def test_every_reader_is_documented() -> None:
    for name, reader in READERS.items():
        assert reader.name == name
        assert reader.description
        assert reader.__doc__


def test_wevtutil_stream_without_root(tmp_path: Path) -> None:
    text = samples.event_xml(record=1) + samples.event_xml(record=2) + "\r\n"
    store, account = load([_write(tmp_path, "qe.xml", text)])
    assert account.read == 2
    refs = [r["ref"] for r in rows(store, "SELECT ref FROM process_create ORDER BY ref")]
    assert refs == ["rec:1", "rec:2"]


def test_rendered_xml_info_is_ignored(tmp_path: Path) -> None:
    event = samples.event_xml().replace(
        "</EventData>",
        "</EventData><RenderingInfo Culture='en-US'><Message>Process Create:</Message>"
        "<Level>Information</Level></RenderingInfo>",
    )
    store, account = load([_write(tmp_path, "rendered.xml", event)])
    assert account.normalized["process_create"] == 1
    assert rows(store, "SELECT pid FROM process_create")[0]["pid"] == 2472


def test_xml_without_record_id_uses_index(tmp_path: Path) -> None:
    event = samples.event_xml().replace("<EventRecordID>17839</EventRecordID>", "")
    store, _ = load([_write(tmp_path, "norec.xml", "<Events>" + event * 2 + "</Events>")])
    refs = [r["ref"] for r in rows(store, "SELECT ref FROM process_create ORDER BY ref")]
    assert refs == ["idx:0", "idx:1"]


def test_broken_xml_event_costs_only_itself(tmp_path: Path) -> None:
    broken = samples.event_xml(record=2).replace("<Computer>", "<Computer><b>")
    text = samples.event_xml(record=1) + broken + samples.event_xml(record=3)
    _store, account = load([_write(tmp_path, "broken.xml", text)])
    assert account.read == 3
    assert account.normalized["process_create"] == 2
    assert account.skipped["xml_not_well_formed"] == 1
    assert account.examples[0].offset == "idx:1"


def test_unclosed_xml_event_is_counted(tmp_path: Path) -> None:
    text = samples.event_xml(record=1) + samples.event_xml(record=2)[:300]
    _, account = load([_write(tmp_path, "cut.xml", text)])
    assert account.read == 2
    assert account.skipped["xml_event_not_closed"] == 1


def test_xml_entities_are_not_expanded(tmp_path: Path) -> None:
    text = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>'
        + samples.event_xml().replace("<Computer>WS01.example.local", "<Computer>&ext;")
    )
    store, account = load([_write(tmp_path, "xxe.xml", text)])
    hosts = [r["fqdn"] for r in rows(store, "SELECT fqdn FROM process_create")]
    assert "root:" not in "".join(str(h) for h in hosts)
    assert account.balanced


def test_linux_syslog_lines(tmp_path: Path) -> None:
    text = (
        "Nov 24 09:59:46 host1 systemd[1]: Started Session 3.\n"
        f"Nov 24 09:59:47 host1 sysmon: {LINUX_EVENT}\n"
        f"<134>1 2022-11-24T09:59:48.1+00:00 host1 sysmon[812]: {LINUX_EVENT}\n"
        "\n"
        "Nov 24 09:59:49 host1 sysmon: <Event><System><Provider Name=\"Linux-Sysmon\"\n"
    )
    store, account = load([_write(tmp_path, "syslog", text)])
    assert account.read == 4
    assert account.not_sysmon == 1
    assert account.normalized["process_create"] == 2
    assert account.skipped["xml_not_well_formed"] == 1
    record = rows(store, "SELECT * FROM process_create ORDER BY ref")[0]
    assert record["ref"] == "line:2"
    assert record["exe"] == "chmod"
    assert record["image_path"] == "/bin/chmod"
    assert record["user"] == "root"
    assert record["logon_id"] == "0x0"
    assert record["md5_hash"] is None
    assert record["hostname"] == "host1"


def test_json_array_references(tmp_path: Path) -> None:
    records = [samples.evtx_tree(), {"EventId": 1, "Image": "C:\\x.exe"}, samples.evtx_tree()]
    store, account = load([_write(tmp_path, "array.json", json.dumps(records, indent=2))])
    assert account.read == 3
    refs = [r["ref"] for r in rows(store, "SELECT ref FROM process_create ORDER BY ref")]
    assert refs == ["idx:0", "idx:2"]


def test_powershell_export_without_utctime_is_not_sysmon(tmp_path: Path) -> None:
    records = [{"EventId": 4624, "TargetUserName": "bob"}, {"EventId": 1, "UtcTime": "x"}]
    _, account = load([_write(tmp_path, "ps.json", json.dumps(records, indent=2))])
    assert account.not_sysmon == 1
    assert account.normalized["process_create"] == 1
    assert account.flags["host_unknown"] == 1


def test_damaged_json_array_counts_the_break(tmp_path: Path) -> None:
    text = json.dumps([samples.evtx_tree(), samples.evtx_tree()], indent=2)[:-40]
    _, account = load([_write(tmp_path, "cut.json", text)])
    assert account.normalized["process_create"] == 1
    assert account.skipped["invalid_json"] == 1
    assert account.examples[0].offset == "idx:1"


def test_search_response_hits(tmp_path: Path) -> None:
    response = {"took": 3, "hits": {"total": 2, "hits": [samples.helk(), samples.helk()]}}
    store, account = load([_write(tmp_path, "search.json", json.dumps(response, indent=1))])
    assert account.read == 2
    refs = [r["ref"] for r in rows(store, "SELECT ref FROM process_create ORDER BY ref")]
    assert refs == ["doc:0:idx:0", "doc:0:idx:1"]


def test_concatenated_documents(tmp_path: Path) -> None:
    text = json.dumps(samples.helk(), indent=2) + "\n" + json.dumps(samples.helk(), indent=2)
    store, _ = load([_write(tmp_path, "docs.json", text)])
    refs = [r["ref"] for r in rows(store, "SELECT ref FROM process_create ORDER BY ref")]
    assert refs == ["doc:0", "doc:1"]


def test_json_lines_bad_line_is_counted(tmp_path: Path) -> None:
    text = json.dumps(samples.evtx_tree()) + "\n{not json\n\n" + json.dumps({"a": 1}) + "\n"
    _, account = load([_write(tmp_path, "mixed.jsonl", text)])
    assert account.read == 3
    assert account.skipped["invalid_json"] == 1
    assert account.skipped["unrecognized_record"] == 1
    invalid = next(s for s in account.examples if s.reason == "invalid_json")
    assert invalid.offset == "line:2"


def test_azure_syslog_row_expands_xml(tmp_path: Path) -> None:
    row = {"TenantId": "t", "Type": "Syslog", "Computer": "collector", "SyslogMessage": LINUX_EVENT}
    other = {"TenantId": "t", "Type": "Syslog", "Computer": "host1", "SyslogMessage": "hello"}
    store, account = load([_write(tmp_path, "az.json", json.dumps(row) + "\n" + json.dumps(other))])
    assert account.normalized["process_create"] == 1
    assert account.not_sysmon == 1
    assert rows(store, "SELECT hostname FROM process_create")[0]["hostname"] == "host1"


def test_azure_event_table_xml_event_data(tmp_path: Path) -> None:
    data = "".join(
        f"<Data Name='{k}'>{v}</Data>" for k, v in samples.EVENT_DATA.items() if "&" not in v
    )
    row = {
        "TenantId": "t", "Type": "Event", "Source": "Microsoft-Windows-Sysmon",
        "EventLog": samples.CHANNEL, "Computer": samples.HOST, "EventID": 1,
        "EventData": f"<DataItem type='System.XmlData'><EventData>{data}</EventData></DataItem>",
    }
    store, account = load([_write(tmp_path, "event.json", json.dumps(row))])
    assert account.normalized["process_create"] == 1
    assert rows(store, "SELECT pid FROM process_create")[0]["pid"] == 2472


def test_cp1252_text_is_decoded_with_warning(tmp_path: Path) -> None:
    record = json.dumps(samples.evtx_tree()).replace("Medium", "Médium")
    path = tmp_path / "cp1252.jsonl"
    path.write_bytes(record.encode("cp1252") + b"\n")
    store, account = load([path])
    assert account.warnings["decoded_as_windows_1252"] == 1
    assert rows(store, "SELECT integrity_level FROM process_create")[0]["integrity_level"] == (
        "Médium"
    )


def test_forced_format(tmp_path: Path) -> None:
    path = _write(tmp_path, "odd.txt", "  \n" + json.dumps(samples.evtx_tree()))
    _, account = load([path], input_format="jsonl")
    assert account.normalized["process_create"] == 1


def test_elasticsearch_bulk_export(tmp_path: Path) -> None:
    source = samples.helk()["_source"]
    lines = []
    for number in range(2):
        lines.append(json.dumps({"index": {"_index": "sysmon", "_id": str(number)}}))
        lines.append(json.dumps(source))
    store, account = load([_write(tmp_path, "bulk.json", "\n".join(lines) + "\n")])
    assert account.read == 4
    assert account.not_sysmon == 2
    assert account.total_skipped == 0
    refs = [r["ref"] for r in rows(store, "SELECT ref FROM process_create ORDER BY ref")]
    assert refs == ["line:2", "line:4"]


def test_xml_surrogate_reference_replaced(tmp_path: Path) -> None:
    event = samples.event_xml().replace("-enc SQBGACgA", "-enc SQBGACgA&#xD800;")
    store, account = load([_write(tmp_path, "surrogate.xml", event)])
    assert account.warnings["invalid_utf16"] == 1
    command = rows(store, "SELECT command_line FROM process_create")[0]["command_line"]
    assert "-enc SQBGACgA\ufffd" in command


def test_evtx_drops_lone_surrogate_json_replaces_it(corpus: Path, bugcases: Path) -> None:
    """pyevtx-rs drops the unpaired unit of issue_43.evtx record 508; JSON gets U+FFFD."""
    from carhunt.account import RunAccount, Source
    from carhunt.readers.evtx import EvtxReader
    from carhunt.readers.jsonl import JsonLinesReader

    def configuration(reader: Reader, path: Path, ref: str) -> str:
        account = RunAccount()
        with path.open("rb") as stream:
            for table in reader.read(stream, Source(1, str(path)), account):
                for row in table.to_pylist():
                    if row["ref"] == ref:
                        value = json.loads(row["payload"])["Event"]["EventData"]
                        return str(value["Configuration"])
        raise AssertionError(f"{ref} not found in {path}")

    evtx_value = configuration(
        EvtxReader(), corpus / "python-evtx" / "tests" / "data" / "issue_43.evtx", "rec:508"
    )
    json_value = configuration(
        JsonLinesReader(), bugcases / "06-json-lone-surrogate" / "input.jsonl", "line:1"
    )
    assert evtx_value.endswith("\uca50\u5a1f\u0152")
    assert json_value == "\uca50\u5a1f\u0152\ufffd"


@pytest.mark.parametrize(
    ("reference", "expected"),
    [("&#55296;", "\ufffd"), ("&#57344;", "\ue000"), ("&#x1F600;", "\U0001f600")],
)
def test_xml_character_references(tmp_path: Path, reference: str, expected: str) -> None:
    event = samples.event_xml().replace("-enc SQBGACgA", f"-enc SQBGACgA{reference}")
    store, _ = load([_write(tmp_path, "reference.xml", event)])
    command = rows(store, "SELECT command_line FROM process_create")[0]["command_line"]
    assert f"-enc SQBGACgA{expected}" in command


def test_xml_entity_expansion_bomb(tmp_path: Path) -> None:
    entities = '<!ENTITY a0 "xxxxxxxxxx">' + "".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    event = samples.event_xml().replace("<Computer>WS01.example.local", "<Computer>&a9;")
    text = f"<?xml version='1.0'?><!DOCTYPE Event [{entities}]>{event}"
    store, account = load([_write(tmp_path, "laughs.xml", text)])
    assert account.balanced
    hosts = rows(store, "SELECT fqdn FROM process_create")
    assert all(len(str(h["fqdn"])) < 1000 for h in hosts)
