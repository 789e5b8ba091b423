"""ATT&CK Navigator layers, validated against the layer file format version 4.5.

The checks below restate the property tables of the format definition
(mitre-attack/attack-navigator, layers/spec/v4.5/layerformat.md): required
properties, their types and the allowed values of the enumerations.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

import report_scenario
from carhunt.pipeline import HuntOptions, HuntResult, hunt
from carhunt.report.navigator import NavigatorCoverageFormat, NavigatorFormat
from sysmon import hunt_events, process

DOMAINS = {"enterprise-attack", "mobile-attack", "ics-attack"}
TECHNIQUE_ID = re.compile(r"^T\d{4}(\.\d{3})?$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
WINDOWS_PLATFORMS = {
    "PRE", "Windows", "Linux", "macOS", "Network", "AWS", "GCP", "Azure", "Azure AD",
    "Office 365", "SaaS",
}


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _metadata_problems(items: Any, where: str) -> list[str]:
    problems = []
    if not isinstance(items, list):
        return [f"{where}: metadata must be a list"]
    for item in items:
        if item.get("divider") is True:
            continue
        if not isinstance(item.get("name"), str) or not isinstance(item.get("value"), str):
            problems.append(f"{where}: metadata needs string name and value: {item}")
    return problems


def _technique_problems(technique: dict[str, Any]) -> list[str]:
    problems = []
    where = f"technique {technique.get('techniqueID')}"
    if not isinstance(technique.get("techniqueID"), str):
        problems.append("technique without techniqueID")
    elif not TECHNIQUE_ID.match(technique["techniqueID"]):
        problems.append(f"{where}: techniqueID must look like T#### or T####.###")
    if "score" in technique and not isinstance(technique["score"], int | float):
        problems.append(f"{where}: score must be a number")
    for name in ("comment", "tactic", "color"):
        if name in technique and not isinstance(technique[name], str):
            problems.append(f"{where}: {name} must be a string")
    for name in ("enabled", "showSubtechniques"):
        if name in technique and not isinstance(technique[name], bool):
            problems.append(f"{where}: {name} must be a boolean")
    if "metadata" in technique:
        problems += _metadata_problems(technique["metadata"], where)
    return problems


def _gradient_problems(gradient: dict[str, Any]) -> list[str]:
    problems = []
    colors = gradient.get("colors")
    if not isinstance(colors, list) or len(colors) < 2:
        problems.append("gradient needs at least two colors")
    elif not all(isinstance(c, str) and COLOR.match(c) for c in colors):
        problems.append("gradient colors must be #rrggbb")
    low, high = gradient.get("minValue"), gradient.get("maxValue")
    if not isinstance(low, int | float) or not isinstance(high, int | float):
        problems.append("gradient needs numeric minValue and maxValue")
    elif high <= low:
        problems.append("gradient maxValue must be greater than minValue")
    return problems


def layer_problems(layer: dict[str, Any]) -> list[str]:
    """Return every way a layer breaks the 4.5 format; empty when it is valid."""
    problems = []
    if not isinstance(layer.get("name"), str):
        problems.append("name (string) is required")
    if layer.get("domain") not in DOMAINS:
        problems.append(f"domain must be one of {sorted(DOMAINS)}")

    versions = layer.get("versions", {})
    if versions.get("layer") != "4.5":
        problems.append('versions.layer must be "4.5"')
    navigator = versions.get("navigator")
    if not isinstance(navigator, str) or _version_tuple(navigator) < (4, 9, 0):
        problems.append('versions.navigator must be at least "4.9.0"')
    if "attack" in versions and not isinstance(versions["attack"], str):
        problems.append("versions.attack must be a string")

    if layer.get("sorting", 0) not in (0, 1, 2, 3):
        problems.append("sorting must be 0, 1, 2 or 3")
    platforms = layer.get("filters", {}).get("platforms", [])
    if not set(platforms) <= WINDOWS_PLATFORMS:
        problems.append(f"unknown platforms {set(platforms) - WINDOWS_PLATFORMS}")
    layout = layer.get("layout", {})
    if layout.get("layout", "side") not in ("side", "flat", "mini"):
        problems.append("layout.layout must be side, flat or mini")
    if layout.get("expandedSubtechniques", "none") not in ("none", "all", "annotated"):
        problems.append("layout.expandedSubtechniques must be none, all or annotated")

    for technique in layer.get("techniques", []):
        problems += _technique_problems(technique)
    if "gradient" in layer:
        problems += _gradient_problems(layer["gradient"])
    for item in layer.get("legendItems", []):
        if not isinstance(item.get("label"), str) or not isinstance(item.get("color"), str):
            problems.append("legend items need label and color")
    if "metadata" in layer:
        problems += _metadata_problems(layer["metadata"], "layer")
    return problems


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> HuntResult:
    path = report_scenario.write(tmp_path_factory.mktemp("layers") / "scenario.jsonl")
    return hunt(
        [str(path)], HuntOptions(collect_context=True, analytic_ids=report_scenario.ANALYTICS)
    )


def _layer(format_class: type[NavigatorFormat | NavigatorCoverageFormat],
           result: HuntResult) -> dict[str, Any]:
    stream = io.StringIO()
    format_class().write(result, stream)
    value: dict[str, Any] = json.loads(stream.getvalue())
    return value


def test_validator_rejects_missing_required() -> None:
    problems = layer_problems({"versions": {"layer": "4.4", "navigator": "4.8.0"},
                               "techniques": [{"score": 1}]})
    assert "name (string) is required" in problems
    assert 'versions.layer must be "4.5"' in problems
    assert 'versions.navigator must be at least "4.9.0"' in problems
    assert "technique without techniqueID" in problems
    assert any(problem.startswith("domain must be") for problem in problems)


def test_hits_layer_valid(scenario: HuntResult) -> None:
    assert layer_problems(_layer(NavigatorFormat, scenario)) == []


def test_hits_layer_scores(scenario: HuntResult) -> None:
    layer = _layer(NavigatorFormat, scenario)
    scores = {t["techniqueID"]: t["score"] for t in layer["techniques"]}
    assert scores["T1059.003"] == 1
    assert scores["T1055.001"] == 1
    assert scores["T1087.001"] == 1
    assert "T1059.001" not in scores
    assert len(scores) == 16


def test_hits_layer_score_sums_analytics(tmp_path: Path) -> None:
    # Two cmd.exe starts, each a hit of two analytics of T1059.003: it scores 4.
    sys32 = "C:\\Windows\\System32\\"
    events = [
        process(1, sys32 + "cmd.exe", sys32 + "services.exe", pid=10),
        process(2, sys32 + "cmd.exe", sys32 + "services.exe", pid=11),
    ]
    result = hunt_events(tmp_path, events, analytic_ids=("CAR-2013-02-003", "CAR-2014-11-002"))
    layer = _layer(NavigatorFormat, result)
    assert layer["techniques"] == [{
        "techniqueID": "T1059.003",
        "score": 4,
        "comment": "CAR-2013-02-003 Processes Spawning cmd.exe: 2 hits\n"
                   "CAR-2014-11-002 Outlier Parents of Cmd: 2 hits",
        "enabled": True,
    }]
    assert layer["gradient"]["maxValue"] == 4


def test_hits_layer_without_hits_valid(tmp_path: Path) -> None:
    result = hunt_events(tmp_path, [process(1, "C:\\Windows\\notepad.exe")])
    layer = _layer(NavigatorFormat, result)
    assert layer["techniques"] == []
    assert layer_problems(layer) == []


def test_coverage_layer_valid(scenario: HuntResult) -> None:
    assert layer_problems(_layer(NavigatorCoverageFormat, scenario)) == []


def test_coverage_layer_counts_full_analytics(tmp_path: Path) -> None:
    # One process event without a parent GUID: the remote-thread analytic cannot run and
    # the GUID-joining analytics are partial, so only the other three count.
    result = hunt_events(tmp_path, [process(1, "C:\\Windows\\notepad.exe")],
                         collect_context=True, analytic_ids=report_scenario.ANALYTICS)
    layer = _layer(NavigatorCoverageFormat, result)
    scores = {t["techniqueID"]: t["score"] for t in layer["techniques"]}
    assert "T1055.001" not in scores
    assert scores["T1059.003"] == 1
    assert scores["T1087.001"] == 1
    assert "T1012" not in scores
    metadata = {item["name"]: item["value"] for item in layer["metadata"]}
    assert metadata["CAR-2013-10-002 (none)"] == "no records in thread_remote_create"
    assert metadata["CAR-2013-04-002 (partial)"] == (
        "never filled: process_create.parent_process_guid"
    )


def test_coverage_layer_scenario_scores(scenario: HuntResult) -> None:
    layer = _layer(NavigatorCoverageFormat, scenario)
    scores = {t["techniqueID"]: t["score"] for t in layer["techniques"]}
    assert scores["T1055.001"] == 1
    assert scores["T1059.001"] == 1
