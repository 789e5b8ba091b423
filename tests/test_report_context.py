"""Report context from the real pipeline: evidence events, process trees, analytic coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

import report_scenario
from carhunt import coverage as cov
from carhunt.account import RunAccount
from carhunt.analytics import load_analytics
from carhunt.analytics.coverage import Readiness, analytic_coverage
from carhunt.context import DataSetContext
from carhunt.engines.duckdb import DuckDBEngine
from carhunt.hits import Hit
from carhunt.model import car
from carhunt.pipeline import HuntOptions, HuntResult, hunt, ingest
from carhunt.process_tree import MAX_CHILDREN
from carhunt.readers.inputs import iter_inputs
from carhunt.store.duckdb_store import Store
from sysmon import hunt_events, process, write_events

SYS32 = "C:\\Windows\\System32\\"


def _only_hit(result: HuntResult, analytic_id: str) -> tuple[Hit, DataSetContext]:
    dataset = result.datasets[0]
    hits = [h for item in dataset.results for h in item.hits if h.analytic_id == analytic_id]
    assert len(hits) == 1
    assert dataset.context is not None
    return hits[0], dataset.context


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> HuntResult:
    path = report_scenario.write(tmp_path_factory.mktemp("scenario") / "scenario.jsonl")
    return hunt([str(path)], HuntOptions(collect_context=True))


def test_context_absent_without_flag(tmp_path: Path) -> None:
    path = report_scenario.write(tmp_path / "scenario.jsonl")
    result = hunt([str(path)], HuntOptions())
    assert result.datasets[0].context is None


def test_evidence_events_in_full(scenario: HuntResult) -> None:
    hit, context = _only_hit(scenario, "CAR-2013-03-001")
    events = context.events_for(hit)
    assert [event.evidence.ref for event in events] == ["line:3", "line:4"]
    assert [event.table for event in events] == [car.PROCESS_CREATE, car.PROCESS_CREATE]
    assert set(events[0].row) == set(car.PROCESS_CREATE.column_names)
    assert events[0].row["command_line"] == report_scenario.HOSTILE
    assert events[1].row["exe"] == "reg.exe"
    assert events[1].row["current_directory"] is None


def test_remote_thread_evidence_row(scenario: HuntResult) -> None:
    hit, context = _only_hit(scenario, "CAR-2013-10-002")
    (event,) = context.events_for(hit)
    assert event.table is car.THREAD_REMOTE_CREATE
    assert event.row["start_function"] == "LoadLibraryA"
    assert event.row["tgt_pid"] == 6600


def test_tree_ancestors_by_guid(scenario: HuntResult) -> None:
    hit, context = _only_hit(scenario, "CAR-2013-03-001")
    (tree,) = context.trees_for(hit)
    assert tree.process.image_path == SYS32 + "reg.exe"
    assert [node.pid for node in tree.ancestors] == [1100, 1200, 2400, 3300]
    assert tree.truncated is False


def test_tree_missing_parent_is_stub(scenario: HuntResult) -> None:
    hit, context = _only_hit(scenario, "CAR-2013-03-001")
    (tree,) = context.trees_for(hit)
    oldest = tree.ancestors[0]
    assert oldest.event_ref is None
    assert oldest.image_path == SYS32 + "userinit.exe"
    assert tree.ancestors[1].event_ref == "1/line:1"


def test_tree_children(scenario: HuntResult) -> None:
    hit, context = _only_hit(scenario, "CAR-2013-02-003")
    (tree,) = context.trees_for(hit)
    names = [node.image_path for node in tree.children]
    assert names == [SYS32 + "reg.exe", SYS32 + "notepad.exe"]
    assert tree.children_total == 2


def test_remote_thread_target_shown_once(scenario: HuntResult) -> None:
    hit, context = _only_hit(scenario, "CAR-2013-10-002")
    trees = context.trees_for(hit)
    assert [tree.process.image_path for tree in trees] == [SYS32 + "cmd.exe"]
    assert SYS32 + "notepad.exe" in [node.image_path for node in trees[0].children]


def test_tree_other_host_not_mixed(scenario: HuntResult) -> None:
    hit, context = _only_hit(scenario, "CAR-2016-03-001")
    (tree,) = context.trees_for(hit)
    assert tree.process.hostname == "DC01"
    assert [(node.event_ref, node.pid) for node in tree.ancestors] == [(None, 5400)]


def test_tree_pid_fallback_picks_latest_start(tmp_path: Path) -> None:
    # Two cmd.exe with pid 700 and no GUIDs: reg.exe belongs to the later one.
    events = [
        process(1, SYS32 + "cmd.exe", SYS32 + "services.exe", "cmd /c first", pid=700,
                time="2024-01-01 08:00:00.000", ProcessGuid="", ParentProcessGuid=""),
        process(2, SYS32 + "cmd.exe", SYS32 + "svchost.exe", "cmd /c second", pid=700,
                time="2024-01-01 09:00:00.000", ProcessGuid="", ParentProcessGuid=""),
        process(3, SYS32 + "reg.exe", SYS32 + "cmd.exe", "reg query x", pid=710, ppid=700,
                time="2024-01-01 09:00:01.000", ProcessGuid="", ParentProcessGuid=""),
    ]
    result = hunt_events(tmp_path, events, collect_context=True,
                         analytic_ids=("CAR-2013-03-001",))
    hit, context = _only_hit(result, "CAR-2013-03-001")
    (tree,) = context.trees_for(hit)
    assert tree.ancestors[-1].command_line == "cmd /c second"
    assert tree.ancestors[-1].event_ref == "1/line:2"


def test_tree_guid_mismatch_is_not_pid_matched(tmp_path: Path) -> None:
    # The parent GUID names a process that is not in the data. An older process with
    # the same pid but another GUID must not be taken for it.
    events = [
        process(1, SYS32 + "svchost.exe", SYS32 + "services.exe", pid=800,
                time="2024-01-01 08:00:00.000"),
        process(2, SYS32 + "cmd.exe", SYS32 + "wininit.exe", "cmd /c x", pid=810, ppid=800,
                time="2024-01-01 09:00:00.000",
                ParentProcessGuid="{11111111-2222-3333-4444-999999999999}"),
    ]
    result = hunt_events(tmp_path, events, collect_context=True,
                         analytic_ids=("CAR-2013-02-003",))
    hit, context = _only_hit(result, "CAR-2013-02-003")
    (tree,) = context.trees_for(hit)
    assert [node.event_ref for node in tree.ancestors] == [None]
    assert tree.ancestors[0].image_path == SYS32 + "wininit.exe"


def test_tree_children_capped(tmp_path: Path) -> None:
    shell = process(1, SYS32 + "cmd.exe", SYS32 + "services.exe", "cmd /c loop", pid=900,
                    time="2024-01-01 08:00:00.000")
    children = [
        process(2 + n, SYS32 + "ping.exe", SYS32 + "cmd.exe", f"ping -n 1 host{n}",
                pid=1000 + n, ppid=900, time=f"2024-01-01 08:{n // 60:02d}:{n % 60:02d}.500",
                ParentProcessGuid="{11111111-2222-3333-4444-000000000001}")
        for n in range(MAX_CHILDREN + 5)
    ]
    result = hunt_events(tmp_path, [shell, *children], collect_context=True,
                         analytic_ids=("CAR-2013-02-003",))
    hit, context = _only_hit(result, "CAR-2013-02-003")
    (tree,) = context.trees_for(hit)
    assert len(tree.children) == MAX_CHILDREN
    assert tree.children_total == MAX_CHILDREN + 5
    assert tree.children[0].command_line == "ping -n 1 host0"


def test_analytic_coverage_statuses(scenario: HuntResult) -> None:
    dataset = scenario.datasets[0]
    assert dataset.context is not None
    coverage = dataset.context.analytic_coverage(dataset.results)
    status = {item.analytic_id: item.status for item in coverage}
    assert status["CAR-2013-10-002"] == cov.FULL
    assert status["CAR-2013-02-003"] == cov.FULL


def test_analytic_coverage_none_and_partial(tmp_path: Path) -> None:
    # No remote threads at all, and process events without parent GUIDs.
    events = [
        process(1, SYS32 + "cmd.exe", SYS32 + "services.exe", pid=900, ParentProcessGuid=""),
    ]
    result = hunt_events(tmp_path, events, collect_context=True)
    dataset = result.datasets[0]
    assert dataset.context is not None
    by_id = {c.analytic_id: c for c in dataset.context.analytic_coverage(dataset.results)}
    assert by_id["CAR-2013-10-002"].status == cov.NONE
    assert by_id["CAR-2013-10-002"].empty_tables == ("thread_remote_create",)
    assert by_id["CAR-2013-03-001"].status == cov.PARTIAL
    assert by_id["CAR-2013-03-001"].empty_fields == ("process_create.parent_process_guid",)


def test_host_spans(scenario: HuntResult) -> None:
    context = scenario.datasets[0].context
    assert context is not None
    assert [(h.hostname, h.records) for h in context.hosts] == [("DC01", 1), ("WS01", 7)]
    assert str(context.hosts[1].first) == "2024-03-05 08:00:00"
    assert str(context.hosts[1].last) == "2024-03-05 09:15:30"


def test_report_coverage_matches_analytics_command(tmp_path: Path) -> None:
    # Process events only: analytics that read flows only for context stay partial.
    events = [
        process(1, SYS32 + "cmd.exe", SYS32 + "services.exe", pid=900, ParentProcessGuid=""),
    ]
    path = write_events(tmp_path / "events.jsonl", events)
    store = Store()
    try:
        ingest(store, iter_inputs([str(path)], RunAccount()), RunAccount(), HuntOptions())
        rows, filled = cov.field_counts(store)
        command = analytic_coverage(load_analytics(), engine=DuckDBEngine(store))
    finally:
        store.close()
    names = {Readiness.READY: cov.FULL, Readiness.PARTIAL: cov.PARTIAL,
             Readiness.NO_EVENTS: cov.NONE}
    assert command
    for item in command:
        report = cov.analytic_coverage(item.analytic, rows, filled)
        assert item.readiness is not None
        assert report.status == names[item.readiness], item.analytic.id
        assert report.empty_tables == item.missing_tables, item.analytic.id
