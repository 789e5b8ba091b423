"""Spec examples of the process-create analytics: positives and near-miss negatives,
in both readings where they differ."""

from __future__ import annotations

from pathlib import Path

from analytic_cases import POWERSHELL, SYS32, hits_of, refs, run_one
from carhunt.analytics.base import Reading
from sysmon import process

STRICT = Reading.CAR_STRICT
CMD = SYS32 + "cmd.exe"


# CAR-2013-05-002 Suspicious Run Locations

def test_run_location_tasks_folder(tmp_path: Path) -> None:
    events = [process(1, "C:\\Windows\\Tasks\\notepad.exe")]
    (hit,) = hits_of(tmp_path, events, "CAR-2013-05-002")
    assert hit.matched_subrules == ("tasks",)
    assert hit.fields["matched_location"] == "tasks"


def test_run_location_system32_tasks_is_no_hit(tmp_path: Path) -> None:
    events = [process(1, "C:\\Windows\\System32\\Tasks\\notepad.exe")]
    assert hits_of(tmp_path, events, "CAR-2013-05-002") == []


def test_run_location_system32_tasks_with_extension(tmp_path: Path) -> None:
    events = [process(1, "C:\\Windows\\System32\\Tasks\\notepad.exe")]
    parameters = {"CAR-2013-05-002": {"extension": True}}
    (hit,) = hits_of(tmp_path, events, "CAR-2013-05-002", parameters=parameters)
    assert hit.matched_subrules == ("extension_folder",)


def test_run_location_debugtools_is_no_hit(tmp_path: Path) -> None:
    events = [process(1, "C:\\Windows\\debugtools\\x.exe")]
    assert hits_of(tmp_path, events, "CAR-2013-05-002") == []


def test_run_location_debug_and_recycler(tmp_path: Path) -> None:
    events = [
        process(1, "C:\\WINDOWS\\Debug\\x.exe"),
        process(2, "D:\\RECYCLER\\S-1-5-21\\x.exe"),
        process(3, "\\Device\\HarddiskVolume2\\RECYCLER\\x.exe"),
    ]
    hits = hits_of(tmp_path, events, "CAR-2013-05-002")
    assert [hit.matched_subrules for hit in hits] == [("debug",), ("recycler",), ("recycler",)]


def test_run_location_system_volume_information(tmp_path: Path) -> None:
    events = [process(1, "C:\\System Volume Information\\x.exe")]
    (hit,) = hits_of(tmp_path, events, "CAR-2013-05-002")
    assert hit.matched_subrules == ("system_volume_information",)
    assert hits_of(tmp_path, events, "CAR-2013-05-002", STRICT) == []


def test_run_location_strict_run_together_name(tmp_path: Path) -> None:
    events = [process(1, "C:\\SystemVolumeInformation\\x.exe")]
    assert refs(hits_of(tmp_path, events, "CAR-2013-05-002", STRICT)) == [["line:1"]]
    assert refs(hits_of(tmp_path, events, "CAR-2013-05-002")) == [["line:1"]]


def test_run_location_recycle_bin_needs_extension(tmp_path: Path) -> None:
    events = [process(1, "C:\\$Recycle.Bin\\S-1-5-21\\x.exe")]
    assert hits_of(tmp_path, events, "CAR-2013-05-002") == []
    parameters = {"CAR-2013-05-002": {"extension": True}}
    (hit,) = hits_of(tmp_path, events, "CAR-2013-05-002", parameters=parameters)
    assert hit.matched_subrules == ("recycle_bin",)


def test_run_location_other_system_root(tmp_path: Path) -> None:
    events = [process(1, "D:\\WINNT\\Tasks\\x.exe"), process(2, "C:\\Windows\\Tasks\\y.exe")]
    parameters = {"CAR-2013-05-002": {"system_roots": ["D:\\WINNT"]}}
    hits = hits_of(tmp_path, events, "CAR-2013-05-002", parameters=parameters)
    assert refs(hits) == [["line:1"]]


