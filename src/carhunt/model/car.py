"""The CAR data model as carhunt stores it: objects, actions, fields and types.

This module is the one place where CAR object, action and field names are
declared. The field lists of each object follow the MITRE CAR data model as
CAR's Sysmon 3.2 sensor page lists it. Old column names (flow ``protocol``,
module ``module_name``) are kept, and their current names are added beside them
as extension fields.

Every CAR table also carries provenance columns (which input record a row came
from) and extension fields that the analytics need but the CAR model lacks,
such as process GUIDs and ``src_image_path`` of a remote thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FieldType(StrEnum):
    """Logical column type, mapped to each engine's SQL type by the engine."""

    TEXT = "text"
    INT = "int"
    TIMESTAMP = "timestamp"
    BOOL = "bool"


@dataclass(frozen=True)
class Field:
    """One column of a CAR table."""

    name: str
    type: FieldType
    description: str
    car: bool = True
    """True for a field of the CAR data model, False for a carhunt extension."""


@dataclass(frozen=True)
class ObjectAction:
    """One CAR object/action pair and the table that stores its events."""

    object: str
    action: str
    fields: tuple[Field, ...]
    object_fields: tuple[str, ...] = field(default=())
    """All fields the CAR model defines for the object, mapped or not."""

    @property
    def table(self) -> str:
        return f"{self.object}_{self.action}"

    @property
    def key(self) -> str:
        return f"{self.object}/{self.action}"

    def column(self, name: str) -> Field:
        for item in self.columns:
            if item.name == name:
                return item
        raise KeyError(f"{self.table} has no column {name!r}")

    @property
    def columns(self) -> tuple[Field, ...]:
        return PROVENANCE + self.fields

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.columns)


T, N, TS, B = FieldType.TEXT, FieldType.INT, FieldType.TIMESTAMP, FieldType.BOOL


def _ext(name: str, type_: FieldType, description: str) -> Field:
    return Field(name, type_, description, car=False)


# Provenance and event time, present in every CAR table.
SOURCE_ID = "source_id"
REF = "ref"
EVENT_REF = "event_ref"
EVENT_ID = "event_id"
TIME = "time"
TIME_FROM_TRANSPORT = "time_from_transport"

PROVENANCE: tuple[Field, ...] = (
    _ext(SOURCE_ID, N, "Id of the input file in the sources table"),
    _ext(REF, T, "Evidence reference inside the file: rec:<EventRecordID>, line:<n>, idx:<i>"),
    _ext(EVENT_REF, T, "Data-set-wide evidence reference '<source_id>/<ref>'"),
    _ext(EVENT_ID, N, "Sysmon event id"),
    _ext(TIME, TS, "Event time in UTC, from Sysmon UtcTime"),
    _ext(TIME_FROM_TRANSPORT, B, "True when UtcTime was missing and the transport time was used"),
)

_HOST = (
    Field("hostname", T, "First label of the event's Computer name"),
    Field("fqdn", T, "Computer name as logged"),
)
_HASHES = (
    Field("md5_hash", T, "MD5 of the image, lower-case hex"),
    Field("sha1_hash", T, "SHA-1 of the image, lower-case hex"),
    Field("sha256_hash", T, "SHA-256 of the image, lower-case hex"),
)
_PROCESS_GUID = _ext("process_guid", T, "Sysmon ProcessGuid, upper-case without braces")
_USER_DERIVED = _ext(
    "user_derived", B, "True when user was taken from the creating process's event"
)

PROCESS_CREATE = ObjectAction(
    "process",
    "create",
    (
        *_HOST,
        Field("pid", N, "Process id"),
        Field("ppid", N, "Parent process id"),
        Field("image_path", T, "Full path of the process image"),
        Field("exe", T, "Basename of image_path"),
        Field("command_line", T, "Command line as logged"),
        Field("parent_image_path", T, "Full path of the parent process image"),
        Field("parent_exe", T, "Basename of parent_image_path"),
        Field("user", T, "DOMAIN\\name of the process token"),
        *_HASHES,
        Field("sid", T, "Security identifier of the user (not in Sysmon events)"),
        Field("signer", T, "Signer of the image (not in Sysmon event 1)"),
        _PROCESS_GUID,
        _ext("parent_process_guid", T, "Sysmon ParentProcessGuid"),
        _ext("parent_command_line", T, "Command line of the parent process"),
        _ext("current_directory", T, "Working directory of the process"),
        _ext("logon_guid", T, "Sysmon LogonGuid"),
        _ext("logon_id", T, "Logon session id, lower-case hex with 0x"),
        _ext("terminal_session_id", N, "Terminal session id"),
        _ext("integrity_level", T, "Low, Medium, High or System"),
        _ext("imphash", T, "Import hash of the image, lower-case hex"),
        _ext("original_file_name", T, "PE OriginalFileName (Sysmon 10 and later)"),
    ),
)

