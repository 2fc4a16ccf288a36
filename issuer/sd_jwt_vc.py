"""Projection of an Open Badges 3.0 micro-credential onto the EUDI Learning Credential SD-JWT VC
claims (``vct`` ``urn:eu.europa.ec.eudi:learning:credential:1``), per descriptors.md §2.1, following the
EUDI reference issuer (eu-digital-identity-wallet/eudi-srv-pid-issuer, ``learningcredential/``: its
``SdJwtVcClaims`` and ``EncodeLearningCredential``). Pure: no signing here; :func:`proofs.sd_jwt.issue_sd_jwt`
takes the result.

Mapping (``S`` = credentialSubject, ``A`` = its achievement, ``D`` = ``A.mcDescriptor``; M = mandatory
in the reference and so here: a credential without it cannot be projected; SD = selectively disclosable
as in the reference, an array claim as one Disclosure):

=================================  ==================================================================
claim                              source
=================================  ==================================================================
``issuing_authority``          M   ``$.issuer.name``, else ``A.creator.name``
``issuing_country``            M   ``$.issuer.address.addressCountryCode``, else the argument
``date_of_issuance``/``…expiry``   ``$.validFrom`` (M) / ``$.validUntil`` as full-date (UTC)
``family_name``                M   ``S.familyName``                                              SD
``given_name``                     ``S.givenName``                                               SD
``achievement_title``          M   ``A.name``
``achievement_description``        ``A.description``
``learning_outcomes``              ``D.learningOutcome[].description`` (array)                   SD
``assessment_grade``               ``S.result[].value``                                          SD
``language_of_classes``        M   ``A.inLanguage`` (array of language tags, as the reference)
``learner_identification``     M   an unhashed, non-name ``S.identifier[].identityHash``, else
                                   ``S.id`` (the holder's DID in a wallet copy), else a hashed
                                   ``identityHash`` (``sha256$…``, as the OB credential states it)  SD
``expected_study_time``        M   ``D.notionalWorkloadHours`` + ``D.credit[]`` (text)           SD
``level_of_learning_experience`` M the EQF level (integer 1-8) of the level alignment, mapped from
                                   EQF, QF-EHEA, MQF and referenced NQF levels
                                   (:mod:`issuer.qualification_levels`)                          SD
``types_of_quality_assurance`` M   ``D.qualityAssurance[].qaType`` (array)                       SD
``prerequisites_to_enroll``        ``D.entryRequirement`` (array)                                SD
``integration_stackability_…``     ``D.stackability.integration == "integrated"`` (bool)         SD
=================================  ==================================================================

Where the rulebook is silent (the reference issuer only fixes names, types and mandatory flags):
which learner identifier to use, how a non-EQF level is expressed, and how workload and credits
become the ``expected_study_time`` text are Shomei's choices above. §2.1 lists no EUDI claim for type
of assessment or form of participation (gaps); they are not invented in the EU type.

Shomei's own type (``vct`` = ``{public base URL}/vct/micro-credential/v1``, an https URL serving its
Type Metadata, SD-JWT VC §5) carries every claim above under the same name (selectively disclosable
as above; mandatory only the issuer, country, date and title, so that it also serves credentials the
EU type cannot, e.g. with ``levelNotApplicable``) plus the descriptors the EU type lacks:
``assessment_methods``, ``form_of_participation``, ``supervision_and_id_verification``,
``notional_workload_hours``, ``credits``, ``quality_assurance``, ``stackable_towards``,
``recognition`` and (SD) ``credential_url``. Credentials pin the metadata with ``vct#integrity``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from issuer.qualification_levels import eqf_level

__all__ = [
    "LEARNING_CREDENTIAL_CLAIMS",
    "LEARNING_CREDENTIAL_VCT",
    "MICRO_CREDENTIAL_CLAIMS",
    "MICRO_CREDENTIAL_VCT_PATH",
    "ClaimSpec",
    "ProjectionError",
    "integrity",
    "learning_credential_claims",
    "micro_credential_claims",
    "micro_credential_type_metadata",
    "micro_credential_vct",
    "type_metadata_bytes",
]

LEARNING_CREDENTIAL_VCT = "urn:eu.europa.ec.eudi:learning:credential:1"
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class ProjectionError(ValueError):
    """The credential lacks what the Learning Credential requires, or contradicts the arguments."""


class ClaimSpec(NamedTuple):
    """One claim of an SD-JWT VC type: its name, display label and description, whether it is
    selectively disclosable (``sd``) and whether every credential of the type carries it."""

    name: str
    label: str
    description: str
    sd: bool = False
    mandatory: bool = False


_C = ClaimSpec
# The EU Learning Credential as the reference issuer describes it (SdJwtVcClaims: names, English
# labels, mandatory flags; EncodeLearningCredential: which claims are selectively disclosable).
LEARNING_CREDENTIAL_CLAIMS: tuple[ClaimSpec, ...] = (
    _C("issuing_authority", "Issuing Authority", "The institution that awards it", mandatory=True),
    _C(
        "issuing_country",
        "Issuing Country",
        "Country of the awarding body (ISO 3166-1 alpha-2)",
        mandatory=True,
    ),
    _C("date_of_issuance", "Date of Issuance", "Date the credential was awarded", mandatory=True),
    _C("date_of_expiry", "Date of Expiry", "Date after which it is no longer valid"),
    _C("family_name", "Family Name(s)", "The learner's family name as issued", sd=True, mandatory=True),
    _C("given_name", "Given Name(s)", "The learner's given name as issued", sd=True),
    _C("achievement_title", "Achievement Title", "Title of the achievement", mandatory=True),
    _C("achievement_description", "Achievement Description", "What the learner achieved"),
    _C("learning_outcomes", "Learning Outcomes", "What the learner knows, can do and understands", sd=True),
    _C("assessment_grade", "Assessment Grade", "The grade or result the learner obtained", sd=True),
    _C("language_of_classes", "Language of classes", "Languages of the classes (tags)", mandatory=True),
    _C(
        "learner_identification",
        "Learner identification",
        "An identifier of the learner",
        sd=True,
        mandatory=True,
    ),
    _C(
        "expected_study_time", "Expected study time", "Notional workload and credits", sd=True, mandatory=True
    ),
    _C(
        "level_of_learning_experience",
        "Level of learning experience",
        "EQF level (1-8)",
        sd=True,
        mandatory=True,
    ),
    _C(
        "types_of_quality_assurance",
        "Types of quality assurance",
        "Quality assurance applied",
        sd=True,
        mandatory=True,
    ),
    _C("prerequisites_to_enroll", "Prerequisites to enroll", "What a learner needed to enrol", sd=True),
    _C(
        "integration_stackability_options",
        "Integration or Stackability options",
        "Whether it stacks",
        sd=True,
    ),
)
_LEARNING = {claim.name: claim for claim in LEARNING_CREDENTIAL_CLAIMS}
_LEARNING_SD = frozenset(claim.name for claim in LEARNING_CREDENTIAL_CLAIMS if claim.sd)
_LEARNING_MANDATORY = tuple(claim.name for claim in LEARNING_CREDENTIAL_CLAIMS if claim.mandatory)
# What Shomei's own type always carries: it also serves credentials the EU type cannot (no level to
# map, a learner known by name only), so it requires only what every issued credential has.
_MICRO_MANDATORY = ("issuing_authority", "issuing_country", "date_of_issuance", "achievement_title")


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


def _learner_identification(subject: Mapping[str, Any]) -> str | None:
    """An unhashed identifier (a student number, say), else the subject's DID or URI, else a salted
    hash as the OB credential states it; a name is never an identifier."""
    identifiers = [_obj(i) for i in subject.get("identifier") or [] if _obj(i).get("identityType") != "name"]
    for identifier in identifiers:
        if identifier.get("hashed") is False and (value := _text(identifier.get("identityHash"))):
            return value
    if subject_id := _text(subject.get("id")):
        return subject_id
    return next((value for i in identifiers if (value := _text(i.get("identityHash")))), None)


def _grade(subject: Mapping[str, Any]) -> str | None:
    for result in subject.get("result") or []:
        value = _obj(result).get("value")
        if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value).strip():
            return str(value)
    return None


def _languages(achievement: Mapping[str, Any]) -> list[str] | None:
    value = achievement.get("inLanguage")
    values = value if isinstance(value, list) else [value]
    return list(dict.fromkeys(tag for v in values if (tag := _text(v)))) or None


def learning_credential_claims(
    ob_credential: Mapping[str, Any],
    *,
    issuer_url: str,
    issuer_country: str,
    mandatory: tuple[str, ...] = _LEARNING_MANDATORY,
    allow_http: bool = False,
) -> tuple[dict[str, Any], set[str]]:
    """The SD-JWT VC claims of the EUDI Learning Credential for ``ob_credential`` and the names of
    the selectively disclosable ones. ``issuer_url`` (HTTPS) becomes ``iss``; ``issuer_country``
    (ISO 3166-1 alpha-2) is used when the issuer profile has no ``addressCountryCode`` and must agree
    with it otherwise. ``iat``, ``cnf`` and ``status`` are added by the signing step.
    :class:`ProjectionError` names every mandatory claim the credential cannot fill. ``allow_http``: an
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
    stackability = _obj(descriptor.get("stackability")).get("integration")
    values: dict[str, Any] = {
        "issuing_authority": _text(issuer.get("name")) or _text(creator.get("name")),
        "issuing_country": country,
        "date_of_issuance": (
            _full_date(ob_credential["validFrom"], "validFrom") if "validFrom" in ob_credential else None
        ),
        "date_of_expiry": (
            _full_date(ob_credential["validUntil"], "validUntil") if "validUntil" in ob_credential else None
        ),
        "family_name": _text(subject.get("familyName")),
        "given_name": _text(subject.get("givenName")),
        "achievement_title": _text(achievement.get("name")),
        "achievement_description": _text(achievement.get("description")),
        "learning_outcomes": [
            text
            for outcome in descriptor.get("learningOutcome") or []
            if (text := _text(_obj(outcome).get("description")))
        ]
        or None,
        "assessment_grade": _grade(subject),
        "language_of_classes": _languages(achievement),
        "learner_identification": _learner_identification(subject),
        "expected_study_time": _study_time(descriptor),
        "level_of_learning_experience": eqf_level(achievement),
        "types_of_quality_assurance": [
            qa_type
            for qa in descriptor.get("qualityAssurance") or []
            if (qa_type := _text(_obj(qa).get("qaType")))
        ]
        or None,
        "prerequisites_to_enroll": ([req] if (req := _text(descriptor.get("entryRequirement"))) else None),
        "integration_stackability_options": (
            stackability == "integrated" if stackability in ("integrated", "stand-alone") else None
        ),
    }
    missing = [name for name in mandatory if values[name] is None]
    if missing:
        raise ProjectionError(f"the credential type needs {', '.join(missing)} (mandatory claims)")
    claims: dict[str, Any] = {"iss": issuer_url, "vct": LEARNING_CREDENTIAL_VCT}
    claims.update({name: value for name, value in values.items() if value is not None})
    return claims, set(_LEARNING_SD & claims.keys())