# CAR-2013-05-004 Execution with AT

def test_at_positive(tmp_path: Path) -> None:
    events = [process(1, SYS32 + "at.exe", CMD, "at 10:00 calc.exe")]
    (hit,) = hits_of(tmp_path, events, "CAR-2013-05-004")
    assert hit.fields["remote_target"] is None
    assert hit.fields["interactive"] is False


def test_at_remote_interactive_job(tmp_path: Path) -> None:
    events = [process(1, SYS32 + "AT.EXE", CMD, "at \\\\srv01 10:00 /interactive cmd.exe")]
    (hit,) = hits_of(tmp_path, events, "CAR-2013-05-004")
    assert hit.fields["remote_target"] == "\\\\srv01"
    assert hit.fields["interactive"] is True
    assert hit.fields["delete_job"] is False


def test_at_lookalike_name(tmp_path: Path) -> None:
    events = [process(1, "C:\\Tools\\cat.exe", CMD, "cat.exe at.exe")]
    assert hits_of(tmp_path, events, "CAR-2013-05-004") == []


def test_at_job_run_is_no_hit(tmp_path: Path) -> None:
    events = [process(1, SYS32 + "calc.exe", SYS32 + "taskeng.exe")]
    assert hits_of(tmp_path, events, "CAR-2013-05-004") == []


# CAR-2013-05-009 Same hash, different names

MD5 = "0123456789ABCDEF0123456789ABCDEF"


def _hashed(record_id: int, image: str, hashes: str) -> dict[str, object]:
    return process(record_id, image, Hashes=hashes)


def test_same_hash_two_names(tmp_path: Path) -> None:
    events = [
        _hashed(1, "C:\\Tools\\psexec.exe", f"MD5={MD5}"),
        _hashed(2, "C:\\Windows\\svchosts.exe", f"MD5={MD5}"),
    ]
    (hit,) = hits_of(tmp_path, events, "CAR-2013-05-009")
    assert refs([hit]) == [["line:1", "line:2"]]
    assert hit.fields["exes"] == ["psexec.exe", "svchosts.exe"]
    assert hit.fields["algorithm"] == "md5"
    assert hit.fields["hash"] == MD5.lower()
    assert hit.fields["exe_counts"] == ["psexec.exe: 1", "svchosts.exe: 1"]


def test_same_hash_names_differ_in_case_only(tmp_path: Path) -> None:
    events = [
        _hashed(1, "C:\\Tools\\PsExec.exe", f"MD5={MD5}"),
        _hashed(2, "C:\\Temp\\psexec.exe", f"MD5={MD5}"),
    ]
    assert hits_of(tmp_path, events, "CAR-2013-05-009") == []


def test_same_name_two_hashes_is_no_hit(tmp_path: Path) -> None:
    events = [
        _hashed(1, "C:\\A\\chrome.exe", "MD5=" + "A" * 32),
        _hashed(2, "C:\\B\\chrome.exe", "MD5=" + "B" * 32),
    ]
    assert hits_of(tmp_path, events, "CAR-2013-05-009") == []


def test_same_hash_without_md5_uses_sha256(tmp_path: Path) -> None:
    sha256 = "AB" * 32
    events = [
        _hashed(1, "C:\\Tools\\a.exe", f"SHA1={'C' * 40},SHA256={sha256}"),
        _hashed(2, "C:\\Tools\\b.exe", f"SHA1={'D' * 40},SHA256={sha256}"),
    ]
    (hit,) = hits_of(tmp_path, events, "CAR-2013-05-009")
    assert hit.fields["algorithm"] == "sha256"


def test_same_hash_all_zero_is_skipped(tmp_path: Path) -> None:
    events = [
        _hashed(1, "\\\\server\\share\\a.exe", "MD5=" + "0" * 32),
        _hashed(2, "\\\\server\\share\\b.exe", "MD5=" + "0" * 32),
    ]
    assert hits_of(tmp_path, events, "CAR-2013-05-009") == []


