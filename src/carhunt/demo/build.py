"""Generate the demo capture and its expected hits: ``python -m carhunt.demo.build [DIR]``.

The capture is a made-up Sysmon 3.2 log of corp.example, five hosts over 33
days (1 February to 4 March 2016), with an intrusion on the last day (see
:mod:`carhunt.demo.intrusion`). It is written as ``evtx_dump -o jsonl``
(pyevtx-rs) writes records, one host's log after another. The generator uses
only the standard library and one seeded random generator, so running it again
writes the same bytes. A test checks that against the committed files.

The expected hits come from :mod:`carhunt.demo.reference`, a plain-Python
reading of the 24 recommended rules. Before writing, the generator checks that:

* every analytic has at least one hit;
* each event written to trigger an analytic is in one of its hits, and each
  near miss is in none;
* no event sits within a minute of the time limits of a windowed rule, so that
  rounding in an engine cannot change a result;
* the background alone, without the intrusion, fires only these analytics:

  - CAR-2013-02-003 (Processes Spawning cmd.exe) fires on every cmd.exe by
    design: the administrator's shells on WS02 and the nightly tasks on FS01.
  - CAR-2014-05-001 (RPC Activity, partly situational awareness) fires on the
    workstations' group-policy RPC to DC01 after each boot; legitimate RPC is
    what a domain is made of.
  - CAR-2014-11-006 (WinRM, situational awareness) fires on Server Manager on
    DC01 polling FS01 over WinRM, on the client and on the server record.

  Every other analytic is silent on the background. In particular the two
  baseline analytics find nothing new on the last day, because every service
  image and every cmd.exe parent of that day was seen in the 30 days before.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from carhunt.demo import reference
from carhunt.demo.background import START, write_background
from carhunt.demo.domain import build_domain
from carhunt.demo.intrusion import write_intrusion
from carhunt.demo.world import Event, Scenario, render
from carhunt.errors import CarhuntError

SEED = 20160304
CAPTURE_NAME = "capture.jsonl"
EXPECTED_NAME = "expected.py"
BACKGROUND_ANALYTICS = ("CAR-2013-02-003", "CAR-2014-05-001", "CAR-2014-11-006")
"""Analytics that fire on the background alone (the reasons are in the module docstring)."""


class DemoDataError(CarhuntError):
    """The generated demo data breaks one of the checks the generator makes."""


def generate(with_intrusion: bool = True) -> list[Event]:
    """Return the events of the demo, numbered, in file order."""
    start = dt.datetime.combine(START, dt.time(), tzinfo=dt.UTC)
    scenario = Scenario(SEED, start)
    domain = build_domain(scenario)
    write_background(domain)
    if with_intrusion:
        write_intrusion(domain)
    return scenario.number(domain.hosts)


def capture_text(events: Iterable[Event]) -> str:
    """Return the capture as JSON lines: compact, UTF-8, one record per line."""
    lines = [
        json.dumps(render(event), ensure_ascii=False, separators=(",", ":")) + "\n"
        for event in events
    ]
    return "".join(lines)


def near_misses(events: Iterable[Event]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {analytic_id: [] for analytic_id in reference.ANALYTIC_IDS}
    for event in events:
        for analytic_id in event.near_misses:
            found[analytic_id].append(event.ref)
    return found


def check(events: list[Event], expected: dict[str, list[list[str]]]) -> None:
    """Raise DemoDataError when the events or their expected hits break a check."""
    problems = []
    hit_refs = {key: {ref for hit in hits for ref in hit} for key, hits in expected.items()}
    for analytic_id, hits in expected.items():
        if not hits:
            problems.append(f"{analytic_id} has no hit in the demo")
    for event in events:
        for analytic_id in event.hits:
            if event.ref not in hit_refs[analytic_id]:
                problems.append(f"{event.ref} should trigger {analytic_id} but does not")
        for analytic_id in event.near_misses:
            if event.ref in hit_refs[analytic_id]:
                problems.append(f"{event.ref} is a near miss of {analytic_id} but triggers it")
    problems.extend(reference.boundary_problems(events))
    if problems:
        raise DemoDataError("; ".join(problems))


def check_background(background: list[Event]) -> None:
    """Raise DemoDataError when the background fires other analytics than documented."""
    expected = reference.expected_hits(background)
    firing = tuple(analytic_id for analytic_id, hits in expected.items() if hits)
    if firing != BACKGROUND_ANALYTICS:
        raise DemoDataError(
            f"the background alone fires {list(firing)}, expected {list(BACKGROUND_ANALYTICS)}"
        )


WIDTH = 96


def wrap_items(items: Sequence[str], indent: int) -> list[str]:
    """Return quoted items as source lines of at most WIDTH columns, each ending in a comma."""
    pad = " " * indent
    lines: list[str] = []
    row: list[str] = []
    for item in (json.dumps(value) for value in items):
        if row and len(pad) + len(", ".join([*row, item])) + 1 > WIDTH:
            lines.append(f"{pad}{', '.join(row)},")
            row = []
        row.append(item)
    if row:
        lines.append(f"{pad}{', '.join(row)},")
    return lines


def format_hit(refs: Sequence[str], indent: int) -> list[str]:
    pad = " " * indent
    flat = f"{pad}{json.dumps(list(refs))},"
    if len(flat) <= WIDTH:
        return [flat]
    return [f"{pad}[", *wrap_items(refs, indent + 4), f"{pad}],"]


def expected_module(
    expected: dict[str, list[list[str]]], misses: dict[str, list[str]]
) -> str:
    """Return the text of expected.py: expected hits, near misses and background analytics."""
    lines = [
        '"""Expected hits of the demo capture, written by ``python -m carhunt.demo.build``.',
        "",
        "Do not edit: change the generator and run it again. EXPECTED_HITS lists, per",
        "analytic, each hit's evidence (``line:<n>`` in capture.jsonl). NEAR_MISSES lists",
        "events made to resemble an analytic that must not be in any of its hits.",
        '"""',
        "",
        "EXPECTED_HITS: dict[str, list[list[str]]] = {",
    ]
    for key, hits in expected.items():
        lines.append(f'    "{key}": [')
        for hit in hits:
            lines.extend(format_hit(hit, 8))
        lines.append("    ],")
    lines += ["}", "", "NEAR_MISSES: dict[str, list[str]] = {"]
    for key, refs in misses.items():
        lines += [f'    "{key}": [', *wrap_items(refs, 8), "    ],"]
    background = ", ".join(json.dumps(item) for item in BACKGROUND_ANALYTICS)
    lines += ["}", "", f"BACKGROUND_ANALYTICS: tuple[str, ...] = ({background})", ""]
    return "\n".join(lines)


