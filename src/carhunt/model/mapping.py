"""The Sysmon to CAR mapping, as a data table.

Each row says which CAR column of which table a Sysmon event fills, from which
EventData field, by which derivation. The normalizer builds its SQL from these
rows and ``carhunt coverage`` prints them, so the two cannot drift apart.

Derivations are names, resolved to SQL by :mod:`carhunt.normalize.derivations`:

``text``        the value, with ``""`` and ``-`` read as unknown (null)
``path``        a file path after trimming blanks and quotes and dropping ``\\\\?\\``
``basename``    last component of the normalized path, split on ``\\`` and ``/``
``computer``    the Computer name as logged
``first_label`` first ``.``-separated label of the Computer name
``int``         a decimal integer
``utc_time``    a Sysmon UtcTime (``YYYY-MM-DD HH:MM:SS.fff``, UTC) as a timestamp
``hash_md5``    one algorithm of the ``Hashes`` list, lower-case hex (also sha1, sha256,
                imphash)
``guid``        a GUID, upper-case without braces, all zeros read as unknown
``bool``        ``true``/``false`` text as a boolean
``ip``          an IP address in canonical text form (RFC 5952 for IPv6)
``lower``       the value lower-cased
``logon_id``    a logon id as lower-case hex with ``0x``
``process_user`` the event's own user field where a later Sysmon logs one (the first
                source), else the ``User`` of the process/create event with the same
                process GUID (the second source) on the same host, filled after loading
``none``        no Sysmon source; the column stays null
"""

from __future__ import annotations

from dataclasses import dataclass

from carhunt.model import car


@dataclass(frozen=True)
class MappingRow:
    """How one CAR column is filled from one Sysmon event id."""

    event_id: int
    table: str
    column: str
    sources: tuple[str, ...]
    derivation: str
    ticked: bool = False
    """Ticked on CAR's Sysmon 3.2 sensor page."""
    backed: bool = True
    """False where the page ticks a field that the event itself does not carry."""
    note: str = ""


def _rows(
    event_id: int,
    table: car.ObjectAction,
    ticked: set[str],
    entries: list[tuple[str, tuple[str, ...], str] | tuple[str, tuple[str, ...], str, str]],
) -> list[MappingRow]:
    rows = []
    for entry in entries:
        column, sources, derivation = entry[0], entry[1], entry[2]
        note = entry[3] if len(entry) == 4 else ""
        table.column(column)  # fails at import time on a column the model lacks
        rows.append(
            MappingRow(
                event_id=event_id,
                table=table.table,
                column=column,
                sources=sources,
                derivation=derivation,
                ticked=column in ticked,
                backed=derivation not in ("process_user", "none"),
                note=note,
            )
        )
    return rows


_HOST = [
    ("hostname", ("Computer",), "first_label"),
    ("fqdn", ("Computer",), "computer"),
]
_HASHES = [
    ("md5_hash", ("Hashes",), "hash_md5"),
    ("sha1_hash", ("Hashes",), "hash_sha1"),
    ("sha256_hash", ("Hashes",), "hash_sha256"),
]
_USER_VIA_PROCESS = "not in Sysmon 3.2 events: taken from the creating process's event 1"

