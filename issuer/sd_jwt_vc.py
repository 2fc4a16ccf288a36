"""Projection of an Open Badges 3.0 micro-credential onto the EUDI Learning Credential SD-JWT VC
claims (``vct`` ``urn:eu.europa.ec.eudi:learning:credential:1``), per descriptors.md §2.1 (EUDI
reference issuer column). Pure: no signing here; :func:`proofs.sd_jwt.issue_sd_jwt` takes the result.

Mapping (``S`` = credentialSubject, ``A`` = its achievement, ``D`` = ``A.mcDescriptor``):

=================================  ==========================================================
claim                              source
=================================  ==========================================================
``family_name``/``given_name``     ``S.familyName``/``S.givenName``                        (SD)
``learner_identification``         first unhashed, non-name ``S.identifier[].identityHash`` (SD)
``achievement_title``/``…_desc…``  ``A.name``/``A.description``
``issuing_authority``              ``$.issuer.name``, else ``A.creator.name``
``issuing_country``                ``$.issuer.address.addressCountryCode``, else the argument
``date_of_issuance``/``…expiry``   ``$.validFrom``/``$.validUntil`` as full-date (UTC)
``learning_outcomes``              ``D.learningOutcome[].description``
``expected_study_time``            ``D.notionalWorkloadHours`` + ``D.credit[]`` (text)
``level_of_learning_experience``   EQF level alignment ``targetCode`` (uint); other frameworks
                                   (e.g. MQF) are not EQF levels and are left out
``types_of_quality_assurance``     ``D.qualityAssurance[].qaType``
``prerequisites_to_enroll``        ``D.entryRequirement``
``integration_stackability_…``     ``D.stackability.integration == "integrated"`` (bool)
``assessment_grade``               ``S.result[].value``                                     (SD)
``language_of_classes``            ``A.inLanguage``
=================================  ==========================================================

§2.1 lists no EUDI claim for type of assessment or form of participation (gaps); they are not
invented in the EU type. (SD) marks the personal claims made selectively disclosable.

Shomei's own type (``vct`` = ``{public base URL}/vct/micro-credential/v1``, an https URL serving its
Type Metadata, SD-JWT VC §5) carries every claim above under the same name plus the descriptors the EU
type lacks: ``assessment_methods``, ``form_of_participation``, ``supervision_and_id_verification``,
``notional_workload_hours``, ``credits``, ``quality_assurance``, ``stackable_towards``, ``recognition``
and (SD) ``credential_url``. Credentials pin the metadata with ``vct#integrity``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

__all__ = [
    "LEARNING_CREDENTIAL_VCT",
    "MICRO_CREDENTIAL_CLAIMS",
    "MICRO_CREDENTIAL_VCT_PATH",
    "ProjectionError",
    "integrity",
    "learning_credential_claims",
    "micro_credential_claims",
    "micro_credential_type_metadata",
    "micro_credential_vct",
    "type_metadata_bytes",
]

LEARNING_CREDENTIAL_VCT = "urn:eu.europa.ec.eudi:learning:credential:1"
_PERSONAL_CLAIMS = frozenset({"family_name", "given_name", "learner_identification", "assessment_grade"})
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_EQF_URL = re.compile(r"^https?://data\.europa\.eu/snb/eqf/([1-8])$")
_EQF_FRAMEWORK = re.compile(r"\bEQF\b|European Qualifications Framework", re.IGNORECASE)


class ProjectionError(ValueError):
    """The credential lacks what the Learning Credential requires, or contradicts the arguments."""


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _full_date(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ProjectionError(f"{what} is not a dateTime string")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ProjectionError(f"{what} is not a valid dateTime") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC)
    return parsed.date().isoformat()


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _study_time(descriptor: Mapping[str, Any]) -> str | None:
    parts: list[str] = []
    hours = descriptor.get("notionalWorkloadHours")
    if isinstance(hours, int | float) and not isinstance(hours, bool) and hours > 0:
        parts.append(f"{_number(hours)} hours")
    for credit in descriptor.get("credit") or []:
        credit = _obj(credit)
        value, system = credit.get("creditValue"), _text(credit.get("creditSystem"))
        if isinstance(value, int | float) and not isinstance(value, bool) and system:
            parts.append(f"{_number(value)} {system}")
    return "; ".join(parts) or None


def _eqf_level(achievement: Mapping[str, Any]) -> int | None:
    for alignment in achievement.get("alignment") or []:
        alignment = _obj(alignment)
        if alignment.get("targetType") != "ext:QualificationsFrameworkLevel":
            continue
        url_match = _EQF_URL.match(str(alignment.get("targetUrl", "")))
        if url_match:
            return int(url_match.group(1))
        code = str(alignment.get("targetCode", ""))
        if _EQF_FRAMEWORK.search(str(alignment.get("targetFramework", ""))) and code.isdigit():
            level = int(code)
            if 1 <= level <= 8:
                return level
    return None


def _learner_identification(subject: Mapping[str, Any]) -> str | None:
    for identifier in subject.get("identifier") or []:
        identifier = _obj(identifier)
        if identifier.get("identityType") == "name" or identifier.get("hashed") is not False:
            continue  # a name is not an identifier; a salted hash is useless to a relying party
        value = _text(identifier.get("identityHash"))
        if value:
            return value
    return None


def _grade(subject: Mapping[str, Any]) -> str | None:
    for result in subject.get("result") or []:
        value = _obj(result).get("value")
        if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value).strip():
            return str(value)
    return None


def learning_credential_claims(
    ob_credential: Mapping[str, Any], *, issuer_url: str, issuer_country: str, allow_http: bool = False
) -> tuple[dict[str, Any], set[str]]:
    """The SD-JWT VC claims of the EUDI Learning Credential for ``ob_credential`` and the names of
    the selectively disclosable ones. ``issuer_url`` (HTTPS) becomes ``iss``; ``issuer_country``
    (ISO 3166-1 alpha-2) is used when the issuer profile has no ``addressCountryCode`` and must agree
    with it otherwise. ``iat``, ``cnf`` and ``status`` are added by the signing step. ``allow_http``: an
    ``http`` issuer URL is taken too (the caller allows it for a development service on a loopback
    address only; wallets expect https)."""
    if not issuer_url.startswith("https://") and not (allow_http and issuer_url.startswith("http://")):
        raise ProjectionError("the SD-JWT VC issuer must be an https URL")
    issuer = _obj(ob_credential.get("issuer"))
    subject = _obj(ob_credential.get("credentialSubject"))
    achievement = _obj(subject.get("achievement"))
    descriptor = _obj(achievement.get("mcDescriptor"))
    creator = _obj(achievement.get("creator"))

    country = _text(_obj(issuer.get("address")).get("addressCountryCode")) or issuer_country
    if country != issuer_country:
        raise ProjectionError(f"the credential's issuer country {country} is not {issuer_country}")
    if not _COUNTRY.match(country):
        raise ProjectionError("issuing_country must be an ISO 3166-1 alpha-2 code")
    authority = _text(issuer.get("name")) or _text(creator.get("name"))
    title = _text(achievement.get("name"))
    if authority is None or title is None or "validFrom" not in ob_credential:
        raise ProjectionError("issuer name, achievement name and validFrom are required")

    claims: dict[str, Any] = {
        "iss": issuer_url,
        "vct": LEARNING_CREDENTIAL_VCT,
        "issuing_authority": authority,
        "issuing_country": country,
        "date_of_issuance": _full_date(ob_credential["validFrom"], "validFrom"),
    }
    optional: dict[str, Any] = {
        "date_of_expiry": (
            _full_date(ob_credential["validUntil"], "validUntil") if "validUntil" in ob_credential else None
        ),
        "family_name": _text(subject.get("familyName")),
        "given_name": _text(subject.get("givenName")),
        "learner_identification": _learner_identification(subject),
        "achievement_title": title,
        "achievement_description": _text(achievement.get("description")),
        "learning_outcomes": [
            text
            for outcome in descriptor.get("learningOutcome") or []
            if (text := _text(_obj(outcome).get("description")))
        ]
        or None,
        "assessment_grade": _grade(subject),
        "language_of_classes": [lang] if (lang := _text(achievement.get("inLanguage"))) else None,
        "expected_study_time": _study_time(descriptor),
        "level_of_learning_experience": _eqf_level(achievement),
        "types_of_quality_assurance": [
            qa_type
            for qa in descriptor.get("qualityAssurance") or []
            if (qa_type := _text(_obj(qa).get("qaType")))
        ]
        or None,
        "prerequisites_to_enroll": ([req] if (req := _text(descriptor.get("entryRequirement"))) else None),
        "integration_stackability_options": (
            _obj(descriptor.get("stackability")).get("integration") == "integrated"
            if _obj(descriptor.get("stackability")).get("integration") in ("integrated", "stand-alone")
            else None
        ),
    }
    claims.update({name: value for name, value in optional.items() if value is not None})
    return claims, set(_PERSONAL_CLAIMS & claims.keys())


# --- Shomei's own type: the Learning Credential claims plus the descriptors the EU type lacks -------

MICRO_CREDENTIAL_VCT_PATH = "/vct/micro-credential/v1"


class ClaimSpec(NamedTuple):
    """One claim of Shomei's type: its name, display label and description, whether it is
    selectively disclosable (``sd``) and whether every credential of the type carries it."""

    name: str
    label: str
    description: str
    sd: bool = False
    mandatory: bool = False


_C = ClaimSpec
MICRO_CREDENTIAL_CLAIMS: tuple[ClaimSpec, ...] = (
    _C("issuing_authority", "Awarding body", "The institution that awards it", mandatory=True),
    _C("issuing_country", "Country", "Country of the awarding body (ISO 3166-1 alpha-2)", mandatory=True),
    _C("date_of_issuance", "Issued on", "Date the micro-credential was awarded", mandatory=True),
    _C("date_of_expiry", "Valid until", "Date after which it is no longer valid"),
    _C("family_name", "Family name", "The learner's family name as issued", sd=True),
    _C("given_name", "Given name", "The learner's given name as issued", sd=True),
    _C("learner_identification", "Learner identifier", "An identifier of the learner", sd=True),
    _C("achievement_title", "Title", "Title of the micro-credential", mandatory=True),
    _C("achievement_description", "Description", "What the learner achieved"),
    _C("learning_outcomes", "Learning outcomes", "What the learner knows, can do and understands"),
    _C("assessment_grade", "Grade", "The grade or result the learner obtained", sd=True),
    _C("language_of_classes", "Language", "Language(s) of the course and its assessment"),
    _C("expected_study_time", "Workload", "Notional workload and credits, as text"),
    _C("notional_workload_hours", "Workload (hours)", "Notional learning hours"),
    _C("credits", "Credits", "Credit value per credit system"),
    _C("level_of_learning_experience", "EQF level", "Level in the European Qualifications Framework"),
    _C("types_of_quality_assurance", "Quality assurance", "Types of quality assurance applied"),
    _C("quality_assurance", "Quality assurance (detail)", "Each quality assurance: scope, type, body"),
    _C("prerequisites_to_enroll", "Entry requirements", "What a learner needed to enrol"),
    _C("assessment_methods", "Type of assessment", "How the learning outcomes were assessed"),
    _C("form_of_participation", "Form of participation", "Online, onsite or blended"),
    _C("supervision_and_id_verification", "Supervision", "Supervision and identity verification"),
    _C("integration_stackability_options", "Stackable", "Whether it stacks into a larger credential"),
    _C("stackable_towards", "Stacks towards", "The programmes it counts towards, and how"),
    _C("recognition", "Recognition", "Credit transfer or other recognition"),
    _C("credential_url", "Credential", "The Open Badges 3.0 credential this attests", sd=True),
)
_MICRO_CREDENTIAL_PERSONAL = frozenset(claim.name for claim in MICRO_CREDENTIAL_CLAIMS if claim.sd)


def micro_credential_vct(public_base_url: str) -> str:
    """The ``vct`` of Shomei's type: an https URL that serves its Type Metadata (SD-JWT VC §5)."""
    return public_base_url.rstrip("/") + MICRO_CREDENTIAL_VCT_PATH


