"""Spec examples of the first six analytics: positives and near-miss negatives."""

from __future__ import annotations

from pathlib import Path

from carhunt.analytics.base import Reading
from sysmon import event, hit_refs, hunt_events, process

SYS32 = "C:\\Windows\\System32\\"


def test_cmd_spawn_positive(tmp_path: Path) -> None:
    events = [process(1, SYS32 + "cmd.exe", "C:\\Program Files\\Adobe\\AcroRd32.exe",
                      "cmd.exe /c whoami")]
    result = hunt_events(tmp_path, events, analytic_ids=("CAR-2013-02-003",))
    assert hit_refs(result, "CAR-2013-02-003") == [["line:1"]]


def test_cmd_spawn_name_in_arguments_only(tmp_path: Path) -> None:
    events = [process(1, SYS32 + "WindowsPowerShell\\v1.0\\powershell.exe", SYS32 + "cmd.exe",
                      'powershell.exe -c "cmd.exe /c dir"')]
    result = hunt_events(tmp_path, events, analytic_ids=("CAR-2013-02-003",))
    assert hit_refs(result, "CAR-2013-02-003") == []


def _reg_chain(shell_parent: str) -> list[dict[str, object]]:
    shell = process(1, SYS32 + "cmd.exe", shell_parent, "cmd.exe", "2024-01-01 10:00:00.000",
                    pid=4100, ppid=3000)
    reg = process(2, SYS32 + "reg.exe", SYS32 + "cmd.exe",
                  "reg.exe add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v upd "
                  "/d C:\\Users\\Public\\u.exe", "2024-01-01 10:00:02.000", pid=4200, ppid=4100,
                  ParentProcessGuid=shell["Event"]["EventData"]["ProcessGuid"])
    return [shell, reg]


def test_reg_from_shell_positive(tmp_path: Path) -> None:
    result = hunt_events(tmp_path, _reg_chain(SYS32 + "wbem\\WmiPrvSE.exe"),
                         analytic_ids=("CAR-2013-03-001",))
    assert hit_refs(result, "CAR-2013-03-001") == [["line:1", "line:2"]]
    (hit,) = result.datasets[0].results[0].hits
    assert hit.fields["grandparent_exe"] == "WmiPrvSE.exe"
    assert hit.fields["shell_pid"] == 4100


def test_reg_from_interactive_shell(tmp_path: Path) -> None:
    result = hunt_events(tmp_path, _reg_chain("C:\\Windows\\explorer.exe"),
                         analytic_ids=("CAR-2013-03-001",))
    assert hit_refs(result, "CAR-2013-03-001") == []


def test_reg_without_shell_in_data(tmp_path: Path) -> None:
    result = hunt_events(tmp_path, _reg_chain(SYS32 + "wbem\\WmiPrvSE.exe")[1:],
                         analytic_ids=("CAR-2013-03-001",))
    assert hit_refs(result, "CAR-2013-03-001") == []


def test_reg_shell_found_by_pid_without_guids(tmp_path: Path) -> None:
    chain = _reg_chain(SYS32 + "services.exe")
    for item in chain:
        data = item["Event"]["EventData"]  # type: ignore[index]
        data.pop("ProcessGuid")
        data.pop("ParentProcessGuid", None)
    result = hunt_events(tmp_path, chain, analytic_ids=("CAR-2013-03-001",))
    assert hit_refs(result, "CAR-2013-03-001") == [["line:1", "line:2"]]


def _recon(times: list[tuple[str, str]], ppid: int = 3000) -> list[dict[str, object]]:
    return [
        process(i + 1, SYS32 + exe, SYS32 + "cmd.exe", exe, f"2024-01-01 {clock}", pid=5000 + i,
                ppid=ppid, ParentProcessGuid="{AAAAAAAA-0000-0000-0000-000000003000}")
        for i, (exe, clock) in enumerate(times)
    ]


def test_command_series_positive(tmp_path: Path) -> None:
    events = _recon([("ipconfig.exe", "10:00:00.000"), ("hostname.exe", "10:00:05.000"),
                     ("systeminfo.exe", "10:00:20.000")])
    result = hunt_events(tmp_path, events, analytic_ids=("CAR-2013-04-002",))
    assert hit_refs(result, "CAR-2013-04-002") == [["line:1", "line:2", "line:3"]]


def test_command_series_gap_splits_clusters(tmp_path: Path) -> None:
    events = _recon([("ipconfig.exe", "10:00:00.000"), ("systeminfo.exe", "10:45:00.000")])
    result = hunt_events(tmp_path, events, analytic_ids=("CAR-2013-04-002",))
    assert hit_refs(result, "CAR-2013-04-002") == []


def test_command_series_gap_of_exactly_30_minutes_joins(tmp_path: Path) -> None:
    events = _recon([("ipconfig.exe", "10:00:00.000"), ("systeminfo.exe", "10:30:00.000")])
    result = hunt_events(tmp_path, events, analytic_ids=("CAR-2013-04-002",))
    assert hit_refs(result, "CAR-2013-04-002") == [["line:1", "line:2"]]