# CAR-2013-07-001 Suspicious Arguments

PUTTY = "putty.exe -pw hunter2 -R 8080:127.0.0.1:80 bob@203.0.113.7"


def test_arguments_putty_recommended(tmp_path: Path) -> None:
    events = [process(1, "C:\\Tools\\putty.exe", CMD, PUTTY)]
    (hit,) = hits_of(tmp_path, events, "CAR-2013-07-001")
    assert hit.matched_subrules == ("port_fwd", "scp", "ip_addr")
    assert hit.fields["unexpected_exe"] == []
    assert hit.flags == ()


def test_arguments_putty_strict(tmp_path: Path) -> None:
    events = [process(1, "C:\\Tools\\putty.exe", CMD, PUTTY)]
    (hit,) = hits_of(tmp_path, events, "CAR-2013-07-001", STRICT)
    assert hit.matched_subrules == ("scp", "ip_addr")


def test_arguments_renamed_mimikatz(tmp_path: Path) -> None:
    events = [process(1, "C:\\Temp\\svc.exe", CMD,
                      'C:\\Temp\\svc.exe "sekurlsa::logonpasswords" exit')]
    (hit,) = hits_of(tmp_path, events, "CAR-2013-07-001")
    assert hit.matched_subrules == ("mimikatz",)
    assert hit.fields["unexpected_exe"] == ["mimikatz"]
    assert hit.flags == ("unexpected_exe",)


def test_arguments_plink_without_password(tmp_path: Path) -> None:
    events = [process(1, "C:\\Tools\\plink.exe", CMD, "plink.exe -R 9000:localhost:22 bob@jump")]
    assert hits_of(tmp_path, events, "CAR-2013-07-001") == []
    assert hits_of(tmp_path, events, "CAR-2013-07-001", STRICT) == []


def test_arguments_rar_password_glued_on(tmp_path: Path) -> None:
    events = [process(1, "C:\\Tools\\rar.exe", CMD, "rar.exe a -hpSecret out.rar docs")]
    (hit,) = hits_of(tmp_path, events, "CAR-2013-07-001")
    assert hit.matched_subrules == ("rar", "archive")
    (strict_hit,) = hits_of(tmp_path, events, "CAR-2013-07-001", STRICT)
    assert strict_hit.matched_subrules == ("archive",)


def test_arguments_ip_addr_can_be_disabled(tmp_path: Path) -> None:
    events = [process(1, SYS32 + "ping.exe", CMD, "ping.exe 10.0.0.20")]
    assert refs(hits_of(tmp_path, events, "CAR-2013-07-001")) == [["line:1"]]
    parameters = {"CAR-2013-07-001": {"ip_addr": False}}
    assert hits_of(tmp_path, events, "CAR-2013-07-001", parameters=parameters) == []


def test_arguments_ip_addr_octet_range(tmp_path: Path) -> None:
    events = [process(1, "C:\\Tools\\app.exe", CMD, "app.exe --version 1.2.300.4")]
    assert hits_of(tmp_path, events, "CAR-2013-07-001") == []
    (hit,) = hits_of(tmp_path, events, "CAR-2013-07-001", STRICT)
    assert hit.matched_subrules == ("ip_addr",)


# CAR-2013-07-005 Archiving software

def test_archive_positive(tmp_path: Path) -> None:
    events = [process(1, "C:\\Tools\\7z.exe", CMD, "7z.exe a test.zip test.txt")]
    assert refs(hits_of(tmp_path, events, "CAR-2013-07-005")) == [["line:1"]]


def test_archive_extract_is_no_hit(tmp_path: Path) -> None:
    events = [process(1, "C:\\Tools\\rar.exe", CMD, "rar.exe x archive.rar")]
    assert hits_of(tmp_path, events, "CAR-2013-07-005") == []


