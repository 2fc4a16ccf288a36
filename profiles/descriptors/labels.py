"""The plain-English names of the elements the rules check, for the messages employers read."""

from __future__ import annotations

from collections.abc import Mapping

from profiles.descriptors.paths import Field, parse_path
from profiles.descriptors.rules import Rule

__all__ = ["rule_label"]


# Plain-English names of the elements the rules check: (label, plural).
_LABELS: Mapping[str, tuple[str, bool]] = {
    "OB-01": ("The Verifiable Credentials 2.0 context", False),
    "OB-02": ("The Open Badges 3.0 context", False),
    "OB-03": ("The credential's identifier", False),
    "OB-04": ("The VerifiableCredential type", False),
    "OB-05": ("The Open Badge credential type", False),
    "OB-06": ("The issuer", False),
    "OB-07": ("The issuer's profile type", False),
    "OB-08": ("The date the credential becomes valid", False),
    "OB-09": ("The expiry date", False),
    "OB-10": ("The achievement subject type", False),
    "OB-11": ("The learner's identification", False),
    "OB-12": ("The learner's identity details", True),
    "OB-13": ("The hashed learner identity", False),
    "OB-14": ("The achievement's identifier", False),
    "OB-15": ("The achievement type", False),
    "OB-16": ("The title", False),
    "OB-17": ("The description", False),
    "OB-18": ("The criteria for earning the credential", True),
    "OB-19": ("The kind of achievement", False),
    "OB-20": ("The links from results to result descriptions", True),
    "OB-21": ("The declared credential schemas", True),
    "OB-22": ("A digital signature", False),
    "EU-00": ("The micro-credential marker", False),
    "EU-01": ("The learner's identifier", False),
    "EU-01b": ("The learner's name", False),
    "EU-02": ("The title of the micro-credential", False),
    "EU-03": ("The issuer's country", False),
    "EU-04": ("The awarding body", False),
    "EU-05": ("The date of issuing", False),
    "EU-05b": ("The award date", False),
    "EU-06": ("Learning outcomes", True),
    "EU-07": ("The notional workload", False),
    "EU-07b": ("The workload in ECTS credits", False),
    "EU-08": ("The level of the learning experience", False),
    "EU-08b": ("The EQF level reference", False),
    "EU-09": ("The type of assessment", False),
    "EU-10": ("The form of participation", False),
    "EU-11": ("Quality assurance", False),
    "EU-11b": ("The name of the external quality assurance body", False),
    "EU-12": ("The prerequisites", True),
    "EU-13": ("Supervision and identity verification", False),
    "EU-14": ("The grade achieved", False),
    "EU-15": ("Integration and stackability", False),
    "EU-15b": ("What the micro-credential stacks towards", False),
    "EU-16": ("Further information", False),
    "EU-17": ("A revocation status entry", False),
    "JP-01": ("The learner's name", False),
    "JP-02": ("The issuing institution's name", False),
    "JP-03": ("The learning outcome types (knowledge, skill, competence)", True),
    "JP-03b": ("Coverage of knowledge, skills and competences", False),
    "JP-04": ("The assessment method", False),
    "JP-04b": ("The description of the assessment criteria", False),
    "JP-05": ("The total learning hours", True),
    "JP-06": ("Internal quality assurance", False),
    "JP-06b": ("External quality assurance", False),
    "JP-07": ("Credit or other recognition", False),
    "JP-08": ("A digital certificate form", False),
    "JP-09": ("Stackability", False),
    "JP-09b": ("The kind of credential it stacks towards", False),
    "JP-10": ("The position within the degree programme", False),
    "JP-11": ("A revocation status entry", False),
    "JP-12": ("The quality assurance class", False),
    "JP-12b": ("The co-awarding bodies", True),
}


def rule_label(rule: Rule) -> tuple[str, bool]:
    if rule.id in _LABELS:
        return _LABELS[rule.id]
    last = parse_path(rule.alternatives[0])[-1:] if not rule.alternatives[0].startswith("<") else ()
    name = last[0].name if last and isinstance(last[0], Field) else rule.id
    return f"The element {name!r}", False
