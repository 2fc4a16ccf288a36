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
invented here. (SD) marks the personal claims made selectively disclosable.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "LEARNING_CREDENTIAL_VCT",
    "PERSONAL_CLAIMS",
    "ProjectionError",
    "learning_credential_claims",
]

LEARNING_CREDENTIAL_VCT = "urn:eu.europa.ec.eudi:learning:credential:1"
PERSONAL_CLAIMS = frozenset({"family_name", "given_name", "learner_identification", "assessment_grade"})
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
    ob_credential: Mapping[str, Any], *, issuer_url: str, issuer_country: str
) -> tuple[dict[str, Any], set[str]]:
    """The SD-JWT VC claims of the EUDI Learning Credential for ``ob_credential`` and the names of
    the selectively disclosable ones. ``issuer_url`` (HTTPS) becomes ``iss``; ``issuer_country``
    (ISO 3166-1 alpha-2) is used when the issuer profile has no ``addressCountryCode`` and must agree
    with it otherwise. ``iat``, ``cnf`` and ``status`` are added by the signing step."""
    if not issuer_url.startswith("https://"):
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
    return claims, set(PERSONAL_CLAIMS & claims.keys())