def test_archive_first_argument_only(tmp_path: Path) -> None:
    events = [
        process(1, "C:\\Tools\\7z.exe", CMD, '"C:\\Tools\\7z.exe" A test.zip'),
        process(2, SYS32 + "cmd.exe", CMD, "cmd /c echo this is a test"),
    ]
    assert refs(hits_of(tmp_path, events, "CAR-2013-07-005")) == [["line:1"], ["line:2"]]
    parameters = {"CAR-2013-07-005": {"first_argument_only": True}}
    hits = hits_of(tmp_path, events, "CAR-2013-07-005", parameters=parameters)
    assert refs(hits) == [["line:1"]]


# CAR-2013-08-001 Execution with schtasks

def test_schtasks_create(tmp_path: Path) -> None:
    events = [process(1, SYS32 + "schtasks.exe", CMD,
                      "schtasks /Create /SC ONCE /ST 19:00 /TR C:\\Windows\\System32\\calc.exe "
                      "/TN calctask")]
    (hit,) = hits_of(tmp_path, events, "CAR-2013-08-001")
    assert hit.fields["verb"] == "create"
    assert hit.fields["remote_target"] is None


def test_schtasks_remote_run_as(tmp_path: Path) -> None:
    events = [process(1, SYS32 + "schtasks.exe", CMD,
                      'schtasks /create /s srv01 /ru "NT AUTHORITY\\SYSTEM" /tn t /tr x.exe')]
    (hit,) = hits_of(tmp_path, events, "CAR-2013-08-001")
    assert hit.fields["remote_target"] == "srv01"
    assert hit.fields["run_as"] == "NT AUTHORITY\\SYSTEM"


def test_schtasks_bare_listing(tmp_path: Path) -> None:
    events = [process(1, SYS32 + "schtasks.exe", CMD, "schtasks")]
    (hit,) = hits_of(tmp_path, events, "CAR-2013-08-001")
    assert hit.fields["verb"] == "none"


def test_schtasks_task_run_is_no_hit(tmp_path: Path) -> None:
    events = [process(1, SYS32 + "calc.exe", SYS32 + "svchost.exe")]
    assert hits_of(tmp_path, events, "CAR-2013-08-001") == []


# CAR-2014-03-006 RunDLL32.exe monitoring

def test_rundll32_positive(tmp_path: Path) -> None:
    events = [process(1, "C:\\Windows\\SysWOW64\\RUNDLL32.EXE", CMD,
                      "RUNDLL32.EXE SHELL32.DLL,Control_RunDLL desk.cpl,,0")]
    (hit,) = hits_of(tmp_path, events, "CAR-2014-03-006")
    assert hit.fields["dll"] == "SHELL32.DLL"
    assert hit.fields["entry"] == "Control_RunDLL"


def test_rundll32_quoted_dll_path(tmp_path: Path) -> None:
    events = [process(1, SYS32 + "rundll32.exe", CMD,
                      '"C:\\Windows\\system32\\rundll32.exe" "C:\\Users\\Public\\a b.dll",#1')]
    (hit,) = hits_of(tmp_path, events, "CAR-2014-03-006")
    assert hit.fields["dll"] == "C:\\Users\\Public\\a b.dll"
    assert hit.fields["entry"] == "#1"


def test_rundll32_renamed_copy_is_missed(tmp_path: Path) -> None:
    events = [process(1, "C:\\Temp\\r32.exe", CMD,
                      "RUNDLL32.EXE SHELL32.DLL,Control_RunDLL desk.cpl,,0")]
    assert hits_of(tmp_path, events, "CAR-2014-03-006") == []


# CAR-2014-05-002 Services launching Cmd

def test_service_cmd_positive(tmp_path: Path) -> None:
    events = [process(1, CMD, SYS32 + "services.exe", "cmd.exe /c C:\\Windows\\Temp\\payload.exe",
                      User="NT AUTHORITY\\SYSTEM")]
    (hit,) = hits_of(tmp_path, events, "CAR-2014-05-002")
    assert hit.fields["user"] == "NT AUTHORITY\\SYSTEM"


