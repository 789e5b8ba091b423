"""ECS documents: one Elastic Common Schema alert per hit, as JSON lines.

Elasticsearch and OpenSearch ingest the lines unchanged (for example with the
bulk API or Filebeat's ndjson input). Every field name is an ECS field. The
hit's own key fields, the reading and the evidence references go into
``labels``, the ECS object for custom key/value pairs.

The process, network, file and library fields come from the hit's key event, the
evidence event at the hit's time. This format therefore needs the evidence events
in full, and the hunt collects them when it is chosen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any, TextIO

from carhunt.analytics.base import Analytic
from carhunt.context import DataSetContext, EvidenceEvent
from carhunt.hits import Hit
from carhunt.model import car
from carhunt.pipeline import HuntResult
from carhunt.report import attack
from carhunt.report.base import OutputFormat, analytic_results
from carhunt.report.csv import LIST_SEPARATOR, format_time

ECS_VERSION = "9.4.0"
"""The ECS release whose field reference the documents are checked against."""

CAR_URL = "https://car.mitre.org/analytics"

# ECS categorization of each CAR table's events: event.category and event.type.
CATEGORIES: dict[str, tuple[str, str]] = {
    car.PROCESS_CREATE.table: ("process", "start"),
    car.PROCESS_TERMINATE.table: ("process", "end"),
    car.FLOW_START.table: ("network", "connection"),
    car.FILE_TIMESTOMP.table: ("file", "change"),
    car.DRIVER_LOAD.table: ("driver", "start"),
    car.MODULE_LOAD.table: ("library", "start"),
    car.THREAD_REMOTE_CREATE.table: ("process", "access"),
}

# Sysmon logs from the host's point of view, so ECS wants ingress/egress.
DIRECTIONS = {"inbound": "ingress", "outbound": "egress"}


def _prune(value: Any) -> Any:
    """Drop None values and empty lists and objects, recursively."""
    if isinstance(value, dict):
        pruned = {key: _prune(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item not in (None, [], {}, "")}
    if isinstance(value, list):
        return [item for item in (_prune(item) for item in value) if item is not None]
    return value


def _label(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return format_time(value)
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(_label(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _user(value: Any) -> dict[str, Any]:
    if not isinstance(value, str):
        return {}
    domain, _, name = value.rpartition("\\")
    return {"name": name, "domain": domain or None}


def _hashes(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "md5": row.get("md5_hash"),
        "sha1": row.get("sha1_hash"),
        "sha256": row.get("sha256_hash"),
    }


def _process(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    return {
        "pid": row.get(f"{prefix}pid"),
        "executable": row.get(f"{prefix}image_path"),
        "name": row.get(f"{prefix}exe"),
        "entity_id": row.get(f"{prefix}process_guid"),
    }


def event_fields(event: EvidenceEvent) -> dict[str, Any]:
    """Return the ECS fields of one CAR event: process, user, network, file or library."""
    row = event.row
    table = event.table
    if table is car.THREAD_REMOTE_CREATE:
        # NOTE: ECS has no field for the target of a remote thread, so the target
        # process is only in the hit's labels (tgt_pid, tgt_image_path).
        return {"process": _process(row, "src_"), "user": _user(row.get("user"))}
    fields: dict[str, Any] = {"process": _process(row), "user": _user(row.get("user"))}
    if table is car.PROCESS_CREATE:
        fields["process"].update(
            command_line=row.get("command_line"),
            working_directory=row.get("current_directory"),
            start=row.get(car.TIME),
            hash=_hashes(row),
            parent={
                "pid": row.get("ppid"),
                "executable": row.get("parent_image_path"),
                "name": row.get("parent_exe"),
                "command_line": row.get("parent_command_line"),
                "entity_id": row.get("parent_process_guid"),
            },
        )
    elif table is car.PROCESS_TERMINATE:
        fields["process"]["end"] = row.get(car.TIME)
    elif table is car.FLOW_START:
        fields["source"] = {"ip": row.get("src_ip"), "port": row.get("src_port")}
        fields["destination"] = {"ip": row.get("dest_ip"), "port": row.get("dest_port")}
        fields["network"] = {
            "transport": row.get("protocol"),
            "direction": DIRECTIONS.get(str(row.get("direction"))),
        }
    elif table is car.FILE_TIMESTOMP:
        fields["file"] = {
            "path": row.get("file_path"),
            "name": row.get("file_name"),
            "created": row.get("creation_time"),
        }
    elif table is car.DRIVER_LOAD:
        fields.pop("process")
        fields["file"] = {
            "path": row.get("image_path"),
            "name": row.get("module_name"),
            "hash": _hashes(row),
        }
    elif table is car.MODULE_LOAD:
        fields["dll"] = {
            "path": row.get("module_path"),
            "name": row.get("module_name"),
            "hash": _hashes(row),
        }
    return fields


def threat(hit: Hit, analytic: Analytic) -> dict[str, Any]:
    """Return the ECS ``threat`` object of a hit: its ATT&CK techniques and tactics."""
    parents = list(dict.fromkeys(attack.parent_id(item) for item in hit.techniques))
    subtechniques = [item for item in hit.techniques if "." in item]
    declared = {item.id: item.name for item in analytic.techniques}
    names = {**attack.PARENT_TECHNIQUES, **declared}
    technique: dict[str, Any] = {
        "id": parents,
        "reference": [attack.technique_url(item) for item in parents],
    }
    # ECS pairs the lists by position, so names are given for all techniques or none.
    if all(item in names for item in parents):
        technique["name"] = [names[item] for item in parents]
    if subtechniques:
        technique["subtechnique"] = {
            "id": subtechniques,
            "name": [declared.get(item, item) for item in subtechniques],
            "reference": [attack.technique_url(item) for item in subtechniques],
        }
    return {
        "framework": "MITRE ATT&CK",
        "technique": technique,
        "tactic": {
            "id": list(hit.tactics),
            "name": [attack.tactic_name(item) for item in hit.tactics],
            "reference": [
                attack.TACTICS[item].reference if item in attack.TACTICS else None
                for item in hit.tactics
            ],
        },
    }


def document_id(hit: Hit) -> str:
    """Return a stable id of a hit: the same analytic, reading and evidence give the same id."""
    key = "\n".join(
        [hit.analytic_id, hit.reading.value, *(f"{e.path}#{e.ref}" for e in hit.evidence)]
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def labels(hit: Hit, dataset: str | None) -> dict[str, str]:
    """Return the hit's own fields and carhunt's hit attributes as ECS ``labels``."""
    values = {name: _label(value) for name, value in hit.fields.items() if value is not None}
    values.update(
        reading=hit.reading.value,
        evidence=_label([f"{item.path}#{item.ref}" for item in hit.evidence]),
        matched_subrules=_label(hit.matched_subrules),
        field_missing=_label(hit.field_missing),
        flags=_label(hit.flags),
    )
    if dataset is not None:
        values["dataset"] = dataset
    return values


def _event(hit: Hit, analytic: Analytic, events: list[EvidenceEvent]) -> dict[str, Any]:
    key_event = events[0] if events else None
    # Without the evidence events, the first table the analytic reads gives the category.
    table = key_event.table.table if key_event else next(iter(analytic.tables), "")
    category, kind = CATEGORIES.get(table, ("process", "info"))
    times = [event.time for event in events if event.time is not None]
    return {
        "kind": "alert",
        "category": [category],
        "type": [kind],
        "module": "carhunt",
        "dataset": "carhunt.alert",
        "id": document_id(hit),
        "code": str(key_event.row.get(car.EVENT_ID)) if key_event else None,
        "start": min(times) if times else None,
        "end": max(times) if times else None,
    }


def document(
    hit: Hit, analytic: Analytic, context: DataSetContext | None, dataset: str | None
) -> dict[str, Any]:
    """Return the ECS document of one hit; its key event comes first among the events."""
    events = context.events_for(hit) if context else []
    events.sort(key=lambda event: event.time != hit.time)
    key_event = events[0] if events else None
    fqdn = key_event.row.get("fqdn") if key_event else None

    doc: dict[str, Any] = {
        "@timestamp": hit.time,
        "message": f"{hit.analytic_id} {hit.title} on {hit.hostname or 'an unknown host'}",
        "ecs": {"version": ECS_VERSION},
        "event": _event(hit, analytic, events),
        "host": {
            "name": (fqdn or hit.hostname or "").lower() or None,
            "hostname": hit.hostname,
        },
        "rule": {
            "id": hit.analytic_id,
            "name": hit.title,
            "description": analytic.description,
            "category": analytic.analytic_type,
            "ruleset": "MITRE CAR",
            "reference": f"{CAR_URL}/{hit.analytic_id}/",
        },
        "threat": threat(hit, analytic),
        "log": {"file": {"path": hit.evidence[0].path if hit.evidence else None}},
        "labels": labels(hit, dataset),
    }
    if key_event is not None:
        doc.update(event_fields(key_event))
    doc["related"] = related(doc)
    return _prune(doc)  # type: ignore[no-any-return]


def related(doc: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Return the ECS ``related`` lists: hosts, users, IPs and hashes of a document."""
    host = doc.get("host", {})
    user = doc.get("user", {})
    process = doc.get("process", {})
    hashes = [
        value
        for holder in (process, doc.get("file", {}), doc.get("dll", {}))
        for value in holder.get("hash", {}).values()
    ]
    addresses = [doc.get(side, {}).get("ip") for side in ("source", "destination")]
    return {
        "hosts": _unique([host.get("hostname"), host.get("name")]),
        "user": _unique([user.get("name")]),
        "ip": _unique(addresses),
        "hash": _unique(hashes),
    }


def _unique(values: list[Any]) -> list[Any]:
    return [value for value in dict.fromkeys(values) if value is not None]


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return format_time(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class EcsFormat(OutputFormat):
    """One ECS alert document per hit, as JSON lines."""

    name = "ecs"
    description = "one Elastic Common Schema alert per hit (JSON lines for Elasticsearch)"
    needs_context = True

    def write(self, result: HuntResult, stream: TextIO) -> None:
        several = len(result.datasets) > 1
        for dataset, item in analytic_results(result):
            for hit in item.hits:
                doc = document(
                    hit, item.analytic, dataset.context, dataset.name if several else None
                )
                stream.write(json.dumps(doc, ensure_ascii=False, default=_json_default) + "\n")
