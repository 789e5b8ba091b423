"""The demo domain: five hosts of corp.example, their boots and shared helpers.

==========  =============  ===========================  ================================
host        address        release                      role
==========  =============  ===========================  ================================
DC01        10.20.0.10     Windows Server 2012 R2       domain controller, DNS
FS01        10.20.0.20     Windows Server 2012 R2       file server, backup agent
WS01        10.20.1.101    Windows 7 SP1                finance clerk jsmith (UAC off)
WS02        10.20.1.102    Windows 10 1511              administrator akumar
KIOSK01     10.20.1.150    Windows 7 SP1                lobby kiosk, custom shell
==========  =============  ===========================  ================================

Internet peers use the documentation ranges: 192.0.2.0/24 for benign services
and 203.0.113.0/24 for the intruder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from carhunt.demo.world import (
    WIN7,
    WIN10,
    WIN2012R2,
    Endpoint,
    Host,
    Logon,
    OsProfile,
    Process,
    Scenario,
    ephemeral_port,
)

SYSTEM32 = "C:\\Windows\\System32"
SVCHOST = f"{SYSTEM32}\\svchost.exe"
SERVICES = f"{SYSTEM32}\\services.exe"
CMD = f"{SYSTEM32}\\cmd.exe"

# Processes that start before the Sysmon service: (role, image, command line, parent role).
CORE_PROCESSES = (
    ("system", "System", "", ""),
    ("smss", f"{SYSTEM32}\\smss.exe", "\\SystemRoot\\System32\\smss.exe", "system"),
    (
        "csrss",
        f"{SYSTEM32}\\csrss.exe",
        "%SystemRoot%\\system32\\csrss.exe ObjectDirectory=\\Windows SharedSection=1024,20480,768",
        "smss",
    ),
    ("wininit", f"{SYSTEM32}\\wininit.exe", "wininit.exe", "smss"),
    ("services", SERVICES, "C:\\Windows\\system32\\services.exe", "wininit"),
    ("lsass", f"{SYSTEM32}\\lsass.exe", "C:\\Windows\\system32\\lsass.exe", "wininit"),
    ("winlogon", f"{SYSTEM32}\\winlogon.exe", "winlogon.exe", "smss"),
    ("dcomlaunch", SVCHOST, "C:\\Windows\\system32\\svchost.exe -k DcomLaunch", "services"),
    ("rpcss", SVCHOST, "C:\\Windows\\system32\\svchost.exe -k RPCSS", "services"),
    ("netsvcs", SVCHOST, "C:\\Windows\\system32\\svchost.exe -k netsvcs", "services"),
    (
        "networkservice",
        SVCHOST,
        "C:\\Windows\\system32\\svchost.exe -k NetworkService",
        "services",
    ),
)

SECURITY_CLIENT = '"C:\\Program Files\\Microsoft Security Client\\MsMpEng.exe"'
VMTOOLS = '"C:\\Program Files\\VMware\\VMware Tools\\vmtoolsd.exe"'
CONTOSO_AGENT = "C:\\Program Files\\Contoso Backup\\Agent\\cbagent.exe"

# Services that start after Sysmon, so each boot logs them as children of services.exe.
BOOT_SERVICES = {
    "DC01": (
        "C:\\Windows\\system32\\svchost.exe -k LocalServiceNoNetwork",
        "C:\\Windows\\system32\\dns.exe",
        "C:\\Windows\\system32\\DFSRs.exe",
        "C:\\Windows\\System32\\ismserv.exe",
        "C:\\Windows\\ADWS\\Microsoft.ActiveDirectory.WebServices.exe",
        SECURITY_CLIENT,
        VMTOOLS,
    ),
    "FS01": (
        "C:\\Windows\\system32\\svchost.exe -k LocalServiceNoNetwork",
        "C:\\Windows\\System32\\spoolsv.exe",
        f"{CONTOSO_AGENT} -service",
        SECURITY_CLIENT,
        VMTOOLS,
    ),
    "WS01": (
        "C:\\Windows\\system32\\svchost.exe -k LocalServiceAndNoImpersonation",
        "C:\\Windows\\System32\\spoolsv.exe",
        SECURITY_CLIENT,
        VMTOOLS,
        '"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe" /svc',
        "C:\\Windows\\system32\\SearchIndexer.exe /Embedding",
    ),
    "WS02": (
        "C:\\Windows\\system32\\svchost.exe -k LocalServiceNoNetwork",
        "C:\\Windows\\System32\\spoolsv.exe",
        '"C:\\Program Files\\Windows Defender\\MsMpEng.exe"',
        '"C:\\Program Files\\Windows Defender\\NisSrv.exe"',
        VMTOOLS,
        "C:\\Windows\\system32\\SearchIndexer.exe /Embedding",
    ),
    "KIOSK01": (
        "C:\\Windows\\system32\\svchost.exe -k LocalServiceAndNoImpersonation",
        SECURITY_CLIENT,
        VMTOOLS,
    ),
}
BOOT_DRIVERS = (
    ("C:\\Windows\\System32\\drivers\\peauth.sys", "Microsoft Windows"),
    ("C:\\Windows\\system32\\DRIVERS\\vmhgfs.sys", "VMware, Inc."),
)
SERVER_DRIVERS = (("C:\\Windows\\System32\\DRIVERS\\srv2.sys", "Microsoft Windows"),)


def image_of(command_line: str) -> str:
    """Return the program path that starts a command line (quoted or up to '.exe')."""
    if command_line.startswith('"'):
        return command_line[1:].split('"', 1)[0]
    end = command_line.lower().find(".exe")
    return command_line[: end + 4]


@dataclass
class Session:
    """An interactive logon: its user, shell and the applications it runs."""

    logon: Logon
    explorer: Process
    apps: dict[str, Process] = field(default_factory=dict)


@dataclass
class Domain:
    """The five monitored hosts and the state the daily routines share."""

    scenario: Scenario
    dc01: Host
    fs01: Host
    ws01: Host
    ws02: Host
    kiosk01: Host
    sessions: dict[str, Session] = field(default_factory=dict)
    """Open interactive sessions by host name."""
    latest: dict[str, Session] = field(default_factory=dict)
    """The latest interactive session of each host, open or ended."""
    services: dict[tuple[str, str], Process] = field(default_factory=dict)
    """Running service processes by (host, image), from the latest boot."""

    @property
    def hosts(self) -> tuple[Host, ...]:
        return (self.dc01, self.fs01, self.ws01, self.ws02, self.kiosk01)

    def service(self, host: Host, image: str) -> Process:
        """Return the running service process of an image on a host."""
        return self.services[(host.name, image.lower())]

    def boot(self, host: Host, time: dt.datetime) -> None:
        """Restart a host: core processes, Sysmon, late services and drivers."""
        rng = self.scenario.rng
        host.boot(time, CORE_PROCESSES)
        self.sessions.pop(host.name, None)
        services = host.core["services"]
        t = time + dt.timedelta(seconds=rng.randrange(20, 40))
        for command_line in BOOT_SERVICES[host.name]:
            t += dt.timedelta(milliseconds=rng.randrange(150, 2_500))
            image = image_of(command_line)
            logon = host.local_service if "LocalService" in command_line else host.system_logon
            process = host.spawn(services, image, command_line, t, logon, "System")
            self.services[(host.name, image.lower())] = process
        drivers = BOOT_DRIVERS + (SERVER_DRIVERS if host.os is WIN2012R2 else ())
        for driver, signature in drivers:
            t += dt.timedelta(milliseconds=rng.randrange(300, 4_000))
            host.load_driver(t, driver, signature)

    def tcp(
        self,
        client: Process,
        server: Host,
        server_process: Process | None,
        port: int,
        time: dt.datetime,
        hits: tuple[str, ...] = (),
        near_misses: tuple[str, ...] = (),
        server_lag_ms: int | None = None,
        server_hits: tuple[str, ...] = (),
    ) -> None:
        """Connect a process to a port of a domain host; both ends log it."""
        rng = self.scenario.rng
        self.scenario.connect(
            Endpoint(client.host.ip, ephemeral_port(rng), client, client.host.fqdn),
            Endpoint(server.ip, port, server_process, server.fqdn),
            time,
            server_lag_ms=server_lag_ms,
            hits=hits,
            near_misses=near_misses,
            server_hits=server_hits,
        )

    def internet(self, client: Process, ip: str, port: int, time: dt.datetime) -> None:
        """Connect a process to an address outside the domain."""
        rng = self.scenario.rng
        self.scenario.connect(
            Endpoint(client.host.ip, ephemeral_port(rng), client, client.host.fqdn),
            Endpoint(ip, port),
            time,
        )


DOMAIN_NAME = "corp.example"
ADDRESSES = {
    "DC01": "10.20.0.10",
    "FS01": "10.20.0.20",
    "WS01": "10.20.1.101",
    "WS02": "10.20.1.102",
    "KIOSK01": "10.20.1.150",
}


def build_domain(scenario: Scenario) -> Domain:
    """Create the hosts of corp.example (machine ids and record numbers are seeded)."""

    def host(name: str, os: OsProfile) -> Host:
        return Host(scenario, name, ADDRESSES[name], os, DOMAIN_NAME)

    return Domain(
        scenario,
        dc01=host("DC01", WIN2012R2),
        fs01=host("FS01", WIN2012R2),
        ws01=host("WS01", WIN7),
        ws02=host("WS02", WIN10),
        kiosk01=host("KIOSK01", WIN7),
    )


def at(day: dt.date, hour: int, minute: int, spread: int, scenario: Scenario) -> dt.datetime:
    """Return a time on a day, ``spread`` minutes either way, with seconds and milliseconds."""
    rng = scenario.rng
    base = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)
    offset = rng.randrange(-spread * 60_000, spread * 60_000 + 1) if spread else 0
    return base + dt.timedelta(milliseconds=offset + rng.randrange(0, 59_999))


def later(time: dt.datetime, scenario: Scenario, low_ms: int, high_ms: int) -> dt.datetime:
    """Return a time a random number of milliseconds after another."""
    return time + dt.timedelta(milliseconds=scenario.rng.randrange(low_ms, high_ms))
