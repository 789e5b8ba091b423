"""Benign activity of corp.example from 1 February to 4 March 2016.

Each day every host runs its routine: logons and logoffs, office and browser
use, the administrator's shells and remote sessions, nightly server tasks,
service starts and Sysmon's own view of boots and drivers. Some activity is
written to resemble an analytic without matching it (a near miss), and its
event lists that analytic in ``near_misses``.
"""

from __future__ import annotations

import datetime as dt

from carhunt.demo.domain import CMD, Domain, Session, at, later
from carhunt.demo.world import Host, Process

START = dt.date(2016, 2, 1)
LAST = dt.date(2016, 3, 4)
WORKSTATION_PATCH_DAY = dt.date(2016, 2, 10)
SERVER_PATCH_DAY = dt.date(2016, 2, 11)
CHROME_UPDATE_DAY = dt.date(2016, 2, 18)
SPOOLER_RESTART_DAY = dt.date(2016, 2, 17)
LOCAL_WMIC_DAY = dt.date(2016, 2, 24)
RUNAS_DAY = dt.date(2016, 3, 2)
PING_WATCH_DAYS = (dt.date(2016, 2, 5), dt.date(2016, 2, 19), dt.date(2016, 2, 26))
STICKY_KEYS_DAYS = (dt.date(2016, 2, 12), dt.date(2016, 2, 25))

OFFICE15 = "C:\\Program Files (x86)\\Microsoft Office\\Office15"
OFFICE16 = "C:\\Program Files\\Microsoft Office\\root\\Office16"
CHROME = "C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe"
POWERSHELL = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
PSEXEC = "C:\\Tools\\SysinternalsSuite\\PsExec.exe"
PSEXEC_IDENTITY = "Sysinternals PsExec 2.11"
SPPSVC = "C:\\Windows\\system32\\sppsvc.exe"
SEVEN_ZIP = "C:\\Program Files\\7-Zip\\7z.exe"
CLR = "C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\clr.dll"

MICROSOFT_365 = "192.0.2.80"
CHROME_PEERS = ("192.0.2.41", "192.0.2.42", "192.0.2.57", "192.0.2.63")
KIOSK_SERVICE = "192.0.2.150"
GOOGLE_UPDATE = "192.0.2.30"


def days() -> list[dt.date]:
    count = (LAST - START).days + 1
    return [START + dt.timedelta(days=n) for n in range(count)]


def is_weekday(day: dt.date) -> bool:
    return day.weekday() < 5


def write_background(domain: Domain) -> None:
    """Write every host's benign activity, day by day."""
    for day in days():
        morning_boots(domain, day)
        for routine in (dc01_day, fs01_day, ws01_day, ws02_day, kiosk_day):
            routine(domain, day)
        evening_boots(domain, day)


# Boots ----------------------------------------------------------------------------


def morning_boots(domain: Domain, day: dt.date) -> None:
    """Boot hosts before the day's routines: the first day, and the kiosk on Sundays."""
    s = domain.scenario
    if day == START:
        for host, hour, minute in (
            (domain.dc01, 0, 5), (domain.fs01, 0, 12), (domain.kiosk01, 6, 30),
            (domain.ws01, 7, 35), (domain.ws02, 7, 50),
        ):
            boot_host(domain, host, at(day, hour, minute, 2, s))
    if day.weekday() == 6:
        boot_host(domain, domain.kiosk01, at(day, 3, 0, 2, s))


def evening_boots(domain: Domain, day: dt.date) -> None:
    """Install the February updates and reboot, after the day's routines."""
    s = domain.scenario
    reboots: tuple[tuple[Host, int, int], ...] = ()
    if day == WORKSTATION_PATCH_DAY:
        reboots = ((domain.ws01, 17, 50), (domain.ws02, 18, 5))
    elif day == SERVER_PATCH_DAY:
        reboots = ((domain.dc01, 22, 5), (domain.fs01, 22, 35))
    for host, hour, minute in reboots:
        t = at(day, hour, minute, 2, s)
        patch(domain, host, t)
        boot_host(domain, host, later(t, s, 1_560_000, 1_800_000))