PROCESS_TERMINATE = ObjectAction(
    "process",
    "terminate",
    (
        *_HOST,
        Field("pid", N, "Process id"),
        Field("user", T, "User of the process, from its process/create event"),
        _ext("image_path", T, "Full path of the process image"),
        _ext("exe", T, "Basename of image_path"),
        _PROCESS_GUID,
        _USER_DERIVED,
    ),
)

FLOW_START = ObjectAction(
    "flow",
    "start",
    (
        *_HOST,
        Field("start_time", TS, "Time Sysmon first saw the connection"),
        Field("src_ip", T, "Source address, initiator side after orientation"),
        Field("src_port", N, "Source port, initiator side after orientation"),
        Field("dest_ip", T, "Destination address, listener side after orientation"),
        Field("dest_port", N, "Destination port, listener side after orientation"),
        Field("protocol", T, "tcp or udp"),
        Field("pid", N, "Id of the process that owns the connection"),
        Field("image_path", T, "Image of the process that owns the connection"),
        Field("exe", T, "Basename of image_path"),
        Field("user", T, "User of the process that owns the connection"),
        Field("src_hostname", T, "Sysmon SourceHostname after orientation"),
        Field("dest_hostname", T, "Sysmon DestinationHostname after orientation"),
        _ext("transport_protocol", T, "Current CAR name of protocol"),
        _PROCESS_GUID,
        _ext("initiated", B, "Sysmon Initiated: true when the logging host opened it"),
        _ext("direction", T, "outbound or inbound, from Initiated"),
        _ext("orientation", T, "as_logged, swapped or undetermined"),
        _ext("logged_src_ip", T, "SourceIp as logged"),
        _ext("logged_src_port", N, "SourcePort as logged"),
        _ext("logged_dest_ip", T, "DestinationIp as logged"),
        _ext("logged_dest_port", N, "DestinationPort as logged"),
        _ext("logged_src_hostname", T, "SourceHostname as logged"),
        _ext("logged_dest_hostname", T, "DestinationHostname as logged"),
    ),
)

FILE_TIMESTOMP = ObjectAction(
    "file",
    "timestomp",
    (
        *_HOST,
        Field("creation_time", TS, "New (possibly forged) creation time"),
        Field("previous_creation_time", TS, "Creation time before the change"),
        Field("file_name", T, "Basename of the file"),
        Field("file_path", T, "Full path of the file"),
        Field("image_path", T, "Image of the process that changed the time"),
        Field("pid", N, "Id of the process that changed the time"),
        Field("user", T, "User of that process, from its process/create event"),
        _ext("exe", T, "Basename of image_path"),
        _PROCESS_GUID,
        _USER_DERIVED,
    ),
)

DRIVER_LOAD = ObjectAction(
    "driver",
    "load",
    (
        *_HOST,
        Field("image_path", T, "Full path of the driver file"),
        Field("module_name", T, "Basename of the driver file"),
        *_HASHES,
        Field("signer", T, "Sysmon Signature of the driver"),
        Field("base_address", T, "Load address (not in Sysmon events)"),
        _ext("signed", B, "Sysmon Signed"),
        _ext("signature_status", T, "Sysmon SignatureStatus"),
    ),
)

MODULE_LOAD = ObjectAction(
    "module",
    "load",
    (
        *_HOST,
        Field("pid", N, "Id of the loading process"),
        Field("image_path", T, "Image of the loading process"),
        Field("module_name", T, "Basename of the loaded module"),
        Field("module_path", T, "Full path of the loaded module"),
        *_HASHES,
        Field("signer", T, "Sysmon Signature of the module"),
        _ext("exe", T, "Basename of image_path"),
        _PROCESS_GUID,
        _ext("signed", B, "Sysmon Signed"),
        _ext("original_file_name", T, "PE OriginalFileName (Sysmon 10 and later)"),
    ),
)