def _strings(values: Any) -> list[str]:
    return [text for value in values or [] if (text := _text(value))] if isinstance(values, list) else []


def _pick(value: Any, fields: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """``{claim: value[source]}`` for the fields present (text trimmed, numbers kept)."""
    obj = _obj(value)
    picked = {}
    for claim, source in fields:
        item = obj.get(source)
        item = item if isinstance(item, int | float) and not isinstance(item, bool) else _text(item)
        if item is not None:
            picked[claim] = item
    return picked


def _descriptor_claims(descriptor: Mapping[str, Any]) -> dict[str, Any]:
    hours = descriptor.get("notionalWorkloadHours")
    credits = [
        credit
        for item in descriptor.get("credit") or []
        if len(credit := _pick(item, (("system", "creditSystem"), ("value", "creditValue")))) == 2
    ]
    qa_fields = (("scope", "qaScope"), ("type", "qaType"), ("reference", "reference"))
    quality = [
        _pick(qa, qa_fields) | _pick(_obj(qa).get("qaBody"), (("body", "name"),))
        for qa in descriptor.get("qualityAssurance") or []
    ]
    pathway = (
        ("id", "id"),
        ("name", "name"),
        ("target_type", "pathwayTargetType"),
        ("position", "positionInProgramme"),
        ("credits", "creditsTowards"),
    )
    towards = [_pick(p, pathway) for p in _obj(descriptor.get("stackability")).get("stackableTowards") or []]
    recognition = [
        _pick(r, (("type", "recognitionType"), ("description", "description")))
        for r in descriptor.get("recognition") or []
    ]
    return {
        "notional_workload_hours": (
            hours if isinstance(hours, int | float) and not isinstance(hours, bool) and hours > 0 else None
        ),
        "credits": credits or None,
        "quality_assurance": [qa for qa in quality if qa] or None,
        "assessment_methods": _strings(descriptor.get("assessmentMethod")) or None,
        "form_of_participation": _text(descriptor.get("participationForm")),
        "supervision_and_id_verification": _text(descriptor.get("supervisionAndIdVerification")),
        "stackable_towards": [p for p in towards if p] or None,
        "recognition": [r for r in recognition if r] or None,
    }


def micro_credential_claims(
    ob_credential: Mapping[str, Any],
    *,
    issuer_url: str,
    issuer_country: str,
    vct: str,
    allow_http: bool = False,
) -> tuple[dict[str, Any], set[str]]:
    """Claims of Shomei's own SD-JWT VC type (``vct`` from :func:`micro_credential_vct`): every
    Learning Credential claim under the same name, plus the descriptors the EU type has no claim
    for (assessment, participation, supervision, credits, QA detail, stackability, recognition)."""
    claims, _ = learning_credential_claims(
        ob_credential, issuer_url=issuer_url, issuer_country=issuer_country, allow_http=allow_http
    )
    claims["vct"] = vct
    achievement = _obj(_obj(ob_credential.get("credentialSubject")).get("achievement"))
    extra = _descriptor_claims(_obj(achievement.get("mcDescriptor")))
    credential_id = _text(ob_credential.get("id"))
    extra["credential_url"] = (
        credential_id if credential_id and credential_id.startswith("https://") else None
    )
    claims.update({name: value for name, value in extra.items() if value is not None})
    return claims, set(_MICRO_CREDENTIAL_PERSONAL & claims.keys())


def micro_credential_type_metadata(vct: str) -> dict[str, Any]:
    """SD-JWT VC Type Metadata (§5) of Shomei's type; served at ``vct`` itself."""
    return {
        "vct": vct,
        "name": "Micro-credential",
        "description": (
            "A micro-credential (EU Council Recommendation 2022/C 243/02, Annex I) issued by Shomei: "
            "the claims of the EU Learning Credential (urn:eu.europa.ec.eudi:learning:credential:1) "
            "under the same names, plus the descriptors that type lacks."
        ),
        "display": [
            {
                "locale": "en",
                "name": "Micro-credential",
                "description": "A record of a focused learning achievement",
                "rendering": {"simple": {"background_color": "#12355B", "text_color": "#FFFFFF"}},
            }
        ],
        "claims": [
            {
                "path": [claim.name],
                "display": [{"locale": "en", "label": claim.label, "description": claim.description}],
                "sd": "always" if claim.sd else "never",
                "mandatory": claim.mandatory,
            }
            for claim in MICRO_CREDENTIAL_CLAIMS
        ],
    }


def type_metadata_bytes(metadata: Mapping[str, Any]) -> bytes:
    """The exact bytes served for a Type Metadata document (``vct#integrity`` is computed over them)."""
    return json.dumps(metadata, ensure_ascii=False, separators=(",", ":")).encode()


def integrity(document: bytes) -> str:
    """A W3C Subresource Integrity string (``sha256-<base64>``), as ``vct#integrity`` uses."""
    return "sha256-" + base64.b64encode(hashlib.sha256(document).digest()).decode()