def boot_host(domain: Domain, host: Host, time: dt.datetime) -> None:
    """Boot a host; workstations then fetch group policy from DC01 over RPC."""
    domain.boot(host, time)
    if host in (domain.ws01, domain.ws02, domain.kiosk01):
        group_policy_rpc(domain, host, later(time, domain.scenario, 70_000, 95_000))
    if host is domain.kiosk01:
        kiosk_logon(domain, later(time, domain.scenario, 100_000, 130_000))


def group_policy_rpc(domain: Domain, host: Host, time: dt.datetime) -> None:
    """Contact DC01's endpoint mapper, then its netlogon port (a benign RPC exchange)."""
    s = domain.scenario
    client = host.core["netsvcs"]
    domain.tcp(client, domain.dc01, domain.dc01.core["rpcss"], 135, time)
    domain.tcp(client, domain.dc01, domain.dc01.core["lsass"], 49155, later(time, s, 150, 600))


def patch(domain: Domain, host: Host, time: dt.datetime) -> None:
    """Install updates before a reboot: services.exe starts TrustedInstaller."""
    services = host.core["services"]
    installer = host.spawn(
        services,
        "C:\\Windows\\servicing\\TrustedInstaller.exe",
        "C:\\Windows\\servicing\\TrustedInstaller.exe",
        time,
        host.system_logon,
        "System",
    )
    host.terminate(installer, later(time, domain.scenario, 600_000, 1_500_000))


def software_protection(domain: Domain, host: Host, time: dt.datetime) -> None:
    """Start and stop the Software Protection service (sppsvc), which runs on demand."""
    services = host.core["services"]
    process = host.spawn(services, SPPSVC, SPPSVC, time, host.network_service, "System")
    host.terminate(process, later(time, domain.scenario, 30_000, 180_000))


# Servers --------------------------------------------------------------------------


def dc01_day(domain: Domain, day: dt.date) -> None:
    software_protection(domain, domain.dc01, at(day, 4, 20, 90, domain.scenario))


def fs01_day(domain: Domain, day: dt.date) -> None:
    s = domain.scenario
    fs01 = domain.fs01
    agent = domain.service(fs01, "C:\\Program Files\\Contoso Backup\\Agent\\cbagent.exe")
    t = at(day, 0, 30, 10, s)
    snapshot = fs01.spawn(
        agent,
        "C:\\Program Files\\Contoso Backup\\Agent\\cbsnap.exe",
        '"C:\\Program Files\\Contoso Backup\\Agent\\cbsnap.exe" /job:nightly /volume:D:',
        t,
        current_directory="C:\\Program Files\\Contoso Backup\\Agent\\",
    )
    fs01.terminate(snapshot, later(t, s, 600_000, 1_800_000))
    purge_scratch(domain, at(day, 2, 0, 0, s))
    if day in PING_WATCH_DAYS:
        watch_dc01(domain, at(day, 3, 15, 5, s))


def purge_scratch(domain: Domain, time: dt.datetime) -> None:
    """Run the nightly clean-up task: cmd.exe under the task scheduler's svchost."""
    s = domain.scenario
    fs01 = domain.fs01
    shell = fs01.spawn(
        fs01.core["netsvcs"],
        CMD,
        "C:\\Windows\\system32\\cmd.exe /c C:\\Scripts\\purge-scratch.cmd",
        later(time, s, 5, 900),
    )
    t = later(shell.start, s, 40, 300)
    forfiles = fs01.spawn(
        shell,
        "C:\\Windows\\System32\\forfiles.exe",
        'forfiles  /p D:\\Shares\\Scratch /s /d -30 /c "cmd /c del /q @path"',
        t,
    )
    t = later(t, s, 4_000, 90_000)
    fs01.terminate(forfiles, t)
    fs01.terminate(shell, later(t, s, 10, 80))