def test_service_cmd_from_svchost(tmp_path: Path) -> None:
    events = [process(1, CMD, SYS32 + "svchost.exe")]
    assert hits_of(tmp_path, events, "CAR-2014-05-002") == []


# CAR-2014-07-001 Service Search Path Interception

SERVICES = SYS32 + "services.exe"


def test_unquoted_service_path_positive(tmp_path: Path) -> None:
    events = [process(1, "C:\\Program.exe", SERVICES, "C:\\Program Files\\Vendor App\\svc.exe -k")]
    (hit,) = hits_of(tmp_path, events, "CAR-2014-07-001")
    assert hit.fields["image_path"] == "C:\\Program.exe"
    assert hit.field_missing == ()


def test_unquoted_service_path_confirmed_prefix(tmp_path: Path) -> None:
    events = [
        process(1, "C:\\Program.exe", SERVICES, "C:\\Program Files\\Vendor App\\svc.exe -k"),
        process(2, "C:\\Tools\\other.exe", SERVICES, "C:\\Program Files\\Vendor App\\svc.exe"),
    ]
    assert refs(hits_of(tmp_path, events, "CAR-2014-07-001")) == [["line:1"], ["line:2"]]
    parameters = {"CAR-2014-07-001": {"confirm_prefix": True}}
    assert refs(hits_of(tmp_path, events, "CAR-2014-07-001", parameters=parameters)) == [
        ["line:1"]
    ]


def test_quoted_service_path(tmp_path: Path) -> None:
    image = "C:\\Program Files\\Vendor App\\svc.exe"
    events = [process(1, image, SERVICES, f'"{image}" -k')]
    assert hits_of(tmp_path, events, "CAR-2014-07-001") == []


def test_service_path_names_its_image(tmp_path: Path) -> None:
    events = [process(1, SYS32 + "svchost.exe", SERVICES,
                      "C:\\Windows\\system32\\svchost.exe -k netsvcs")]
    assert hits_of(tmp_path, events, "CAR-2014-07-001") == []


# CAR-2014-11-003 Debuggers for Accessibility Applications

def test_accessibility_debugger_positive(tmp_path: Path) -> None:
    events = [
        process(1, CMD, "C:\\Windows\\winlogon.exe",
                "C:\\Windows\\system32\\cmd.exe C:\\Windows\\system32\\sethc.exe 211"),
        process(2, CMD, "C:\\Windows\\winlogon.exe", "cmd.exe Magnify.exe"),
    ]
    hits = hits_of(tmp_path, events, "CAR-2014-11-003")
    assert [hit.fields["matched_name"] for hit in hits] == ["sethc.exe", "magnify.exe"]


def test_accessibility_program_itself(tmp_path: Path) -> None:
    events = [process(1, SYS32 + "sethc.exe", "C:\\Windows\\winlogon.exe",
                      "C:\\Windows\\System32\\sethc.exe 211")]
    assert hits_of(tmp_path, events, "CAR-2014-11-003") == []


def test_accessibility_longer_file_name(tmp_path: Path) -> None:
    events = [process(1, "C:\\Kiosk\\launcher.exe", CMD,
                      "C:\\Kiosk\\launcher.exe C:\\Kiosk\\kiosk.exe")]
    assert hits_of(tmp_path, events, "CAR-2014-11-003") == []
    assert refs(hits_of(tmp_path, events, "CAR-2014-11-003", STRICT)) == [["line:1"]]


def test_accessibility_strict_has_no_name_guard(tmp_path: Path) -> None:
    events = [process(1, SYS32 + "osk.exe", CMD, "osk.exe /x osk.exe")]
    assert hits_of(tmp_path, events, "CAR-2014-11-003") == []
    assert refs(hits_of(tmp_path, events, "CAR-2014-11-003", STRICT)) == [["line:1"]]