def build(directory: Path) -> list[Event]:
    """Generate, check and write capture.jsonl and expected.py into a directory."""
    events = generate()
    expected = reference.expected_hits(events)
    check(events, expected)
    check_background(generate(with_intrusion=False))
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CAPTURE_NAME).write_text(capture_text(events), encoding="utf-8", newline="\n")
    text = expected_module(expected, near_misses(events))
    (directory / EXPECTED_NAME).write_text(text, encoding="utf-8", newline="\n")
    return events


def summary(events: Sequence[Event], directory: Path) -> str:
    """Return the size of the capture and its record counts by host and event id."""
    size = (directory / CAPTURE_NAME).stat().st_size
    counts = Counter((event.host.name, event.event_id) for event in events)
    event_ids = sorted({event_id for _, event_id in counts})
    hosts = list(dict.fromkeys(event.host.name for event in events))
    header = "host      " + "".join(f"{f'EID {n}':>8}" for n in event_ids) + "   total"
    rows = [header]
    for host in hosts:
        cells = "".join(f"{counts[(host, n)]:>8}" for n in event_ids)
        rows.append(f"{host:<10}{cells}{sum(counts[(host, n)] for n in event_ids):>8}")
    intrusion = sum(1 for event in events if event.intrusion)
    rows.append(f"{len(events)} records ({intrusion} from the intrusion), {size:,} bytes")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    directory = Path(arguments[0]) if arguments else Path(__file__).parent
    events = build(directory)
    sys.stdout.write(summary(events, directory) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
