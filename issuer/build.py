"""Build unsigned OB 3.0 micro-credentials (OB 3.0 §B.1 AchievementCredential; VCDM 2.0 §4).

Pure: the issuer profile, achievement, recipient, identifiers and times are all passed in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from profiles.validation import MC_DESCRIPTOR_SCHEMA_ID, MC_PROFILE_SCHEMA_ID

__all__ = [
    "JP_PROFILE",
    "MC_CONTEXT",
    "OB_CONTEXT",
    "OB_SCHEMA",
    "VC_V2",
    "Recipient",
    "build_credential",
    "format_datetime",
    "identity_hash",
]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
_OB_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
MC_CONTEXT = "https://w3id.org/shomei/mc/v1/context.jsonld"
_OB_ASSESSMENT_CONTEXT = "https://purl.imsglobal.org/spec/ob-assessment/v2p0/context/"
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
JP_PROFILE = "jp-mc-framework"
_OB_ASSESSMENT_SCHEMA = "https://purl.imsglobal.org/spec/ob-assessment/v2p0/schema/"


def format_datetime(value: dt.datetime) -> str:
    """XML Schema dateTimeStamp in UTC with a ``Z`` (OB DateTimeZ), whole seconds."""
    if value.tzinfo is None:
        raise ValueError("datetimes must carry a time zone")
    utc = value.astimezone(dt.UTC)
    # XML Schema writes a year in at least four digits; strftime's %Y does not pad a year below 1000.
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}Z"


def identity_hash(value: str, salt: str) -> str:
    """OB 3.0 IdentityHash: ``sha256$`` + hex(sha256(value + salt)) (OB §B.2.5 IdentityObject)."""
    return "sha256$" + hashlib.sha256((value + salt).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Recipient:
    """The learner: a DID, and/or hashed identifiers; the name is optional."""

    id: str | None = None
    identifiers: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    given_name: str | None = None
    family_name: str | None = None


def _uses_assessment_extension(achievement: Mapping[str, Any]) -> bool:
    """Whether a result description is an AssessmentResultDescription (its context is then added). Runs
    before the schema check: anything else than a list of objects there is the schema check's to refuse."""
    descriptions = achievement.get("resultDescription")
    for rd in descriptions if isinstance(descriptions, list) else ():
        types = rd.get("type", []) if isinstance(rd, Mapping) else []
        if "AssessmentResultDescription" in (types if isinstance(types, list) else [types]):
            return True
    return False


def build_credential(
    *,
    credential_id: str,
    issuer: Mapping[str, Any],
    achievement: Mapping[str, Any],
    recipient: Recipient,
    valid_from: dt.datetime,
    valid_until: dt.datetime | None = None,
    awarded_date: dt.datetime | None = None,
    results: Sequence[Mapping[str, Any]] = (),
    evidence: Sequence[Mapping[str, Any]] = (),
    activity_start: dt.datetime | None = None,
    activity_end: dt.datetime | None = None,
    credits_earned: float | None = None,
    narrative: str | None = None,
    term: str | None = None,
    extra_contexts: Sequence[str] = (),
    credential_status: Sequence[Mapping[str, Any]] = (),
    profiles: Sequence[str] = (),
) -> dict[str, Any]:
    """Assemble an unsigned ``OpenBadgeCredential`` with the contexts and schemas its content needs;
    ``profiles`` are the descriptor profiles its template claims."""
    if recipient.id is None and not recipient.identifiers:
        raise ValueError("a recipient needs an id or at least one identifier (OB 3.0 AchievementSubject)")
    contexts = [VC_V2, OB_CONTEXT, _OB_EXTENSIONS_CONTEXT]
    if _uses_assessment_extension(achievement):
        contexts.append(_OB_ASSESSMENT_CONTEXT)
    has_descriptor = "mcDescriptor" in achievement
    if has_descriptor:
        contexts.append(MC_CONTEXT)
    contexts.extend(c for c in extra_contexts if c not in contexts)

    subject: dict[str, Any] = {"type": ["AchievementSubject"]}
    if recipient.id:
        subject["id"] = recipient.id
    if recipient.given_name or recipient.family_name:
        subject["type"].append("Profile")
        if recipient.given_name:
            subject["givenName"] = recipient.given_name
        if recipient.family_name:
            subject["familyName"] = recipient.family_name
    if recipient.identifiers:
        subject["identifier"] = [dict(i) for i in recipient.identifiers]
    if activity_start:
        subject["activityStartDate"] = format_datetime(activity_start)
    if activity_end:
        subject["activityEndDate"] = format_datetime(activity_end)
    if credits_earned is not None:
        subject["creditsEarned"] = credits_earned
    if narrative:
        subject["narrative"] = narrative
    if term:
        subject["term"] = term
    if results:
        subject["result"] = [
            {"type": ["Result"], **{k: v for k, v in r.items() if k != "type"}} for r in results
        ]
    subject["achievement"] = dict(achievement)

    credential: dict[str, Any] = {
        "@context": contexts,
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement["name"],
        "issuer": dict(issuer),
        "validFrom": format_datetime(valid_from),
    }
    if description := achievement.get("description"):
        credential["description"] = description
    if image := achievement.get("image"):
        credential["image"] = image
    if valid_until:
        if valid_until <= valid_from:
            raise ValueError("validUntil must be later than validFrom")
        credential["validUntil"] = format_datetime(valid_until)
    if awarded_date:
        credential["awardedDate"] = format_datetime(awarded_date)
    credential["credentialSubject"] = subject
    if evidence:
        credential["evidence"] = [
            {"type": ["Evidence"], **{k: v for k, v in e.items() if k != "type"}} for e in evidence
        ]
    if credential_status:
        credential["credentialStatus"] = (
            dict(credential_status[0])
            if len(credential_status) == 1
            else [dict(s) for s in credential_status]
        )
    schemas = [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}]
    if _OB_ASSESSMENT_CONTEXT in contexts:
        schemas.append({"id": _OB_ASSESSMENT_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"})
    if has_descriptor:
        # The descriptor schemas (profiles.validation): the Japanese framework's, named when a template
        # claims that profile; otherwise the descriptor's shape alone (what is required is then the
        # profile rules' job).
        descriptor_schema = MC_PROFILE_SCHEMA_ID if JP_PROFILE in profiles else MC_DESCRIPTOR_SCHEMA_ID
        schemas.append({"id": descriptor_schema, "type": "1EdTechJsonSchemaValidator2019"})
    credential["credentialSchema"] = schemas
    return credential
