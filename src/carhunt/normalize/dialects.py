"""JSON dialects of Sysmon records, as a data table.

Each transport puts the same Sysmon event in a different JSON shape. A dialect
says how to recognize a record (a SQL condition over the JSON text ``payload``)
and where its envelope fields and EventData fields are (JSON paths, the first
non-null one wins). :func:`carhunt.normalize.envelope.envelope_sql` turns this
table into one SQL query over a whole batch.

Detection runs in the order of :data:`DIALECTS`, the order of the checks in the
auto-detection procedure: the most specific markers first, the plain
``Channel`` + ``EventID`` shape last.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ENVELOPE_FIELDS = ("provider", "channel", "event_id", "computer", "transport_time", "record_id")


@dataclass(frozen=True)
class JsonDialect:
    """Where one JSON transport keeps the envelope and the EventData of a record."""

    name: str
    description: str
    detect: str
    """SQL condition over ``payload`` that is true for records of this dialect."""
    envelope: dict[str, tuple[str, ...]]
    """Envelope field to JSON paths tried in order."""
    event_data: str
    """JSON path of the object holding EventData fields by name (``$`` = top level)."""
    overrides: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """EventData field to JSON paths tried before the event_data object."""
    unescape_entities: bool = False
    """True where the transport leaves XML entities escaped in values (NXLog)."""

    def paths(self, name: str) -> tuple[str, ...]:
        """Return the JSON paths tried for an envelope or EventData field."""
        if name in ENVELOPE_FIELDS:
            return self.envelope.get(name, ())
        base = self.event_data.rstrip(".")
        own = f'{base}."{name}"' if base != "$" else f'$."{name}"'
        return (*self.overrides.get(name, ()), own)


def _exists(path: str) -> str:
    return f"json_exists(payload, '{path}')"


EVTX_TREE = JsonDialect(
    name="evtx_tree",
    description="pyevtx-rs / evtx_dump JSON: {Event: {System, EventData}}",
    detect=_exists("$.Event.System"),
    envelope={
        "provider": ('$.Event.System.Provider."#attributes".Name',),
        "channel": ("$.Event.System.Channel",),
        "event_id": ('$.Event.System.EventID."#text"', "$.Event.System.EventID"),
        "computer": ("$.Event.System.Computer",),
        "transport_time": ('$.Event.System.TimeCreated."#attributes".SystemTime',),
        "record_id": ("$.Event.System.EventRecordID",),
    },
    event_data="$.Event.EventData",
)

WINLOGBEAT_ECS = JsonDialect(
    name="winlogbeat_ecs",
    description="Winlogbeat 7.x/8.x (ECS): winlog.event_data",
    detect=_exists("$.winlog"),
    envelope={
        "provider": ("$.winlog.provider_name",),
        "channel": ("$.winlog.channel",),
        "event_id": ("$.winlog.event_id", "$.event.code"),
        "computer": ("$.winlog.computer_name",),
        "transport_time": ('$."@timestamp"',),
        "record_id": ("$.winlog.record_id",),
    },
    event_data="$.winlog.event_data",
)

WINLOGBEAT_LEGACY = JsonDialect(
    name="winlogbeat_legacy",
    description="Winlogbeat 5.x/6.x: top-level event_data, computer_name, log_name",
    detect=(
        "(json_extract_string(payload, '$.\"@metadata\".beat') = 'winlogbeat'"
        " OR (json_exists(payload, '$.event_data') AND json_exists(payload, '$.log_name')))"
    ),
    envelope={
        "provider": ("$.source_name", "$.provider_name"),
        "channel": ("$.log_name",),
        "event_id": ("$.event_id",),
        "computer": ("$.computer_name",),
        "transport_time": ('$."@timestamp"',),
        "record_id": ("$.record_number",),
    },
    event_data="$.event_data",
)

NXLOG = JsonDialect(
    name="nxlog",
    description="NXLog im_msvistalog to_json(): EventData flattened beside NXLog fields",
    detect=f"({_exists('$.SourceModuleType')} OR {_exists('$.EventReceivedTime')})",
    envelope={
        "provider": ("$.SourceName", "$.ProviderName"),
        "channel": ("$.Channel",),
        "event_id": ("$.EventID",),
        "computer": ("$.Hostname", "$.Computer"),
        "transport_time": ("$.EventTime",),
        "record_id": ("$.RecordNumber",),
    },
    event_data="$",
    unescape_entities=True,
)

FLAT = JsonDialect(
    name="flat",
    description="Flat export (OTRF Security-Datasets 2020+): Channel, EventID, EventData on top",
    detect=f"({_exists('$.Channel')} AND {_exists('$.EventID')})",
    envelope={
        "provider": ("$.SourceName", "$.ProviderName", "$.Provider"),
        "channel": ("$.Channel",),
        "event_id": ("$.EventID",),
        "computer": ("$.Hostname", "$.Computer", "$.computer_name"),
        "transport_time": ("$.TimeCreated", '$."@timestamp"'),
        "record_id": ("$.RecordNumber", "$.EventRecordID"),
    },
    event_data="$",
)

DIALECTS: tuple[JsonDialect, ...] = (WINLOGBEAT_ECS, WINLOGBEAT_LEGACY, NXLOG, EVTX_TREE, FLAT)

SYSMON_PROVIDERS = ("microsoft-windows-sysmon", "linux-sysmon")
SYSMON_CHANNELS = ("microsoft-windows-sysmon/operational", "linux-sysmon/operational")
