"""The built-in demo capture: reproducible, Sysmon 3.2 shaped, and hit exactly as expected."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import evtx
import pytest

from carhunt.analytics import load_analytics
from carhunt.cli.main import EXIT_OK, main
from carhunt.demo import build, capture_path, reference
from carhunt.demo.domain import ADDRESSES, DOMAIN_NAME
from carhunt.demo.expected import BACKGROUND_ANALYTICS, EXPECTED_HITS, NEAR_MISSES
from carhunt.pipeline import HuntOptions, HuntResult, hunt

# The 24 CAR analytics that the Sysmon 3.2 sensor of CAR supports.
ALL_ANALYTICS = (
    "CAR-2013-02-003", "CAR-2013-03-001", "CAR-2013-04-002", "CAR-2013-05-002",
    "CAR-2013-05-004", "CAR-2013-05-009", "CAR-2013-07-001", "CAR-2013-07-005",
    "CAR-2013-08-001", "CAR-2013-09-005", "CAR-2013-10-002", "CAR-2014-03-005",
    "CAR-2014-03-006", "CAR-2014-04-003", "CAR-2014-05-001", "CAR-2014-05-002",
    "CAR-2014-07-001", "CAR-2014-11-002", "CAR-2014-11-003", "CAR-2014-11-004",
    "CAR-2014-11-006", "CAR-2014-11-008", "CAR-2016-03-001", "CAR-2016-03-002",
)

# Sysmon 3.2 EventData fields in the order it writes them (no RuleName, no
# OriginalFileName, no version-resource fields).
SYSMON_3_2_FIELDS = {
    1: (
        "UtcTime", "ProcessGuid", "ProcessId", "Image", "CommandLine", "CurrentDirectory",
        "User", "LogonGuid", "LogonId", "TerminalSessionId", "IntegrityLevel", "Hashes",
        "ParentProcessGuid", "ParentProcessId", "ParentImage", "ParentCommandLine",
    ),
    3: (
        "UtcTime", "ProcessGuid", "ProcessId", "Image", "User", "Protocol", "Initiated",
        "SourceIsIpv6", "SourceIp", "SourceHostname", "SourcePort", "SourcePortName",
        "DestinationIsIpv6", "DestinationIp", "DestinationHostname", "DestinationPort",
        "DestinationPortName",
    ),
    4: ("UtcTime", "State"),
    5: ("UtcTime", "ProcessGuid", "ProcessId", "Image"),
    6: ("UtcTime", "ImageLoaded", "Hashes", "Signed", "Signature"),
    7: (
        "UtcTime", "ProcessGuid", "ProcessId", "Image", "ImageLoaded", "Hashes", "Signed",
        "Signature",
    ),
    8: (
        "UtcTime", "SourceProcessGuid", "SourceProcessId", "SourceImage", "TargetProcessGuid",
        "TargetProcessId", "TargetImage", "NewThreadId", "StartAddress", "StartModule",
        "StartFunction",
    ),
}
SYSTEM_KEYS = (
    "Provider", "EventID", "Version", "Level", "Task", "Opcode", "Keywords", "TimeCreated",
    "EventRecordID", "Correlation", "Execution", "Channel", "Computer", "Security",
)


def records() -> list[dict[str, Any]]:
    with capture_path().open(encoding="utf-8") as stream:
        return [json.loads(line)["Event"] for line in stream]


def hit_refs(result: HuntResult, analytic_id: str) -> list[list[str]]:
    """Return each hit's evidence refs, sorted, for one analytic."""
    (dataset,) = result.datasets
    (outcome,) = [item for item in dataset.results if item.analytic.id == analytic_id]
    assert outcome.error is None, outcome.error
    return sorted(sorted(e.ref for e in hit.evidence) for hit in outcome.hits)


def require_registered(analytic_id: str) -> None:
    if analytic_id not in load_analytics():
        pytest.skip(f"{analytic_id} is not registered in carhunt.analytics.library yet")


@pytest.fixture(scope="module")
def demo_result() -> HuntResult:
    return hunt([str(capture_path())], HuntOptions())


# The generated files --------------------------------------------------------------


def test_generator_reproduces_committed_files(tmp_path: Path) -> None:
    build.build(tmp_path)
    committed = Path(build.__file__).parent
    for name in (build.CAPTURE_NAME, build.EXPECTED_NAME):
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), name


def test_capture_is_packaged_and_small() -> None:
    path = capture_path()
    assert path.is_file()
    assert path.stat().st_size < 2_000_000


def test_expected_hits_cover_all_24_analytics() -> None:
    covered = {analytic_id for analytic_id, hits in EXPECTED_HITS.items() if hits}
    assert covered == set(ALL_ANALYTICS)


def test_reference_rules_are_the_24_analytics() -> None:
    assert reference.ANALYTIC_IDS == ALL_ANALYTICS


def test_every_analytic_has_a_near_miss_list() -> None:
    assert tuple(NEAR_MISSES) == ALL_ANALYTICS


# The capture's shape --------------------------------------------------------------


def test_capture_uses_sysmon_3_2_fields() -> None:
    for number, event in enumerate(records(), start=1):
        event_id = event["System"]["EventID"]
        assert tuple(event["EventData"]) == SYSMON_3_2_FIELDS[event_id], f"line {number}"


