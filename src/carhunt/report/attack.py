"""MITRE ATT&CK Enterprise names that outputs need beyond what analytics declare.

Analytics name their techniques and sub-techniques and give tactics by id. ECS
documents and the HTML report also show tactic names, the parent technique of a
sub-technique, and links to attack.mitre.org. Names are those of ATT&CK
Enterprise v15 to v17 (unchanged across them for these entries).
"""

from __future__ import annotations

from dataclasses import dataclass

ATTACK_URL = "https://attack.mitre.org"


@dataclass(frozen=True)
class Tactic:
    """An ATT&CK Enterprise tactic: id, name and the short name Navigator layers use."""

    id: str
    name: str
    shortname: str

    @property
    def reference(self) -> str:
        return f"{ATTACK_URL}/tactics/{self.id}/"


TACTICS: dict[str, Tactic] = {
    item.id: item
    for item in (
        Tactic("TA0043", "Reconnaissance", "reconnaissance"),
        Tactic("TA0042", "Resource Development", "resource-development"),
        Tactic("TA0001", "Initial Access", "initial-access"),
        Tactic("TA0002", "Execution", "execution"),
        Tactic("TA0003", "Persistence", "persistence"),
        Tactic("TA0004", "Privilege Escalation", "privilege-escalation"),
        Tactic("TA0005", "Defense Evasion", "defense-evasion"),
        Tactic("TA0006", "Credential Access", "credential-access"),
        Tactic("TA0007", "Discovery", "discovery"),
        Tactic("TA0008", "Lateral Movement", "lateral-movement"),
        Tactic("TA0009", "Collection", "collection"),
        Tactic("TA0011", "Command and Control", "command-and-control"),
        Tactic("TA0010", "Exfiltration", "exfiltration"),
        Tactic("TA0040", "Impact", "impact"),
    )
}

# Parents of the sub-techniques that carhunt's analytics name. A sub-technique
# whose parent is missing here still gets its id and link, but no parent name.
PARENT_TECHNIQUES: dict[str, str] = {
    "T1003": "OS Credential Dumping",
    "T1021": "Remote Services",
    "T1036": "Masquerading",
    "T1053": "Scheduled Task/Job",
    "T1055": "Process Injection",
    "T1059": "Command and Scripting Interpreter",
    "T1069": "Permission Groups Discovery",
    "T1087": "Account Discovery",
    "T1218": "System Binary Proxy Execution",
    "T1518": "Software Discovery",
    "T1543": "Create or Modify System Process",
    "T1546": "Event Triggered Execution",
    "T1547": "Boot or Logon Autostart Execution",
    "T1548": "Abuse Elevation Control Mechanism",
    "T1560": "Archive Collected Data",
    "T1562": "Impair Defenses",
    "T1569": "System Services",
    "T1574": "Hijack Execution Flow",
}


def technique_url(technique_id: str) -> str:
    """Return the attack.mitre.org page of a technique or sub-technique id."""
    return f"{ATTACK_URL}/techniques/{technique_id.replace('.', '/')}/"


def parent_id(technique_id: str) -> str:
    """Return the technique id of a sub-technique id, or the id itself."""
    return technique_id.split(".", 1)[0]


def tactic_name(tactic_id: str) -> str:
    """Return the tactic's name, or its id when the id is not an Enterprise tactic."""
    tactic = TACTICS.get(tactic_id)
    return tactic.name if tactic else tactic_id
