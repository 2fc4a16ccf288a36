"""issuer.sd_jwt_vc: the EUDI Learning Credential projection (descriptors.md §2.1) of the ADMAL example,
issued as an SD-JWT VC with an x5c chain, a Token Status List reference and key binding."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
from typing import Any

import pytest

from issuer.sd_jwt_vc import (
    LEARNING_CREDENTIAL_CLAIMS,
    LEARNING_CREDENTIAL_VCT,
    MICRO_CREDENTIAL_CLAIMS,
    ProjectionError,
    integrity,
    learning_credential_claims,
    micro_credential_claims,
    micro_credential_type_metadata,
    type_metadata_bytes,
)
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.multibase import b64url_decode
from proofs.sd_jwt import (
    holder_key_from_cnf,
    issue_sd_jwt,
    make_kb_jwt,
    parse_sd_jwt,
    verify_kb_jwt,
    verify_sd_jwt,
)
from proofs.token_status_list import referenced_status
from proofs.x509 import issue_leaf, make_ca, verify_chain, x5c_chain
from schemas.problems import problem_type
from tests.paths import DATA
from verifier.sd_jwt_vc import SdJwtVcChecks, integrity_matches

EXAMPLE = json.loads((DATA / "example-admal-agk.json").read_text(encoding="utf-8"))
ISSUER_URL = "https://credentials.admal.example"

EXPECTED = {
    "iss": ISSUER_URL,
    "vct": "urn:eu.europa.ec.eudi:learning:credential:1",
    "issuing_authority": "ADMAL Aviation College",
    "issuing_country": "MY",
    "date_of_issuance": "2026-03-20",
    "family_name": "Tan",
    "given_name": "Mei Ling",
    "achievement_title": "Micro-Certification in Aircraft General Knowledge",
    "achievement_description": (
        "Stand-alone micro-credential split out of the MQA-accredited Diploma in Aviation Management "
        "(MQA/PA12318). Covers principles of flight, airframe and powerplant systems, instruments and "
        "aviation regulation."
    ),
    "learning_outcomes": [
        "Explain the principles of flight and the function of the main airframe, powerplant and instrument "
        "systems of fixed-wing aircraft.",
        "Identify aircraft systems and components and interpret basic aircraft performance and loading "
        "documentation.",
        "Apply civil aviation safety and regulatory requirements when reasoning about routine aircraft "
        "operations, working under supervision.",
    ],
    "assessment_grade": "A-",
    "language_of_classes": ["en"],
    "learner_identification": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    "expected_study_time": "120 hours; 3 MQA-credit",
    "level_of_learning_experience": 4,
    "types_of_quality_assurance": ["institutional-internal-quality-assurance", "programme-accreditation"],
    "prerequisites_to_enroll": [
        "Admission requirements of the Diploma in Aviation Management, or equivalent prior learning "
        "recognised by the college."
    ],
    "integration_stackability_options": True,
}


def _project(
    credential: dict[str, Any] | None = None, country: str = "MY"
) -> tuple[dict[str, Any], set[str]]:
    return learning_credential_claims(credential or EXAMPLE, issuer_url=ISSUER_URL, issuer_country=country)


# The reference issuer's selectively disclosable set (EncodeLearningCredential: sdClaim / sdArrClaim)
REFERENCE_SD = {
    "family_name",
    "given_name",
    "learning_outcomes",
    "assessment_grade",
    "learner_identification",
    "expected_study_time",
    "level_of_learning_experience",
    "types_of_quality_assurance",
    "prerequisites_to_enroll",
    "integration_stackability_options",
}


def test_projection_of_the_admal_example() -> None:
    claims, disclosable = _project()
    assert claims == EXPECTED
    assert claims["vct"] == LEARNING_CREDENTIAL_VCT
    assert disclosable == REFERENCE_SD


def test_claim_table_follows_the_reference_issuer() -> None:
    """Names, mandatory flags (SdJwtVcClaims) and the disclosable set (EncodeLearningCredential) of
    eu-digital-identity-wallet/eudi-srv-pid-issuer's learning credential."""
    by_name = {claim.name: claim for claim in LEARNING_CREDENTIAL_CLAIMS}
    assert len(by_name) == 17
    mandatory = {name for name, claim in by_name.items() if claim.mandatory}
    assert mandatory == {
        "issuing_authority",
        "issuing_country",
        "date_of_issuance",
        "family_name",
        "achievement_title",
        "language_of_classes",
        "learner_identification",
        "expected_study_time",
        "level_of_learning_experience",
        "types_of_quality_assurance",
    }
    assert {name for name, claim in by_name.items() if claim.sd} == REFERENCE_SD
    claims, _ = _project()
    assert set(claims) - {"iss", "vct"} <= set(by_name)
    assert isinstance(claims["level_of_learning_experience"], int)
    assert isinstance(claims["learner_identification"], str)


