"""JSON dialects of Sysmon records, as a data table.

Each transport puts the same Sysmon event in a different JSON shape. A dialect
states how to recognize a record (a SQL condition over the JSON text ``payload``)
and where its envelope fields and EventData fields are (JSON paths, the first
non-null one wins). :func:`carhunt.normalize.envelope.envelope_sql` turns this
table into one SQL query over a whole batch.

Detection runs in the order of :data:`DIALECTS`, the order of the checks in the
auto-detection procedure: the most specific markers first, the plain
``Channel`` + ``EventID`` shape last.

XML transports (EVTX-rendered XML, Sysmon for Linux syslog, XML carried inside
JSON) are parsed by their readers into the ``evtx_tree`` shape, so they need no
dialect of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ENVELOPE_FIELDS = ("provider", "channel", "event_id", "computer", "transport_time", "record_id")

SYSMON_PROVIDER = "Microsoft-Windows-Sysmon"


@dataclass(frozen=True)
class JsonDialect:
    """Locations of the envelope and EventData fields in one JSON transport's records."""

    name: str
    description: str
    detect: str
    """SQL condition that is true for records of this dialect.

    It may read ``payload`` and ``keys``, the record's top-level key names. A
    test on ``keys`` parses nothing, so conditions test keys first and call the
    JSON functions, which parse the text again each time, only after that.
    """
    envelope: dict[str, tuple[str, ...]]
    """Envelope field to JSON paths tried in order."""
    event_data: str
    """JSON path of the object holding EventData fields by name (``$`` = top level)."""
    overrides: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """EventData field to JSON paths tried before the event_data object."""
    fallbacks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """EventData field to JSON paths tried after the event_data object.

    Winlogbeat's Sysmon module moves mapped fields out of ``event_data`` into ECS
    fields; the ECS paths are read only where ``event_data`` lacks the field.
    """
    computed: dict[str, str] = field(default_factory=dict)
    """Envelope or EventData field to a SQL expression over ``payload``, tried last.

    For values that no single JSON path holds, such as a ``Hashes`` list rebuilt
    from separate hash fields.
    """
    event_data_text: bool = False
    """True where the event_data path contains the EventData object as JSON *text*
    (Azure Log Analytics), so its fields are read from that text."""
    unescape_entities: bool = False
    """True where the transport leaves XML entities escaped in values (NXLog)."""

    def paths(self, name: str) -> tuple[str, ...]:
        """Return the JSON paths tried in the record for a field, in order.

        For an EventData field these are the overrides, the field in the
        event_data object (unless that object is JSON text) and the fallbacks.
        """
        if name in ENVELOPE_FIELDS:
            return self.envelope.get(name, ())
        own = () if self.event_data_text else (self.data_path(name),)
        return (*self.overrides.get(name, ()), *own, *self.fallbacks.get(name, ()))

    def data_path(self, name: str) -> str:
        """Return the path of one EventData field inside the event_data object."""
        if self.event_data_text:
            return f'$."{name}"'
        base = self.event_data.rstrip(".")
        return f'{base}."{name}"' if base != "$" else f'$."{name}"'


def _exists(path: str) -> str:
    return f"json_exists(payload, '{path}')"


def _has(key: str) -> str:
    """Return a condition that the record has this top-level key."""
    return f"list_contains(keys, '{key}')"


def _text(path: str) -> str:
    return f"json_extract_string(payload, '{path}')"


def _hashes(md5: str, sha1: str, sha256: str, imphash: str) -> str:
    """Rebuild Sysmon's ``ALG=HEX,...`` list from separate hash fields (nulls left out)."""
    parts = [
        f"'{algorithm}=' || {expression}"
        for algorithm, expression in (
            ("MD5", md5), ("SHA1", sha1), ("SHA256", sha256), ("IMPHASH", imphash)
        )
    ]
    return f"nullif(concat_ws(',', {', '.join(parts)}), '')"