def watch_dc01(domain: Domain, time: dt.datetime) -> None:
    """Ping DC01 once a minute from one script: one program repeated, no series of commands."""
    s = domain.scenario
    fs01 = domain.fs01
    shell = fs01.spawn(
        fs01.core["netsvcs"], CMD, "C:\\Windows\\system32\\cmd.exe /c C:\\Scripts\\watch-dc01.cmd",
        time,
    )
    t = shell.start
    for _ in range(10):
        t = later(t, s, 59_000, 61_000)
        ping = fs01.spawn(
            shell, "C:\\Windows\\System32\\PING.EXE", "ping  -n 1 -w 1000 DC01", t,
            near_misses=("CAR-2013-04-002",),
        )
        fs01.terminate(ping, later(t, s, 20, 90))
    fs01.terminate(shell, later(t, s, 200, 900))


# Workstations ---------------------------------------------------------------------


def logon(
    domain: Domain, host: Host, user: str, time: dt.datetime, integrity: str
) -> Session:
    """Log a user on at the console: winlogon starts userinit, which starts explorer."""
    s = domain.scenario
    session_logon = host.new_logon(user, time, 1)
    userinit = host.spawn(
        host.core["winlogon"],
        "C:\\Windows\\System32\\userinit.exe",
        "C:\\Windows\\system32\\userinit.exe",
        time,
        session_logon,
        integrity,
        near_misses=("CAR-2014-11-008",),
    )
    explorer = host.spawn(
        userinit,
        "C:\\Windows\\explorer.exe",
        "C:\\Windows\\Explorer.EXE",
        later(time, s, 800, 2_500),
    )
    host.terminate(userinit, later(explorer.start, s, 5_000, 12_000))
    # Mapping the user's drives: the kernel (System, pid 4) opens SMB to FS01.
    fs01 = domain.fs01
    domain.tcp(host.core["system"], fs01, fs01.core["system"], 445, later(time, s, 6_000, 9_000))
    session = Session(session_logon, explorer)
    domain.sessions[host.name] = session
    domain.latest[host.name] = session
    return session


def logoff(domain: Domain, host: Host, time: dt.datetime) -> None:
    """End the host's session: its applications, then explorer."""
    session = domain.sessions.pop(host.name)
    t = time
    for process in (*session.apps.values(), session.explorer):
        t = later(t, domain.scenario, 150, 2_000)
        host.terminate(process, t)


def open_app(
    domain: Domain, session: Session, name: str, image: str, command_line: str,
    time: dt.datetime, identity: str | None = None,
) -> Process:
    """Start an application from the session's shell, in the user's Documents folder."""
    host = session.explorer.host
    user = session.logon.user.split("\\")[1]
    process = host.spawn(
        session.explorer, image, command_line, time,
        current_directory=f"C:\\Users\\{user}\\Documents\\", identity=identity,
    )
    session.apps[name] = process
    return process


def chrome_identity(day: dt.date) -> str:
    version = "48.0.2564.103" if day < CHROME_UPDATE_DAY else "48.0.2564.109"
    return f"Google Chrome {version}"


def ws01_day(domain: Domain, day: dt.date) -> None:
    s = domain.scenario
    ws01 = domain.ws01
    if day.weekday() == 2:
        google_update(domain, at(day, 12, 40, 30, s))
    if not is_weekday(day):
        return
    session = logon(domain, ws01, "CORP\\jsmith", at(day, 7, 58, 12, s), "High")
    t = later(session.explorer.start, s, 60_000, 240_000)
    outlook = open_app(
        domain, session, "outlook", f"{OFFICE15}\\OUTLOOK.EXE", f'"{OFFICE15}\\OUTLOOK.EXE" ', t
    )
    domain.internet(outlook, MICROSOFT_365, 443, later(t, s, 2_000, 6_000))
    if day.weekday() in (0, 2, 4):
        t = later(t, s, 600_000, 3_600_000)
        chrome = open_app(
            domain, session, "chrome", CHROME, f'"{CHROME}" ', t, chrome_identity(day)
        )
        domain.internet(chrome, s.rng.choice(CHROME_PEERS), 443, later(t, s, 900, 4_000))
    else:
        t = later(t, s, 900_000, 4_000_000)
        open_app(
            domain, session, "excel", f"{OFFICE15}\\EXCEL.EXE",
            f'"{OFFICE15}\\EXCEL.EXE" "\\\\FS01\\Finance\\Budget\\FY2016 Budget.xlsx"', t,
        )
    if day.weekday() == 3:
        meeting_notes(domain, session, outlook, at(day, 13, 30, 60, s))
    if day == RUNAS_DAY:
        admin_help(domain, session, at(day, 14, 10, 10, s))
    logoff(domain, ws01, at(day, 17, 5, 20, s))


