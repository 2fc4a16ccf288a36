"""What a course template must pass before it is saved, so that a saved template is issuable: the
descriptor JSON Schema, the profiles it claims (each failure with its rule, message and field), and the
JSON-LD terms of the credential it will be issued in (an undefined ``type`` is refused here, at the field
written, not at every issuance).

Each error names the field in the request body as an RFC 6901 ``pointer`` (``/achievement/...``), beside
the rule's own ``path`` where there is one."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from app.db.models import Tenant
from app.errors import ValidationFailed
from app.settings import Settings
from app.tenants.service import tenant_profile
from app.urls import credential_url
from issuer.build import JP_PROFILE, Recipient, build_credential
from profiles.descriptors import evaluate_achievement, pointer_of
from profiles.validation import validate_credential_schema, validate_descriptor
from profiles.validation.programme import validate_programme
from proofs.jsonld import DocumentLoader, JsonLdFailure, UndefinedTerm, UnknownContext

__all__ = ["check_credential_schema", "check_descriptor", "check_profiles", "check_terms"]

# Where the achievement sits in the credential a rule or the JSON-LD check reports on, and in the body.
_CREDENTIAL_PREFIX = "/credentialSubject/achievement"
_BODY_PREFIX = "/achievement"
# A stand-in learner for the trial build: the learner's fields are the service's own, never the template's.
_TRIAL_LEARNER_UUID = uuid.UUID(int=0)
_TRIAL_LEARNER = Recipient(
    id="urn:uuid:00000000-0000-4000-8000-000000000000", given_name="A", family_name="B"
)


def _body_pointer(credential_pointer: str) -> str | None:
    """The request body's pointer for a place in the credential (None: outside the achievement)."""
    if credential_pointer == _CREDENTIAL_PREFIX or credential_pointer.startswith(_CREDENTIAL_PREFIX + "/"):
        return _BODY_PREFIX + credential_pointer.removeprefix(_CREDENTIAL_PREFIX)
    return None


# Where validate_programme places the descriptor (its paths are within a credential).
_IN_CREDENTIAL = "/credentialSubject/achievement/mcDescriptor"


def check_descriptor(achievement: Mapping[str, Any], profiles: Sequence[str]) -> None:
    descriptor = achievement.get("mcDescriptor")
    if descriptor is None:
        return
    errors = [(e.path, e.message) for e in validate_descriptor(descriptor, strict=JP_PROFILE in profiles)]
    if isinstance(descriptor, Mapping) and "programme" in descriptor:  # the register's terms (issue 17)
        errors += [
            (e.path.removeprefix(_IN_CREDENTIAL), e.message)
            for e in validate_programme(descriptor["programme"])
        ]
    if errors:
        raise ValidationFailed(
            "the mcDescriptor block does not match the descriptor JSON Schema",
            type_name="invalid-descriptor",
            errors=[
                {"path": path, "pointer": f"{_BODY_PREFIX}/mcDescriptor{path}", "message": message}
                for path, message in errors
            ],
        )


def check_profiles(achievement: Mapping[str, Any], profiles: Sequence[str]) -> None:
    """Each claimed profile's failing rules: ``failed_rules`` (ids by profile) and ``errors`` (one per rule,
    with its message, the rule's ``path`` and the body's ``pointer``)."""
    failures: dict[str, list[str]] = {}
    errors: list[dict[str, Any]] = []
    for profile in profiles:
        result = evaluate_achievement(achievement, profile)
        if not result.failed_rules:
            continue
        failures[profile] = list(result.failed_rules)
        for rule in result.rules:
            if rule.status != "fail" or rule.severity != "error":
                continue
            error: dict[str, Any] = {"profile": profile, "rule": rule.id, "message": rule.message}
            if rule.path:
                error["path"] = rule.path
                if (pointer := _body_pointer(pointer_of(rule.path))) is not None:
                    error["pointer"] = pointer
            errors.append(error)
    if failures:
        raise ValidationFailed(
            "the achievement does not meet the descriptor profiles it claims",
            type_name="profile-requirements-not-met",
            failed_rules=failures,
            errors=errors,
        )


def check_terms(
    loader: DocumentLoader,
    settings: Settings,
    tenant: Tenant,
    achievement: Mapping[str, Any],
    profiles: Sequence[str],
    *,
    now: dt.datetime,
) -> None:
    """Build the credential the template will be issued in (a stand-in learner) and check that every
    property and type in it is defined by its JSON-LD contexts, as signing will."""
    unsigned = build_credential(
        credential_id=credential_url(settings, _TRIAL_LEARNER_UUID),
        issuer=tenant_profile(settings, tenant),
        achievement=achievement,
        recipient=_TRIAL_LEARNER,
        valid_from=now,
        profiles=profiles,
    )
    try:
        loader.check_terms(unsigned)
    except UndefinedTerm as exc:
        pointer = _body_pointer(exc.pointer) if exc.pointer else None
        error = {"term": exc.term, "message": f"'{exc.term}' is not defined by the credential's contexts"}
        raise ValidationFailed(
            f"'{exc.term}' is not defined by any of the credential's JSON-LD contexts",
            type_name="undefined-term",
            term=exc.term,
            errors=[{**error, "path": exc.path, **({"pointer": pointer} if pointer else {})}],
        ) from None
    except UnknownContext as exc:
        raise ValidationFailed(
            f"the JSON-LD context {exc.url} is not one this service knows",
            type_name="unknown-context",
            context=exc.url,
        ) from None
    except JsonLdFailure as exc:
        raise ValidationFailed(
            f"the achievement cannot be processed as JSON-LD: {exc}", type_name="invalid-achievement"
        ) from None
    # The OB 3.0 (and descriptor) JSON Schemas, as every issuance checks them: a template no credential
    # issued from could pass (a resultDescription that is a number) is refused now, not at each issuance.
    check_credential_schema(unsigned, profiles)


def check_credential_schema(credential: Mapping[str, Any], profiles: Sequence[str]) -> None:
    """The OB 3.0 and descriptor profile JSON Schemas (strict for the Japanese profile): a 422
    ``schema-validation-failed`` listing each error, else nothing."""
    schema_errors = validate_credential_schema(credential, strict=JP_PROFILE in profiles)
    if schema_errors:
        raise ValidationFailed(
            "the credential does not match the OB 3.0 / descriptor JSON Schemas",
            type_name="schema-validation-failed",
            errors=[{"path": e.path, "message": e.message} for e in schema_errors],
        )
