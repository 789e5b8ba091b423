"""ECS documents checked against the ECS field reference.

The reference is tests/data/ecs_fields.json: every field of ECS 9.4.0 with its
type, array flag and allowed values, reduced from ``EcsFlat`` in the npm
package @elastic/ecs 9.4.0 (Elastic's generated TypeScript of ecs_flat.yml from
the elastic/ecs repository, Apache-2.0). No PyPI package ships the field list.
"""

from __future__ import annotations

import datetime as dt
import io
import ipaddress
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import report_scenario
from carhunt.context import EvidenceEvent
from carhunt.hits import Evidence
from carhunt.model import car
from carhunt.pipeline import HuntOptions, HuntResult, hunt
from carhunt.report.ecs import ECS_VERSION, EcsFormat, event_fields

REFERENCE = json.loads(
    (Path(__file__).parent / "data" / "ecs_fields.json").read_text(encoding="utf-8")
)
FIELDS: dict[str, dict[str, Any]] = REFERENCE["fields"]
TEXT_TYPES = {"keyword", "wildcard", "text", "match_only_text", "constant_keyword"}


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield (dotted name, leaf value) pairs; a list is a leaf."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}{key}.")
    else:
        yield prefix[:-1], value


def _object_parent(name: str) -> str | None:
    """Return the ECS object field a custom key sits under (labels.x -> labels), if any."""
    parent = name.rsplit(".", 1)[0] if "." in name else None
    if parent is not None and FIELDS.get(parent, {}).get("type") == "object":
        return parent
    return None


def _check_value(name: str, value: Any) -> None:
    spec = FIELDS[name]
    values = value if isinstance(value, list) else [value]
    if isinstance(value, list):
        assert spec.get("array"), f"{name} is not an array field in ECS"
    for item in values:
        kind = spec["type"]
        if kind in TEXT_TYPES:
            assert isinstance(item, str), name
        elif kind == "long":
            assert isinstance(item, int) and not isinstance(item, bool), name
        elif kind == "date":
            assert item.endswith("Z"), name
            dt.datetime.fromisoformat(item)
        elif kind == "ip":
            ipaddress.ip_address(item)
        elif kind == "boolean":
            assert isinstance(item, bool), name
        else:
            pytest.fail(f"{name}: no check for ECS type {kind}")


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    path = report_scenario.write(tmp_path_factory.mktemp("ecs") / "scenario.jsonl")
    result: HuntResult = hunt(
        [str(path)], HuntOptions(collect_context=True, analytic_ids=report_scenario.ANALYTICS)
    )
    stream = io.StringIO()
    EcsFormat().write(result, stream)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_reference_version_matches() -> None:
    assert REFERENCE["ecs_version"] == ECS_VERSION


def test_one_document_per_hit(documents: list[dict[str, Any]]) -> None:
    assert [doc["rule"]["id"] for doc in documents] == [
        "CAR-2013-02-003", "CAR-2013-03-001", "CAR-2013-10-002", "CAR-2016-03-001",
    ]


def test_every_field_is_ecs(documents: list[dict[str, Any]]) -> None:
    for doc in documents:
        for name, value in flatten(doc):
            if name in FIELDS:
                _check_value(name, value)
                continue
            parent = _object_parent(name)
            assert parent == "labels", f"{name} is not an ECS field"
            assert isinstance(value, str), f"{name}: labels values are keywords"


def test_categorization_values_allowed(documents: list[dict[str, Any]]) -> None:
    allowed_kinds = FIELDS["event.kind"]["allowed"]
    categories = FIELDS["event.category"]["allowed"]
    for doc in documents:
        event = doc["event"]
        assert event["kind"] in allowed_kinds
        for category in event["category"]:
            assert category in categories
            for kind in event["type"]:
                assert kind in categories[category], f"{category}/{kind}"


def test_required_ecs_fields(documents: list[dict[str, Any]]) -> None:
    for doc in documents:
        assert doc["ecs"]["version"] == ECS_VERSION
        assert doc["@timestamp"].endswith("Z")


def test_threat_lists_pair_up(documents: list[dict[str, Any]]) -> None:
    for doc in documents:
        technique = doc["threat"]["technique"]
        assert len(technique["id"]) == len(technique["name"]) == len(technique["reference"])
        tactic = doc["threat"]["tactic"]
        assert len(tactic["id"]) == len(tactic["name"]) == len(tactic["reference"])


def test_hostile_command_line_kept_exactly(documents: list[dict[str, Any]]) -> None:
    assert documents[0]["process"]["command_line"] == report_scenario.HOSTILE


def test_remote_thread_source_is_process(documents: list[dict[str, Any]]) -> None:
    thread = documents[2]
    assert thread["process"]["pid"] == 3300
    assert thread["event"]["category"] == ["process"]
    assert thread["event"]["type"] == ["access"]
    assert thread["labels"]["tgt_pid"] == "6600"


def _event_ids(path: Path) -> list[str]:
    options = HuntOptions(collect_context=True, analytic_ids=report_scenario.ANALYTICS)
    result = hunt([str(path)], options)
    stream = io.StringIO()
    EcsFormat().write(result, stream)
    return [json.loads(line)["event"]["id"] for line in stream.getvalue().splitlines()]


def test_event_id_stable_and_unique(tmp_path: Path) -> None:
    path = report_scenario.write(tmp_path / "scenario.jsonl")
    first = _event_ids(path)
    assert _event_ids(path) == first
    assert len(set(first)) == 4


def _sample_row(table: car.ObjectAction) -> dict[str, Any]:
    samples = {
        car.FieldType.TEXT: "x",
        car.FieldType.INT: 7,
        car.FieldType.TIMESTAMP: dt.datetime(2024, 1, 1, 0, 0, 0),
        car.FieldType.BOOL: True,
    }
    row: dict[str, Any] = {column.name: samples[column.type] for column in table.columns}
    for name in ("src_ip", "dest_ip"):
        if name in row:
            row[name] = "192.0.2.1"
    if "direction" in row:
        row["direction"] = "outbound"
    return row


@pytest.mark.parametrize("table", car.OBJECT_ACTIONS, ids=lambda t: t.key)
def test_event_fields_of_every_table_are_ecs(table: car.ObjectAction) -> None:
    event = EvidenceEvent(Evidence("f", "line:1"), "1/line:1", table, _sample_row(table))
    document = json.loads(json.dumps(event_fields(event), default=lambda v: v.isoformat() + "Z"))
    names = [name for name, value in flatten(document) if value is not None]
    assert names
    for name in names:
        assert name in FIELDS, f"{table.key}: {name} is not an ECS field"