# --- Shomei's own type: the Learning Credential claims plus the descriptors the EU type lacks -------

MICRO_CREDENTIAL_VCT_PATH = "/vct/micro-credential/v1"


def _micro(name: str, label: str, description: str, *, sd: bool = False) -> ClaimSpec:
    """A claim of Shomei's type: a Learning Credential claim is selectively disclosable as there."""
    shared = _LEARNING.get(name)
    return ClaimSpec(
        name, label, description, sd=shared.sd if shared else sd, mandatory=name in _MICRO_MANDATORY
    )


MICRO_CREDENTIAL_CLAIMS: tuple[ClaimSpec, ...] = (
    _micro("issuing_authority", "Awarding body", "The institution that awards it"),
    _micro("issuing_country", "Country", "Country of the awarding body (ISO 3166-1 alpha-2)"),
    _micro("date_of_issuance", "Issued on", "Date the micro-credential was awarded"),
    _micro("date_of_expiry", "Valid until", "Date after which it is no longer valid"),
    _micro("family_name", "Family name", "The learner's family name as issued"),
    _micro("given_name", "Given name", "The learner's given name as issued"),
    _micro("learner_identification", "Learner identifier", "An identifier of the learner"),
    _micro("achievement_title", "Title", "Title of the micro-credential"),
    _micro("achievement_description", "Description", "What the learner achieved"),
    _micro("learning_outcomes", "Learning outcomes", "What the learner knows, can do and understands"),
    _micro("assessment_grade", "Grade", "The grade or result the learner obtained"),
    _micro("language_of_classes", "Language", "Language(s) of the course and its assessment"),
    _micro("expected_study_time", "Workload", "Notional workload and credits, as text"),
    _micro("notional_workload_hours", "Workload (hours)", "Notional learning hours"),
    _micro("credits", "Credits", "Credit value per credit system"),
    _micro("level_of_learning_experience", "EQF level", "Level in the European Qualifications Framework"),
    _micro("types_of_quality_assurance", "Quality assurance", "Types of quality assurance applied"),
    _micro("quality_assurance", "Quality assurance (detail)", "Each quality assurance: scope, type, body"),
    _micro("prerequisites_to_enroll", "Entry requirements", "What a learner needed to enrol"),
    _micro("assessment_methods", "Type of assessment", "How the learning outcomes were assessed"),
    _micro("form_of_participation", "Form of participation", "Online, onsite or blended"),
    _micro("supervision_and_id_verification", "Supervision", "Supervision and identity verification"),
    _micro("integration_stackability_options", "Stackable", "Whether it stacks into a larger credential"),
    _micro("stackable_towards", "Stacks towards", "The programmes it counts towards, and how"),
    _micro("recognition", "Recognition", "Credit transfer or other recognition"),
    _micro("credential_url", "Credential", "The Open Badges 3.0 credential this attests", sd=True),
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
        ob_credential,
        issuer_url=issuer_url,
        issuer_country=issuer_country,
        mandatory=_MICRO_MANDATORY,
        allow_http=allow_http,
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
