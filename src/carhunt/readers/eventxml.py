"""Windows Event XML to the JSON tree pyevtx-rs writes.

Every XML transport (wevtutil and Event Viewer exports, python-evtx dumps,
Splunk's XmlWinEventLog, Sysmon for Linux syslog, XML carried inside JSON) is
turned into ``{"Event": {"System": {...}, "EventData": {name: value}}}``, the
shape of the ``evtx_tree`` dialect, so one mapping serves them all.

Parsing uses lxml with external entities, DTD loading and network access off.
Elements are matched by local name, so the events namespace, its absence
(Sysmon for Linux) and single or double quotes make no difference.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)

# An ampersand that starts no entity or character reference. Event Viewer's XML
# view and some tools leave `&` of command lines unescaped.
_BARE_AMPERSAND = re.compile(r"&(?!(?:[A-Za-z_][\w.-]*|#[0-9]+|#x[0-9A-Fa-f]+);)")
# A character reference to a UTF-16 surrogate (U+D800-U+DFFF), which XML forbids.
# Windows strings can hold unpaired surrogates; such a value gets U+FFFD instead.
_CHARACTER_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")


@dataclass(frozen=True)
class ParsedEvent:
    """One event parsed from XML, or why it could not be parsed."""

    tree: dict[str, Any] | None
    error: str = ""
    repaired_ampersands: int = 0
    """Bare ``&`` characters taken literally to make the event well-formed."""
    replaced_surrogates: int = 0
    """References to unpaired UTF-16 surrogates replaced by U+FFFD."""

    @property
    def record_id(self) -> str | None:
        if self.tree is None:
            return None
        value = self.tree["Event"]["System"].get("EventRecordID")
        return value.strip() if isinstance(value, str) and value.strip().isdigit() else None

    def payload(self) -> str:
        return json.dumps(self.tree, ensure_ascii=False)


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _node(element: Any) -> Any:
    """Return a System child as evtx-rs renders it: text, or attributes and text."""
    text = element.text.strip() if element.text else ""
    if not element.attrib:
        return text
    node: dict[str, Any] = {"#attributes": dict(element.attrib)}
    if text:
        node["#text"] = text
    return node


def event_tree(event: Any) -> dict[str, Any]:
    """Convert a parsed ``<Event>`` element into the evtx-rs JSON tree.

    ``RenderingInfo`` is left out. ``<Data>`` without a ``Name`` (classic
    providers) is kept as a list under ``Data``; ``UserData`` is not needed for
    Sysmon and is left out. ``{*}`` matches a name in any namespace or none.
    """
    system: dict[str, Any] = {}
    header = event.find("{*}System")
    if header is not None:
        for item in header:
            tag = item.tag
            if isinstance(tag, str):
                system[tag[tag.rfind("}") + 1 :]] = _node(item)
    data: dict[str, Any] = {}
    for item in event.iterfind("{*}EventData/{*}Data"):
        value = item.text or ""
        field = item.get("Name")
        if field:
            data[field] = value
        else:
            data.setdefault("Data", []).append(value)
    return {"Event": {"System": system, "EventData": data}}


def parse_event(text: str) -> ParsedEvent:
    """Parse the text of one ``<Event>`` element.

    Text that is not well-formed only because of bare ``&`` characters is parsed
    again with them escaped, so the value keeps every character. Any other error
    is returned with lxml's message and position.
    """
    try:
        root = etree.fromstring(text, _PARSER)
    except etree.XMLSyntaxError as error:
        return _parse_repaired(text, error)
    except ValueError as error:
        return ParsedEvent(None, f"not well-formed: {error}")
    return _checked(root, 0, 0)


def _replace_surrogate(match: re.Match[str]) -> str:
    hexadecimal, decimal = match.groups()
    code = int(hexadecimal, 16) if hexadecimal else int(decimal)
    return "&#xFFFD;" if 0xD800 <= code <= 0xDFFF else match.group()


def _parse_repaired(text: str, error: etree.XMLSyntaxError) -> ParsedEvent:
    repaired = _CHARACTER_REFERENCE.sub(_replace_surrogate, text)
    surrogates = repaired.count("&#xFFFD;") - text.count("&#xFFFD;")
    repaired, ampersands = _BARE_AMPERSAND.subn("&amp;", repaired)
    if not ampersands and not surrogates:
        return ParsedEvent(None, _describe(error))
    try:
        root = etree.fromstring(repaired, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return ParsedEvent(None, _describe(error))
    return _checked(root, ampersands, surrogates)


def _checked(root: Any, ampersands: int, surrogates: int) -> ParsedEvent:
    if _local(root.tag) != "Event":
        return ParsedEvent(None, f"root element is <{_local(root.tag)}>, not <Event>")
    return ParsedEvent(event_tree(root), "", ampersands, surrogates)


def _describe(error: etree.XMLSyntaxError) -> str:
    message = str(error.msg) if error.msg else str(error)
    line = error.position[0] if error.position else 0
    return f"not well-formed XML: {message} (line {line} of the event)"


def event_data_items(text: str) -> dict[str, str] | None:
    """Return the ``<Data Name=...>`` values of an XML fragment, or None if it is not XML.

    Azure's ``Event`` table keeps only EventData as XML
    (``<DataItem ...><EventData><Data Name=...>``); this reads that fragment.
    """
    try:
        root = etree.fromstring(text, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    values: dict[str, str] = {}
    for item in root.iter():
        if _local(item.tag) == "Data" and item.get("Name"):
            values[item.get("Name")] = item.text or ""
    return values
