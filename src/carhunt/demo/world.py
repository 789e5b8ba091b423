"""Hosts, logons and processes of the demo domain, and their Sysmon 3.2 events.

A :class:`Scenario` owns one seeded random generator, the hosts and every event
they log. Hosts hand out process ids, process GUIDs and logon GUIDs in the
format of Sysmon before version 10. Each activity becomes an event with the
EventData fields of Sysmon 3.2, in the order Sysmon writes them. The events are
numbered and rendered to the JSON tree of ``evtx_dump -o jsonl`` (pyevtx-rs)
once all of them exist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

SYSMON_PROVIDER = {
    "#attributes": {
        "Name": "Microsoft-Windows-Sysmon",
        "Guid": "5770385F-C22A-43E0-BF4C-06F5698FFBD9",
    }
}
SYSMON_CHANNEL = "Microsoft-Windows-Sysmon/Operational"
EVENT_NAMESPACE = "http://schemas.microsoft.com/win/2004/08/events/event"

# Event template version per event id, from Sysmon's manifest for config schema 3.10
# (microsoft/SysmonCommon), the schema of the 3.x releases.
TEMPLATE_VERSION = {1: 5, 2: 4, 3: 5, 4: 3, 5: 3, 6: 3, 7: 3, 8: 2}

SYSTEM_LOGON_ID = 0x3E7
LOCAL_SERVICE_LOGON_ID = 0x3E5
NETWORK_SERVICE_LOGON_ID = 0x3E4


def utc_text(time: dt.datetime) -> str:
    """Format a time as Sysmon's UtcTime: ``YYYY-MM-DD HH:MM:SS.fff``."""
    return f"{time:%Y-%m-%d %H:%M:%S}.{time.microsecond // 1000:03d}"


def system_time_text(time: dt.datetime) -> str:
    """Format a time as pyevtx-rs writes TimeCreated/@SystemTime."""
    return f"{time:%Y-%m-%dT%H:%M:%S}.{time.microsecond:06d}Z"


def unix_seconds(time: dt.datetime) -> int:
    return int(time.timestamp())


def file_hashes(identity: str) -> str:
    """Return a ``Hashes`` value (MD5 and SHA256) for one file identity.

    The identity stands for the file's content: two images with the same
    identity are byte-identical copies, so they get the same hashes.
    """
    seed = f"carhunt-demo:{identity}".encode()
    md5 = hashlib.md5(seed, usedforsecurity=False).hexdigest().upper()
    sha256 = hashlib.sha256(seed).hexdigest().upper()
    return f"MD5={md5},SHA256={sha256}"


@dataclass(frozen=True)
class OsProfile:
    """A Windows release; its name makes a system file's hashes differ between releases."""

    name: str


WIN7 = OsProfile("Windows 7 SP1 x64 6.1.7601")
WIN10 = OsProfile("Windows 10 1511 x64 10.0.10586")
WIN2012R2 = OsProfile("Windows Server 2012 R2 6.3.9600")


@dataclass
class Logon:
    """A logon session: its user, id, GUID and terminal session."""

    user: str
    logon_id: int
    guid: str
    session: int


@dataclass
class Process:
    """A process as Sysmon identifies it."""

    host: Host
    pid: int
    guid: str
    image: str
    command_line: str
    current_directory: str
    logon: Logon
    integrity: str
    hashes: str
    parent: Process | None
    start: dt.datetime


@dataclass
class Event:
    """One Sysmon record before numbering: host, event id, time and EventData."""

    host: Host
    event_id: int
    time: dt.datetime
    data: dict[str, Any]
    logged_after_us: int
    """Microseconds between UtcTime and the event log's TimeCreated."""
    sequence: int
    intrusion: bool
    """True for the intrusion's events, False for the benign background."""
    execution: tuple[int, int]
    """Process and thread id of the Sysmon service that logged the event."""
    hits: tuple[str, ...] = ()
    """Analytics this event is written to trigger."""
    near_misses: tuple[str, ...] = ()
    """Analytics this event resembles but must not trigger."""
    record_id: int = 0
    line: int = 0

    @property
    def ref(self) -> str:
        return f"line:{self.line}"

    @property
    def created(self) -> dt.datetime:
        return self.time + dt.timedelta(microseconds=self.logged_after_us)