def meeting_notes(domain: Domain, session: Session, outlook: Process, time: dt.datetime) -> None:
    """Open a Word attachment from Outlook: WINWORD.EXE under OUTLOOK.EXE is routine here."""
    host = outlook.host
    word = host.spawn(
        outlook,
        f"{OFFICE15}\\WINWORD.EXE",
        f'"{OFFICE15}\\WINWORD.EXE" /n "C:\\Users\\jsmith\\AppData\\Local\\Microsoft\\Windows\\'
        'Temporary Internet Files\\Content.Outlook\\7QKD2M1X\\Meeting notes.docx" /o ""',
        time,
    )
    host.terminate(word, later(time, domain.scenario, 300_000, 1_200_000))


def admin_help(domain: Domain, session: Session, time: dt.datetime) -> None:
    """Open Computer Management on WS01 as adm-akumar with runas, helping the user."""
    s = domain.scenario
    ws01 = domain.ws01
    runas = ws01.spawn(
        session.explorer,
        "C:\\Windows\\System32\\runas.exe",
        'runas  /user:CORP\\adm-akumar "mmc.exe compmgmt.msc"',
        time,
    )
    admin = ws01.new_logon("CORP\\adm-akumar", later(time, s, 4_000, 9_000), 1)
    # The Secondary Logon service (in the netsvcs svchost) starts the program, not runas.exe.
    console = ws01.spawn(
        ws01.core["netsvcs"],
        "C:\\Windows\\System32\\mmc.exe",
        '"C:\\Windows\\system32\\mmc.exe" "C:\\Windows\\system32\\compmgmt.msc" ',
        later(time, s, 9_000, 12_000),
        admin,
        "High",
        "C:\\Windows\\system32\\",
    )
    ws01.terminate(runas, later(console.start, s, 20, 200))
    ws01.terminate(console, later(console.start, s, 300_000, 900_000))


def google_update(domain: Domain, time: dt.datetime) -> None:
    """Run Google Update's scheduled task (taskeng.exe on Windows 7)."""
    s = domain.scenario
    ws01 = domain.ws01
    engine = ws01.spawn(
        ws01.core["netsvcs"],
        "C:\\Windows\\system32\\taskeng.exe",
        "taskeng.exe {5C3B7B0A-2D4F-4B67-9E0A-3B1F6E2C8D11} S-1-5-18:NT AUTHORITY\\System:Service:",
        time,
    )
    updater = ws01.spawn(
        engine,
        "C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe",
        '"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe" /ua /installsource scheduler',
        later(time, s, 200, 900),
    )
    domain.internet(updater, GOOGLE_UPDATE, 443, later(updater.start, s, 900, 3_000))
    ws01.terminate(updater, later(updater.start, s, 8_000, 40_000))
    ws01.terminate(engine, later(updater.start, s, 41_000, 60_000))


def ws02_day(domain: Domain, day: dt.date) -> None:
    s = domain.scenario
    ws02 = domain.ws02
    if not is_weekday(day):
        return
    session = logon(domain, ws02, "CORP\\akumar", at(day, 8, 10, 8, s), "Medium")
    t = later(session.explorer.start, s, 40_000, 120_000)
    outlook = open_app(
        domain, session, "outlook", f"{OFFICE16}\\OUTLOOK.EXE", f'"{OFFICE16}\\OUTLOOK.EXE" ', t
    )
    domain.internet(outlook, MICROSOFT_365, 443, later(t, s, 2_000, 6_000))
    if day.weekday() in (0, 2, 4):
        powershell_console(domain, session, at(day, 9, 5, 20, s))
    admin_shell(domain, session, day, at(day, 9, 40, 15, s))
    if day.weekday() in (0, 2, 4):
        remote_desktop(domain, session, at(day, 10, 30, 20, s))
    logoff(domain, ws02, at(day, 17, 30, 15, s))