def _with_level(**alignment: str) -> dict[str, Any]:
    credential: dict[str, Any] = copy.deepcopy(EXAMPLE)
    achievement = credential["credentialSubject"]["achievement"]
    achievement["alignment"] = [
        a for a in achievement["alignment"] if a["targetType"] != "ext:QualificationsFrameworkLevel"
    ]
    achievement["alignment"].insert(
        0,
        {
            "type": ["Alignment"],
            "targetType": "ext:QualificationsFrameworkLevel",
            "targetName": "L",
            **alignment,
        },
    )
    return credential


@pytest.mark.parametrize(
    ("alignment", "level"),
    [
        ({"targetUrl": "http://data.europa.eu/snb/eqf/5", "targetCode": "5"}, 5),
        ({"targetFramework": "European Qualifications Framework (EQF)", "targetCode": "7"}, 7),
        ({"targetFramework": "Malaysian Qualifications Framework (MQF) 2nd edition", "targetCode": "6"}, 6),
        ({"targetFramework": "QF-EHEA", "targetCode": "short cycle"}, 5),
        (
            {
                "targetFramework": "Qualifications Framework of the European Higher Education Area",
                "targetCode": "2",
            },
            7,
        ),
        ({"targetFramework": "Deutscher Qualifikationsrahmen (DQR)", "targetCode": "6"}, 6),
        ({"targetFramework": "National Framework of Qualifications (Ireland)", "targetCode": "8"}, 6),
        ({"targetFramework": "National Framework of Qualifications (Ireland)", "targetCode": "10"}, 8),
    ],
)
def test_level_is_the_eqf_level_mapped_from_eqf_qf_ehea_mqf_and_nqf_levels(
    alignment: dict[str, str], level: int
) -> None:
    claims, disclosable = _project(_with_level(**alignment))
    assert claims["level_of_learning_experience"] == level
    assert "level_of_learning_experience" in disclosable


def test_unhashed_learner_identifier_comes_first_and_is_disclosable() -> None:
    credential = copy.deepcopy(EXAMPLE)
    credential["credentialSubject"]["identifier"].append(
        {
            "type": "IdentityObject",
            "identityType": "studentId",
            "hashed": False,
            "identityHash": "ADMAL-2026-0042",
        }
    )
    claims, disclosable = _project(credential)
    assert claims["learner_identification"] == "ADMAL-2026-0042"
    assert "learner_identification" in disclosable


def test_learner_identification_falls_back_to_the_subject_id_then_a_hashed_identifier() -> None:
    assert _project()[0]["learner_identification"] == EXAMPLE["credentialSubject"]["id"]
    credential = copy.deepcopy(EXAMPLE)
    del credential["credentialSubject"]["id"]
    hashed = credential["credentialSubject"]["identifier"][1]["identityHash"]
    assert _project(credential)[0]["learner_identification"] == hashed
    # A name is never the learner's identifier: with nothing else, the projection is refused.
    credential["credentialSubject"]["identifier"] = credential["credentialSubject"]["identifier"][:1]
    with pytest.raises(ProjectionError, match="learner_identification"):
        _project(credential)