class Host:
    """One monitored Windows computer and the Sysmon service logging on it."""

    def __init__(
        self,
        scenario: Scenario,
        name: str,
        ip: str,
        os: OsProfile,
        domain: str = "corp.example",
    ) -> None:
        self.scenario = scenario
        self.name = name
        self.fqdn = f"{name}.{domain}"
        self.ip = ip
        self.os = os
        rng = scenario.rng
        self.machine_id = f"{rng.getrandbits(32):08X}"
        self.first_record_id = rng.randrange(2_000, 60_000)
        self.sysmon_pid = 0
        self.sysmon_threads: tuple[int, ...] = ()
        self.process_counter = 0
        self.live_pids: set[int] = set()
        """Process ids of processes that have not ended, logged or not."""
        self.recent_pids: list[int] = []
        self.system_logon = Logon("NT AUTHORITY\\SYSTEM", SYSTEM_LOGON_ID, "", 0)
        self.local_service = Logon("NT AUTHORITY\\LOCAL SERVICE", LOCAL_SERVICE_LOGON_ID, "", 0)
        self.network_service = Logon(
            "NT AUTHORITY\\NETWORK SERVICE", NETWORK_SERVICE_LOGON_ID, "", 0
        )
        self.core: dict[str, Process] = {}
        """Long-running processes that started before Sysmon, by role."""

    # Identifiers -------------------------------------------------------------------

    def new_pid(self) -> int:
        """Return a process id that no running process holds and no recent one held."""
        rng = self.scenario.rng
        while True:
            pid = rng.randrange(260, 9_000, 4)
            if pid not in self.live_pids and pid not in self.recent_pids:
                break
        self.recent_pids.append(pid)
        del self.recent_pids[:-300]
        self.live_pids.add(pid)
        return pid

    def process_guid(self, start: dt.datetime) -> str:
        """Return a process GUID in the layout of logs from Sysmon before version 10.

        The first group identifies the machine, and the next two hold the low and
        high 16 bits of the start time in Unix seconds. In real logs the last eight
        hex digits grow with each process since boot, written little-endian, so
        they are a counter here.
        """
        self.process_counter += self.scenario.rng.randrange(0x80, 0x9000)
        seconds = unix_seconds(start)
        counter = self.process_counter.to_bytes(4, "little").hex().upper()
        return f"{self.machine_id}-{seconds & 0xFFFF:04X}-{seconds >> 16:04X}-0000-0010{counter}"

    def logon_guid(self, logon_id: int, time: dt.datetime) -> str:
        """Return a logon GUID: machine, logon time, then ``0000-0020`` and the logon id."""
        seconds = unix_seconds(time)
        packed = (logon_id & 0xFFFFFFFF).to_bytes(4, "little").hex().upper()
        return f"{self.machine_id}-{seconds & 0xFFFF:04X}-{seconds >> 16:04X}-0000-0020{packed}"

    def system_in_session(self, session: int) -> Logon:
        """Return the SYSTEM logon as seen by processes of another terminal session."""
        return Logon(self.system_logon.user, SYSTEM_LOGON_ID, self.system_logon.guid, session)

    def new_logon(self, user: str, time: dt.datetime, session: int) -> Logon:
        """Return a new interactive or network logon of a user, with a random logon id."""
        logon_id = self.scenario.rng.randrange(0x20000, 0x9FFFFF)
        return Logon(user, logon_id, self.logon_guid(logon_id, time), session)

    # Boot --------------------------------------------------------------------------

    def boot(self, time: dt.datetime, core: Iterable[tuple[str, str, str, str]]) -> None:
        """Restart the host: new system logon GUIDs, new core processes, Sysmon started.

        ``core`` lists (role, image, command line, parent role) of processes that
        start before the Sysmon service and so have no process-create event.
        """
        rng = self.scenario.rng
        self.process_counter = rng.randrange(0x1000, 0x8000)
        self.live_pids = {4}
        self.core = {}
        for logon in (self.system_logon, self.local_service, self.network_service):
            logon.guid = self.logon_guid(logon.logon_id, time)
        started = time
        for role, image, command_line, parent_role in core:
            started += dt.timedelta(milliseconds=rng.randrange(40, 900))
            parent = self.core.get(parent_role)
            process = self.make_process(
                parent, image, command_line, started, self.system_logon, "System"
            )
            if image == "System":
                process.pid = 4
            self.core[role] = process
        self.sysmon_pid = self.new_pid()
        self.sysmon_threads = tuple(rng.randrange(300, 9_000, 4) for _ in range(3))
        self.scenario.emit(self, 4, started + dt.timedelta(seconds=2), {"State": "Started"})

    def make_process(
        self,
        parent: Process | None,
        image: str,
        command_line: str,
        start: dt.datetime,
        logon: Logon,
        integrity: str,
        current_directory: str = "C:\\Windows\\system32\\",
        identity: str | None = None,
    ) -> Process:
        """Create a process without logging it."""
        return Process(
            host=self,
            pid=self.new_pid(),
            guid=self.process_guid(start),
            image=image,
            command_line=command_line,
            current_directory=current_directory,
            logon=logon,
            integrity=integrity,
            hashes=file_hashes(identity or f"{self.os.name}|{image.lower()}"),
            parent=parent,
            start=start,
        )

    # Activity ----------------------------------------------------------------------

    def spawn(
        self,
        parent: Process,
        image: str,
        command_line: str,
        time: dt.datetime,
        logon: Logon | None = None,
        integrity: str | None = None,
        current_directory: str | None = None,
        identity: str | None = None,
        hits: tuple[str, ...] = (),
        near_misses: tuple[str, ...] = (),
    ) -> Process:
        """Start a process and log its event 1 (Sysmon 3.2: 16 EventData fields)."""
        process = self.make_process(
            parent,
            image,
            command_line,
            time,
            logon or parent.logon,
            integrity or parent.integrity,
            current_directory or parent.current_directory,
            identity,
        )
        self.scenario.emit(
            self,
            1,
            time,
            {
                "ProcessGuid": process.guid,
                "ProcessId": process.pid,
                "Image": image,
                "CommandLine": command_line,
                "CurrentDirectory": process.current_directory,
                "User": process.logon.user,
                "LogonGuid": process.logon.guid,
                "LogonId": f"0x{process.logon.logon_id:x}",
                "TerminalSessionId": process.logon.session,
                "IntegrityLevel": process.integrity,
                "Hashes": process.hashes,
                "ParentProcessGuid": parent.guid,
                "ParentProcessId": parent.pid,
                "ParentImage": parent.image,
                "ParentCommandLine": parent.command_line,
            },
            hits,
            near_misses,
        )
        return process

    def terminate(self, process: Process, time: dt.datetime) -> None:
        """Log the end of a process (event 5)."""
        self.live_pids.discard(process.pid)
        self.scenario.emit(
            self,
            5,
            time,
            {"ProcessGuid": process.guid, "ProcessId": process.pid, "Image": process.image},
        )

    def load_image(
        self, process: Process, time: dt.datetime, module: str, signature: str
    ) -> None:
        """Log a module loaded into a process (event 7)."""
        self.scenario.emit(
            self,
            7,
            time,
            {
                "ProcessGuid": process.guid,
                "ProcessId": process.pid,
                "Image": process.image,
                "ImageLoaded": module,
                "Hashes": file_hashes(f"{self.os.name}|{module.lower()}"),
                "Signed": "true" if signature else "false",
                "Signature": signature,
            },
        )

    def load_driver(self, time: dt.datetime, driver: str, signature: str) -> None:
        """Log a kernel driver load (event 6)."""
        self.scenario.emit(
            self,
            6,
            time,
            {
                "ImageLoaded": driver,
                "Hashes": file_hashes(f"{self.os.name}|{driver.lower()}"),
                "Signed": "true",
                "Signature": signature,
            },
        )

    def remote_thread(
        self,
        source: Process,
        target: Process,
        time: dt.datetime,
        start_address: str,
        start_module: str,
        start_function: str,
        hits: tuple[str, ...] = (),
        near_misses: tuple[str, ...] = (),
    ) -> None:
        """Log a thread created in another process (event 8, with its start info)."""
        self.scenario.emit(
            self,
            8,
            time,
            {
                "SourceProcessGuid": source.guid,
                "SourceProcessId": source.pid,
                "SourceImage": source.image,
                "TargetProcessGuid": target.guid,
                "TargetProcessId": target.pid,
                "TargetImage": target.image,
                "NewThreadId": self.scenario.rng.randrange(300, 9_000, 4),
                "StartAddress": start_address,
                "StartModule": start_module,
                "StartFunction": start_function,
            },
            hits,
            near_misses,
        )