def powershell_console(domain: Domain, session: Session, time: dt.datetime) -> None:
    """Open PowerShell from the Start menu: its parent is explorer.exe."""
    s = domain.scenario
    ws02 = domain.ws02
    shell = ws02.spawn(
        session.explorer, POWERSHELL, f'"{POWERSHELL}" ', time, near_misses=("CAR-2014-04-003",)
    )
    ws02.load_image(shell, later(time, s, 150, 400), CLR, "Microsoft Corporation")
    ws02.terminate(shell, later(time, s, 300_000, 2_400_000))


def admin_shell(domain: Domain, session: Session, day: dt.date, time: dt.datetime) -> None:
    """Open an elevated cmd.exe from explorer and run the day's one admin command."""
    s = domain.scenario
    ws02 = domain.ws02
    shell = ws02.spawn(
        session.explorer, CMD, '"C:\\Windows\\system32\\cmd.exe" ', time,
        integrity="High", current_directory="C:\\Windows\\system32\\",
    )
    t = later(time, s, 9_000, 60_000)
    if day == START:
        unpack_tools(domain, shell, t)
    elif day == SPOOLER_RESTART_DAY:
        restart_spooler(domain, shell, t)
    elif day == LOCAL_WMIC_DAY:
        run(domain, shell, "C:\\Windows\\System32\\wbem\\WMIC.exe",
            'wmic  process call create "C:\\Windows\\System32\\msinfo32.exe /report '
            'C:\\Temp\\ws02.txt"', t, ("CAR-2016-03-002",))
    elif day.weekday() == 0:
        uninstall = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
        run(domain, shell, "C:\\Windows\\System32\\reg.exe",
            f'reg  query "{uninstall}" /s /f Contoso', t, ("CAR-2013-03-001",))
    elif day.weekday() == 1:
        psexec_gpupdate(domain, shell, day, t)
    elif day.weekday() == 2:
        run(domain, shell, "C:\\Windows\\System32\\gpupdate.exe", "gpupdate  /force", t, ())
    elif day.weekday() == 3:
        run(domain, shell, "C:\\Windows\\System32\\wbem\\WMIC.exe", "wmic  qfe list brief", t,
            ("CAR-2016-03-002",))
        interrupt(domain, shell, later(t, s, 30_000, 90_000))
    else:
        run(domain, shell, "C:\\Program Files (x86)\\PuTTY\\plink.exe",
            '"C:\\Program Files (x86)\\PuTTY\\plink.exe" -batch -i '
            'C:\\Users\\akumar\\Documents\\keys\\build.ppk akumar@build01.corp.example uptime',
            t, ("CAR-2013-07-001",))
    ws02.terminate(shell, later(t, s, 120_000, 900_000))


def interrupt(domain: Domain, shell: Process, time: dt.datetime) -> None:
    """Press Ctrl+C in a console: csrss.exe starts CtrlRoutine in it, a remote thread."""
    host = shell.host
    host.remote_thread(
        host.core["csrss"], shell, time, "0x00007FFD2C8D1D10",
        "C:\\Windows\\System32\\KERNELBASE.dll", "CtrlRoutine",
        near_misses=("CAR-2013-10-002",),
    )


def run(
    domain: Domain, shell: Process, image: str, command_line: str, time: dt.datetime,
    near_misses: tuple[str, ...], identity: str | None = None,
) -> Process:
    """Run one command from a shell and let it exit."""
    host = shell.host
    process = host.spawn(
        shell, image, command_line, time, identity=identity, near_misses=near_misses
    )
    host.terminate(process, later(time, domain.scenario, 300, 20_000))
    return process