def _without(path: str) -> dict[str, Any]:
    credential: dict[str, Any] = copy.deepcopy(EXAMPLE)
    *parents, last = path.split(".")
    node = credential
    for part in parents:
        node = node[part]
    del node[last]
    return credential


@pytest.mark.parametrize(
    ("path", "claim"),
    [
        ("credentialSubject.familyName", "family_name"),
        ("credentialSubject.achievement.inLanguage", "language_of_classes"),
        ("credentialSubject.achievement.alignment", "level_of_learning_experience"),
        ("credentialSubject.achievement.mcDescriptor.qualityAssurance", "types_of_quality_assurance"),
        ("credentialSubject.achievement.mcDescriptor.notionalWorkloadHours", None),
    ],
)
def test_a_credential_without_a_mandatory_claim_is_not_projected(path: str, claim: str | None) -> None:
    credential = _without(path)
    if claim is None:  # workload and credits both make the study time
        del credential["credentialSubject"]["achievement"]["mcDescriptor"]["credit"]
        claim = "expected_study_time"
    with pytest.raises(ProjectionError, match=claim):
        _project(credential)


def test_a_level_outside_the_mapped_frameworks_is_not_a_level() -> None:
    credential = _with_level(targetFramework="Scottish Credit and Qualifications Framework", targetCode="11")
    with pytest.raises(ProjectionError, match="level_of_learning_experience"):
        _project(credential)


def test_valid_until_becomes_date_of_expiry() -> None:
    credential = dict(EXAMPLE, validUntil="2031-03-19T23:00:00-02:00")
    claims, _ = _project(credential)
    assert claims["date_of_expiry"] == "2031-03-20"


def test_issuer_country_falls_back_to_the_argument_and_must_agree() -> None:
    credential = copy.deepcopy(EXAMPLE)
    del credential["issuer"]["address"]
    assert _project(credential, country="MY")[0]["issuing_country"] == "MY"
    with pytest.raises(ProjectionError):
        _project(country="DE")


def test_stand_alone_credential_is_not_stackable() -> None:
    credential = copy.deepcopy(EXAMPLE)
    credential["credentialSubject"]["achievement"]["mcDescriptor"]["stackability"] = {
        "integration": "stand-alone"
    }
    assert _project(credential)[0]["integration_stackability_options"] is False


@pytest.mark.parametrize("broken", ["issuer_url", "validFrom", "name"])
def test_projection_refuses_incomplete_input(broken: str) -> None:
    credential = copy.deepcopy(EXAMPLE)
    issuer_url = ISSUER_URL
    if broken == "issuer_url":
        issuer_url = "http://credentials.admal.example"
    elif broken == "validFrom":
        del credential["validFrom"]
    else:
        del credential["credentialSubject"]["achievement"]["name"]
    with pytest.raises(ProjectionError):
        learning_credential_claims(credential, issuer_url=issuer_url, issuer_country="MY")


