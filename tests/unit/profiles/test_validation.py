"""JSON Schema validation (profiles/validation): the OB 3.0 AchievementCredential transcription and
the micro-credential descriptor schema, on the design's example credential."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from issuer.build import OB_SCHEMA, Recipient, build_credential
from profiles.validation import (
    MC_DESCRIPTOR_SCHEMA_ID,
    MC_PROFILE_SCHEMA_ID,
    OB_CREDENTIAL_SCHEMA_ID,
    SchemaError,
    known_schema_ids,
    validate_against,
    validate_credential_schema,
    validate_descriptor,
)
from tests.paths import DATA, ROOT

SCHEMAS = ROOT / "schemas"


@pytest.fixture
def credential() -> dict[str, Any]:
    c: dict[str, Any] = json.loads((DATA / "example-admal-agk.json").read_text(encoding="utf-8"))
    c.pop("proof", None)
    return c


def paths(errors: list[SchemaError]) -> list[str]:
    return [e.path for e in errors]


def test_schema_id_constant_matches_the_issuer() -> None:
    assert OB_CREDENTIAL_SCHEMA_ID == (
        "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
    )
    assert OB_SCHEMA == OB_CREDENTIAL_SCHEMA_ID


def test_the_transcription_says_what_it_is() -> None:
    schema = json.loads((SCHEMAS / "json" / "ob_v3p0_achievementcredential_schema.json").read_text("utf-8"))
    assert "transcription" in schema["description"]
    assert not schema["$id"].startswith("https://purl.imsglobal.org/")


def test_the_example_validates(credential: dict[str, Any]) -> None:
    assert validate_credential_schema(credential) == []
    assert validate_descriptor(credential["credentialSubject"]["achievement"]["mcDescriptor"]) == []
    assert validate_against(OB_CREDENTIAL_SCHEMA_ID, credential) == []
    assert validate_against(MC_PROFILE_SCHEMA_ID, credential) == []


def test_unknown_schema_ids_are_not_checked(credential: dict[str, Any]) -> None:
    assert validate_against("https://purl.imsglobal.org/spec/ob-assessment/v2p0/schema/", credential) is None


def test_the_known_schema_ids_are_checked_offline(credential: dict[str, Any]) -> None:
    assert known_schema_ids() == {OB_CREDENTIAL_SCHEMA_ID, MC_PROFILE_SCHEMA_ID, MC_DESCRIPTOR_SCHEMA_ID}
    for schema_id in known_schema_ids():
        assert validate_against(schema_id, credential) == []


def test_missing_valid_from(credential: dict[str, Any]) -> None:
    del credential["validFrom"]
    assert paths(validate_credential_schema(credential)) == ["/validFrom"]


@pytest.mark.parametrize("field", ["@context", "id", "type", "issuer", "credentialSubject"])
def test_missing_required_properties(credential: dict[str, Any], field: str) -> None:
    del credential[field]
    assert paths(validate_credential_schema(credential)) == [f"/{field}"]


def test_type_must_be_an_array(credential: dict[str, Any]) -> None:
    credential["type"] = "OpenBadgeCredential"
    assert paths(validate_credential_schema(credential)) == ["/type"]


def test_type_must_name_both_types(credential: dict[str, Any]) -> None:
    credential["type"] = ["VerifiableCredential"]
    assert paths(validate_credential_schema(credential)) == ["/type"]
    credential["type"] = ["AchievementCredential"]
    assert paths(validate_credential_schema(credential)) == ["/type"]


def test_context_order(credential: dict[str, Any]) -> None:
    credential["@context"][1] = "https://purl.imsglobal.org/spec/ob/v3p0/context-9.json"
    assert paths(validate_credential_schema(credential)) == ["/@context/1"]
    credential["@context"] = ["https://www.w3.org/ns/credentials/v2"]
    assert paths(validate_credential_schema(credential)) == ["/@context"]


def test_dates_need_a_time_zone(credential: dict[str, Any]) -> None:
    credential["validUntil"] = "2027-03-20T00:00:00"
    credential["credentialSubject"]["activityStartDate"] = "2026-01-05"
    assert paths(validate_credential_schema(credential)) == [
        "/credentialSubject/activityStartDate",
        "/validUntil",
    ]


def test_a_credential_status_array(credential: dict[str, Any]) -> None:
    revocation = credential["credentialStatus"]
    suspension = {
        **revocation,
        "id": "https://credentials.admal.example/status/3#94568",
        "statusPurpose": "suspension",
    }
    credential["credentialStatus"] = [revocation, suspension]
    assert validate_credential_schema(credential) == []
    del suspension["statusListIndex"]
    suspension["statusListCredential"] = "not a url"
    assert paths(validate_credential_schema(credential)) == [
        "/credentialStatus/1/statusListCredential",
        "/credentialStatus/1/statusListIndex",
    ]
    credential["credentialStatus"] = []
    assert paths(validate_credential_schema(credential)) == ["/credentialStatus"]


def test_status_list_index_is_a_string(credential: dict[str, Any]) -> None:
    credential["credentialStatus"]["statusListIndex"] = 94567
    assert paths(validate_credential_schema(credential)) == ["/credentialStatus/statusListIndex"]


def test_issuer_may_be_a_uri_but_a_profile_needs_its_type(credential: dict[str, Any]) -> None:
    issuer = credential["issuer"]
    credential["issuer"] = issuer["id"]
    assert validate_credential_schema(credential) == []
    credential["issuer"] = {k: v for k, v in issuer.items() if k != "type"}
    assert paths(validate_credential_schema(credential)) == ["/issuer/type"]
    credential["issuer"] = {**issuer, "type": ["Organization"]}
    assert paths(validate_credential_schema(credential)) == ["/issuer/type"]


def test_subject_needs_an_id_or_an_identifier(credential: dict[str, Any]) -> None:
    subject = credential["credentialSubject"]
    del subject["id"]
    assert validate_credential_schema(credential) == []
    del subject["identifier"]
    assert paths(validate_credential_schema(credential)) == ["/credentialSubject"]


def test_identity_objects(credential: dict[str, Any]) -> None:
    identity = credential["credentialSubject"]["identifier"][1]
    identity["hashed"] = "true"
    del identity["identityType"]
    assert paths(validate_credential_schema(credential)) == [
        "/credentialSubject/identifier/1/hashed",
        "/credentialSubject/identifier/1/identityType",
    ]


@pytest.mark.parametrize("field", ["id", "type", "name", "description", "criteria"])
def test_achievement_required_properties(credential: dict[str, Any], field: str) -> None:
    del credential["credentialSubject"]["achievement"][field]
    assert paths(validate_credential_schema(credential)) == [f"/credentialSubject/achievement/{field}"]


def test_criteria_needs_an_id_or_a_narrative(credential: dict[str, Any]) -> None:
    criteria = credential["credentialSubject"]["achievement"]["criteria"]
    del criteria["id"]
    assert validate_credential_schema(credential) == []
    del criteria["narrative"]
    assert paths(validate_credential_schema(credential)) == ["/credentialSubject/achievement/criteria"]


def test_achievement_fields(credential: dict[str, Any]) -> None:
    achievement = credential["credentialSubject"]["achievement"]
    achievement["achievementType"] = "ShortCourse"
    achievement["creditsAvailable"] = "3"
    achievement["alignment"][0]["targetUrl"] = "www.mqa.gov.my"
    assert paths(validate_credential_schema(credential)) == [
        "/credentialSubject/achievement/achievementType",
        "/credentialSubject/achievement/alignment/0/targetUrl",
        "/credentialSubject/achievement/creditsAvailable",
    ]
    achievement["achievementType"] = "ext:ShortCourse"
    assert "/credentialSubject/achievement/achievementType" not in paths(
        validate_credential_schema(credential)
    )


def test_extension_properties_are_allowed(credential: dict[str, Any]) -> None:
    credential["ext:somethingElse"] = {"x": 1}
    credential["credentialSubject"]["achievement"]["shomeiNote"] = "extra"
    assert validate_credential_schema(credential) == []


def test_a_proof_is_checked_when_present(credential: dict[str, Any]) -> None:
    credential["proof"] = {"type": "DataIntegrityProof", "proofPurpose": "authentication"}
    assert paths(validate_credential_schema(credential)) == ["/proof/proofPurpose"]
    credential["proof"] = [{"type": "DataIntegrityProof", "proofPurpose": "assertionMethod"}]
    assert validate_credential_schema(credential) == []


# --- the descriptor block ------------------------------------------------------------------------


def test_bad_descriptor_workload(credential: dict[str, Any]) -> None:
    descriptor = credential["credentialSubject"]["achievement"]["mcDescriptor"]
    descriptor["notionalWorkloadHours"] = "120"
    assert paths(validate_descriptor(descriptor)) == ["/notionalWorkloadHours"]
    assert paths(validate_credential_schema(credential)) == [
        "/credentialSubject/achievement/mcDescriptor/notionalWorkloadHours"
    ]
    descriptor["notionalWorkloadHours"] = 0
    assert paths(validate_descriptor(descriptor)) == ["/notionalWorkloadHours"]


@pytest.mark.parametrize(
    "field",
    [
        "learningOutcome",
        "notionalWorkloadHours",
        "participationForm",
        "qualityAssurance",
        "stackability",
        "certificateForm",
    ],
)
def test_descriptor_required_properties(credential: dict[str, Any], field: str) -> None:
    """What must be present is the profile's business: the shape check asks only for ``type``; the
    Japanese framework's schema (``strict``, a template claiming jp-mc-framework) asks for these too,
    and a credential naming that schema fails it."""
    descriptor = credential["credentialSubject"]["achievement"]["mcDescriptor"]
    del descriptor[field]
    assert validate_descriptor(descriptor) == []
    assert validate_credential_schema(credential) == []
    assert validate_against(MC_DESCRIPTOR_SCHEMA_ID, credential) == []
    assert paths(validate_descriptor(descriptor, strict=True)) == [f"/{field}"]
    assert paths(validate_credential_schema(credential, strict=True)) == [
        f"/credentialSubject/achievement/mcDescriptor/{field}"
    ]
    assert validate_against(MC_PROFILE_SCHEMA_ID, credential)


def test_descriptor_type_is_always_required(credential: dict[str, Any]) -> None:
    descriptor = credential["credentialSubject"]["achievement"]["mcDescriptor"]
    del descriptor["type"]
    for strict in (False, True):
        assert paths(validate_descriptor(descriptor, strict=strict)) == ["/type"]
    assert paths(validate_against(MC_DESCRIPTOR_SCHEMA_ID, credential) or []) == [
        "/credentialSubject/achievement/mcDescriptor/type"
    ]


def test_descriptor_nested_errors(credential: dict[str, Any]) -> None:
    descriptor = credential["credentialSubject"]["achievement"]["mcDescriptor"]
    descriptor["learningOutcome"][2]["outcomeType"] = "attitude"
    descriptor["qualityAssurance"] = [q for q in descriptor["qualityAssurance"] if q["qaScope"] == "external"]
    descriptor["stackability"]["stackableTowards"] = []
    # Only external QA is a shape the EU profile accepts; the Japanese framework wants an internal one.
    assert paths(validate_descriptor(descriptor)) == [
        "/learningOutcome/2/outcomeType",
        "/stackability/stackableTowards",
    ]
    assert paths(validate_descriptor(descriptor, strict=True)) == [
        "/learningOutcome/2/outcomeType",
        "/qualityAssurance",
        "/stackability/stackableTowards",
    ]


def test_a_credential_without_a_descriptor_is_not_checked_against_it(credential: dict[str, Any]) -> None:
    del credential["credentialSubject"]["achievement"]["mcDescriptor"]
    assert validate_credential_schema(credential) == []


def test_errors_carry_a_message(credential: dict[str, Any]) -> None:
    del credential["validFrom"]
    credential["type"] = "x"
    errors = validate_credential_schema(credential)
    assert errors
    assert all(isinstance(e.message, str) and e.message for e in errors)


def test_what_the_issuer_builds_validates(credential: dict[str, Any]) -> None:
    subject = credential["credentialSubject"]
    built = build_credential(
        credential_id=credential["id"],
        issuer=credential["issuer"],
        achievement=subject["achievement"],
        recipient=Recipient(
            id=subject["id"],
            identifiers=subject["identifier"],
            given_name=subject["givenName"],
            family_name=subject["familyName"],
        ),
        valid_from=dt.datetime(2026, 3, 20, tzinfo=dt.UTC),
        awarded_date=dt.datetime(2026, 3, 20, tzinfo=dt.UTC),
        results=subject["result"],
        credits_earned=3,
        credential_status=[
            credential["credentialStatus"],
            {**credential["credentialStatus"], "id": "urn:x:2"},
        ],
    )
    assert validate_credential_schema(built) == []
