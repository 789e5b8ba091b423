"""A plain-Python reading of the 24 recommended CAR rules, for the demo's expected hits.

The generator runs these rules over the events it writes and stores the result
as the expected hits of the demo. They are a second, independent implementation
of the rules (record by record, on the generator's own values), so that a test
comparing them with the SQL analytics catches a mistake in either.

The evidence of a hit is what the analytic's query reports:

* one event, for the rules that test single events;
* the shell and the reg.exe it started, for CAR-2013-03-001;
* every event of the cluster, for CAR-2013-04-002;
* every process start with the shared hash, for CAR-2013-05-009;
* the connection and the service start, for CAR-2014-03-005;
* every record of one endpoint-mapper and dynamic-port exchange, from the client
  and from the server, for CAR-2014-05-001.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from carhunt.demo.world import Event

Evidence = tuple[str, ...]


def basename(path: str) -> str:
    return re.split(r"[\\/]", path)[-1].casefold()


@dataclass(frozen=True)
class ProcessStart:
    ref: str
    host: str
    time: dt.datetime
    pid: int
    ppid: int
    guid: str
    parent_guid: str
    image: str
    exe: str
    parent_image: str
    parent_exe: str
    command_line: str
    md5: str


@dataclass(frozen=True)
class Flow:
    """A connection oriented so that source is the initiator (Sysmon < 10 inbound swapped)."""

    ref: str
    host: str
    time: dt.datetime
    pid: int
    guid: str
    exe: str
    protocol: str
    initiated: bool
    src_ip: str
    src_port: int
    dest_ip: str
    dest_port: int


@dataclass(frozen=True)
class RemoteThread:
    ref: str
    host: str
    src_image: str
    start_function: str


@dataclass
class Records:
    """The events as the rules read them, one list per CAR object/action."""

    processes: list[ProcessStart]
    flows: list[Flow]
    threads: list[RemoteThread]
    now: dt.datetime


def records_from(events: Iterable[Event]) -> Records:
    """Return the records the rules read; "now" is the time of the latest event of any kind."""
    processes, flows, threads = [], [], []
    now = dt.datetime.min.replace(tzinfo=dt.UTC)
    for event in events:
        data = event.data
        host = event.host.name.casefold()
        now = max(now, event.time)
        if event.event_id == 1:
            md5 = re.search(r"MD5=([0-9A-F]+)", data["Hashes"])
            processes.append(
                ProcessStart(
                    event.ref, host, event.time, data["ProcessId"], data["ParentProcessId"],
                    data["ProcessGuid"], data["ParentProcessGuid"], data["Image"],
                    basename(data["Image"]), data["ParentImage"], basename(data["ParentImage"]),
                    data["CommandLine"], md5.group(1).lower() if md5 else "",
                )
            )
        elif event.event_id == 3:
            source = (data["SourceIp"], data["SourcePort"])
            destination = (data["DestinationIp"], data["DestinationPort"])
            if not data["Initiated"]:
                source, destination = destination, source
            flows.append(
                Flow(
                    event.ref, host, event.time, data["ProcessId"], data["ProcessGuid"],
                    basename(data["Image"]), data["Protocol"].casefold(), data["Initiated"],
                    source[0], source[1], destination[0], destination[1],
                )
            )
        elif event.event_id == 8:
            threads.append(
                RemoteThread(event.ref, host, data["SourceImage"], data["StartFunction"])
            )
    return Records(processes, flows, threads, now)


def each(records: Iterable[ProcessStart], test: Callable[[ProcessStart], bool]) -> list[Evidence]:
    return [(p.ref,) for p in records if test(p)]


# Single-event rules on process starts -----------------------------------------------

ACCESSIBILITY = ("sethc.exe", "utilman.exe", "osk.exe", "narrator.exe", "magnify.exe")
ACCESSIBILITY_ARGUMENT = re.compile(
    r"\s.*(?<![\w.-])(sethc|utilman|osk|narrator|magnify)\.exe", re.IGNORECASE
)
RUN_LOCATIONS = re.compile(
    r"^(?:[A-Z]:\\RECYCLER\\|[A-Z]:\\System ?Volume ?Information\\|C:\\Windows\\Tasks\\"
    r"|C:\\Windows\\debug\\)",
    re.IGNORECASE,
)
DISCOVERY = (
    "hostname.exe", "ipconfig.exe", "net.exe", "quser.exe", "qwinsta.exe", "systeminfo.exe",
    "tasklist.exe", "whoami.exe", "dsquery.exe",
)
SC_VERBS = re.compile(r"(?:^|\s)(query|queryex|qc)(?:\s|$)", re.IGNORECASE)
IPV4_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
SUSPICIOUS_ARGUMENTS = {
    "scp": re.compile(r"(?:^|\s)-pw\s+\S+\s+(?:.*\s)?\S+@\S+", re.IGNORECASE),
    "mimikatz": re.compile(r"sekurlsa", re.IGNORECASE),
    "rar": re.compile(r"(?:^|\s)-hp", re.IGNORECASE),
    "archive": re.compile(r" a ", re.IGNORECASE),
    "ip_addr": re.compile(rf"\b{IPV4_OCTET}(?:\.{IPV4_OCTET}){{3}}\b"),
}
PORT_FORWARD = (
    re.compile(r"(?:^|\s)-R\s", re.IGNORECASE),
    re.compile(r"(?:^|\s)-pw\s", re.IGNORECASE),
)


def suspicious_arguments(command_line: str) -> bool:
    if all(pattern.search(command_line) for pattern in PORT_FORWARD):
        return True
    return any(pattern.search(command_line) for pattern in SUSPICIOUS_ARGUMENTS.values())


def unquoted_service_path(p: ProcessStart) -> bool:
    command_line = p.command_line.lstrip()
    return (
        p.parent_exe == "services.exe"
        and not command_line.startswith('"')
        and " " in command_line
        and " " not in p.image
        and p.exe not in command_line.casefold()
    )


def remote_wmic(p: ProcessStart) -> bool:
    return (
        p.exe == "wmic.exe"
        and re.search(r"(?:^|\s)[/-]node:", p.command_line, re.IGNORECASE) is not None
        and re.search(r"process\s+call\s+create", p.command_line, re.IGNORECASE) is not None
    )


SINGLE_EVENT_RULES: dict[str, Callable[[ProcessStart], bool]] = {
    "CAR-2013-02-003": lambda p: p.exe == "cmd.exe",
    "CAR-2013-05-002": lambda p: RUN_LOCATIONS.search(p.image) is not None,
    "CAR-2013-05-004": lambda p: p.exe == "at.exe",
    "CAR-2013-07-001": lambda p: suspicious_arguments(p.command_line),
    "CAR-2013-07-005": lambda p: " a " in p.command_line.casefold(),
    "CAR-2013-08-001": lambda p: p.exe == "schtasks.exe",
    "CAR-2014-03-006": lambda p: p.exe == "rundll32.exe",
    "CAR-2014-04-003": lambda p: p.exe == "powershell.exe" and p.parent_exe != "explorer.exe",
    "CAR-2014-05-002": lambda p: p.exe == "cmd.exe" and p.parent_exe == "services.exe",
    "CAR-2014-07-001": unquoted_service_path,
    "CAR-2014-11-003": lambda p: (
        p.exe not in ACCESSIBILITY and ACCESSIBILITY_ARGUMENT.search(p.command_line) is not None
    ),
    "CAR-2014-11-004": lambda p: p.exe == "wsmprovhost.exe" and p.parent_exe == "svchost.exe",
    "CAR-2014-11-008": lambda p: (
        p.parent_exe == "winlogon.exe" and p.exe in ("cmd.exe", "powershell.exe")
    ),
    "CAR-2016-03-001": lambda p: (
        p.exe in DISCOVERY or (p.exe == "sc.exe" and SC_VERBS.search(p.command_line) is not None)
    ),
    "CAR-2016-03-002": remote_wmic,
}


# Rules over several events -----------------------------------------------------------


def reg_from_shell(records: Records) -> list[Evidence]:
    """CAR-2013-03-001: reg.exe under a cmd.exe that explorer.exe did not start."""
    shells = {(p.host, p.guid): p for p in records.processes if p.exe == "cmd.exe"}
    hits: list[Evidence] = []
    for reg in records.processes:
        if reg.exe != "reg.exe" or reg.parent_exe != "cmd.exe":
            continue
        shell = shells.get((reg.host, reg.parent_guid))
        if shell is not None and shell.parent_exe != "explorer.exe":
            hits.append((shell.ref, reg.ref))
    return hits


QUICK_COMMANDS = (
    "arp.exe", "at.exe", "attrib.exe", "cscript.exe", "dsquery.exe", "hostname.exe",
    "ipconfig.exe", "mimikatz.exe", "nbstat.exe", "nbtstat.exe", "net.exe", "netsh.exe",
    "nslookup.exe", "ping.exe", "quser.exe", "qwinsta.exe", "reg.exe", "runas.exe", "sc.exe",
    "schtasks.exe", "ssh.exe", "systeminfo.exe", "taskkill.exe", "telnet.exe", "tracert.exe",
    "wscript.exe", "xcopy.exe",
)
CLUSTER_GAP = dt.timedelta(minutes=30)


def command_clusters(records: Records) -> list[list[ProcessStart]]:
    """Split listed commands per (host, parent) wherever the gap exceeds 30 minutes."""
    by_parent: dict[tuple[str, str], list[ProcessStart]] = defaultdict(list)
    for p in records.processes:
        if p.exe in QUICK_COMMANDS:
            by_parent[(p.host, p.parent_guid)].append(p)
    clusters = []
    for members in by_parent.values():
        members.sort(key=lambda p: (p.time, p.ref))
        current = [members[0]]
        for previous, event in itertools.pairwise(members):
            if event.time - previous.time > CLUSTER_GAP:
                clusters.append(current)
                current = []
            current.append(event)
        clusters.append(current)
    return clusters


def quick_commands(records: Records) -> list[Evidence]:
    """CAR-2013-04-002: clusters of at least two different listed commands."""
    return [
        tuple(p.ref for p in cluster)
        for cluster in command_clusters(records)
        if len({p.exe for p in cluster}) >= 2
    ]


def same_hash_names(records: Records) -> list[Evidence]:
    """CAR-2013-05-009: one MD5 seen under two or more image names."""
    by_hash: dict[str, list[ProcessStart]] = defaultdict(list)
    for p in records.processes:
        if p.md5 and set(p.md5) != {"0"}:
            by_hash[p.md5].append(p)
    return [
        tuple(p.ref for p in members)
        for members in by_hash.values()
        if len({p.exe for p in members}) >= 2
    ]


def new_in_current_day(
    records: Records, candidates: list[ProcessStart], key: Callable[[ProcessStart], str]
) -> list[Evidence]:
    """Events of [now - 1 day, now] whose key is absent from [now - 30 days, now - 1 day)."""
    day_start = records.now - dt.timedelta(days=1)
    baseline_start = records.now - dt.timedelta(days=30)
    baseline = {key(p) for p in candidates if baseline_start <= p.time < day_start}
    return [
        (p.ref,)
        for p in candidates
        if day_start <= p.time <= records.now and key(p) not in baseline
    ]


def service_outliers(records: Records) -> list[Evidence]:
    """CAR-2013-09-005: children of services.exe whose image is new today."""
    services = [
        p
        for p in records.processes
        if p.parent_image.casefold() == r"c:\windows\system32\services.exe"
    ]
    return new_in_current_day(records, services, lambda p: p.image.casefold())


def cmd_parent_outliers(records: Records) -> list[Evidence]:
    """CAR-2014-11-002: cmd.exe starts whose parent name is new today."""
    shells = [p for p in records.processes if p.exe == "cmd.exe"]
    return new_in_current_day(records, shells, lambda p: p.parent_exe)


def load_library_threads(records: Records) -> list[Evidence]:
    """CAR-2013-10-002: remote threads starting at LoadLibraryA or LoadLibraryW."""
    functions = ("loadlibrarya", "loadlibraryw")
    return [(t.ref,) for t in records.threads if t.start_function.casefold() in functions]


def remote_services(records: Records) -> list[Evidence]:
    """CAR-2014-03-005: a service started within 1 s after services.exe accepted a connection."""
    hits: list[Evidence] = []
    inbound = [f for f in records.flows if f.exe == "services.exe" and not f.initiated]
    for p in records.processes:
        if p.parent_exe != "services.exe":
            continue
        for flow in inbound:
            same_process = flow.guid == p.parent_guid or flow.pid == p.ppid
            lag = p.time - flow.time
            if flow.host == p.host and same_process and dt.timedelta(0) <= lag <= dt.timedelta(
                seconds=1
            ):
                hits.append((flow.ref, p.ref))
    return hits


def rpc_exchanges(records: Records) -> list[Evidence]:
    """CAR-2014-05-001: port 135 then a dynamic port between the same hosts within 2 s.

    Pairs with the same addresses and ports are one exchange when their mapper
    connections lie within 1 s, which merges the client's and the server's view.
    """
    tcp = [f for f in records.flows if f.protocol == "tcp"]
    mappers = [f for f in tcp if f.dest_port == 135]
    dynamic = [f for f in tcp if f.dest_port >= 49_152 and f.src_port >= 49_152]
    pairs = []
    for m in mappers:
        for e in dynamic:
            lag = e.time - m.time
            if (m.src_ip, m.dest_ip) == (e.src_ip, e.dest_ip) and dt.timedelta(
                0
            ) <= lag <= dt.timedelta(seconds=2):
                pairs.append((m, e))
    groups: dict[tuple[str, str, int, int, int], list[tuple[Flow, Flow]]] = defaultdict(list)
    for m, e in pairs:
        groups[(m.src_ip, m.dest_ip, m.src_port, e.src_port, e.dest_port)].append((m, e))
    hits = []
    for members in groups.values():
        members.sort(key=lambda pair: (pair[0].time, pair[0].ref))
        refs: set[str] = set()
        first = members[0][0].time
        for m, e in members:
            if m.time - first > dt.timedelta(seconds=1):
                hits.append(tuple(refs))
                refs, first = set(), m.time
            refs.update((m.ref, e.ref))
        hits.append(tuple(refs))
    return hits


def winrm_flows(records: Records) -> list[Evidence]:
    """CAR-2014-11-006: connections to WinRM, 5985 (HTTP) or 5986 (HTTPS)."""
    return [(f.ref,) for f in records.flows if f.protocol == "tcp" and f.dest_port in (5985, 5986)]


GROUP_RULES: dict[str, Callable[[Records], list[Evidence]]] = {
    "CAR-2013-03-001": reg_from_shell,
    "CAR-2013-04-002": quick_commands,
    "CAR-2013-05-009": same_hash_names,
    "CAR-2013-09-005": service_outliers,
    "CAR-2013-10-002": load_library_threads,
    "CAR-2014-03-005": remote_services,
    "CAR-2014-05-001": rpc_exchanges,
    "CAR-2014-11-002": cmd_parent_outliers,
    "CAR-2014-11-006": winrm_flows,
}

ANALYTIC_IDS = tuple(sorted({*SINGLE_EVENT_RULES, *GROUP_RULES}))


def line_number(ref: str) -> int:
    return int(ref.removeprefix("line:"))


def expected_hits(events: Iterable[Event]) -> dict[str, list[list[str]]]:
    """Return, per analytic id, each hit's evidence refs sorted by line, hits sorted."""
    records = records_from(events)
    result: dict[str, list[list[str]]] = {}
    for analytic_id in ANALYTIC_IDS:
        if analytic_id in SINGLE_EVENT_RULES:
            hits = each(records.processes, SINGLE_EVENT_RULES[analytic_id])
        else:
            hits = GROUP_RULES[analytic_id](records)
        ordered = [sorted(set(hit), key=line_number) for hit in hits]
        result[analytic_id] = sorted(ordered, key=lambda refs: [line_number(r) for r in refs])
    return result