def test_issued_learning_credential_end_to_end() -> None:
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    ca_key, issuer_key, holder_key = (PrivateKey.generate(KeyAlgorithm.P256) for _ in range(3))
    ca = make_ca("ADMAL Dev CA", ca_key, not_before=t0, not_after=t0 + dt.timedelta(days=3650))
    leaf = issue_leaf(
        ca_key,
        ca,
        issuer_key.public_key(),
        subject_name="ADMAL Aviation College",
        san_uri=ISSUER_URL,
        not_before=t0,
        not_after=t0 + dt.timedelta(days=365),
    )
    claims, disclosable = _project()
    iat = 1_774_000_000
    claims |= {"iat": iat, "cnf": {"jwk": holder_key.public_key().jwk()}}
    claims |= {"status": referenced_status(94567, "https://credentials.admal.example/status/tsl/3")}
    issued = issue_sd_jwt(claims, disclosable=disclosable, key=issuer_key, header={"x5c": x5c_chain([leaf])})

    sd = parse_sd_jwt(issued)
    visible = sd.issuer_jwt.payload
    assert {"family_name", "given_name", "assessment_grade"}.isdisjoint(visible)
    assert visible["achievement_title"] == EXPECTED["achievement_title"]

    # The holder presents the names but not the grade.
    names = [d for d in sd.disclosures if json.loads(b64url_decode(d))[1] != "assessment_grade"]
    without_kb = "~".join([sd.issuer_jwt_compact, *names, ""])
    presentation = without_kb + make_kb_jwt(
        without_kb, holder_key=holder_key, aud="https://employer.example", nonce="nonce-1", iat=iat + 60
    )

    presented = parse_sd_jwt(presentation)
    issuer_public = verify_chain(
        presented.issuer_jwt.header["x5c"], [ca], dt.datetime.fromtimestamp(iat, dt.UTC)
    )
    payload = verify_sd_jwt(presented, issuer_public, now=iat + 60)
    verify_kb_jwt(
        presented,
        holder_key_from_cnf(payload),
        aud="https://employer.example",
        nonce="nonce-1",
        now=iat + 61,
        max_age=300,
    )
    assert payload["family_name"] == "Tan" and payload["given_name"] == "Mei Ling"
    assert "assessment_grade" not in payload
    assert payload["status"] == {
        "status_list": {"idx": 94567, "uri": "https://credentials.admal.example/status/tsl/3"}
    }


# --- Shomei's own type (vct at our own URL, with Type Metadata) ---------------------------------------

OWN_VCT = "https://credentials.admal.example/vct/micro-credential/v1"


def test_own_type_carries_the_eu_claims_and_the_descriptors_the_eu_type_lacks() -> None:
    eu, _ = _project()
    claims, disclosable = micro_credential_claims(
        EXAMPLE, issuer_url=ISSUER_URL, issuer_country="MY", vct=OWN_VCT
    )
    assert claims["vct"] == OWN_VCT
    assert {k: v for k, v in claims.items() if k in eu and k != "vct"} == {
        k: v for k, v in eu.items() if k != "vct"
    }
    assert claims["assessment_methods"] == ["written-examination", "practical-assessment"]
    assert claims["form_of_participation"] == "onsite"
    assert claims["supervision_and_id_verification"] == "supervised-onsite-with-id-verification"
    assert claims["notional_workload_hours"] == 120
    assert claims["credits"] == [{"system": "MQA-credit", "value": 3}]
    assert claims["quality_assurance"][1] == {
        "scope": "external",
        "type": "programme-accreditation",
        "body": "Malaysian Qualifications Agency (MQA)",
        "reference": "MQA/PA12318",
    }
    assert claims["stackable_towards"][0]["target_type"] == "degree-programme"
    assert claims["stackable_towards"][0]["credits"] == 3
    assert claims["recognition"] == [
        {
            "type": "credit-transfer",
            "description": "3 MQA credits transferable into the Diploma in Aviation Management under the "
            "provider's credit transfer policy.",
        }
    ]
    assert disclosable == REFERENCE_SD | ({"credential_url"} & claims.keys())
    assert "assessment_methods" not in disclosable


def test_own_type_metadata_describes_every_claim_and_its_integrity_is_sri_sha256() -> None:
    metadata = micro_credential_type_metadata(OWN_VCT)
    assert metadata["vct"] == OWN_VCT and metadata["display"][0]["locale"] == "en"
    described = {tuple(c["path"]) for c in metadata["claims"]}
    claims, disclosable = micro_credential_claims(
        EXAMPLE, issuer_url=ISSUER_URL, issuer_country="MY", vct=OWN_VCT
    )
    assert {(name,) for name in claims if name not in ("iss", "vct")} <= described
    by_name = {c["path"][0]: c for c in metadata["claims"]}
    assert all(by_name[name]["sd"] == "always" for name in disclosable)
    assert by_name["achievement_title"]["mandatory"] is True and by_name["achievement_title"]["sd"] == "never"
    body = type_metadata_bytes(metadata)
    assert json.loads(body) == metadata
    assert integrity(body) == "sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert integrity_matches(body, integrity(body))
    assert integrity_matches(body, "sha512-AAAA " + integrity(body))  # any listed value may match
    assert not integrity_matches(body + b" ", integrity(body))
    assert not integrity_matches(
        body, "md5-" + base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()
    )