THREAD_REMOTE_CREATE = ObjectAction(
    "thread",
    "remote_create",
    (
        Field("hostname", T, "First label of the event's Computer name"),
        _ext("fqdn", T, "Computer name as logged"),
        Field("src_pid", N, "Id of the process that created the thread"),
        Field("src_tid", N, "Thread id in the source process (not in Sysmon events)"),
        Field("tgt_pid", N, "Id of the target process"),
        Field("tgt_tid", N, "Id of the new thread (Sysmon NewThreadId)"),
        Field("start_address", T, "Start address, hex text as logged"),
        Field("start_module", T, "Full path of the module holding the start address"),
        Field("start_module_name", T, "Basename of start_module"),
        Field("start_function", T, "Export name at the start address"),
        Field("user", T, "User of the source process, from its process/create event"),
        _ext("src_image_path", T, "Sysmon SourceImage"),
        _ext("tgt_image_path", T, "Sysmon TargetImage"),
        _ext("src_process_guid", T, "Sysmon SourceProcessGuid"),
        _ext("tgt_process_guid", T, "Sysmon TargetProcessGuid"),
        _USER_DERIVED,
    ),
)

OBJECT_ACTIONS: tuple[ObjectAction, ...] = (
    PROCESS_CREATE,
    PROCESS_TERMINATE,
    FLOW_START,
    FILE_TIMESTOMP,
    DRIVER_LOAD,
    MODULE_LOAD,
    THREAD_REMOTE_CREATE,
)

BY_TABLE: dict[str, ObjectAction] = {item.table: item for item in OBJECT_ACTIONS}
BY_KEY: dict[str, ObjectAction] = {item.key: item for item in OBJECT_ACTIONS}

# All fields the CAR data model defines per object (the sensor page's columns),
# including fields no Sysmon event can fill. Coverage tables list these.
MODEL_FIELDS: dict[str, tuple[str, ...]] = {
    "driver": (
        "base_address", "fqdn", "hostname", "image_path", "md5_hash", "module_name",
        "sha1_hash", "sha256_hash", "signer",
    ),
    "file": (
        "company", "creation_time", "file_name", "file_path", "fqdn", "hostname",
        "image_path", "md5_hash", "pid", "ppid", "previous_creation_time", "sha1_hash",
        "sha256_hash", "signer", "user",
    ),
    "flow": (
        "content", "dest_fqdn", "dest_hostname", "dest_ip", "dest_port", "end_time", "exe",
        "flags", "fqdn", "hostname", "image_path", "packet_count", "pid", "ppid",
        "proto_info", "protocol", "src_fqdn", "src_hostname", "src_ip", "src_port",
        "start_time", "user",
    ),
    "module": (
        "base_address", "fqdn", "hostname", "image_path", "md5_hash", "module_name",
        "module_path", "pid", "sha1_hash", "sha256_hash", "signer", "tid",
    ),
    "process": (
        "command_line", "exe", "fqdn", "hostname", "image_path", "md5_hash", "parent_exe",
        "parent_image_path", "pid", "ppid", "sha1_hash", "sha256_hash", "sid", "signer",
        "user",
    ),
    "thread": (
        "hostname", "src_pid", "src_tid", "stack_base", "stack_limit", "start_address",
        "start_function", "start_module", "start_module_name", "subprocess_tag", "tgt_pid",
        "tgt_tid", "user", "user_stack_base", "user_stack_limit",
    ),
}

# Actions of each object in the CAR model, mapped by Sysmon 3.2 or not.
MODEL_ACTIONS: dict[str, tuple[str, ...]] = {
    "driver": ("load", "unload"),
    "file": ("create", "delete", "modify", "read", "timestomp", "write"),
    "flow": ("end", "message", "start"),
    "module": ("load", "unload"),
    "process": ("create", "terminate"),
    "thread": ("create", "remote_create", "suspend", "terminate"),
}


def table_for(object_: str, action: str) -> ObjectAction:
    """Return the object/action definition, raising KeyError for an unmapped pair."""
    return BY_KEY[f"{object_}/{action}"]