def test_capture_uses_pyevtx_rs_system_layout() -> None:
    for number, event in enumerate(records(), start=1):
        system = event["System"]
        assert tuple(system) == SYSTEM_KEYS, f"line {number}"
        assert system["Channel"] == "Microsoft-Windows-Sysmon/Operational"
        assert system["Provider"]["#attributes"]["Name"] == "Microsoft-Windows-Sysmon"


def test_record_ids_increase_per_host() -> None:
    last: dict[str, int] = {}
    for event in records():
        system = event["System"]
        computer = system["Computer"]
        assert system["EventRecordID"] == last.get(computer, system["EventRecordID"] - 1) + 1
        last[computer] = system["EventRecordID"]


def test_inbound_connections_use_legacy_layout() -> None:
    addresses = {f"{name}.{DOMAIN_NAME}": address for name, address in ADDRESSES.items()}
    inbound = [e for e in records() if e["System"]["EventID"] == 3]
    inbound = [e for e in inbound if e["EventData"]["Initiated"] is False]
    assert inbound
    for event in inbound:
        # Sysmon before version 10 puts the local listener in the Source fields.
        assert event["EventData"]["SourceIp"] == addresses[event["System"]["Computer"]]


def test_utc_times_have_milliseconds() -> None:
    for event in records():
        utc = event["EventData"]["UtcTime"]
        assert len(utc) == len("2016-03-04 09:14:05.412")
        assert utc[19] == "."


# The hunt over the demo -----------------------------------------------------------


def test_demo_reads_every_record(demo_result: HuntResult) -> None:
    events = records()
    counts = Counter(event["System"]["EventID"] for event in events)
    account = demo_result.account
    assert account.read == len(events)
    assert account.not_sysmon == 0
    assert dict(account.skipped) == {}
    assert account.normalized["unmapped_sysmon"] == counts[4]
    assert account.normalized["process_create"] == counts[1]
    assert account.normalized["flow_start"] == counts[3]
    assert account.failures == []


@pytest.mark.parametrize("analytic_id", ALL_ANALYTICS)
def test_demo_hits_equal_expected(demo_result: HuntResult, analytic_id: str) -> None:
    require_registered(analytic_id)
    expected = sorted(sorted(hit) for hit in EXPECTED_HITS[analytic_id])
    assert hit_refs(demo_result, analytic_id) == expected


@pytest.mark.parametrize("analytic_id", ALL_ANALYTICS)
def test_near_misses_do_not_hit(demo_result: HuntResult, analytic_id: str) -> None:
    require_registered(analytic_id)
    evidence = {ref for hit in hit_refs(demo_result, analytic_id) for ref in hit}
    assert sorted(evidence & set(NEAR_MISSES[analytic_id])) == []


def test_background_fires_only_situational_analytics(tmp_path: Path) -> None:
    path = tmp_path / "background.jsonl"
    path.write_text(build.capture_text(build.generate(with_intrusion=False)), encoding="utf-8")
    result = hunt([str(path)], HuntOptions())
    (dataset,) = result.datasets
    assert all(item.error is None for item in dataset.results)
    firing = {item.analytic.id for item in dataset.results if item.hits}
    registered = set(load_analytics().names())
    assert firing == set(BACKGROUND_ANALYTICS) & registered


def test_hunt_without_path_runs_the_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "hits.jsonl"
    code = main(["hunt", "--format", "jsonl", "-o", str(output)])
    captured = capsys.readouterr()
    registered = set(load_analytics().names())
    expected = sum(len(hits) for key, hits in EXPECTED_HITS.items() if key in registered)
    assert code == EXIT_OK
    assert len(output.read_text().splitlines()) == expected
    assert f"records: read {len(records()):,}," in captured.err


def first_real_record(path: Path, event_id: int) -> dict[str, Any]:
    """Return the first record with an event id that pyevtx-rs renders from an EVTX file."""
    parser = evtx.PyEvtxParser(str(path))
    for record in parser.records_json():
        event: dict[str, Any] = json.loads(record["data"])["Event"]
        if event["System"]["EventID"] == event_id:
            return event
    raise AssertionError(f"no event {event_id} in {path}")


def shape(value: Any) -> Any:
    """Return the JSON type of a value, and of every member of an object."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    return type(value).__name__


# Sysmon 6 logs: their events 1, 3 and 5 have the same EventData fields as Sysmon 3.2.
REAL_SAMPLES = (
    (("evtx", "samples", "sysmon.evtx"), 1),
    (("python-evtx", "tests", "data", "issue_43.evtx"), 3),
    (("python-evtx", "tests", "data", "issue_43.evtx"), 5),
)


@pytest.mark.corpus
@pytest.mark.parametrize(("parts", "event_id"), REAL_SAMPLES)
def test_capture_renders_like_pyevtx_rs(
    corpus: Path, parts: tuple[str, ...], event_id: int
) -> None:
    real = first_real_record(corpus.joinpath(*parts), event_id)
    demo = next(event for event in records() if event["System"]["EventID"] == event_id)
    assert list(demo) == list(real)
    assert shape(demo["System"]) == shape(real["System"])
    assert list(demo["EventData"]) == list(real["EventData"])
    assert shape(demo["EventData"]) == shape(real["EventData"])