def test_accessibility_extension_names(tmp_path: Path) -> None:
    events = [process(1, CMD, "C:\\Windows\\winlogon.exe", "cmd.exe DisplaySwitch.exe")]
    assert hits_of(tmp_path, events, "CAR-2014-11-003") == []
    parameters = {"CAR-2014-11-003": {"extension": True}}
    (hit,) = hits_of(tmp_path, events, "CAR-2014-11-003", parameters=parameters)
    assert hit.fields["matched_name"] == "displayswitch.exe"


# CAR-2014-11-004 Remote PowerShell Sessions

WSMPROVHOST = SYS32 + "wsmprovhost.exe"


def test_remote_powershell_positive(tmp_path: Path) -> None:
    events = [process(1, WSMPROVHOST, SYS32 + "svchost.exe",
                      "C:\\Windows\\system32\\wsmprovhost.exe -Embedding", User="CORP\\admin")]
    (hit,) = hits_of(tmp_path, events, "CAR-2014-11-004")
    assert hit.fields["user"] == "CORP\\admin"
    assert hit.fields["inbound_winrm_flow"] is False


def test_remote_powershell_child_is_no_hit(tmp_path: Path) -> None:
    events = [process(1, POWERSHELL, WSMPROVHOST)]
    assert hits_of(tmp_path, events, "CAR-2014-11-004") == []


# CAR-2014-11-008 Command Launched from WinLogon

WINLOGON = SYS32 + "winlogon.exe"


def test_winlogon_cmd_positive(tmp_path: Path) -> None:
    events = [process(1, CMD, WINLOGON,
                      "C:\\Windows\\system32\\cmd.exe C:\\Windows\\system32\\sethc.exe 211")]
    assert refs(hits_of(tmp_path, events, "CAR-2014-11-008")) == [["line:1"]]
    assert refs(hits_of(tmp_path, events, "CAR-2014-11-008", STRICT)) == [["line:1"]]


def test_winlogon_powershell_recommended_only(tmp_path: Path) -> None:
    events = [process(1, POWERSHELL, WINLOGON)]
    assert refs(hits_of(tmp_path, events, "CAR-2014-11-008")) == [["line:1"]]
    assert hits_of(tmp_path, events, "CAR-2014-11-008", STRICT) == []


def test_winlogon_userinit_is_no_hit(tmp_path: Path) -> None:
    events = [process(1, SYS32 + "userinit.exe", WINLOGON)]
    assert hits_of(tmp_path, events, "CAR-2014-11-008") == []


# CAR-2016-03-002 Create Remote Process via WMIC

WMIC = SYS32 + "wbem\\WMIC.exe"


def test_wmic_remote_create(tmp_path: Path) -> None:
    events = [process(1, WMIC, CMD,
                      'wmic.exe /node:"10.0.0.20" process call create "cmd.exe /c whoami"')]
    (hit,) = hits_of(tmp_path, events, "CAR-2016-03-002")
    assert hit.fields["node_targets"] == ["10.0.0.20"]
    assert hit.fields["created_command"] == "cmd.exe /c whoami"
    assert refs(hits_of(tmp_path, events, "CAR-2016-03-002", STRICT)) == [["line:1"]]


def test_wmic_local_create_is_no_hit(tmp_path: Path) -> None:
    events = [process(1, WMIC, CMD, "wmic process call create calc.exe")]
    assert hits_of(tmp_path, events, "CAR-2016-03-002") == []
    assert hits_of(tmp_path, events, "CAR-2016-03-002", STRICT) == []


def test_wmic_dash_node_and_host_list(tmp_path: Path) -> None:
    events = [process(1, WMIC, CMD,
                      "wmic -node:srv01,srv02 path win32_process call  create calc.exe")]
    hits = hits_of(tmp_path, events, "CAR-2016-03-002")
    assert [hit.fields["node_targets"] for hit in hits] == [["srv01", "srv02"]]
    assert hits_of(tmp_path, events, "CAR-2016-03-002", STRICT) == []


def test_wmic_node_file_list_kept(tmp_path: Path) -> None:
    events = [process(1, WMIC, CMD, "wmic /node:@hosts.txt process call create calc.exe")]
    (hit,) = hits_of(tmp_path, events, "CAR-2016-03-002")
    assert hit.fields["node_targets"] == ["@hosts.txt"]