EVTX_TREE = JsonDialect(
    name="evtx_tree",
    description="pyevtx-rs / evtx_dump JSON and parsed Event XML: {Event: {System, EventData}}",
    detect=f"({_has('Event')} AND {_exists('$.Event.System')})",
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

_ECS_ENVELOPE = {
    "provider": ("$.winlog.provider_name", "$.event.provider"),
    "channel": ("$.winlog.channel",),
    "event_id": ("$.winlog.event_id", "$.event.code"),
    "computer": ("$.winlog.computer_name",),
    "transport_time": ('$."@timestamp"',),
    "record_id": ("$.winlog.record_id",),
}

WINLOGBEAT_ECS_SYSMON = JsonDialect(
    name="winlogbeat_ecs_sysmon",
    description="Winlogbeat 7.x/8.x with its Sysmon module: ECS fields, leftovers in event_data",
    detect=f"({_has('winlog')} AND {_text('$.event.module')} = 'sysmon')",
    envelope=_ECS_ENVELOPE,
    event_data="$.winlog.event_data",
    # NOTE: only the event 1 and 11 fallbacks are checked against real module
    # output (Winlogbeat's golden file, a Zircolite fixture); the network, image
    # load and remote thread ones follow ECS field names and are unverified.
    fallbacks={
        # The module parses UtcTime into @timestamp and deletes it from event_data.
        "UtcTime": ('$."@timestamp"',),
        "ProcessGuid": ("$.process.entity_id",),
        "ProcessId": ("$.process.pid",),
        "Image": ("$.process.executable",),
        "CommandLine": ("$.process.command_line",),
        "CurrentDirectory": ("$.process.working_directory",),
        "ParentProcessGuid": ("$.process.parent.entity_id",),
        "ParentProcessId": ("$.process.parent.pid",),
        "ParentImage": ("$.process.parent.executable",),
        "ParentCommandLine": ("$.process.parent.command_line",),
        "OriginalFileName": ("$.process.pe.original_file_name",),
        "TargetFilename": ("$.file.path",),
        "ImageLoaded": ("$.file.path",),
        "Signed": ("$.file.code_signature.signed",),
        "Signature": ("$.file.code_signature.subject_name",),
        "SignatureStatus": ("$.file.code_signature.status",),
        "SourceIp": ("$.source.ip",),
        "SourcePort": ("$.source.port",),
        "SourceHostname": ("$.source.domain",),
        "DestinationIp": ("$.destination.ip",),
        "DestinationPort": ("$.destination.port",),
        "DestinationHostname": ("$.destination.domain",),
        "Protocol": ("$.network.transport",),
        "SourceProcessGuid": ("$.process.entity_id",),
        "SourceProcessId": ("$.process.pid",),
        "SourceImage": ("$.process.executable",),
        "TargetProcessGuid": ("$.target.process.entity_id",),
        "TargetProcessId": ("$.target.process.pid",),
        "TargetImage": ("$.target.process.executable",),
    },
    computed={
        "Hashes": _hashes(
            f"coalesce({_text('$.process.hash.md5')}, {_text('$.file.hash.md5')})",
            f"coalesce({_text('$.process.hash.sha1')}, {_text('$.file.hash.sha1')})",
            f"coalesce({_text('$.process.hash.sha256')}, {_text('$.file.hash.sha256')})",
            f"coalesce({_text('$.process.pe.imphash')}, {_text('$.file.pe.imphash')})",
        ),
        # The module splits User into user.domain and user.name.
        "User": (
            f"CASE WHEN {_text('$.user.domain')} IS NULL THEN {_text('$.user.name')} "
            f"ELSE {_text('$.user.domain')} || '\\' || {_text('$.user.name')} END"
        ),
        "Initiated": (
            f"CASE lower({_text('$.network.direction')}) "
            "WHEN 'egress' THEN 'true' WHEN 'outbound' THEN 'true' "
            "WHEN 'ingress' THEN 'false' WHEN 'inbound' THEN 'false' END"
        ),
    },
)

WINLOGBEAT_ECS = JsonDialect(
    name="winlogbeat_ecs",
    description="Winlogbeat 7.x/8.x (ECS) without the Sysmon module: winlog.event_data",
    detect=_has("winlog"),
    envelope=_ECS_ENVELOPE,
    event_data="$.winlog.event_data",
)

_BEAT = _text('$."@metadata".beat')

WINLOGBEAT_LEGACY = JsonDialect(
    name="winlogbeat_legacy",
    description="Winlogbeat 5.x/6.x: top-level event_data, computer_name, log_name",
    detect=(
        f"(({_has('@metadata')} AND {_BEAT} = 'winlogbeat')"
        f" OR ({_has('event_data')} AND {_has('log_name')}))"
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


def _helk(*names: str) -> tuple[str, ...]:
    """Return the paths of HELK fields, in an Elasticsearch hit first, then bare."""
    return tuple(f"$._source.{n}" for n in names) + tuple(f"$.{n}" for n in names)


def _helk_text(name: str) -> str:
    return f"coalesce({_text(f'$._source.{name}')}, {_text(f'$.{name}')})"


# NOTE: The MITRE CAR copies of some HELK documents escape every backslash
# twice (c:\\\\windows); their paths keep the doubled backslashes, so
# basenames are right but full paths are not.
HELK = JsonDialect(
    name="helk",
    description=(
        "HELK / Elasticsearch documents (Mordor 2019): snake_case field names, "
        "as an Elasticsearch hit (_source) or bare"
    ),
    detect=(
        f"(({_has('_source')} AND ({_exists('$._source.log_name')} "
        f"OR {_exists('$._source.event_id')})) "
        f"OR ({_has('log_name')} AND NOT {_has('event_data')} "
        f"AND ({_has('process_guid')} OR {_has('process_path')})))"
    ),
    envelope={
        "provider": _helk("source_name"),
        "channel": _helk("log_name"),
        "event_id": _helk("event_id"),
        # host_name is the source host; host.name and beat_hostname are the collector.
        "computer": _helk("host_name"),
        "transport_time": _helk('"@timestamp"'),
        "record_id": _helk("record_number"),
    },
    event_data="$._source",
    # NOTE: the process (1), remote thread (8) and file (11) names are checked
    # against the CAR samples; the network, image load and driver names follow
    # HELK's naming scheme but no sample in reach shows them.
    overrides={
        # HELK copies UtcTime into @event_date_creation (ISO, UTC).
        "UtcTime": _helk('"@event_date_creation"'),
        "ProcessGuid": _helk("process_guid"),
        "ProcessId": _helk("process_id"),
        "Image": _helk("process_path"),
        "CommandLine": _helk("process_command_line"),
        "CurrentDirectory": _helk("process_current_directory"),
        "User": _helk("user_account"),
        "LogonGuid": _helk("user_logon_guid"),
        "LogonId": _helk("user_logon_id"),
        "TerminalSessionId": _helk("user_session_id"),
        "IntegrityLevel": _helk("process_integrity_level"),
        "ParentProcessGuid": _helk("process_parent_guid"),
        "ParentProcessId": _helk("process_parent_id"),
        "ParentImage": _helk("process_parent_path"),
        "ParentCommandLine": _helk("process_parent_command_line"),
        "OriginalFileName": _helk("file_name_original"),
        "TargetFilename": _helk("file_name"),
        "CreationUtcTime": _helk('"@file_date_creation"', "file_date_creation"),
        "PreviousCreationUtcTime": _helk("file_previous_date_creation"),
        "ImageLoaded": _helk("module_loaded", "driver_loaded"),
        "Signed": _helk("signed", "module_signed", "driver_signed"),
        "Signature": _helk("signature", "module_signature", "driver_signature"),
        "SignatureStatus": _helk("signature_status", "module_signature_status"),
        "Protocol": _helk("network_protocol", "network_transport"),
        "Initiated": _helk("network_initiated"),
        "SourceIp": _helk("src_ip_addr", "src_ip"),
        "SourcePort": _helk("src_port"),
        "SourceHostname": _helk("src_host_name"),
        "DestinationIp": _helk("dst_ip_addr", "dst_ip"),
        "DestinationPort": _helk("dst_port"),
        "DestinationHostname": _helk("dst_host_name"),
        "SourceProcessGuid": _helk("process_guid"),
        "SourceProcessId": _helk("process_id"),
        "SourceImage": _helk("process_path"),
        "TargetProcessGuid": _helk("process_target_guid"),
        "TargetProcessId": _helk("process_target_id"),
        "TargetImage": _helk("process_target_path"),
        "NewThreadId": _helk("thread_new_id"),
        "StartAddress": _helk("thread_start_address"),
        "StartModule": _helk("thread_start_module"),
        "StartFunction": _helk("thread_start_function"),
    },
    computed={
        "Hashes": _hashes(
            _helk_text("hash_md5"),
            _helk_text("hash_sha1"),
            _helk_text("hash_sha256"),
            _helk_text("hash_imphash"),
        ),
    },
)

NXLOG = JsonDialect(
    name="nxlog",
    description="NXLog im_msvistalog to_json(): EventData flattened beside NXLog fields",
    detect=f"({_has('SourceModuleType')} OR {_has('EventReceivedTime')})",
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

AZURE = JsonDialect(
    name="azure",
    description=(
        "Azure Log Analytics / Sentinel export (WindowsEvent, Event, Syslog tables): "
        "EventData as JSON text"
    ),
    detect=(
        f"({_has('TenantId')} OR ({_has('Type')} "
        f"AND {_text('$.Type')} IN ('WindowsEvent', 'Event', 'Syslog')))"
    ),
    envelope={
        "provider": ("$.Provider", "$.Source"),
        "channel": ("$.Channel", "$.EventLog"),
        "event_id": ("$.EventID",),
        "computer": ("$.Computer",),
        "transport_time": ("$.TimeGenerated",),
        "record_id": ("$.EventRecordId", "$.EventRecordID"),
    },
    event_data="$.EventData",
    event_data_text=True,
)

# PowerShell `Get-WinEvent | ... | ConvertTo-Json` exports as eqllib ships them
# keep only the EventData fields and `EventId`: no provider, channel or host.
# A record in this shape is taken as Sysmon when it carries `UtcTime`, a field
# that only Sysmon's events have among the Windows event providers, and the
# provider is then set to Sysmon's. Its host is unknown (see envelope.py).
POWERSHELL_EXPORT = JsonDialect(
    name="powershell_export",
    description="PowerShell ConvertTo-Json of Sysmon EventData with EventId (eqllib)",
    detect=(
        f"({_has('EventId')} AND NOT {_has('Channel')} "
        f"AND NOT {_has('ProviderName')} AND NOT {_has('LogName')})"
    ),
    envelope={
        "event_id": ("$.EventId",),
        "computer": ("$.MachineName", "$.Computer"),
        "transport_time": ("$.TimeCreated",),
        "record_id": ("$.RecordId",),
    },
    event_data="$",
    computed={
        "provider": f"CASE WHEN {_exists('$.UtcTime')} THEN '{SYSMON_PROVIDER}' END",
    },
)

FLAT = JsonDialect(
    name="flat",
    description="Flat export (OTRF Security-Datasets 2020+): Channel, EventID, EventData on top",
    detect=f"({_has('Channel')} AND {_has('EventID')})",
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

# The action lines of an Elasticsearch bulk export ({"index": {...}} before each
# document) are records of the file but no events: with no provider they count
# as not Sysmon instead of unrecognized.
ES_BULK_ACTION = JsonDialect(
    name="es_bulk_action",
    description="Elasticsearch bulk export action line: index, create, update or delete",
    detect=(
        "(len(keys) = 1 AND keys[1] IN ('index', 'create', 'update', 'delete'))"
    ),
    envelope={},
    event_data="$",
)

DIALECTS: tuple[JsonDialect, ...] = (
    WINLOGBEAT_ECS_SYSMON,
    WINLOGBEAT_ECS,
    WINLOGBEAT_LEGACY,
    HELK,
    NXLOG,
    AZURE,
    EVTX_TREE,
    POWERSHELL_EXPORT,
    FLAT,
    ES_BULK_ACTION,
)

SYSMON_PROVIDERS = ("microsoft-windows-sysmon", "linux-sysmon")
SYSMON_CHANNELS = ("microsoft-windows-sysmon/operational", "linux-sysmon/operational")