def unpack_tools(domain: Domain, shell: Process, time: dt.datetime) -> None:
    """Extract the Sysinternals tools (7-Zip's x command, not the a command)."""
    run(
        domain, shell, SEVEN_ZIP,
        f'"{SEVEN_ZIP}" x C:\\Users\\akumar\\Downloads\\SysinternalsSuite.zip '
        "-oC:\\Tools\\SysinternalsSuite -y",
        time, ("CAR-2013-07-005", "CAR-2013-07-001"),
    )


def psexec_gpupdate(domain: Domain, shell: Process, day: dt.date, time: dt.datetime) -> None:
    """Refresh FS01's computer policy with PsExec, over SMB (System owns port 445)."""
    s = domain.scenario
    fs01 = domain.fs01
    # One week the path is typed in lower case: the same file under a case-variant name.
    image = PSEXEC.lower() if day.day in range(8, 15) else PSEXEC
    run(
        domain, shell, image, f"{image}  \\\\FS01 -s gpupdate.exe /target:computer /force",
        time, (), PSEXEC_IDENTITY,
    )
    domain.tcp(
        domain.ws02.core["system"], fs01, fs01.core["system"], 445, later(time, s, 200, 600),
        near_misses=("CAR-2014-03-005",),
    )
    t = later(time, s, 1_200, 1_900)
    service = fs01.spawn(
        fs01.core["services"], "C:\\Windows\\PSEXESVC.exe", "C:\\Windows\\PSEXESVC.exe", t,
        fs01.system_logon, "System", near_misses=("CAR-2014-03-005",),
    )
    gpupdate = fs01.spawn(
        service, "C:\\Windows\\System32\\gpupdate.exe", "gpupdate.exe /target:computer /force",
        later(t, s, 300, 700),
    )
    fs01.terminate(gpupdate, later(gpupdate.start, s, 5_000, 12_000))
    fs01.terminate(service, later(gpupdate.start, s, 13_000, 15_000))


def restart_spooler(domain: Domain, shell: Process, time: dt.datetime) -> None:
    """Start FS01's crashed spooler remotely: RPC to FS01, then services.exe starts spoolsv.

    The dynamic-port connection comes 2.6 s after the endpoint mapper (over CAR's
    2 s), and spoolsv.exe starts 1.3 s after services.exe accepted it (over 1 s).
    """
    s = domain.scenario
    fs01 = domain.fs01
    spooler = domain.service(fs01, "C:\\Windows\\System32\\spoolsv.exe")
    fs01.terminate(spooler, time - dt.timedelta(minutes=97, milliseconds=412))
    sc = run(
        domain, shell, "C:\\Windows\\System32\\sc.exe", "sc  \\\\FS01 start Spooler", time,
        ("CAR-2016-03-001",),
    )
    rpc_near = ("CAR-2014-05-001",)
    mapper_time = later(sc.start, s, 40, 120)
    domain.tcp(sc, fs01, fs01.core["rpcss"], 135, mapper_time, near_misses=rpc_near)
    service_time = mapper_time + dt.timedelta(milliseconds=2_600)
    domain.tcp(
        sc, fs01, fs01.core["services"], 49158, service_time, server_lag_ms=3,
        near_misses=(*rpc_near, "CAR-2014-03-005"),
    )
    restarted = fs01.spawn(
        fs01.core["services"], spooler.image, spooler.command_line,
        service_time + dt.timedelta(milliseconds=1_303),
        fs01.system_logon, "System", near_misses=("CAR-2014-03-005",),
    )
    domain.services[(fs01.name, spooler.image.lower())] = restarted


