"""The HTML report: self-contained, escaped, and shown right by a real headless Chromium."""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import report_scenario
from carhunt.demo import capture_path
from carhunt.pipeline import HuntOptions, HuntResult, hunt
from carhunt.report import html as html_report
from sysmon import hunt_events, process

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Set CARHUNT_SCREENSHOT_DIR to keep the browser test's screenshot for a look.
SCREENSHOT_DIR = os.environ.get("CARHUNT_SCREENSHOT_DIR")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[HuntResult, Path]:
    folder = tmp_path_factory.mktemp("html")
    hostile = report_scenario.write(folder / "scenario.jsonl")
    result = hunt([str(hostile)], HuntOptions(collect_context=True))
    page = folder / "report.html"
    page.write_text(html_report.render(result), encoding="utf-8")
    return result, page


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[HuntResult, Path]:
    """Return the report of the demo capture with the hostile scenario as a second input."""
    folder = tmp_path_factory.mktemp("demo-html")
    hostile = report_scenario.write(folder / "hostile.jsonl")
    result = hunt([str(capture_path()), str(hostile)], HuntOptions(collect_context=True))
    page = folder / "demo-report.html"
    page.write_text(html_report.render(result), encoding="utf-8")
    return result, page


def _page(report: tuple[HuntResult, Path]) -> str:
    return report[1].read_text(encoding="utf-8")


def _policy(page: str) -> str:
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert match is not None
    return html.unescape(match.group(1))


def test_policy_forbids_scripts_and_loads(report: tuple[HuntResult, Path]) -> None:
    policy = _policy(_page(report))
    assert "default-src 'none'" in policy
    assert "script-src 'none'" in policy
    assert "unsafe-inline" not in policy


def test_policy_hash_matches_stylesheet(report: tuple[HuntResult, Path]) -> None:
    page = _page(report)
    css = re.search(r"<style>(.*?)</style>", page, re.DOTALL)
    assert css is not None
    digest = base64.b64encode(hashlib.sha256(css.group(1).encode("utf-8")).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in _policy(page)


def test_page_has_no_script_or_external_load(report: tuple[HuntResult, Path]) -> None:
    page = _page(report).lower()
    assert "<script" not in page
    assert "<img" not in page
    assert "<link" not in page
    assert "<iframe" not in page
    assert " style=" not in page
    assert "url(" not in page
    assert "@import" not in page
    assert re.findall(r'\bsrc="', page) == []


def test_hostile_command_line_escaped(report: tuple[HuntResult, Path]) -> None:
    page = _page(report)
    assert "&lt;script&gt;window.__carhunt_pwned=1&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=window.__carhunt_pwned=2&gt;" in page
    assert '<span class="ctl">\\u202e</span>' in page
    assert '<span class="ctl">\\x1b</span>' in page
    assert "\u202e" not in page
    assert "\x1b" not in page


def test_sections_present(report: tuple[HuntResult, Path]) -> None:
    page = _page(report)
    for section in ("summary", "timeline", "hits", "coverage", "account"):
        assert f'<section id="{section}">' in page


def test_input_account_shown(report: tuple[HuntResult, Path]) -> None:
    page = _page(report)
    assert "read 8, normalized 8, not Sysmon 0, skipped 0" in page
    assert "None: every input was read." in page


def test_unreadable_input_listed(tmp_path: Path) -> None:
    log = report_scenario.write(tmp_path / "scenario.jsonl")
    missing = tmp_path / "gone<b>.evtx"
    result = hunt([str(missing), str(log)], HuntOptions(collect_context=True))
    page = html_report.render(result)
    assert "gone&lt;b&gt;.evtx" in page
    assert "not found" in page


def test_report_without_context(tmp_path: Path) -> None:
    result = hunt_events(tmp_path, report_scenario.events())
    page = html_report.render(result)
    assert "Coverage was not collected for this report." in page
    assert "Evidence events were not collected for this report." in page


def test_detail_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_report, "MAX_DETAILED_HITS", 1)
    sys32 = "C:\\Windows\\System32\\"
    events = [process(n, sys32 + "cmd.exe", sys32 + "services.exe", pid=n) for n in (1, 2, 3)]
    result = hunt_events(tmp_path, events, collect_context=True,
                         analytic_ids=("CAR-2013-02-003",))
    page = html_report.render(result)
    assert page.count('<details class="hit"') == 1
    assert page.count('<p class="hit-row"') == 2
    assert "Hits past the first 1 of an analytic" in page


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    if not CHROMIUM.is_file() or not CHROMEDRIVER.is_file():
        pytest.skip(
            "Chromium not found at /usr/bin/chromium with /usr/bin/chromedriver "
            "(apt-get install chromium chromium-driver)"
        )
    from selenium.webdriver.chrome.service import Service

    profile = Path(os.environ.get("TMPDIR", "/tmp")) / f"carhunt-chromium-{os.getpid()}"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        f"--user-data-dir={profile}", "--window-size=1280,1600",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_demo_report_lists_every_hit(demo_report: tuple[HuntResult, Path]) -> None:
    result, page = demo_report
    text = page.read_text(encoding="utf-8")
    assert result.hit_count > 50
    assert text.count('id="hit-') == result.hit_count
    assert "&lt;script&gt;window.__carhunt_pwned=1&lt;/script&gt;" in text


