"""Tests of single JSON values for the rules' constraints: the ``type`` names (:data:`TYPES`) and their
words for messages, date-times with a zone, numbers, the named enumerations of ``enumOrExt``, and how a
value is quoted in a message (:func:`show`)."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["ENUMERATIONS", "EXT_TERM", "TYPES", "TYPE_WORDS", "is_number", "parse_datetime_z", "show"]


_DATETIME_Z = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})\Z"
)


_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+\Z")


def parse_datetime_z(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not _DATETIME_Z.match(value):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


TYPES: Mapping[str, Callable[[Any], bool]] = {
    "uri": lambda v: isinstance(v, str) and bool(_URI.match(v)),
    "object": lambda v: isinstance(v, Mapping),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "nonEmptyString": lambda v: isinstance(v, str) and v.strip() != "",
    "number": is_number,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "dateTimeZ": lambda v: parse_datetime_z(v) is not None,
}


TYPE_WORDS: Mapping[str, str] = {
    "uri": "a web address or other URI",
    "object": "a structured entry",
    "array": "a list",
    "string": "text",
    "nonEmptyString": "non-empty text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "dateTimeZ": "a date and time with a time zone",
}


#: Named enumerations for ``enumOrExt`` (OB 3.0 AchievementType; extensions start with ``ext:``).
ENUMERATIONS: Mapping[str, frozenset[str]] = {
    "AchievementType": frozenset(
        {
            "Achievement", "ApprenticeshipCertificate", "Assessment", "Assignment", "AssociateDegree",
            "Award", "Badge", "BachelorDegree", "Certificate", "CertificateOfCompletion", "Certification",
            "CommunityService", "Competency", "Course", "CoCurricular", "Degree", "Diploma",
            "DoctoralDegree", "Fieldwork", "GeneralEducationDevelopment", "JourneymanCertificate",
            "LearningProgram", "License", "Membership", "ProfessionalDoctorate",
            "QualityAssuranceCredential", "MasterCertificate", "MasterDegree", "MicroCredential",
            "ResearchDoctorate", "SecondarySchoolDiploma",
        }
    ),
}  # fmt: skip


EXT_TERM = re.compile(r"ext:[A-Za-z0-9.\-_]+\Z")


def show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