MAPPING: tuple[MappingRow, ...] = tuple(
    _rows(
        1,
        car.PROCESS_CREATE,
        {
            "command_line", "exe", "fqdn", "hostname", "image_path", "md5_hash",
            "parent_exe", "parent_image_path", "pid", "ppid", "sha1_hash", "sha256_hash",
            "user",
        },
        [
            *_HOST,
            ("pid", ("ProcessId",), "int"),
            ("ppid", ("ParentProcessId",), "int"),
            ("image_path", ("Image",), "path"),
            ("exe", ("Image",), "basename"),
            ("command_line", ("CommandLine",), "text"),
            ("parent_image_path", ("ParentImage",), "path"),
            ("parent_exe", ("ParentImage",), "basename"),
            ("user", ("User",), "text"),
            *_HASHES,
            ("sid", (), "none", "Sysmon logs no SID; the header UserID is the service's"),
            ("signer", (), "none", "event 1 carries no signature data"),
            ("process_guid", ("ProcessGuid",), "guid"),
            ("parent_process_guid", ("ParentProcessGuid",), "guid"),
            ("parent_command_line", ("ParentCommandLine",), "text"),
            ("current_directory", ("CurrentDirectory",), "text"),
            ("logon_guid", ("LogonGuid",), "guid"),
            ("logon_id", ("LogonId",), "logon_id"),
            ("terminal_session_id", ("TerminalSessionId",), "int"),
            ("integrity_level", ("IntegrityLevel",), "text"),
            ("imphash", ("Hashes",), "hash_imphash"),
            ("original_file_name", ("OriginalFileName",), "text"),
        ],
    )
    + _rows(
        2,
        car.FILE_TIMESTOMP,
        {
            "creation_time", "file_name", "hostname", "image_path", "pid",
            "previous_creation_time", "user",
        },
        [
            *_HOST,
            ("creation_time", ("CreationUtcTime",), "utc_time"),
            ("previous_creation_time", ("PreviousCreationUtcTime",), "utc_time"),
            ("file_name", ("TargetFilename",), "basename"),
            ("file_path", ("TargetFilename",), "path"),
            ("image_path", ("Image",), "path"),
            ("exe", ("Image",), "basename"),
            ("pid", ("ProcessId",), "int"),
            ("user", ("User", "ProcessGuid"), "process_user", _USER_VIA_PROCESS),
            ("process_guid", ("ProcessGuid",), "guid"),
        ],
    )
    + _rows(
        3,
        car.FLOW_START,
        {
            "dest_ip", "dest_port", "exe", "hostname", "image_path", "pid", "protocol",
            "src_ip", "src_port", "start_time", "user",
        },
        [
            *_HOST,
            ("start_time", ("UtcTime",), "utc_time"),
            ("src_ip", ("SourceIp",), "ip", "swapped with dest for legacy inbound records"),
            ("src_port", ("SourcePort",), "int", "swapped with dest for legacy inbound records"),
            ("dest_ip", ("DestinationIp",), "ip", "swapped with src for legacy inbound records"),
            ("dest_port", ("DestinationPort",), "int", "swapped with src for legacy inbound"),
            ("protocol", ("Protocol",), "lower"),
            ("transport_protocol", ("Protocol",), "lower"),
            ("pid", ("ProcessId",), "int"),
            ("image_path", ("Image",), "path"),
            ("exe", ("Image",), "basename"),
            ("user", ("User",), "text"),
            ("src_hostname", ("SourceHostname",), "text"),
            ("dest_hostname", ("DestinationHostname",), "text"),
            ("process_guid", ("ProcessGuid",), "guid"),
            ("initiated", ("Initiated",), "bool"),
            ("logged_src_ip", ("SourceIp",), "ip"),
            ("logged_src_port", ("SourcePort",), "int"),
            ("logged_dest_ip", ("DestinationIp",), "ip"),
            ("logged_dest_port", ("DestinationPort",), "int"),
            ("logged_src_hostname", ("SourceHostname",), "text"),
            ("logged_dest_hostname", ("DestinationHostname",), "text"),
        ],
    )
    + _rows(
        5,
        car.PROCESS_TERMINATE,
        {"fqdn", "hostname", "pid", "user"},
        [
            *_HOST,
            ("pid", ("ProcessId",), "int"),
            ("user", ("User", "ProcessGuid"), "process_user", _USER_VIA_PROCESS),
            ("image_path", ("Image",), "path"),
            ("exe", ("Image",), "basename"),
            ("process_guid", ("ProcessGuid",), "guid"),
        ],
    )
    + _rows(
        6,
        car.DRIVER_LOAD,
        {"fqdn", "hostname", "image_path", "md5_hash", "module_name", "sha1_hash", "sha256_hash"},
        [
            *_HOST,
            ("image_path", ("ImageLoaded",), "path"),
            ("module_name", ("ImageLoaded",), "basename"),
            *_HASHES,
            ("signer", ("Signature",), "text", "not ticked for 3.2; Signature is in event 6"),
            ("base_address", (), "none", "Sysmon logs no load address"),
            ("signed", ("Signed",), "bool"),
            ("signature_status", ("SignatureStatus",), "text"),
        ],
    )
    + _rows(
        7,
        car.MODULE_LOAD,
        {"fqdn", "hostname", "image_path", "md5_hash", "module_name", "pid", "sha1_hash",
         "sha256_hash"},
        [
            *_HOST,
            ("pid", ("ProcessId",), "int"),
            ("image_path", ("Image",), "path"),
            ("module_name", ("ImageLoaded",), "basename"),
            ("module_path", ("ImageLoaded",), "path"),
            *_HASHES,
            ("signer", ("Signature",), "text"),
            ("exe", ("Image",), "basename"),
            ("process_guid", ("ProcessGuid",), "guid"),
            ("signed", ("Signed",), "bool"),
            ("original_file_name", ("OriginalFileName",), "text"),
        ],
    )
    + _rows(
        8,
        car.THREAD_REMOTE_CREATE,
        {"hostname", "src_pid", "src_tid", "start_address", "start_function", "start_module",
         "start_module_name", "tgt_pid", "tgt_tid", "user"},
        [
            ("hostname", ("Computer",), "first_label"),
            ("fqdn", ("Computer",), "computer"),
            ("src_pid", ("SourceProcessId",), "int"),
            ("src_tid", (), "none",
             "no source-thread field; the header ThreadID is Sysmon's own thread"),
            ("tgt_pid", ("TargetProcessId",), "int"),
            ("tgt_tid", ("NewThreadId",), "int"),
            ("start_address", ("StartAddress",), "text"),
            ("start_module", ("StartModule",), "path"),
            ("start_module_name", ("StartModule",), "basename"),
            ("start_function", ("StartFunction",), "text"),
            ("user", ("SourceUser", "SourceProcessGuid"), "process_user", _USER_VIA_PROCESS),
            ("src_image_path", ("SourceImage",), "path"),
            ("tgt_image_path", ("TargetImage",), "path"),
            ("src_process_guid", ("SourceProcessGuid",), "guid"),
            ("tgt_process_guid", ("TargetProcessGuid",), "guid"),
        ],
    )
)

EVENT_TABLES: dict[int, str] = {row.event_id: row.table for row in MAPPING}
"""Sysmon event id to the CAR table it fills. Other event ids have no CAR mapping."""


def rows_for(event_id: int) -> list[MappingRow]:
    return [row for row in MAPPING if row.event_id == event_id]


def ticked_fields() -> dict[str, set[str]]:
    """Return the CAR fields ticked on the Sysmon 3.2 page, per object/action key."""
    result: dict[str, set[str]] = {}
    for row in MAPPING:
        if row.ticked:
            result.setdefault(car.BY_TABLE[row.table].key, set()).add(row.column)
    return result


def event_data_fields() -> tuple[str, ...]:
    """Return every EventData field name the mapping reads, in a stable order."""
    names: dict[str, None] = {"UtcTime": None}
    for row in MAPPING:
        for source in row.sources:
            if source != "Computer":
                names[source] = None
    return tuple(names)