def test_browser_shows_report(
    browser: object, demo_report: tuple[HuntResult, Path], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    browser.get(demo_report[1].as_uri())
    shot = tmp_path / "demo-report.png"
    detail = tmp_path / "demo-report-hit-1.png"
    assert browser.save_screenshot(str(shot))
    assert browser.find_element(By.ID, "hit-1").screenshot(str(detail))
    if SCREENSHOT_DIR:
        shutil.copy(shot, Path(SCREENSHOT_DIR) / shot.name)
        shutil.copy(detail, Path(SCREENSHOT_DIR) / detail.name)

    assert shot.stat().st_size > 10_000
    assert detail.stat().st_size > 10_000
    assert browser.find_element(By.CSS_SELECTOR, "#summary table.by-analytic").is_displayed()
    assert browser.find_element(By.CSS_SELECTOR, "#hit-1 ul.tree li.focus").is_displayed()
    assert browser.find_element(By.CSS_SELECTOR, "#hit-1 table.evidence").is_displayed()
    header = browser.find_element(By.TAG_NAME, "header")
    # The header colour comes from the inline stylesheet, so the policy let it apply.
    assert header.value_of_css_property("background-color") == "rgba(29, 36, 51, 1)"


def test_browser_hostile_text_never_runs(
    browser: object, demo_report: tuple[HuntResult, Path]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    browser.get(demo_report[1].as_uri())
    hostile = browser.find_element(
        By.XPATH, "//details[summary[contains(., 'window.__carhunt_pwned=1')]]"
    )
    summary = hostile.find_element(By.TAG_NAME, "summary")
    browser.execute_script("arguments[0].scrollIntoView()", summary)
    assert summary.is_displayed()
    assert "<script>window.__carhunt_pwned=1</script>" in summary.text
    summary.click()
    cell = hostile.find_element(By.XPATH, ".//td[contains(., 'onerror=window.__carhunt_pwned')]")
    assert cell.is_displayed()
    assert "<img src=x onerror=window.__carhunt_pwned=2>" in cell.text
    assert "\\u202e" in cell.text
    assert browser.find_elements(By.TAG_NAME, "script") == []
    assert browser.find_elements(By.TAG_NAME, "img") == []
    assert browser.execute_script("return typeof window.__carhunt_pwned") == "undefined"


def test_browser_closed_hit_opens(
    browser: object, demo_report: tuple[HuntResult, Path]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    browser.get(demo_report[1].as_uri())
    tree = browser.find_element(By.CSS_SELECTOR, "#hit-2 ul.tree")
    assert not tree.is_displayed()
    summary = browser.find_element(By.CSS_SELECTOR, "#hit-2 > summary")
    browser.execute_script("arguments[0].scrollIntoView()", summary)
    summary.click()
    assert tree.is_displayed()


def test_technique_listed_twice_counted_once(tmp_path: Path) -> None:
    # CAR-2014-04-003 files T1059.001 under Execution and again under Defense Evasion.
    sys32 = "C:\\Windows\\System32\\"
    powershell = process(1, sys32 + "WindowsPowerShell\\v1.0\\powershell.exe",
                         sys32 + "cmd.exe", "powershell -nop")
    result = hunt_events(tmp_path, [powershell], analytic_ids=("CAR-2014-04-003",))
    rows = html_report.technique_summary(result)
    assert [row["id"] for row in rows] == ["T1059.001"]
    assert list(rows[0]["tactics"]) == ["Execution", "Defense Evasion"]
    assert rows[0]["hits"] == 1