def remote_desktop(domain: Domain, session: Session, time: dt.datetime) -> None:
    """Manage DC01 over RDP as adm-akumar; Server Manager there polls FS01 over WinRM."""
    s = domain.scenario
    ws02, dc01, fs01 = domain.ws02, domain.dc01, domain.fs01
    client = ws02.spawn(
        session.explorer, "C:\\Windows\\System32\\mstsc.exe",
        '"C:\\Windows\\system32\\mstsc.exe" /v:DC01', time,
    )
    domain.tcp(client, dc01, dc01.core["networkservice"], 3389, later(time, s, 500, 1_500))

    # Each RDP session gets its own smss.exe instance, which starts the session's winlogon.
    t = later(time, s, 9_000, 15_000)
    admin = dc01.new_logon("CORP\\adm-akumar", t, 2)
    session_manager = dc01.make_process(
        dc01.core["smss"], dc01.core["smss"].image, "\\SystemRoot\\System32\\smss.exe 000000b4 "
        "00000084", t, dc01.system_logon, "System",
    )
    winlogon = dc01.spawn(
        session_manager, "C:\\Windows\\System32\\winlogon.exe", "winlogon.exe",
        t, dc01.system_in_session(2), "System",
    )
    userinit = dc01.spawn(
        winlogon, "C:\\Windows\\System32\\userinit.exe", "C:\\Windows\\system32\\userinit.exe",
        later(t, s, 6_000, 9_000), admin, "High", near_misses=("CAR-2014-11-008",),
    )
    explorer = dc01.spawn(
        userinit, "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE",
        later(userinit.start, s, 900, 2_000),
    )
    dc01.terminate(userinit, later(explorer.start, s, 5_000, 9_000))

    # Server Manager starts at logon from a scheduled task, under the task scheduler's svchost.
    manager = dc01.spawn(
        dc01.core["netsvcs"], "C:\\Windows\\System32\\ServerManager.exe",
        '"C:\\Windows\\system32\\ServerManager.exe" ', later(explorer.start, s, 3_000, 6_000),
        admin, "High",
    )
    domain.tcp(
        manager, fs01, fs01.core["networkservice"], 5985, later(manager.start, s, 8_000, 20_000)
    )

    end = later(manager.start, s, 1_200_000, 2_700_000)
    for process in (manager, explorer, winlogon):
        end = later(end, s, 300, 3_000)
        dc01.terminate(process, end)
    ws02.terminate(client, later(end, s, 500, 2_000))


# Kiosk ----------------------------------------------------------------------------


def kiosk_logon(domain: Domain, time: dt.datetime) -> None:
    """Log the kiosk account on: its shell is launcher.exe, which keeps kiosk.exe running."""
    s = domain.scenario
    kiosk = domain.kiosk01
    kiosk_logon_session = kiosk.new_logon("CORP\\kiosk", time, 1)
    userinit = kiosk.spawn(
        kiosk.core["winlogon"], "C:\\Windows\\System32\\userinit.exe",
        "C:\\Windows\\system32\\userinit.exe", time, kiosk_logon_session, "Medium",
        near_misses=("CAR-2014-11-008",),
    )
    launcher = kiosk.spawn(
        userinit, "C:\\Kiosk\\launcher.exe", "C:\\Kiosk\\launcher.exe C:\\Kiosk\\kiosk.exe",
        later(time, s, 700, 1_500), current_directory="C:\\Kiosk\\",
        near_misses=("CAR-2014-11-003",),
    )
    kiosk.terminate(userinit, later(launcher.start, s, 3_000, 6_000))
    app = kiosk.spawn(
        launcher, "C:\\Kiosk\\kiosk.exe", "C:\\Kiosk\\kiosk.exe --fullscreen --lobby",
        later(launcher.start, s, 400, 1_200),
    )
    domain.sessions[kiosk.name] = Session(kiosk_logon_session, launcher, {"kiosk": app})


def kiosk_day(domain: Domain, day: dt.date) -> None:
    s = domain.scenario
    kiosk = domain.kiosk01
    session = domain.sessions[kiosk.name]
    app = session.apps["kiosk"]
    domain.internet(app, KIOSK_SERVICE, 443, at(day, 9, 0, 45, s))
    if is_weekday(day):
        domain.internet(app, KIOSK_SERVICE, 443, at(day, 14, 0, 120, s))
    if day in STICKY_KEYS_DAYS:
        t = at(day, 11, 0, 90, s)
        keys = kiosk.spawn(
            kiosk.core["winlogon"], "C:\\Windows\\System32\\sethc.exe",
            "C:\\Windows\\System32\\sethc.exe 211", t, session.logon, "Medium",
            near_misses=("CAR-2014-11-003", "CAR-2014-11-008"),
        )
        kiosk.terminate(keys, later(t, s, 2_000, 9_000))