def _own_type_checks(fetch: Any) -> SdJwtVcChecks:
    return SdJwtVcChecks(
        trust_anchors=[], fetch_json=None, fetch_text=None, skew=dt.timedelta(0), fetch_type_metadata=fetch
    )


def test_verifier_type_check_follows_the_published_type_metadata() -> None:
    metadata = micro_credential_type_metadata(OWN_VCT)
    body = type_metadata_bytes(metadata)
    claims, _ = micro_credential_claims(EXAMPLE, issuer_url=ISSUER_URL, issuer_country="MY", vct=OWN_VCT)
    claims["vct#integrity"] = integrity(body)
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return body

    assert _own_type_checks(fetch)._type(claims)["outcome"] == "passed" and fetched == [OWN_VCT]
    # The metadata changed after issuance: vct#integrity no longer matches.
    changed = type_metadata_bytes({**metadata, "name": "Something else"})
    result = _own_type_checks(lambda _url: changed)._type(claims)
    assert (result["outcome"], result["type"]) == ("failed", problem_type("type-metadata-mismatch"))
    # Without vct#integrity the changed document is accepted, but a document for another vct is not.
    unpinned = {k: v for k, v in claims.items() if k != "vct#integrity"}
    assert _own_type_checks(lambda _url: changed)._type(unpinned)["outcome"] == "passed"
    other = type_metadata_bytes({**metadata, "vct": "https://elsewhere.example/vct"})
    assert _own_type_checks(lambda _url: other)._type(unpinned)["type"] == problem_type(
        "type-metadata-mismatch"
    )
    # A mandatory claim is missing.
    incomplete = {k: v for k, v in unpinned.items() if k != "achievement_title"}
    result = _own_type_checks(fetch)._type(incomplete)
    assert result["outcome"] == "failed" and result["details"]["missing"] == ["achievement_title"]
    # A mandatory claim the holder may withhold (sd always) is not missing when undisclosed.
    withheld = {k: v for k, v in unpinned.items() if k not in ("learner_identification", "family_name")}
    assert _own_type_checks(fetch)._type(withheld)["outcome"] == "passed"

    # Unreachable metadata is a warning, not a failure; a known URN type needs no fetch.
    def unreachable(url: str) -> bytes:
        raise OSError("connection refused")

    result = _own_type_checks(unreachable)._type(claims)
    assert (result["outcome"], result["type"]) == ("warning", problem_type("type-metadata-unavailable"))
    eu = {**claims, "vct": LEARNING_CREDENTIAL_VCT}
    assert _own_type_checks(unreachable)._type(eu)["outcome"] == "passed"
    assert _own_type_checks(unreachable)._type({k: v for k, v in claims.items() if k != "vct"})[
        "outcome"
    ] == ("failed")


def test_own_type_serves_a_credential_the_eu_type_cannot() -> None:
    """Shomei's type requires only what every credential has: without a mappable level (or with
    levelNotApplicable) the EU type is refused, ours carries the rest."""
    credential = _with_level(targetFramework="Scottish Credit and Qualifications Framework", targetCode="11")
    with pytest.raises(ProjectionError, match="level_of_learning_experience"):
        _project(credential)
    claims, _ = micro_credential_claims(credential, issuer_url=ISSUER_URL, issuer_country="MY", vct=OWN_VCT)
    assert "level_of_learning_experience" not in claims and claims["achievement_title"]
    mandatory = {c.name for c in MICRO_CREDENTIAL_CLAIMS if c.mandatory}
    assert mandatory == {"issuing_authority", "issuing_country", "date_of_issuance", "achievement_title"}
    assert {c.name for c in MICRO_CREDENTIAL_CLAIMS if c.sd} == REFERENCE_SD | {"credential_url"}
