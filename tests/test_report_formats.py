"""Output formats: the registry, golden CSV / JSON lines / ECS files, CSV escaping."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

import report_scenario
from carhunt.account import RunAccount
from carhunt.analytics import load_analytics
from carhunt.analytics.base import Reading
from carhunt.analytics.runner import AnalyticResult
from carhunt.cli.main import EXIT_OK, main
from carhunt.pipeline import DataSetResult, HuntOptions, HuntResult, hunt
from carhunt.report import FORMATS
from carhunt.report.csv import safe_cell

GOLDEN = Path(__file__).parent / "golden" / "report"
# Set CARHUNT_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate change.
UPDATE = os.environ.get("CARHUNT_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> HuntResult:
    folder = tmp_path_factory.mktemp("formats")
    report_scenario.write(folder / "scenario.jsonl")
    cwd = Path.cwd()
    # A relative input path keeps the evidence paths in the golden files stable.
    os.chdir(folder)
    try:
        options = HuntOptions(collect_context=True, analytic_ids=report_scenario.ANALYTICS)
        return hunt(["scenario.jsonl"], options)
    finally:
        os.chdir(cwd)


def _render(name: str, result: HuntResult) -> str:
    stream = io.StringIO()
    FORMATS.get(name)().write(result, stream)
    return stream.getvalue()


def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_registry_lists_every_format() -> None:
    assert FORMATS.names() == [
        "table", "jsonl", "csv", "ecs", "html", "navigator", "navigator-coverage",
    ]


@pytest.mark.parametrize("name", ["table", "jsonl", "csv", "ecs", "html", "navigator",
                                  "navigator-coverage"])
def test_every_format_renders_empty_result(name: str) -> None:
    empty = HuntResult([], RunAccount())
    stream = io.StringIO()
    FORMATS.get(name)().write(empty, stream)
    assert isinstance(stream.getvalue(), str)


@pytest.mark.parametrize("name", ["table", "jsonl", "csv", "ecs", "html", "navigator",
                                  "navigator-coverage"])
def test_every_format_has_description(name: str) -> None:
    assert FORMATS.get(name).description


def test_jsonl_golden(scenario: HuntResult) -> None:
    _check_golden("hits.jsonl", _render("jsonl", scenario))


def test_csv_golden(scenario: HuntResult) -> None:
    _check_golden("hits.csv", _render("csv", scenario))


def test_ecs_golden(scenario: HuntResult) -> None:
    _check_golden("hits.ecs.jsonl", _render("ecs", scenario))


def test_csv_hostile_cell_escaped(scenario: HuntResult) -> None:
    rows = list(csv.DictReader(io.StringIO(_render("csv", scenario))))
    cmd = next(row for row in rows if row["analytic"] == "CAR-2013-02-003")
    assert cmd["command_line"] == (
        'cmd.exe /c "<script>window.__carhunt_pwned=1</script>'
        '<img src=x onerror=window.__carhunt_pwned=2>" & echo \\u202etxt.exe \\x1b[31m'
    )


def test_csv_one_line_per_hit(scenario: HuntResult) -> None:
    lines = _render("csv", scenario).splitlines()
    assert len(lines) == 1 + scenario.hit_count


@pytest.mark.parametrize(("value", "expected"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("  =1+1", "'  =1+1"),
    ("\t=1", "\\x09=1"),
    ("\r=1", "\\x0d=1"),
    ("a\nb", "a\\x0ab"),
    ("evil\u202eexe.txt", "evil\\u202eexe.txt"),
    ("\u2066x\u2069", "\\u2066x\\u2069"),
    ("C:\\Windows\\cmd.exe", "C:\\Windows\\cmd.exe"),
    ("Ünïcödé", "Ünïcödé"),
    (-5, -5),
    (3.5, 3.5),
    (None, ""),
    (True, "true"),
    (["=a", "b"], "'=a; b"),
])
def test_csv_safe_cell(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_cli_writes_report_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = report_scenario.write(tmp_path / "scenario.jsonl")
    html = tmp_path / "report.html"
    layer = tmp_path / "layer.json"
    coverage = tmp_path / "coverage.json"
    code = main([
        "hunt", str(log), "--format", "csv", "--html", str(html),
        "--navigator", str(layer), "--navigator-coverage", str(coverage),
    ])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert out.startswith("dataset,analytic,title,")
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert json.loads(layer.read_text(encoding="utf-8"))["name"] == "carhunt hits"
    assert json.loads(coverage.read_text(encoding="utf-8"))["name"] == (
        "carhunt analytic coverage"
    )


def test_cli_unwritable_report_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = report_scenario.write(tmp_path / "scenario.jsonl")
    code = main(["hunt", str(log), "--format", "jsonl",
                 "--html", str(tmp_path / "missing" / "report.html")])
    err = capsys.readouterr().err
    assert code == 1
    assert "report.html" in err
    assert "No such file or directory" in err


def test_table_error_escaped() -> None:
    analytic = load_analytics().get("CAR-2013-02-003")
    failed = AnalyticResult(analytic, Reading.RECOMMENDED, error="bad \x1b[31m [bold]x[/bold]")
    result = HuntResult([DataSetResult("data", [failed])], RunAccount())
    out = _render("table", result)
    assert "CAR-2013-02-003 failed: bad \\x1b[31m [bold]x[/bold]" in out
    assert "\x1b" not in out


def test_per_file_data_sets(tmp_path: Path) -> None:
    first = report_scenario.write(tmp_path / "first.jsonl")
    second = report_scenario.write(tmp_path / "second.jsonl")
    options = HuntOptions(per_file=True, collect_context=True,
                          analytic_ids=report_scenario.ANALYTICS)
    result = hunt([str(first), str(second)], options)
    documents = [json.loads(line) for line in _render("ecs", result).splitlines()]
    assert [doc["labels"]["dataset"] for doc in documents] == [str(first)] * 4 + [str(second)] * 4
    rows = list(csv.DictReader(io.StringIO(_render("csv", result))))
    assert [row["dataset"] for row in rows] == [str(first)] * 4 + [str(second)] * 4
    layer = json.loads(_render("navigator", result))
    scores = {item["techniqueID"]: item["score"] for item in layer["techniques"]}
    assert scores["T1059.003"] == 2
    page = _render("html", result)
    assert page.count('<details class="hit"') == 8
    assert page.count("<p>Data set: ") == 8