def test_command_series_one_tool_repeated(tmp_path: Path) -> None:
    events = _recon([("ping.exe", f"10:0{i}:00.000") for i in range(10)])
    result = hunt_events(tmp_path, events, analytic_ids=("CAR-2013-04-002",))
    assert hit_refs(result, "CAR-2013-04-002") == []


def test_command_series_strict_reports_single_events(tmp_path: Path) -> None:
    events = _recon([("ping.exe", "10:00:00.000")])
    result = hunt_events(tmp_path, events, analytic_ids=("CAR-2013-04-002",),
                         reading=Reading.CAR_STRICT)
    assert hit_refs(result, "CAR-2013-04-002") == [["line:1"]]


def _remote_thread(function: str, module: str, source_image: str) -> dict[str, object]:
    return event(8, {
        "UtcTime": "2019-03-01 00:00:00.000", "SourceProcessId": "5452",
        "SourceImage": source_image, "TargetProcessId": "3124",
        "TargetImage": SYS32 + "notepad.exe", "NewThreadId": "7940",
        "StartAddress": "0x00007FFECED8F220", "StartModule": module, "StartFunction": function,
    }, "hr001.shire.com", 1)


POWERSHELL = SYS32 + "WindowsPowerShell\\v1.0\\powershell.exe"


def test_load_library_injection_positive(tmp_path: Path) -> None:
    events = [_remote_thread("LoadLibraryA", SYS32 + "KERNEL32.DLL", POWERSHELL)]
    result = hunt_events(tmp_path, events, analytic_ids=("CAR-2013-10-002",))
    assert hit_refs(result, "CAR-2013-10-002") == [["line:1"]]


def test_load_library_injection_unresolved_start(tmp_path: Path) -> None:
    events = [_remote_thread("", "", POWERSHELL)]
    result = hunt_events(tmp_path, events, analytic_ids=("CAR-2013-10-002",))
    assert hit_refs(result, "CAR-2013-10-002") == []


def test_load_library_injection_trusted_injector(tmp_path: Path) -> None:
    events = [_remote_thread("LoadLibraryW", SYS32 + "KERNEL32.DLL", POWERSHELL)]
    parameters = {"CAR-2013-10-002": {"trusted_injectors": [POWERSHELL.upper()]}}
    result = hunt_events(tmp_path, events, analytic_ids=("CAR-2013-10-002",),
                         parameters=parameters)
    assert hit_refs(result, "CAR-2013-10-002") == []


def test_powershell_positive(tmp_path: Path) -> None:
    events = [process(1, POWERSHELL, SYS32 + "wbem\\WmiPrvSE.exe",
                      SYS32 + "WindowsPowerShell\\v1.0\\powershell -nop -sta -w 1 -enc AAAA")]
    result = hunt_events(tmp_path, events, analytic_ids=("CAR-2014-04-003",))
    assert hit_refs(result, "CAR-2014-04-003") == [["line:1"]]


def test_powershell_from_explorer(tmp_path: Path) -> None:
    events = [process(1, POWERSHELL, "C:\\Windows\\Explorer.EXE")]
    result = hunt_events(tmp_path, events, analytic_ids=("CAR-2014-04-003",))
    assert hit_refs(result, "CAR-2014-04-003") == []


def test_powershell_missing_parent_is_flagged(tmp_path: Path) -> None:
    events = [process(1, POWERSHELL, "-")]
    result = hunt_events(tmp_path, events, analytic_ids=("CAR-2014-04-003",))
    (hit,) = result.datasets[0].results[0].hits
    assert hit.field_missing == ("parent_exe",)


def test_discovery_positives(tmp_path: Path) -> None:
    events = [
        process(1, SYS32 + "net.exe", POWERSHELL, '"C:\\Windows\\system32\\net.exe" start'),
        process(2, SYS32 + "whoami.exe", "C:\\Windows\\Microsoft.NET\\MSBuild.exe"),
        process(3, SYS32 + "sc.exe", POWERSHELL, "sc.exe queryex type= service"),
        process(4, SYS32 + "sc.exe", POWERSHELL, "sc query"),
        process(5, SYS32 + "dsquery.exe", POWERSHELL, "dsquery server"),
    ]
    result = hunt_events(tmp_path, events, analytic_ids=("CAR-2016-03-001",))
    assert hit_refs(result, "CAR-2016-03-001") == [[f"line:{i}"] for i in range(1, 6)]


def test_discovery_sc_start_is_no_hit(tmp_path: Path) -> None:
    events = [process(1, SYS32 + "sc.exe", POWERSHELL, "sc.exe start spooler")]
    result = hunt_events(tmp_path, events, analytic_ids=("CAR-2016-03-001",))
    assert hit_refs(result, "CAR-2016-03-001") == []


def test_discovery_strict_misses_dsquery_and_sc(tmp_path: Path) -> None:
    events = [
        process(1, SYS32 + "dsquery.exe", POWERSHELL, "dsquery server"),
        process(2, SYS32 + "sc.exe", POWERSHELL, "sc.exe queryex type= service"),
        process(3, SYS32 + "whoami.exe", POWERSHELL),
    ]
    result = hunt_events(tmp_path, events, analytic_ids=("CAR-2016-03-001",),
                         reading=Reading.CAR_STRICT)
    assert hit_refs(result, "CAR-2016-03-001") == [["line:3"]]