# Distance from the time limits of windowed rules ----------------------------------

BASELINE_MARGIN = dt.timedelta(hours=1)
GAP_MARGIN = dt.timedelta(minutes=1)
JOIN_MARGIN = dt.timedelta(milliseconds=100)


def near(value: dt.timedelta, limit: dt.timedelta, margin: dt.timedelta) -> bool:
    return abs(value - limit) < margin


def boundary_problems(events: Iterable[Event]) -> list[str]:
    """Return events that sit so close to a rule's time limit that rounding could matter.

    An engine may take "now" from another table or compare times at another
    precision. Keeping every candidate clear of the limits makes the expected
    hits hold for any such reading.
    """
    events = list(events)
    records = records_from(events)
    problems = []
    # "Now" is the latest event of the data set. An engine may take it from the
    # process starts alone, so both readings must give the same baseline days.
    process_now = max(p.time for p in records.processes)
    shells = [p for p in records.processes if p.exe == "cmd.exe"]
    services = [p for p in records.processes if p.parent_exe == "services.exe"]
    for now in (records.now, process_now):
        for limit in (dt.timedelta(days=1), dt.timedelta(days=30)):
            for p in (*shells, *services):
                if near(now - p.time, limit, BASELINE_MARGIN):
                    problems.append(f"{p.ref} is within an hour of now - {limit.days} d")
    for cluster in command_clusters(records):
        for previous, event in itertools.pairwise(cluster):
            if near(event.time - previous.time, CLUSTER_GAP, GAP_MARGIN):
                problems.append(f"{event.ref} follows {previous.ref} by about 30 minutes")
    for flow in records.flows:
        for p in records.processes:
            if flow.host != p.host or flow.pid != p.ppid:
                continue
            lag = p.time - flow.time
            if any(near(lag, dt.timedelta(seconds=n), JOIN_MARGIN) for n in (0, 1)):
                problems.append(f"{p.ref} starts about 0 or 1 s after connection {flow.ref}")
    problems.extend(rpc_boundary_problems(records))
    return problems


def rpc_boundary_problems(records: Records) -> list[str]:
    problems = []
    tcp = [f for f in records.flows if f.protocol == "tcp"]
    for m in (f for f in tcp if f.dest_port == 135):
        for e in tcp:
            if e is m or (m.src_ip, m.dest_ip) != (e.src_ip, e.dest_ip):
                continue
            lag = e.time - m.time
            if near(lag, dt.timedelta(seconds=2), JOIN_MARGIN):
                problems.append(f"{e.ref} follows port-135 connection {m.ref} by about 2 s")
    return problems