PORT_NAMES = {
    22: "ssh",
    53: "domain",
    80: "http",
    88: "kerberos",
    135: "epmap",
    389: "ldap",
    443: "https",
    445: "microsoft-ds",
    3389: "ms-wbt-server",
}


@dataclass(frozen=True)
class Endpoint:
    """One end of a connection: a process on a monitored host, or a remote address."""

    ip: str
    port: int
    process: Process | None = None
    hostname: str = ""


def ephemeral_port(rng: random.Random) -> int:
    """Return a client port from Windows' dynamic range (49152-65535)."""
    return rng.randrange(49_152, 65_536)


@dataclass
class Scenario:
    """The seeded random source and every event logged so far."""

    seed: int
    start: dt.datetime
    rng: random.Random = field(init=False)
    events: list[Event] = field(default_factory=list)
    intrusion_phase: bool = False

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def emit(
        self,
        host: Host,
        event_id: int,
        time: dt.datetime,
        data: dict[str, Any],
        hits: tuple[str, ...] = (),
        near_misses: tuple[str, ...] = (),
    ) -> Event:
        """Log one event on a host; UtcTime is written first, as Sysmon does."""
        delay = self.rng.randrange(300, 40_000)
        if event_id == 3:
            # Sysmon writes a network event some time after the connection opened, so
            # TimeCreated trails UtcTime further than for other events (0.1-2.5 s here).
            delay += self.rng.randrange(100_000, 2_500_000)
        event = Event(
            host=host,
            event_id=event_id,
            time=time,
            data={"UtcTime": utc_text(time), **data},
            logged_after_us=delay,
            sequence=len(self.events),
            intrusion=self.intrusion_phase,
            execution=(host.sysmon_pid, self.rng.choice(host.sysmon_threads)),
            hits=hits,
            near_misses=near_misses,
        )
        self.events.append(event)
        return event

    def connect(
        self,
        client: Endpoint,
        server: Endpoint,
        time: dt.datetime,
        protocol: str = "tcp",
        server_lag_ms: int | None = None,
        hits: tuple[str, ...] = (),
        near_misses: tuple[str, ...] = (),
        server_hits: tuple[str, ...] = (),
    ) -> None:
        """Log a connection on each monitored end (event 3).

        The client logs it as initiated. The server logs it as Sysmon before
        version 10 does: not initiated, with its own listening endpoint in the
        Source fields and the remote client in the Destination fields.
        ``server_hits`` are analytics only the server's record should trigger.
        """
        if client.process is not None:
            self._flow(client.process, time, protocol, True, client, server, hits, near_misses)
        if server.process is not None:
            lag = server_lag_ms if server_lag_ms is not None else self.rng.randrange(1, 6)
            # The server's clock and logging lag behind the client by a few milliseconds.
            server_time = time + dt.timedelta(milliseconds=lag)
            self._flow(
                server.process, server_time, protocol, False, server, client,
                (*hits, *server_hits), near_misses,
            )

    def _flow(
        self,
        process: Process,
        time: dt.datetime,
        protocol: str,
        initiated: bool,
        source: Endpoint,
        destination: Endpoint,
        hits: tuple[str, ...],
        near_misses: tuple[str, ...],
    ) -> None:
        self.emit(
            process.host,
            3,
            time,
            {
                "ProcessGuid": process.guid,
                "ProcessId": process.pid,
                "Image": process.image,
                "User": process.logon.user,
                "Protocol": protocol,
                "Initiated": initiated,
                "SourceIsIpv6": False,
                "SourceIp": source.ip,
                "SourceHostname": source.hostname,
                "SourcePort": source.port,
                "SourcePortName": PORT_NAMES.get(source.port, ""),
                "DestinationIsIpv6": False,
                "DestinationIp": destination.ip,
                "DestinationHostname": destination.hostname,
                "DestinationPort": destination.port,
                "DestinationPortName": PORT_NAMES.get(destination.port, ""),
            },
            hits,
            near_misses,
        )

    def number(self, hosts: Iterable[Host]) -> list[Event]:
        """Number each host's records in log order and lay hosts out one after another.

        The file reads like the ``evtx_dump -o jsonl`` output of each host's
        Sysmon log, concatenated host by host. Line numbers start at 1.
        """
        ordered: list[Event] = []
        for host in hosts:
            own = [e for e in self.events if e.host is host]
            own.sort(key=lambda e: (e.created, e.sequence))
            for offset, event in enumerate(own):
                event.record_id = host.first_record_id + offset
            ordered.extend(own)
        for line, event in enumerate(ordered, start=1):
            event.line = line
        return ordered


def render(event: Event) -> dict[str, Any]:
    """Return the record as pyevtx-rs renders it: ``{"Event": {System, EventData}}``."""
    process_id, thread_id = event.execution
    system = {
        "Provider": SYSMON_PROVIDER,
        "EventID": event.event_id,
        "Version": TEMPLATE_VERSION[event.event_id],
        "Level": 4,
        "Task": event.event_id,
        "Opcode": 0,
        "Keywords": "0x8000000000000000",
        "TimeCreated": {"#attributes": {"SystemTime": system_time_text(event.created)}},
        "EventRecordID": event.record_id,
        "Correlation": None,
        "Execution": {"#attributes": {"ProcessID": process_id, "ThreadID": thread_id}},
        "Channel": SYSMON_CHANNEL,
        "Computer": event.host.fqdn,
        "Security": {"#attributes": {"UserID": "S-1-5-18"}},
    }
    return {
        "Event": {
            "#attributes": {"xmlns": EVENT_NAMESPACE},
            "System": system,
            "EventData": event.data,
        }
    }