# Additions to the first six analytics

def test_reg_shell_not_observed_is_counted(tmp_path: Path) -> None:
    reg = process(2, SYS32 + "reg.exe", CMD, "reg.exe query HKLM", ppid=4100,
                  ParentProcessGuid="{AAAAAAAA-0000-0000-0000-000000004100}")
    item = run_one(tmp_path, [reg], "CAR-2013-03-001")
    assert item.hits == []
    assert item.diagnostics == {"parent_not_observed": 1}


def test_reg_great_grandparent_by_pid(tmp_path: Path) -> None:
    chain = [
        process(1, SYS32 + "wbem\\WmiPrvSE.exe", SYS32 + "svchost.exe", pid=3000, ppid=700),
        process(2, CMD, SYS32 + "wbem\\WmiPrvSE.exe", "cmd.exe", "2024-01-01 10:00:01.000",
                pid=4100, ppid=3000),
        process(3, SYS32 + "reg.exe", CMD, "reg.exe query HKLM", "2024-01-01 10:00:02.000",
                pid=4200, ppid=4100),
    ]
    for item in chain:
        item["Event"]["EventData"].pop("ProcessGuid")
    (hit,) = hits_of(tmp_path, chain, "CAR-2013-03-001")
    assert hit.fields["great_grandparent_exe"] == "svchost.exe"


def test_series_lists_member_events(tmp_path: Path) -> None:
    events = [
        process(i + 1, SYS32 + exe, CMD, exe, f"2024-01-01 10:00:0{i}.000", pid=5000 + i,
                ppid=3000)
        for i, exe in enumerate(["ipconfig.exe", "whoami.exe", "net.exe"])
    ]
    (hit,) = hits_of(tmp_path, events, "CAR-2013-04-002")
    assert hit.fields["exes"] == ["ipconfig.exe", "net.exe"]
    assert hit.fields["events"] == [
        "2024-01-01 10:00:00 ipconfig.exe pid 5000 CORP\\alice ipconfig.exe",
        "2024-01-01 10:00:02 net.exe pid 5002 CORP\\alice net.exe",
    ]


def test_injection_missing_source_image_is_flagged(tmp_path: Path) -> None:
    from sysmon import event

    thread = event(8, {
        "UtcTime": "2019-03-01 00:00:00.000", "SourceProcessId": "5452", "TargetProcessId": "3124",
        "TargetImage": SYS32 + "notepad.exe", "NewThreadId": "7940",
        "StartAddress": "0x00007FFECED8F220", "StartModule": SYS32 + "KERNEL32.DLL",
        "StartFunction": "LoadLibraryW",
    })
    (hit,) = hits_of(tmp_path, [thread], "CAR-2013-10-002")
    assert hit.field_missing == ("src_image_path",)


def test_discovery_names_the_sub_rule(tmp_path: Path) -> None:
    events = [
        process(1, SYS32 + "whoami.exe", POWERSHELL),
        process(2, SYS32 + "sc.exe", POWERSHELL, "sc qc spooler"),
    ]
    hits = hits_of(tmp_path, events, "CAR-2016-03-001")
    assert [hit.matched_subrules for hit in hits] == [("discovery_command",), ("sc_query",)]
    assert [hit.fields["matched_command"] for hit in hits] == ["whoami.exe", "sc.exe qc"]


def test_powershell_images_parameter(tmp_path: Path) -> None:
    events = [process(1, "C:\\Program Files\\PowerShell\\7\\pwsh.exe", CMD)]
    assert hits_of(tmp_path, events, "CAR-2014-04-003") == []
    parameters = {"CAR-2014-04-003": {"images": ["powershell.exe", "pwsh.exe"]}}
    assert refs(hits_of(tmp_path, events, "CAR-2014-04-003", parameters=parameters)) == [
        ["line:1"]
    ]
